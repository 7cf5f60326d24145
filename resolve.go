package healthcode

import (
	"context"
	"time"
)

// Way 2 of federation (DESIGN §6, docs/federation.md): a node that does
// not trust a region directly sends the hub the code it scanned; the hub
// verifies it against the issuing region, asks that region's node for the
// holder's live colour when it can, and answers a national status it signs.

// Sources of a national status.
const (
	SourceLive = "live" // the issuing region's node answered the holder's current status
	SourceCode = "code" // the code's own claims: the region has no endpoint, or it did not answer
)

// NationalStatusLifetime is how long a national status holds after it was
// checked: about a code's own lifetime, so a node may not keep judging on
// an answer the region has since changed.
const NationalStatusLifetime = 5 * time.Minute

// NationalStatus is the payload of the JWS the hub answers a resolve with.
// A refused code is a status too (Valid false, Error one of the offline
// verifier's error codes), signed like any other, so a node tells "the hub
// says forged" from "a man in the middle says forged".
type NationalStatus struct {
	Issuer  string `json:"iss"` // always NationalRegion
	Valid   bool   `json:"valid"`
	Error   string `json:"error,omitempty"` // verify's error code when not valid
	Message string `json:"message,omitempty"`
	Region  string `json:"region,omitempty"` // the code's issuer, once it parsed
	// Colour is the national colour, LocalColour the region's before its
	// colour map; both nil when not valid (green is the zero Colour).
	Colour         *Colour `json:"colour,omitempty"`
	LocalColour    *Colour `json:"local_colour,omitempty"`
	ActionRequired bool    `json:"action_required"`
	Source         string  `json:"source,omitempty"` // SourceLive or SourceCode
	// CodeSHA256 is the base64url (unpadded) SHA-256 of the code text as
	// sent: it binds the answer to the one code, so a node can neither be
	// handed a green answer about another code nor need its own copy of the
	// region's keys to trust the code's other claims.
	CodeSHA256 string    `json:"code_sha256"`
	CheckedAt  time.Time `json:"checked_at"`
	ExpiresAt  time.Time `json:"exp"` // CheckedAt + NationalStatusLifetime
}

// PeerStatus is a node's answer to the hub about one of its own codes
// (POST /api/v1/peer/status): its holder's status now, not the colour the
// code was issued with.
type PeerStatus struct {
	Region         string    `json:"region"`
	Colour         Colour    `json:"colour"`
	ActionRequired bool      `json:"action_required"`
	CheckedAt      time.Time `json:"checked_at"`
}

// PeerService answers peers about this node's codes.
type PeerService interface {
	// PeerStatus checks that code is a valid code of this region and
	// returns its holder's live status: EINVALID when the code is not
	// valid or is another region's, ENOTFOUND when its holder is unknown.
	PeerStatus(ctx context.Context, c *Caller, code string) (*PeerStatus, error)
}

// Resolution is a resolved code: the national status and the hub's JWS
// compact serialization of it, which is what a node trusts.
type Resolution struct {
	Status *NationalStatus
	Signed string
	// Fallback is set when the region's node was asked and did not answer,
	// so the status comes from the code (for the hub's metrics and log).
	Fallback bool
}

// ResolveService resolves codes at the hub (POST /hub/v1/resolve).
type ResolveService interface {
	// Resolve verifies code against the hub's trust list and answers the
	// national status of its holder, signed by the hub. A code that does
	// not verify is an answer (Status.Valid false), not an error.
	Resolve(ctx context.Context, c *Caller, code string) (*Resolution, error)
}
