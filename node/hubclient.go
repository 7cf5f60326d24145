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

// Run publishes the keys and fetches the trust list at once and then every
// interval, until ctx ends. Failures are logged and tried again at the next
// round: the node carries on with the list it holds.
func (c *HubClient) Run(ctx context.Context, interval time.Duration) {
	if c.List() == nil {
		if err := c.LoadCache(); err != nil {
			c.log().WarnContext(ctx, "hub: cached trust list not used", "err", err)
		}
	}
	every(ctx, interval, true, func() {
		if err := c.PublishKeys(ctx); err != nil && ctx.Err() == nil {
			c.log().WarnContext(ctx, "hub: keys not published", "hub", c.URL, "err", err)
		}
		if err := c.FetchTrust(ctx); err != nil && ctx.Err() == nil {
			c.log().WarnContext(ctx, "hub: trust list not updated", "hub", c.URL, "err", err)
		}
	})
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
