package healthcode

import (
	"context"
	"net/url"
	"time"
	"unicode/utf8"
)

// The hub (`healthcode hub`) keeps the regions of the federation and the
// code-signing keys each publishes, and signs the trust list of DESIGN §5
// from them. The contract with the nodes is docs/federation.md.

// Region modes, as in the trust list.
const (
	ModeLocal    = "local"    // runs its own node and issues its own codes
	ModeNational = "national" // has no node: the hub issues its codes
)

// NationalRegion is the hub's own region id and the trust list's issuer.
const NationalRegion = "CN"

// Region is a region registered at the hub.
type Region struct {
	ID       string // "CN-" and six digits, or "CN"
	Name     string
	Mode     string // ModeLocal or ModeNational
	Endpoint string // the region node's URL; "" when it has none
	// EndpointToken is the bearer token (role peer, made by the region's
	// admin on its node) the hub asks Endpoint for live statuses with (way
	// 2); "" when none. The store keeps it sealed; it is never listed.
	EndpointToken string
	// ColourMap maps the region's colours to the national ones when the
	// hub resolves its codes; nil is the identity.
	ColourMap ColourMap
	// Policy is the status policy (the JSON `serve --policy` takes) the
	// hub judges a region of mode national by (way 3); "" is the national
	// default. A region with a node judges by its node's own.
	Policy string
	// KeysIssuedAt is the issued_at of the last key set accepted from the
	// region, zero before the first: a later set must be issued after it,
	// so a replayed upload cannot bring back bounds it changed.
	KeysIssuedAt time.Time
	CreatedAt    time.Time
}

// ValidRegionID reports whether id is "CN" or "CN-" and six digits (a GB/T
// 2260 division code). hcode.ValidRegion says the same for codes; this one
// lives here so that the domain needs no import.
func ValidRegionID(id string) bool {
	if id == NationalRegion {
		return true
	}
	if len(id) != 9 || id[:3] != "CN-" {
		return false
	}
	for i := 3; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// Validate checks what a region is registered with, naming each bad field.
// An endpoint is checked the way trust.Parse checks it, so a registered
// region can never make the served list unreadable.
func (r *Region) Validate() error {
	var fe FieldErrors
	if !ValidRegionID(r.ID) {
		fe.Add("id", "must be CN or CN- and a six-digit division code, e.g. CN-330100")
	}
	switch n := utf8.RuneCountInString(r.Name); {
	case n == 0:
		fe.Add("name", "required")
	case n > 100:
		fe.Add("name", "at most 100 characters")
	}
	if r.Mode != ModeLocal && r.Mode != ModeNational {
		fe.Add("mode", "must be local or national")
	}
	if r.Endpoint != "" {
		if u, err := url.Parse(r.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fe.Add("endpoint", "must be an http(s) URL")
		}
	}
	if r.EndpointToken != "" && r.Endpoint == "" {
		fe.Add("endpoint_token", "is of no use without an endpoint")
	}
	if err := r.ColourMap.Validate(); err != nil {
		fe.Add("colour_map", ErrorMessage(err))
	}
	if r.Policy != "" && r.Mode != ModeNational {
		fe.Add("policy", "only a region of mode national is judged by the hub; a region with a node judges by its node's policy")
	}
	return fe.Err()
}

// RegionUpdate changes what way 2 reads of a registered region; a nil
// field is left as it is.
type RegionUpdate struct {
	Name          *string // as the trust list shows it: a misspelt name is mended here
	Endpoint      *string
	EndpointToken *string
	ColourMap     *ColourMap
	Policy        *string
}

// RegionKey is a code-signing public key a region holds at the hub. The
// fields are those of a trust list key.
type RegionKey struct {
	Region    string
	KID       []byte // first 8 bytes of SHA-256 over PublicKey
	Alg       string // AlgEdDSA or AlgES256
	PublicKey []byte // raw 32 bytes for Ed25519, DER SubjectPublicKeyInfo for ECDSA
	NotBefore time.Time
	NotAfter  time.Time // zero: open
	Revoked   bool      // once true, stays true
	AddedAt   time.Time
}

// KeySet is a region's publication of its keys, as accepted by the hub.
type KeySet struct {
	Region   string
	IssuedAt time.Time
	Keys     []*RegionKey
}

// ValidAt reports whether t lies in [NotBefore, NotAfter], the bounds that
// are set, as trust.Key.ValidAt says for a list's keys. Revocation is
// separate.
func (k *RegionKey) ValidAt(t time.Time) bool {
	return (k.NotBefore.IsZero() || !t.Before(k.NotBefore)) &&
		(k.NotAfter.IsZero() || !t.After(k.NotAfter))
}

// Limits of a batch (docs/federation.md, way 1).
const (
	MaxBatchRecords = 5000
	MaxBatchBytes   = 16 << 20 // of the JWS compact serialization
)

// Batch is a signed batch of records one region sends another through the
// hub. The hub checks who signed it and keeps it for the receiver; it does
// not read the records.
type Batch struct {
	Seq      int64  // hub-wide, given when stored: receivers page by it
	ID       string // 32 lowercase hex digits, chosen by the sender
	From, To string // regions
	IssuedAt time.Time
	// Hash is the SHA-256 of the JWS payload: the same id with the same
	// hash again is a duplicate, even when signed again (ES256 signatures
	// differ each time); with another hash, a conflict.
	Hash       []byte
	Signed     []byte // the JWS compact serialization; nil once acked
	ReceivedAt time.Time
	AckedAt    time.Time // zero until the receiver acks it
}

// BatchBacklog is what waits at the hub for one region (way 1): the
// batches to it past its ack, which its node has not applied. A node that
// stopped pulling shows as a growing count and an ageing oldest batch.
type BatchBacklog struct {
	Region  string
	Batches int64     // waiting: seq past the region's ack
	Oldest  time.Time // received_at of the first waiting batch; zero when none waits
	LastAck time.Time // when an ack last moved the region's cursor; zero: never acked
}

// HubKey is the hub's trust-list signing key (Ed25519).
type HubKey struct {
	PublicKey  []byte // 32 bytes
	PrivateKey []byte // the 32-byte seed; the store keeps it sealed
	CreatedAt  time.Time
}

// HubStore is the hub's persistence; package sqlstore implements it beside
// Store, so a hub runs on the same SQLite or PostgreSQL code as a node.
type HubStore interface {
	// CreateRegion stores r with its first keys in one transaction,
	// ECONFLICT when the id is taken.
	CreateRegion(ctx context.Context, r *Region, keys []*RegionKey) error
	// FindRegion returns the region with id, ENOTFOUND when none.
	FindRegion(ctx context.Context, id string) (*Region, error)
	// Regions returns every region, by id.
	Regions(ctx context.Context) ([]*Region, error)
	// RegionKeys returns the keys of the region with id, revoked ones too,
	// by region and then as added; every region's when id is "".
	RegionKeys(ctx context.Context, id string) ([]*RegionKey, error)
	// MergeKeys merges set into the region's keys in one transaction, with
	// the region locked from the checks to the commit so that two uploads
	// cannot both pass them:
	//   - set.IssuedAt must be later than the region's KeysIssuedAt, which
	//     it becomes (ECONFLICT otherwise);
	//   - check is called with the keys held before the merge and refuses
	//     the set by returning an error, which MergeKeys returns;
	//   - known kids take the set's bounds; a revoked key stays revoked;
	//     keys the set does not list are left alone.
	// It returns how many keys the region holds afterwards; ENOTFOUND when
	// the region does not exist.
	MergeKeys(ctx context.Context, set *KeySet, check func(held []*RegionKey) error) (int, error)
	// UpdateRegion applies u to the region with id and returns it as
	// stored, ENOTFOUND when none. The caller validates.
	UpdateRegion(ctx context.Context, id string, u RegionUpdate) (*Region, error)
	// RevokeRegionKey marks the region's key with kid revoked; ENOTFOUND
	// when the region holds no such key.
	RevokeRegionKey(ctx context.Context, region string, kid []byte) error
	// HubGeneration counts every change of the regions and their keys, so
	// that a cache of the trust list sees changes made by other processes.
	HubGeneration(ctx context.Context) (int64, error)
	// EnsureHubKey stores k when the hub has no key yet and returns the
	// hub's key, opened: the first caller's k wins a race.
	EnsureHubKey(ctx context.Context, k *HubKey) (*HubKey, error)

	// AddBatch stores b under the next seq, which it returns, in one
	// transaction that also looks for b.ID, so that of two concurrent posts
	// of one batch exactly one stores it: when a batch with b.ID is stored
	// already, it returns that batch's seq and duplicate true when the
	// hashes are equal, ECONFLICT when not. Seqs are visible in order: no
	// batch appears below a seq already read.
	AddBatch(ctx context.Context, b *Batch) (seq int64, duplicate bool, err error)
	// FindBatch returns the batch with id, ENOTFOUND when none.
	FindBatch(ctx context.Context, id string) (*Batch, error)
	// BatchesTo returns the batches to region not yet acked with seq >
	// since, by seq: at most limit, and no more once their bodies pass
	// maxBytes (always one when there is one).
	BatchesTo(ctx context.Context, region string, since int64, limit int, maxBytes int64) ([]*Batch, error)
	// AckBatches marks the region's batches with seq <= through acked at
	// at, dropping their bodies (their ids and hashes stay), and returns
	// how many it marked. through past the last batch to the region is
	// EINVALID; one at or below an earlier ack marks nothing.
	AckBatches(ctx context.Context, region string, through int64, at time.Time) (int, error)
	// BatchBacklogs returns what waits for each registered region, by id,
	// reading only the batches past each region's ack.
	BatchBacklogs(ctx context.Context) ([]BatchBacklog, error)
}

// SignedTrustList is the trust list as the hub serves it.
type SignedTrustList struct {
	JWS      []byte // compact serialization, EdDSA
	ETag     string // quoted, for If-None-Match
	IssuedAt time.Time
}

// HubService is what the hub's HTTP API calls.
type HubService interface {
	// TrustList returns the signed trust list, at most an hour old and
	// signed again after any change of a region or key.
	TrustList(ctx context.Context) (*SignedTrustList, error)
	// PublicKey returns the hub's key id (as in the JWS header) and public key.
	PublicKey(ctx context.Context) (kid string, publicKey []byte, err error)
	// PutKeys merges the key set signed (a JWS compact serialization) into
	// the region's keys by the rules of docs/federation.md and returns how
	// many keys the region holds.
	PutKeys(ctx context.Context, c *Caller, region, signed string) (int, error)

	// AcceptBatch stores a batch (a JWS compact serialization) sent by the
	// caller's region, by the rules of docs/federation.md, and returns it
	// as stored, with duplicate true when it was stored already.
	AcceptBatch(ctx context.Context, c *Caller, signed string) (b *Batch, duplicate bool, err error)
	// ListBatches returns the batches to the caller's region after since,
	// at most limit (0: 100; at most 1,000), and the seq to page on from.
	ListBatches(ctx context.Context, c *Caller, since int64, limit int) (batches []*Batch, next int64, err error)
	// AckBatches tells the hub the caller's region applied its batches up
	// to through; it returns how many were acked now.
	AckBatches(ctx context.Context, c *Caller, through int64) (int, error)
	// BatchBacklogs returns what waits for each registered region, by id:
	// the operators' view of way 1, served in the hub admin's /metrics.
	BatchBacklogs(ctx context.Context) ([]BatchBacklog, error)
}
