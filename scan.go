package healthcode

import (
	"context"
	"time"
)

// Directions of a scan.
const (
	DirectionIn  = "in"
	DirectionOut = "out"
)

// Verdicts of a scan.
const (
	VerdictPass = "pass"
	VerdictDeny = "deny"
)

// Sources of a scan in the log.
const (
	ScanOnline  = "online"  // POST /api/v1/scans: judged by the node
	ScanOffline = "offline" // POST /api/v1/scans/batch: judged by the device, uploaded later
	ScanCheckin = "checkin" // POST /api/v1/checkins: a citizen scanned the place code
)

// Scan is one entry of the scan log: a code shown at a venue's door. The
// log is append-only; a scan is never changed once stored.
type Scan struct {
	ID       int64
	VenueID  string
	DeviceID int64  // the checkpoint token; 0 for a citizen's check-in
	Seq      int64  // the device's sequence number of an offline scan; 0 otherwise
	Source   string // ScanOnline, ScanOffline or ScanCheckin
	// Direction is DirectionIn or DirectionOut.
	Direction string
	// Region is the region Subject names the person in: the issuer of the
	// code, or a national code's home region ("h"). Both are empty for a
	// code that could not be read.
	Region   string
	Subject  []byte
	PersonID int64 // the person, when of this region; 0 otherwise
	Colour   Colour
	Verdict  string
	// Reasons are the codes of DenyReasons, empty for a pass.
	Reasons []string
	// At is when the code was scanned (the device's clock for an offline
	// scan); ReceivedAt when the node stored it.
	At         time.Time
	ReceivedAt time.Time
	// ClockSkew is set when At was far from the node's clock at upload.
	ClockSkew bool
}

// Deny reasons: stable codes, with text for the staff at the door.
const (
	DenyMalformed      = "malformed"        // not a health code at all
	DenyForged         = "forged"           // the signature does not hold
	DenyExpired        = "expired"          // a stale screenshot
	DenyNotYetValid    = "not_yet_valid"    // issued in the future: a wrong clock
	DenyUntrusted      = "untrusted_region" // issued by a region outside the trust list
	DenyKeyRevoked     = "key_revoked"      // signed with a revoked key
	DenyColour         = "colour_not_allowed"
	DenyTestRequired   = "test_required"     // no negative test recent enough
	DenyDosesRequired  = "doses_required"    // too few vaccination doses
	DenyActionRequired = "action_required"   // the person has something to do first
	DenyVenueFull      = "venue_full"        // capacity reached
	DenyUnknownPerson  = "unknown_person"    // a code of this region for nobody known
	DenyWrongCodeKind  = "not_a_health_code" // e.g. a place code shown at a door
	DenyNotEmployed    = "not_employed"      // not on the staff of the employer the venue admits
	// Way 2: codes of a region this node resolves through the hub.
	DenyHubUnavailable = "hub_unavailable"  // no answer from the hub (or none that verifies): the region is not trusted directly
	DenyViaHub         = "resolved_via_hub" // follows the reasons of a deny judged on the hub's national status
)

// ResolvedViaHub is the ScanResult.ResolvedVia of a code judged on the
// hub's national status (way 2).
const ResolvedViaHub = "hub"

// DenyReason is a deny code with text in both languages.
type DenyReason struct {
	Code   string `json:"code"`
	TextZH string `json:"text_zh"`
	TextEN string `json:"text_en"`
}

var denyTexts = map[string][2]string{
	DenyMalformed:      {"无法识别的二维码：读不出健康码", "Unreadable code: no health code could be read from it"},
	DenyForged:         {"健康码签名无效，疑似伪造", "The code's signature is invalid: possibly forged"},
	DenyExpired:        {"健康码已过期（可能是截图），请刷新后再出示", "The code has expired (a screenshot?): refresh it and show it again"},
	DenyNotYetValid:    {"健康码时间异常，请核对手机时间", "The code is dated in the future: check the phone's clock"},
	DenyUntrusted:      {"发码地区不在互认名单内", "The issuing region is not in the trust list"},
	DenyKeyRevoked:     {"健康码签名密钥已吊销", "The code was signed with a revoked key"},
	DenyColour:         {"健康码颜色不符合本场所要求", "This venue does not admit this colour"},
	DenyTestRequired:   {"缺少符合要求的核酸阴性结果", "A recent negative test is required"},
	DenyDosesRequired:  {"疫苗接种剂次不足", "More vaccination doses are required"},
	DenyActionRequired: {"需先完成防疫要求（如核酸检测）", "The person must first do what their status asks (e.g. get tested)"},
	DenyVenueFull:      {"场所已达限流人数，请稍候", "The venue is full: please wait"},
	DenyUnknownPerson:  {"本地区无此人信息", "No such person in this region"},
	DenyWrongCodeKind:  {"这是其他类型的码（如场所码），不是健康码", "A different kind of code (a place code, say), not a health code"},
	DenyNotEmployed:    {"非本单位人员", "Not on this employer's staff"},
	DenyHubUnavailable: {"无法连接国家枢纽，该地区健康码须经枢纽核验", "The national hub cannot be reached, and codes of this region are checked only through it"},
	DenyViaHub:         {"依据国家枢纽核验的全国状态判定", "Judged on the national status from the hub"},
}

// NewDenyReason returns code with its texts; an unknown code gets its own
// name as text.
func NewDenyReason(code string) DenyReason {
	t, ok := denyTexts[code]
	if !ok {
		return DenyReason{Code: code, TextZH: code, TextEN: code}
	}
	return DenyReason{Code: code, TextZH: t[0], TextEN: t[1]}
}

// ScanWindow selects scans by time: From inclusive, To exclusive.
type ScanWindow struct {
	From, To time.Time
	Limit    int
}

// VenueStats is the flow of one venue over a window.
type VenueStats struct {
	VenueID        string           `json:"venue_id"`
	From           time.Time        `json:"from"`
	To             time.Time        `json:"to"`
	EntriesPerHour []HourCount      `json:"entries_per_hour"`
	PeakOccupancy  int              `json:"peak_occupancy"`
	Colours        map[string]int64 `json:"colour_mix"`
	Denials        map[string]int64 `json:"denials"`
}

// HourCount is the number of entries in the hour starting at Hour.
type HourCount struct {
	Hour    time.Time `json:"hour"`
	Entries int64     `json:"entries"`
}

// ScanStore keeps the scan log and the venues' occupancy.
type ScanStore interface {
	// RecordScans stores scans in one transaction and returns when it is
	// durable. Scans are taken in order; an online or check-in entry that
	// passed (Verdict pass, Direction in) at a venue that is full at that
	// moment is turned into a deny with DenyVenueFull before it is stored,
	// atomically with every other node's. An offline scan with a (DeviceID,
	// Seq) already stored is skipped and reported in dup. ID and
	// ReceivedAt are set on every stored scan.
	RecordScans(ctx context.Context, scans []*Scan, now time.Time) (dup []bool, err error)
	// VenueScans lists the scans at a venue in w, oldest first.
	VenueScans(ctx context.Context, venueID string, w ScanWindow) ([]*Scan, error)
	// SubjectScans lists the scans of a person (region and subject) in w,
	// oldest first.
	SubjectScans(ctx context.Context, region string, subject []byte, w ScanWindow) ([]*Scan, error)
	// Occupancy is how many people are inside the venue at now: entries
	// without an exit, younger than the venue's maximum stay.
	Occupancy(ctx context.Context, venueID string, now time.Time) (int, error)
	// VenueStats sums the venue's scans in w.
	VenueStats(ctx context.Context, venueID string, w ScanWindow) (*VenueStats, error)
	// PurgeScans deletes up to limit scans received before before, and
	// presences older than any maximum stay; it returns how many scans.
	PurgeScans(ctx context.Context, before time.Time, limit int) (int64, error)
}

// ScanHolder is what judging a scan of a code of this region reads about
// its person, in one read.
type ScanHolder struct {
	PersonID       int64
	Subject        []byte
	Colour         Colour
	ActionRequired bool
	// Due is set when the stored status is due for re-evaluation: the
	// caller evaluates it again before judging.
	Due bool
	// Status is the whole stored status, only when asked for.
	Status *Status
}

// DrugPurchaseEntry is a registered purchase as health staff list it.
type DrugPurchaseEntry struct {
	Purchase  DrugPurchase
	PersonID  int64 // 0 when the buyer has no profile here
	VenueName string
	Division  string   // the venue's
	Profile   *Profile // name and document number, opened; nil when none
}

// PurchaseFilter selects drug purchases.
type PurchaseFilter struct {
	From, To time.Time
	Division string // prefix of the venue's division code, "" for all
	Limit    int
}

// ScanHolderStore reads what judging a scan needs and lists purchases.
type ScanHolderStore interface {
	// FindScanHolder reads the person with personID, or when it is 0 with
	// subject; ENOTFOUND when none or when the person has no status yet.
	// withStatus asks for the whole status (its latest test and doses).
	FindScanHolder(ctx context.Context, personID int64, subject []byte, withStatus bool, now time.Time) (*ScanHolder, error)
	// FindScanHolders reads many people by id at once, in the order of
	// personIDs, nil where FindScanHolder would answer ENOTFOUND.
	FindScanHolders(ctx context.Context, personIDs []int64, withStatus bool, now time.Time) ([]*ScanHolder, error)
	// DrugPurchases lists registered purchases, oldest first.
	DrugPurchases(ctx context.Context, f PurchaseFilter) ([]*DrugPurchaseEntry, error)
}

// KnownDenyReason reports whether code is one of the deny reasons.
func KnownDenyReason(code string) bool {
	_, ok := denyTexts[code]
	return ok
}
