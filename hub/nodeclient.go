package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/healthcode/healthcode"
)

// NodeClient asks a region's node for the live status of one of its codes
// over HTTP: POST {endpoint}/api/v1/peer/status {"code"} with the token
// the hub holds for the region. The Resolver bounds each call in time.
type NodeClient struct {
	HTTP *http.Client // nil: http.DefaultClient
}

// maxPeerStatus bounds the node's answer read.
const maxPeerStatus = 4 << 10

// PeerStatus asks r's node. Every failure is EUNAVAILABLE: the hub falls
// back on the code whatever the node's trouble, and logs what it said.
func (c *NodeClient) PeerStatus(ctx context.Context, r *healthcode.Region, code string) (*healthcode.PeerStatus, error) {
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(r.Endpoint, "/")+"/api/v1/peer/status", bytes.NewReader(body))
	if err != nil {
		return nil, unavailable("build the request", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.EndpointToken)
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, unavailable("reach the node", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPeerStatus))
	if err != nil {
		return nil, unavailable("read the answer", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, unavailable("ask the node", fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(data)))
	}
	// The colour is a pointer here: an answer without one must not read
	// as green, the zero Colour.
	var ps struct {
		Region         string             `json:"region"`
		Colour         *healthcode.Colour `json:"colour"`
		ActionRequired bool               `json:"action_required"`
	}
	if err := json.Unmarshal(data, &ps); err != nil {
		return nil, unavailable("read the answer", err)
	}
	if ps.Colour == nil {
		return nil, unavailable("read the answer", fmt.Errorf("no colour in %s", bytes.TrimSpace(data)))
	}
	return &healthcode.PeerStatus{Region: ps.Region, Colour: *ps.Colour, ActionRequired: ps.ActionRequired}, nil
}

func unavailable(what string, err error) error {
	return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the region's node did not answer", Err: fmt.Errorf("%s: %w", what, err)}
}
