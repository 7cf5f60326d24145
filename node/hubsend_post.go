package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/healthcode/healthcode"
)

// post sends a packed batch to the hub and marks it sent on 201 (stored)
// or 200 (a duplicate: the hub had it from an earlier try). A refusal
// (4xx) is logged with the hub's message and the batch left as it is: it
// goes again next round, and someone must look. A network error or a 5xx
// is returned: the hub is down, and the round stops.
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
	case resp.StatusCode/100 == 4:
		s.Metrics.sent(HubRefused)
		code, msg := hubError(resp.Body)
		s.log().ErrorContext(ctx, "hub: batch refused, left in the outbox", "batch", b.ID, "to", b.To,
			"records", b.Records, "status", resp.StatusCode, "code", code, "message", msg)
		return nil
	default:
		s.Metrics.sent(HubUnreachable)
		_, msg := hubError(resp.Body)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub did not take the batch",
			Err: fmt.Errorf("POST batch %s answered %s: %s", b.ID, resp.Status, msg)}
	}
}
