package node

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthcode/healthcode/trust"
)

// HubClient follows the hub a node joins (docs/federation.md, "A node
// joins"): it publishes the node's code-signing keys to the hub and holds
// the hub's trust list, checked with the pinned hub key and cached on disk
// so that visitors still verify while the hub is down.
type HubClient struct {
	URL          string            // the hub's base URL, e.g. https://hub.example
	Token        string            // the region's peer token
	HubKey       ed25519.PublicKey // pinned: the only key a trust list is accepted under
	Region       string            // this node's region
	Keys         *KeyRing
	CodeLifetime time.Duration // bounds the published keys, as for the node's own list
	DataDir      string        // where hub-trust.jws is kept
	HTTP         *http.Client  // nil: a client with DefaultHubTimeout
	Now          func() time.Time
	Logger       *slog.Logger
	Metrics      *HubMetrics
	// RetryMin is the first wait of Run after a round that failed, doubled
	// at each failure in a row; 0: DefaultHubRetry.
	RetryMin time.Duration

	fetchMu sync.Mutex // one fetch at a time, so the cache file is written in order

	// list is read on every scan, hence atomic; a held list is never
	// modified: readers share it.
	list atomic.Pointer[trust.List]
	mu   sync.Mutex
	etag string // of list, when it came from the hub in this process
	// fetched is the outcome of the last FetchTrust (hubclient_status.go).
	fetched fetchNote
	// lists reads each new list taking the regions it repeats from the
	// last one as they were.
	lists trust.Reader
	// earlyFetch is when FetchForUnknownKey last fetched.
	earlyFetch time.Time
}

// DefaultHubTimeout bounds one request to the hub when HTTP is nil.
const DefaultHubTimeout = 30 * time.Second

// HubTrustFile is the name of the cached trust list in DataDir.
const HubTrustFile = "hub-trust.jws"

// List returns the hub's trust list held now, or nil before any arrived.
// A new list is a new pointer: callers may compare to notice a change.
func (c *HubClient) List() *trust.List { return c.list.Load() }

// Run fetches the trust list and publishes the keys at once and then
// every interval, until ctx ends. A round that fails is tried again
// sooner: after RetryMin, doubled at each failure in a row, at most
// interval, so that a node started while the hub was down holds a list
// within seconds of the hub's return, not at its next refresh. Failures
// are logged (failureLog); the node carries on with the list it holds.
func (c *HubClient) Run(ctx context.Context, interval time.Duration) {
	if c.List() == nil {
		if err := c.LoadCache(); err != nil {
			c.log().WarnContext(ctx, "hub: cached trust list not used", "err", err)
		}
	}
	fetches := newFailureLog(c.log(), c.now, "hub: trust list not updated", "hub: trust list updated again", "hub", c.URL)
	publishes := newFailureLog(c.log(), c.now, "hub: keys not published", "hub: keys published again", "hub", c.URL)
	retry := c.retryMin()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fetchErr, publishErr := c.round(ctx)
		if ctx.Err() != nil {
			return
		}
		fetches.report(ctx, fetchErr)
		publishes.report(ctx, publishErr)
		if fetchErr == nil && publishErr == nil {
			retry = c.retryMin()
			t.Reset(interval)
		} else {
			t.Reset(min(retry, interval))
			retry *= 2
		}
	}
}

// round fetches the list, then publishes the keys. The list comes first
// because it decides which key signs the set (publishingKey): a key the
// hub's admin revoked since the copy held was cached must not be the one
// that signs, or the hub refuses the set that brings the node's new key.
// The keys published show in the list of the next round.
func (c *HubClient) round(ctx context.Context) (fetchErr, publishErr error) {
	fetchErr = c.FetchTrust(ctx)
	publishErr = c.PublishKeys(ctx)
	return fetchErr, publishErr
}

// DefaultHubRetry is RetryMin when 0.
const DefaultHubRetry = 5 * time.Second

func (c *HubClient) retryMin() time.Duration {
	if c.RetryMin > 0 {
		return c.RetryMin
	}
	return DefaultHubRetry
}

func (c *HubClient) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: DefaultHubTimeout}
}

func (c *HubClient) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *HubClient) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *HubClient) endpoint(path string) string {
	return strings.TrimRight(c.URL, "/") + path
}
