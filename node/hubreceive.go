package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/healthcode/healthcode"
)

// HubReceiver is the node's inbox (docs/federation.md, "Node side"): it
// pages the batches other regions sent this one through the hub, checks
// each against the hub's trust list, applies its records as an import
// and acks them.
//
// A batch is applied exactly once. Its id is recorded with the cursor in
// one transaction after its records are imported, and a batch recorded
// already is skipped. A crash between the import and that record lets the
// batch be imported again, but every record id carries the sending
// region's prefix, so the import finds each one stored and counts it a
// duplicate: nothing is applied twice.
type HubReceiver struct {
	Client *HubClient // the hub, the peer token and the trust list held
	Store  healthcode.InboxStore
	// Import is the node's import path: records go through its checks,
	// its duplicates by id, its pending people and the recompute it starts.
	//
	// When it has a Recomputer, the receiver starts that recompute itself,
	// for many batches at once rather than once for each import: whenever
	// RecomputeEvery records were stored since the last one, and at the
	// first round that finds nothing new (or fails).
	// Until then the statuses those records touch are marked due, which
	// every read of a status honours.
	Import *ImportService
	// RecomputeEvery is the records stored (accepted or corrected) after
	// which a recompute starts in the middle of a round; 0:
	// DefaultRecomputeEvery.
	RecomputeEvery int
	Region         string // this node's: a batch to another stops the round
	Limit          int    // batches asked for a page; default 100
	Now            func() time.Time
	Logger         *slog.Logger
	Metrics        *HubReceiveMetrics

	acked atomic.Int64 // the last seq the hub took an ack through, in this process
	// stored counts the records stored (accepted or corrected) since the
	// last recompute this receiver started.
	stored atomic.Int64
}

// CrashAfterBatchImport is the failpoint between a batch's import and
// its record: the test of exactly once crashes the node there.
const CrashAfterBatchImport = "hub-receive-after-import"

// DefaultRecomputeEvery is RecomputeEvery when 0.
const DefaultRecomputeEvery = 50_000

// firstReceivePage is the most batches asked for in a round's first page.
const firstReceivePage = 4

// DefaultReceiveLimit is the page size when Limit is 0.
const DefaultReceiveLimit = 100

// maxBatchPage bounds a page of batches read from the hub: the hub sends
// at least one batch (up to 16 MiB) and stops once a page passes its own
// bound.
const maxBatchPage = 128 << 20

// listedInboxBatch is one batch of GET /hub/v1/batches.
type listedInboxBatch struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id"`
	From   string `json:"from"`
	Signed string `json:"signed"`
}

// Run receives at once and then every interval, until ctx ends. A failure
// is logged (failureLog: not again each round while it lasts) and the
// next round starts again from the stored cursor.
func (r *HubReceiver) Run(ctx context.Context, interval time.Duration) {
	failures := newFailureLog(r.log(), r.now, "hub: batches not received", "hub: batches received again", "hub", r.Client.URL)
	every(ctx, interval, true, func() {
		if err := r.Receive(ctx); ctx.Err() == nil {
			failures.report(ctx, err)
		}
	})
}

// Receive pages the batches after the stored cursor until the hub has no
// more, applies them and acks each page. A batch that does not verify is
// logged and passed over; an error of the store or the hub, or a batch
// addressed to another region (a peer token of that region's), stops the
// round, to start again from the cursor.
func (r *HubReceiver) Receive(ctx context.Context) error {
	round := r.newRound()
	applied := false
	defer func() {
		if !applied {
			// Nothing new, or a failure: the hub is quiet or the round
			// cannot go on, so what was stored is recomputed now.
			r.recompute(ctx, round, 1)
		}
	}()
	since, err := r.Store.InboxCursor(ctx)
	if err != nil {
		return err
	}
	// The first page is small, so that batches start landing while the
	// hub lists the next, full page.
	page, err := r.fetch(ctx, since, min(firstReceivePage, r.limit()))
	for {
		if err != nil {
			return err
		}
		if len(page) == 0 {
			// An ack that failed after the cursor moved is made good here:
			// the hub would otherwise keep those bodies until a later batch.
			if since > r.acked.Load() {
				return r.ack(ctx, since)
			}
			return nil
		}
		if r.Client.List() == nil {
			// Nothing could verify: passing the batches over would lose them.
			return healthcode.Errorf(healthcode.EUNAVAILABLE, "no trust list of the hub is held yet: batches wait")
		}
		// The next page is read while this one is applied: it starts
		// after this page's last seq, where the cursor will be once this
		// page is through. Its batches are applied only after this
		// page's, in seq order.
		next := r.prefetch(ctx, page[len(page)-1].Seq, r.limit())
		last, err := r.applyPage(ctx, round, since, page)
		if err == nil {
			// The batches passed over are behind the cursor too.
			err = r.Store.AdvanceInboxCursor(ctx, last)
		}
		if err == nil {
			err = r.ack(ctx, last)
		}
		if err != nil {
			<-next // not left running past Receive
			return err
		}
		applied = true
		r.recompute(ctx, round, r.recomputeEvery())
		since = last
		got := <-next
		page, err = got.page, got.err
	}
}

// fetched is a page read ahead.
type fetched struct {
	page []listedInboxBatch
	err  error
}

// prefetch reads the page after since in the background.
func (r *HubReceiver) prefetch(ctx context.Context, since int64, limit int) <-chan fetched {
	ch := make(chan fetched, 1)
	go func() {
		page, err := r.fetch(ctx, since, limit)
		ch <- fetched{page, err}
	}()
	return ch
}

// receiveRound is what one Receive remembers across batches.
type receiveRound struct {
	refreshed bool // the trust list was fetched again for a batch it did not know
	// imports is the import path of the batches; when recomputer is set,
	// it starts no recompute itself: the receiver does.
	imports    *ImportService
	recomputer healthcode.Recomputer
}

func (r *HubReceiver) newRound() *receiveRound {
	round := &receiveRound{imports: r.Import}
	if r.Import.Recomputer != nil {
		quiet := *r.Import
		quiet.Recomputer = nil
		round.imports, round.recomputer = &quiet, r.Import.Recomputer
	}
	return round
}

// recompute starts a recompute when at least least records were stored
// since the last (and some were), even when ctx is done.
func (r *HubReceiver) recompute(ctx context.Context, round *receiveRound, least int64) {
	if round.recomputer == nil || r.stored.Load() < max(least, 1) {
		return
	}
	n := r.stored.Swap(0)
	job, err := round.recomputer.Recompute(context.WithoutCancel(ctx), "hub batches")
	if err != nil {
		// The statuses are marked due: a read honours that, and the
		// scheduler's next recompute takes them.
		r.log().ErrorContext(ctx, "hub: cannot start the recompute after batches", "records", n, "err", err)
		return
	}
	r.log().InfoContext(ctx, "hub: recompute started for batches", "job", job.ID, "records", n)
}

func (r *HubReceiver) recomputeEvery() int64 {
	if r.RecomputeEvery <= 0 {
		return DefaultRecomputeEvery
	}
	return int64(r.RecomputeEvery)
}

// check verifies b with the trust list held. A list that does not know the
// sender or its key may lag the hub's (a key rotated or a region joined
// since the last refresh): it is fetched again, once a round, before the
// batch is refused; when that fetch fails the round stops, so the batch
// waits rather than being passed over.
func (r *HubReceiver) check(ctx context.Context, round *receiveRound, b listedInboxBatch) (*receivedBatch, *batchRefusal, error) {
	p, no := verifyBatch(r.Client.List(), b, r.Region)
	if no == nil || !no.listMayLag() || round.refreshed {
		return p, no, nil
	}
	round.refreshed = true
	if err := r.Client.FetchTrust(ctx); err != nil {
		return nil, nil, fmt.Errorf("batch %s from %s: %s, and the trust list could not be fetched again: %w", b.ID, b.From, no.message, err)
	}
	p, no = verifyBatch(r.Client.List(), b, r.Region)
	return p, no, nil
}

// fetch returns the page of batches after since.
func (r *HubReceiver) fetch(ctx context.Context, since int64, limit int) ([]listedInboxBatch, error) {
	q := url.Values{"since": {strconv.FormatInt(since, 10)}, "limit": {strconv.Itoa(limit)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.Client.endpoint("/hub/v1/batches?"+q.Encode()), nil)
	if err != nil {
		return nil, healthcode.Internal(err, "hub batches request")
	}
	req.Header.Set("Authorization", "Bearer "+r.Client.Token)
	resp, err := r.Client.client().Do(req)
	if err != nil {
		return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, hubAnswer(resp, "GET /hub/v1/batches")
	}
	body, err := readBody(resp, maxBatchPage+1)
	if err == nil && len(body) > maxBatchPage {
		err = fmt.Errorf("the page is over %d bytes", maxBatchPage)
	}
	if err == nil {
		if page, ok := decodeBatchPage(body); ok {
			return page, nil
		}
		var page struct {
			Batches []listedInboxBatch `json:"batches"`
		}
		if err = json.NewDecoder(bytes.NewReader(body)).Decode(&page); err == nil {
			return page.Batches, nil
		}
	}
	return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub's page of batches does not read", Err: err}
}

// ack tells the hub every batch up to through is dealt with.
func (r *HubReceiver) ack(ctx context.Context, through int64) error {
	body, _ := json.Marshal(map[string]int64{"through": through})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Client.endpoint("/hub/v1/batches/ack"), bytes.NewReader(body))
	if err != nil {
		return healthcode.Internal(err, "hub ack request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.Client.Token)
	resp, err := r.Client.client().Do(req)
	if err != nil {
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return hubAnswer(resp, "POST /hub/v1/batches/ack")
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	r.acked.Store(through)
	return nil
}

// hubAnswer is the error of a request the hub did not answer as hoped,
// with its message: a batchRefusal (4xx) keeps the hub's code.
func hubAnswer(resp *http.Response, what string) error {
	code, msg := hubError(resp.Body)
	if resp.StatusCode/100 == 4 {
		if code == "" {
			code = healthcode.EINVALID
		}
		return healthcode.Errorf(code, "the hub refused %s (%s): %s%s", what, resp.Status, msg, tokenHint(resp.StatusCode))
	}
	return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub did not answer " + what,
		Err: fmt.Errorf("%s answered %s: %s", what, resp.Status, msg)}
}

// tokenHint names the flag to look at when the hub did not know the
// node's peer token.
func tokenHint(status int) string {
	if status == http.StatusUnauthorized {
		return " (check --hub-token: the hub does not take this node's peer token)"
	}
	return ""
}

func (r *HubReceiver) limit() int {
	if r.Limit <= 0 {
		return DefaultReceiveLimit
	}
	return r.Limit
}

func (r *HubReceiver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *HubReceiver) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}
