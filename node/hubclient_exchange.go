package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// exchangeTimeout bounds an exchange a citizen's page waits for.
const exchangeTimeout = 5 * time.Second

// Exchange asks the hub for a national code in place of code, a fresh code
// of this region, on behalf of its holder (POST /hub/v1/exchange with the
// region's peer token; docs/federation.md, "National code"). The answer is
// not checked here: NationalCodes does that before showing it.
func (c *HubClient) Exchange(ctx context.Context, code string) (*healthcode.NationalCode, error) {
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/hub/v1/exchange"), bytes.NewReader(body))
	if err != nil {
		return nil, healthcode.Internal(err, "hub exchange request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: noNationalCode, Err: err}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var nc healthcode.NationalCode
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&nc); err != nil {
			return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: noNationalCode,
				Err: fmt.Errorf("hub exchange answer: %w", err)}
		}
		return &nc, nil
	case http.StatusTooManyRequests:
		// The person asked too often: the hub's message says when to
		// try again.
		_, msg := hubError(resp.Body)
		return nil, &healthcode.Error{Code: healthcode.ERATELIMIT, Message: msg,
			Fields: map[string]string{"retry_after": resp.Header.Get("Retry-After")}}
	default:
		// A refusal of a fresh code of this region, or of the node's
		// token, is nothing the citizen can mend: the log says why.
		code, msg := hubError(resp.Body)
		return nil, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: noNationalCode,
			Err: fmt.Errorf("POST /hub/v1/exchange answered %s: %s: %s", resp.Status, code, msg)}
	}
}

// noNationalCode is what a citizen reads when the hub gives no national
// code; their region's code still works wherever the region is trusted.
const noNationalCode = "the national code is not available now: show the code of your region"
