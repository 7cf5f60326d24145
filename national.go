package healthcode

import (
	"context"
	"time"
)

// The national code (DESIGN §6, way 2): a code the hub signs itself, iss
// "CN", which every node following the hub verifies like a region's. A
// citizen exchanges a fresh local code for one (docs/federation.md).

// NationalCodeLifetime is how long a national code lives, as a region's
// default code: a screenshot goes stale as fast.
const NationalCodeLifetime = 5 * time.Minute

// NationalCode is a national code the hub issued: what a node answers for
// a local code, plus the hub's region and the person's home region.
type NationalCode struct {
	IssuedCode
	Region string `json:"region"` // always NationalRegion
	// Home is the region whose code was exchanged: the code's "h", the
	// region in which its subject "s" names the person.
	Home string `json:"home"`
}

// NationalService issues national codes.
type NationalService interface {
	// Exchange verifies code, a local code fresh from its region's node,
	// against the hub's trust list and answers a national code with its
	// content. Requests are rate-limited by clientAddr and by the code's
	// subject.
	Exchange(ctx context.Context, code, clientAddr string) (*NationalCode, error)
	// ExchangeFor is Exchange asked by a region's node (c, a peer of that
	// region) for one of its citizens: the code must be of c's region,
	// and only the per-person limit applies.
	ExchangeFor(ctx context.Context, c *Caller, code string) (*NationalCode, error)
}

// NationalCodeService gets the citizens of a node's region national
// codes from the hub the node follows.
type NationalCodeService interface {
	// NationalCode exchanges the person's current code at the hub and
	// returns the national code, checked against the node's trust list.
	NationalCode(ctx context.Context, personID int64) (*NationalCode, error)
}
