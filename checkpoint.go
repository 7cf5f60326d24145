package healthcode

import (
	"context"
	"time"
)

// The services of venues and their checkpoints, implemented by package
// node over a Store.

// VenueService creates and runs venues. Health staff and admins reach
// every venue; a venue operator or checkpoint token only its own.
type VenueService interface {
	// Create fills what v leaves out from the defaults of its kind (the
	// policy too unless policySet), checks and stores it.
	Create(ctx context.Context, v *Venue, policySet bool) (*Venue, error)
	Venue(ctx context.Context, caller *Caller, id string) (*Venue, error)
	List(ctx context.Context, caller *Caller, f VenueFilter) ([]*Venue, error)
	// Update replaces name, address, capacity, policy and maximum stay.
	Update(ctx context.Context, caller *Caller, v *Venue) (*Venue, error)
	// PlaceCode signs the venue's place code (DESIGN §4).
	PlaceCode(ctx context.Context, v *Venue) (string, error)
	// CreateDevice makes a checkpoint token bound to the venue, shown once.
	CreateDevice(ctx context.Context, caller *Caller, id, name string) (string, *StaffToken, error)
	Occupancy(ctx context.Context, caller *Caller, id string) (*Venue, int, error)
	Stats(ctx context.Context, caller *Caller, id string, w ScanWindow) (*VenueStats, error)
	// Scans lists who was at the venue: health staff, with a purpose, audited.
	Scans(ctx context.Context, caller *Caller, id string, w ScanWindow, purpose string) ([]*Scan, error)
}

// CheckpointService judges codes at venues and keeps the scan log.
type CheckpointService interface {
	// Scan judges a code shown to the caller's checkpoint and logs it.
	Scan(ctx context.Context, caller *Caller, code, direction string) (*ScanResult, error)
	// Batch stores a device's offline scans; deviceTime is its clock at
	// upload, zero when unknown.
	Batch(ctx context.Context, caller *Caller, deviceTime time.Time, scans []OfflineScan) (*BatchResult, error)
	// Checkin is a citizen scanning a venue's place code.
	Checkin(ctx context.Context, personID int64, placeCode, direction string) (*ScanResult, error)
	// Purchase registers a sale of drugs of classes at the caller's pharmacy.
	Purchase(ctx context.Context, caller *Caller, code string, classes []string) (*PurchaseResult, error)
	// Purchases lists registered purchases: health staff, with a purpose, audited.
	Purchases(ctx context.Context, caller *Caller, f PurchaseFilter, purpose string) ([]*DrugPurchaseEntry, error)
}

// ScanResult is a judged and logged scan as the staff at the door see it.
type ScanResult struct {
	Scan           *Scan
	Venue          *Venue
	ActionRequired bool
	Name           string // masked, to compare with the person's document
	IDMasked       string
	ExpiresAt      time.Time // of the code; zero when unreadable
	// ResolvedVia is ResolvedViaHub when the verdict rests on the hub's
	// national status (way 2); "" when this node judged the code itself.
	ResolvedVia string
}

// Reasons are the deny reasons with their texts.
func (r *ScanResult) Reasons() []DenyReason {
	out := make([]DenyReason, len(r.Scan.Reasons))
	for i, c := range r.Scan.Reasons {
		out[i] = NewDenyReason(c)
	}
	return out
}

// OfflineScan is a scan a device judged by itself, from its cached trust
// list and venue policy, while it could not reach the node, and uploads
// later. It carries either the code as scanned or what the device decoded
// of it (cheaper to send and to store).
type OfflineScan struct {
	Seq       int64 // the device's own sequence number: (device, seq) is stored once
	At        time.Time
	Direction string
	Verdict   string
	Reasons   []string
	Code      string // "CNHC1:…", or the decoded fields:
	Region    string
	Subject   []byte
	Colour    Colour
}

// BatchResult is the outcome of an upload.
type BatchResult struct {
	Accepted  int        `json:"accepted"`
	Duplicate int        `json:"duplicate"`
	Flagged   int        `json:"flagged"` // accepted, with a time far from the node's clock
	Rejected  []RowError `json:"rejected"`
}

// PurchaseResult is a registered purchase: the scan of the buyer's code
// and their status after it (nil when nothing was registered).
type PurchaseResult struct {
	*ScanResult
	Classes []string
	Status  *Status
}
