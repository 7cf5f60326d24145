package hub

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
)

// Resolver resolves codes for nodes that do not trust their regions
// directly (way 2, docs/federation.md): it verifies a code against the
// hub's own trust list, asks the issuing region's node for the holder's
// live status when the region has an endpoint, maps the colour with the
// region's colour map and signs the answer with the hub's key.
type Resolver struct {
	Hub *Registry
	// Nodes asks region nodes for live statuses; nil never asks.
	Nodes StatusAsker
	// LiveTimeout bounds the question to a region's node: a person waits at
	// a door meanwhile. Zero: DefaultLiveTimeout.
	LiveTimeout time.Duration
	Logger      *slog.Logger

	regionsMu sync.Mutex // one read of the regions at a time
	regions   atomic.Pointer[resolveRegions]

	signerMu sync.Mutex
	signer   jose.Signer // made once: the hub key never changes
}

var _ healthcode.ResolveService = (*Resolver)(nil)

// StatusAsker asks a region's node for the live status of one of its
// codes. NodeClient is the one over HTTP.
type StatusAsker interface {
	PeerStatus(ctx context.Context, r *healthcode.Region, code string) (*healthcode.PeerStatus, error)
}

// DefaultLiveTimeout bounds a live status question when none is set.
const DefaultLiveTimeout = 1500 * time.Millisecond

// maxCodeText bounds the code text resolved: a code is a few hundred
// characters, and the hub hashes and parses what it is sent.
const maxCodeText = 4096

// NewResolver returns a Resolver over g asking nodes over HTTP.
func NewResolver(g *Registry) *Resolver {
	return &Resolver{Hub: g, Nodes: &NodeClient{}}
}

// Resolve answers the national status of code for a peer of any
// registered region. Refusals of the code itself (forged, expired, of an
// unknown region…) are signed statuses with Valid false and the offline
// verifier's error code; errors are for the request (no peer token, no
// code) and the hub's own failures.
func (r *Resolver) Resolve(ctx context.Context, c *healthcode.Caller, code string) (*healthcode.Resolution, error) {
	if err := batchPeer(c, "resolves codes"); err != nil {
		return nil, err
	}
	switch {
	case code == "":
		return nil, healthcode.FieldErrors{"code": "required: the health code text as scanned"}.Err()
	case len(code) > maxCodeText:
		return nil, healthcode.FieldErrors{"code": "longer than any health code"}.Err()
	}
	now := r.Hub.Now()
	st, err := r.resolveState(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(code))
	s := &healthcode.NationalStatus{Issuer: healthcode.NationalRegion, CodeSHA256: base64.RawURLEncoding.EncodeToString(sum[:]),
		CheckedAt: now.UTC(), ExpiresAt: now.UTC().Add(healthcode.NationalStatusLifetime)}
	res := &healthcode.Resolution{Status: s}

	vd := st.verifier.Verify(code, now)
	s.Region = vd.Region
	if !vd.Valid {
		s.Error, s.Message = vd.Error, vd.Message
	} else {
		region := st.byID[vd.Region] // nil for CN: a national code is national already
		local, action := vd.Claims.Colour, vd.Claims.Action
		s.Source = healthcode.SourceCode
		if live, asked, err := r.askNode(ctx, region, code); err == nil && asked {
			local, action, s.Source = live.Colour, live.ActionRequired, healthcode.SourceLive
		} else if asked {
			res.Fallback = true
			r.log().WarnContext(ctx, "resolve: the region's node did not answer; the code's own claims count",
				"region", region.ID, "endpoint", region.Endpoint, "err", err)
		}
		national := local
		if region != nil {
			national = region.ColourMap.Map(local)
		}
		s.Valid, s.Message, s.ActionRequired = true, vd.Message, action
		s.Colour, s.LocalColour = &national, &local
	}
	if res.Signed, err = r.sign(ctx, s); err != nil {
		return nil, err
	}
	return res, nil
}

// askNode asks region's node for the live status of code, within
// LiveTimeout; asked is false when the region has no endpoint with a token
// to ask. An answer about another region, or in no colour, is an error.
func (r *Resolver) askNode(ctx context.Context, region *healthcode.Region, code string) (live *healthcode.PeerStatus, asked bool, err error) {
	if r.Nodes == nil || region == nil || region.Endpoint == "" || region.EndpointToken == "" {
		return nil, false, nil
	}
	timeout := r.LiveTimeout
	if timeout <= 0 {
		timeout = DefaultLiveTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	live, err = r.Nodes.PeerStatus(ctx, region, code)
	switch {
	case err != nil:
		return nil, true, err
	case live.Region != region.ID:
		return nil, true, healthcode.Errorf(healthcode.EUNAVAILABLE, "the node answered for region %q, not %s", live.Region, region.ID)
	case !live.Colour.Valid():
		return nil, true, healthcode.Errorf(healthcode.EUNAVAILABLE, "the node answered no colour")
	}
	return live, true, nil
}

func (r *Resolver) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}
