package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// The morning job stores each organisation's report as the day's
// snapshot, the one later reads of that date return, and posts it as JSON
// to the organisation's webhook when it has one.

// WebhookTimeout bounds one post of a report to a webhook.
const WebhookTimeout = 10 * time.Second

// webhookTries is how many times a report is posted before giving up,
// waiting webhookBackoff, then twice, four times as long between tries.
const webhookTries = 4

var webhookBackoff = 2 * time.Second

// ParseReportTime reads the time of day of the morning job, "HH:MM".
func ParseReportTime(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("org report time %q: must be HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// RunMorningReports runs the morning job every day at the time of day at
// (in China) until ctx ends.
func (s *OrgService) RunMorningReports(ctx context.Context, at time.Duration) {
	for {
		now := s.Now()
		next := nextAt(now, at)
		s.logger().InfoContext(ctx, "org reports: next run", "at", next)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now)):
		}
		s.MorningReports(ctx)
	}
}

// nextAt is the first time after now at the time of day at, in China.
func nextAt(now time.Time, at time.Duration) time.Time {
	local := now.In(dayZone)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, dayZone)
	next := day.Add(at)
	if !next.After(now) {
		next = day.AddDate(0, 0, 1).Add(at)
	}
	return next
}

// MorningReports stores today's report of every organisation and posts
// each to its webhook; it returns how many were stored. A failure with
// one organisation is logged and counted, and the others go on.
func (s *OrgService) MorningReports(ctx context.Context) int {
	orgs, err := s.Store.ListOrgs(ctx, healthcode.OrgFilter{})
	if err != nil {
		s.logger().ErrorContext(ctx, "org reports: list organisations", "err", err)
		return 0
	}
	stored := 0
	for _, o := range orgs {
		r, err := s.liveReport(ctx, o, "", s.Now())
		if err == nil {
			r.Live = false
			err = s.Store.SaveOrgReport(ctx, r)
		}
		if err != nil {
			s.logger().ErrorContext(ctx, "org reports: store", "org", o.ID, "err", err)
			s.Metrics.reported("store_failed")
			continue
		}
		stored++
		s.Metrics.reported("stored")
		if o.Webhook != "" {
			s.postReport(ctx, o, r)
		}
	}
	s.logger().InfoContext(ctx, "org reports stored", "orgs", len(orgs), "stored", stored)
	return stored
}

// postReport posts r to the organisation's webhook, trying again with
// backoff on a network error or a 5xx answer.
func (s *OrgService) postReport(ctx context.Context, o *healthcode.Org, r *healthcode.OrgReport) {
	body, err := json.Marshal(r)
	if err != nil {
		s.logger().ErrorContext(ctx, "org reports: encode", "org", o.ID, "err", err)
		return
	}
	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: WebhookTimeout}
	}
	wait := webhookBackoff
	for try := 1; ; try++ {
		status, err := postOnce(ctx, client, o.Webhook, body)
		switch {
		case err == nil && status < 300:
			s.Metrics.webhook("delivered")
			s.logger().InfoContext(ctx, "org report delivered", "org", o.ID, "tries", try)
			return
		case err == nil && status < 500 && status != http.StatusTooManyRequests:
			s.Metrics.webhook("rejected")
			s.logger().WarnContext(ctx, "org report refused by webhook", "org", o.ID, "status", status)
			return
		case try == webhookTries:
			s.Metrics.webhook("failed")
			s.logger().WarnContext(ctx, "org report not delivered", "org", o.ID, "tries", try, "status", status, "err", err)
			return
		}
		s.Metrics.webhook("retried")
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func postOnce(ctx context.Context, client *http.Client, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "healthcode-org-report")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
