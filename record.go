package healthcode

import "time"

// Records are facts about people that come from data providers (labs, the
// health authority, carriers). They name a person by PersonKey, the keyed
// hash of the normalised document number, so that a record may arrive before
// the person ever signs in.

// TestResult is a nucleic-acid test result.
type TestResult int

const (
	Negative TestResult = 0
	Positive TestResult = 1
)

// Test methods.
const (
	MethodPCR     = "pcr"
	MethodAntigen = "antigen"
)

// Test is a nucleic-acid (or antigen) test.
type Test struct {
	ID         int64
	PersonKey  []byte
	SampledAt  time.Time
	ReportedAt time.Time // a row with the same ExternalID and a later ReportedAt corrects this one
	Result     TestResult
	Method     string // MethodPCR or MethodAntigen
	// Pooled marks a sample tested in a pool (混检): a positive pool makes
	// everyone in the tube yellow until their single tests come back.
	Pooled     bool
	Lab        string
	ExternalID string    // provider's id, for idempotent import
	RecordedAt time.Time // when the node stored the row
}

// Vaccination is one dose.
type Vaccination struct {
	ID         int64
	PersonKey  []byte
	Dose       int
	Product    string
	At         time.Time
	ExternalID string
	RecordedAt time.Time
}

// CaseKind is the classification of a case.
type CaseKind string

const (
	CaseConfirmed    CaseKind = "confirmed"
	CaseSuspected    CaseKind = "suspected"
	CaseAsymptomatic CaseKind = "asymptomatic"
)

// CaseStatus is where a case stands.
type CaseStatus string

const (
	CaseActive    CaseStatus = "active"
	CaseRecovered CaseStatus = "recovered"
	CaseDismissed CaseStatus = "dismissed" // ruled out: it never counted
)

// Case puts a person on the case list.
type Case struct {
	ID          int64
	PersonKey   []byte
	Kind        CaseKind
	DiagnosedAt time.Time // onset
	Status      CaseStatus
	ClosedAt    time.Time // when it was reported recovered or dismissed; zero while active
	ExternalID  string
	RecordedAt  time.Time
}

// ContactKind is the kind of a contact.
type ContactKind string

const (
	ContactClose     ContactKind = "close"
	ContactSecondary ContactKind = "secondary"
	ContactCompanion ContactKind = "companion" // spatiotemporal companion
)

// Contact puts a person on a contact list.
type Contact struct {
	ID         int64
	PersonKey  []byte
	Kind       ContactKind // the degree
	CaseID     string      // the provider's id of the case the contact traces to
	ExposedAt  time.Time   // last exposure
	ClearedAt  time.Time   // zero while not cleared
	ExternalID string
	RecordedAt time.Time
}

// QuarantineKind is the kind of a quarantine order.
type QuarantineKind string

const (
	QuarantineCentralised    QuarantineKind = "centralised"
	QuarantineHome           QuarantineKind = "home"
	QuarantineHomeMonitoring QuarantineKind = "home_monitoring"
)

// Quarantine is an order, from From until Until (zero: open-ended).
type Quarantine struct {
	ID         int64
	PersonKey  []byte
	Kind       QuarantineKind
	From       time.Time
	Until      time.Time
	ExternalID string
	RecordedAt time.Time
}

// Travel is a stay recorded by a carrier or by telecom data.
type Travel struct {
	ID         int64
	PersonKey  []byte
	Division   string
	From       time.Time
	To         time.Time
	ExternalID string
	RecordedAt time.Time
}

// RiskLevel is the level of a risk area.
type RiskLevel string

const (
	RiskHigh   RiskLevel = "high"
	RiskMedium RiskLevel = "medium"
	RiskLow    RiskLevel = "low"
)

// RiskArea is a division declared at a risk level from From until Until
// (zero: still in force). Risk areas are region-wide, not per person.
type RiskArea struct {
	Division string
	Area     string // street or compound within the division
	Level    RiskLevel
	From     time.Time
	Until    time.Time
}

// DrugClasses are the four drug classes whose purchase asks for a test.
var DrugClasses = []string{"antipyretic", "cough", "antiviral", "antibiotic"}

// DrugPurchase is a registered purchase at a pharmacy.
type DrugPurchase struct {
	ID        int64
	PersonKey []byte
	Class     string
	At        time.Time
	VenueID   string
}

// RemoteStatus is a person's colour in another region, learned through the hub.
type RemoteStatus struct {
	ID        int64
	PersonKey []byte
	Region    string
	Colour    Colour
	At        time.Time
	Until     time.Time // zero: until replaced
}

// RecordBatch is a set of records written together: all or nothing.
type RecordBatch struct {
	Tests          []Test
	Vaccinations   []Vaccination
	Cases          []Case
	Contacts       []Contact
	Quarantines    []Quarantine
	Travel         []Travel
	DrugPurchases  []DrugPurchase
	RemoteStatuses []RemoteStatus
}

// Facts is everything the status engine reads about one person.
type Facts struct {
	// Declarations holds the person's declarations of the last 14 days,
	// every older one with Findings, and at least the latest one, newest
	// first.
	Declarations   []Declaration
	Tests          []Test
	Vaccinations   []Vaccination
	Cases          []Case
	Contacts       []Contact
	Quarantines    []Quarantine
	Travel         []Travel
	DrugPurchases  []DrugPurchase
	RemoteStatuses []RemoteStatus
	// HealthChecks are the person's checks of the last HealthCheckWindow:
	// a school's morning and noon checks and their own daily check-ins.
	HealthChecks []HealthCheck
	// RiskAreas are the region's risk areas, current and past.
	RiskAreas []RiskArea
	// Override is the person's latest accepted appeal, nil when none.
	Override *StatusOverride
}

// StatusOverride is the corrected status of an accepted appeal (GB/T 38963
// error correction). It holds from From until Until (zero: no end set) and
// ends early once a record of the person is stored after From: new records
// are judged by the rules again.
type StatusOverride struct {
	AppealID int64
	Colour   Colour
	Reason   string // the staff's reason, shown to the person
	From     time.Time
	Until    time.Time
}
