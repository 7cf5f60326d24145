package healthcode

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Venue kinds (DESIGN §4).
const (
	VenueCommunity   = "community"
	VenueOffice      = "office"
	VenueFactory     = "factory"
	VenueSchool      = "school"
	VenuePharmacy    = "pharmacy"
	VenueSupermarket = "supermarket"
	VenueMall        = "mall"
	VenueSubway      = "subway"
	VenueRailway     = "railway"
	VenueHospital    = "hospital"
	VenueOther       = "other"
)

// VenueKinds lists every venue kind in the order of DESIGN §4.
var VenueKinds = []string{VenueCommunity, VenueOffice, VenueFactory, VenueSchool, VenuePharmacy,
	VenueSupermarket, VenueMall, VenueSubway, VenueRailway, VenueHospital, VenueOther}

// EntryPolicy is what a venue asks of a code at its door.
type EntryPolicy struct {
	// Colours are the colours that may enter.
	Colours []Colour `json:"colours"`
	// TestWithinHours asks for a negative test sampled at most this many
	// hours before the scan; 0 asks for none.
	TestWithinHours int `json:"test_within_hours"`
	// MinDoses asks for at least this many vaccination doses.
	MinDoses int `json:"min_doses"`
	// ActionRequiredBlocks denies a code that shows an action required.
	ActionRequiredBlocks bool `json:"action_required_blocks"`
	// Employer, when set, admits only members of that organisation (of
	// kind employer, e.g. "G000002"): a workplace that resumed work (issue
	// 7). A visitor from another region is no member here.
	Employer string `json:"employer,omitempty"`
}

// Allows reports whether c is among the policy's colours.
func (p *EntryPolicy) Allows(c Colour) bool { return slices.Contains(p.Colours, c) }

// DefaultEntryPolicy is the entry policy a venue of kind gets when it
// states none: green everywhere; a recent test where people crowd in closed
// spaces for long (schools 48 h, hospitals and railway stations 72 h); an
// action required blocks where the person would stay among many.
func DefaultEntryPolicy(kind string) EntryPolicy {
	p := EntryPolicy{Colours: []Colour{Green}, ActionRequiredBlocks: true}
	switch kind {
	case VenueSchool:
		p.TestWithinHours = 48
	case VenueHospital:
		// A hospital admits yellow codes: they are sent there to be tested.
		p.Colours = []Colour{Green, Yellow}
		p.ActionRequiredBlocks = false
		p.TestWithinHours = 0
	case VenueRailway:
		p.TestWithinHours = 72
	case VenuePharmacy:
		// The purchase itself is what the pharmacy registers; a person told
		// to get tested may still buy medicine.
		p.ActionRequiredBlocks = false
	}
	return p
}

// DefaultMaxStay is how long an entry without an exit counts towards a
// venue's occupancy, per kind, when the venue states none.
func DefaultMaxStay(kind string) time.Duration {
	switch kind {
	case VenueCommunity:
		return 24 * time.Hour
	case VenueOffice, VenueFactory, VenueSchool, VenueHospital:
		return 12 * time.Hour
	case VenuePharmacy, VenueSubway:
		return 2 * time.Hour
	default:
		return 4 * time.Hour
	}
}

// Venue is a place people enter with their code: it has a place code,
// checkpoints, an entry policy and a capacity.
type Venue struct {
	ID       string // "V000001": assigned by the store
	Name     string
	Kind     string
	Division string // six-digit GB/T 2260 code
	Address  string
	// Capacity is how many people may be inside at once; 0 means no limit.
	Capacity int
	Policy   EntryPolicy
	// MaxStay is how long an entry without an exit counts as inside.
	MaxStay   time.Duration
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits on what a venue may state.
const (
	MaxVenueCapacity = 1_000_000
	MaxVenueMaxStay  = 7 * 24 * time.Hour
	MaxTestHours     = 14 * 24
	MaxDoses         = 10
)

// Check checks v as a create or update would store it and names each
// offending field; the division code is checked by the caller, which
// knows the list of divisions.
func (v *Venue) Check() FieldErrors {
	var fe FieldErrors
	v.Name = strings.TrimSpace(v.Name)
	v.Address = strings.TrimSpace(v.Address)
	switch n := utf8.RuneCountInString(v.Name); {
	case n == 0:
		fe.Add("name", "is required")
	case n > 100:
		fe.Add("name", "is longer than 100 characters")
	}
	if !slices.Contains(VenueKinds, v.Kind) {
		fe.Add("kind", "must be one of "+strings.Join(VenueKinds, ", "))
	}
	if utf8.RuneCountInString(v.Address) > 200 {
		fe.Add("address", "is longer than 200 characters")
	}
	if v.Capacity < 0 || v.Capacity > MaxVenueCapacity {
		fe.Add("capacity", "must be between 0 (no limit) and 1000000")
	}
	if v.MaxStay < time.Minute || v.MaxStay > MaxVenueMaxStay {
		fe.Add("max_stay_minutes", "must be between 1 minute and 7 days")
	}
	p := &v.Policy
	if len(p.Colours) == 0 {
		fe.Add("policy.colours", "must name at least one colour")
	}
	for _, c := range p.Colours {
		if c < Green || c > Red {
			fe.Add("policy.colours", "must be green, yellow or red")
		}
	}
	if p.TestWithinHours < 0 || p.TestWithinHours > MaxTestHours {
		fe.Add("policy.test_within_hours", "must be between 0 (no test) and 336")
	}
	if p.MinDoses < 0 || p.MinDoses > MaxDoses {
		fe.Add("policy.min_doses", "must be between 0 and 10")
	}
	if p.Employer != "" && !looksLikeOrgID(p.Employer) {
		fe.Add("policy.employer", `must be an organisation id such as "G000002"`)
	}
	return fe
}

// looksLikeOrgID reports whether id has the form of an organisation id:
// "G" and at least six digits. Whether it exists is the node's to check.
func looksLikeOrgID(id string) bool {
	if len(id) < 7 || id[0] != 'G' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// VenueFilter selects venues in a listing.
type VenueFilter struct {
	Division string // prefix of the division code, "" for all
	Kind     string // "" for all
	IDs      []string
	Limit    int
	Offset   int
}

// VenueStore keeps venues.
type VenueStore interface {
	// CreateVenue stores v and sets v.ID, CreatedAt and UpdatedAt.
	CreateVenue(ctx context.Context, v *Venue) error
	// FindVenue returns the venue with id, ENOTFOUND when none.
	FindVenue(ctx context.Context, id string) (*Venue, error)
	ListVenues(ctx context.Context, f VenueFilter) ([]*Venue, error)
	// UpdateVenue replaces the name, address, capacity, policy and
	// maximum stay of v.ID; ENOTFOUND when none.
	UpdateVenue(ctx context.Context, v *Venue) error
}
