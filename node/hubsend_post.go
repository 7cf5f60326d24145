package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/healthcode/healthcode"
)

// post sends a packed batch to the hub and marks it sent on 201 (stored)
// or 200 (a duplicate: the hub had it from an earlier try). A refusal
// (4xx) is recorded on the batch with the hub's message (refuse): it goes
// again after a backoff, or is parked. A network error, a 5xx, a 429 or
// a 408 is returned: the hub is down or busy, which says nothing of the
// batch, and the round stops; so does a 401, a peer token the hub does not
// take, which no batch can help.
func (s *HubSender) post(ctx context.Context, b *healthcode.OutboxBatch) error {
	c := s.Client
	body, _ := json.Marshal(map[string]string{"signed": b.Signed})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/hub/v1/batches"), bytes.NewReader(body))
	if err != nil {
		s.Metrics.sent(BatchFailed)
		return healthcode.Internal(err, "hub batch request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.client().Do(req)
	if err != nil {
		s.Metrics.sent(HubUnreachable)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		if err := s.Store.MarkOutboxSent(ctx, b.ID, s.now()); err != nil {
			// The hub has it: the next round posts it again, a duplicate,
			// and marks it then.
			s.Metrics.sent(BatchFailed)
			return err
		}
		result := HubOK
		if resp.StatusCode == http.StatusOK {
			result = BatchDuplicate
		}
		s.Metrics.sent(result)
		s.log().InfoContext(ctx, "hub: batch sent", "batch", b.ID, "to", b.To, "records", b.Records, "result", result)
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		// The peer token, not this batch: every batch would be refused
		// and parked. The round stops and says so; the batches wait.
		s.Metrics.sent(HubRefused)
		_, msg := hubError(resp.Body)
		return &healthcode.Error{Code: healthcode.EUNAUTHORIZED, Message: "the hub refused this node's peer token (--hub-token): batches wait until it is put right",
			Err: fmt.Errorf("POST batch %s answered %s: %s", b.ID, resp.Status, msg)}
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		s.Metrics.sent(HubRefused)
		code, msg, fields := refusalOf(resp.Body)
		if resp.StatusCode == http.StatusForbidden && fields["from"] != "" {
			// The token is another region's (or --region is not the
			// token's): as a 401, no batch mends it.
			return &healthcode.Error{Code: healthcode.EFORBIDDEN,
				Message: "the hub takes this node's peer token (--hub-token) for another region than --region " + s.Client.Region + ": batches wait until it is put right",
				Err:     fmt.Errorf("POST batch %s answered %s: %s", b.ID, resp.Status, msg)}
		}
		return s.refuse(ctx, b, healthcode.OutboxRefusal{Status: resp.StatusCode, Code: code, Message: msg, At: s.now()})
	default:
		s.Metrics.sent(HubUnreachable)
		_, msg := hubError(resp.Body)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub did not take the batch",
			Err: fmt.Errorf("POST batch %s answered %s: %s", b.ID, resp.Status, msg)}
	}
}

// refuse records the hub's refusal of b: b waits out the backoff of its
// refusals so far before it is posted again, and is parked when they
// reach ParkAfter. Other batches, the region's too, go on.
func (s *HubSender) refuse(ctx context.Context, b *healthcode.OutboxBatch, r healthcode.OutboxRefusal) error {
	retryAt := r.At.Add(s.refusalBackoff(b.Refusals + 1))
	refusals, parked, err := s.Store.RefuseOutboxBatch(ctx, b.ID, r, retryAt, s.parkAfter())
	switch {
	case healthcode.ErrorCode(err) == healthcode.ENOTFOUND:
		// Another sender sharing the store had it taken meanwhile.
		s.log().InfoContext(ctx, "hub: batch refused, but sent meanwhile", "batch", b.ID, "to", b.To)
		return nil
	case err != nil:
		s.log().ErrorContext(ctx, "hub: batch refused, and the refusal not recorded", "batch", b.ID, "to", b.To,
			"status", r.Status, "code", r.Code, "message", r.Message, "err", err)
		return err
	case parked:
		s.log().ErrorContext(ctx, "hub: batch refused and parked: it is not posted again until requeued", "batch", b.ID, "to", b.To,
			"records", b.Records, "refusals", refusals, "status", r.Status, "code", r.Code, "message", r.Message,
			"requeue", "healthcode outbox requeue "+b.ID, "or_drop", "healthcode outbox drop "+b.ID+" --reason …")
	default:
		s.log().WarnContext(ctx, "hub: batch refused, left in the outbox to post again", "batch", b.ID, "to", b.To,
			"records", b.Records, "refusals", refusals, "park_after", s.parkAfter(), "retry_at", retryAt,
			"status", r.Status, "code", r.Code, "message", r.Message)
	}
	return nil
}

// maxRefusalMessage bounds the hub's message kept on a refused batch.
const maxRefusalMessage = 1000

// refusalOf reads the hub's error answer: its code, and its message with
// the fields it names when there are several (a 400 names each bad field,
// and its message then says only "invalid input"), cut to
// maxRefusalMessage bytes.
func refusalOf(body io.Reader) (code, message string, fields map[string]string) {
	data, _ := io.ReadAll(io.LimitReader(body, 16<<10))
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
		code, message = hubError(bytes.NewReader(data))
		return code, healthcode.Clip(message, maxRefusalMessage), nil
	}
	message = e.Error.Message
	if len(e.Error.Fields) > 1 {
		var fields []string
		for _, f := range slices.Sorted(maps.Keys(e.Error.Fields)) {
			fields = append(fields, f+": "+e.Error.Fields[f])
		}
		message += " (" + strings.Join(fields, "; ") + ")"
	}
	return e.Error.Code, healthcode.Clip(message, maxRefusalMessage), e.Error.Fields
}
