package healthcode

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// AuditEntry records one read of a person's data by staff, a device or a
// peer. Entries form a hash chain: Hash = SHA-256(PrevHash || the
// canonical encoding of every other field), so an edited entry no longer
// matches its hash and a removed one breaks the link of its successor.
type AuditEntry struct {
	ID       int64 // 1, 2, 3, … without gaps
	At       time.Time
	TokenID  int64
	Actor    string // the token's name
	Role     Role
	PersonID int64
	What     string // what was read: "status", "profile", "appeal", …
	Purpose  string // the purpose the reader stated
	PrevHash []byte // Hash of entry ID-1; empty for the first
	Hash     []byte
}

// What was read, for AuditEntry.What.
const (
	ReadStatus  = "status"
	ReadProfile = "profile"
	ReadAppeal  = "appeal"
)

// ComputeHash returns SHA-256(prev || canonical encoding of e). The
// encoding writes every field in a fixed order, integers as 8 bytes big
// endian and strings with an 8-byte length before them, so no two entries
// encode alike. At counts in microseconds, as the store keeps it.
func (e *AuditEntry) ComputeHash(prev []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	var buf [8]byte
	putInt := func(v int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	putString := func(s string) {
		putInt(int64(len(s)))
		h.Write([]byte(s))
	}
	putString("healthcode-audit-v1")
	putInt(e.ID)
	var at int64
	if !e.At.IsZero() {
		at = e.At.UnixMicro()
	}
	putInt(at)
	putInt(e.TokenID)
	putString(e.Actor)
	putString(string(e.Role))
	putInt(e.PersonID)
	putString(e.What)
	putString(e.Purpose)
	return h.Sum(nil)
}

// AuditStore keeps the access audit log. Appends are serialised across
// every node sharing the database, so the chain has one order.
type AuditStore interface {
	// AppendAudit chains entries after the current head and stores them in
	// one transaction, setting ID, PrevHash and Hash of each.
	AppendAudit(ctx context.Context, entries ...*AuditEntry) error
	// AccessLog returns the person's entries with ID below before (0: no
	// bound), newest first, at most limit.
	AccessLog(ctx context.Context, personID, before int64, limit int) ([]*AuditEntry, error)
	// AuditHead returns the id and hash of the last entry appended, as the
	// chain head records it (0 and empty when none).
	AuditHead(ctx context.Context) (lastID int64, lastHash []byte, err error)
	// WalkAudit calls fn with every entry in id order, stopping at the
	// first error fn returns.
	WalkAudit(ctx context.Context, fn func(*AuditEntry) error) error
	// FindPersonByIDNumber returns the id of the person whose profile
	// holds the document number, ENOTFOUND when none.
	FindPersonByIDNumber(ctx context.Context, idNumber string) (int64, error)
}

// AuditService records staff, device and peer reads of personal data and
// shows a citizen theirs.
type AuditService interface {
	// Record stores that caller read what of the person for purpose. The
	// read must fail when this does.
	Record(ctx context.Context, caller *Caller, personID int64, what, purpose string) error
	// AccessLog returns the reads of the person's data, newest first, with
	// IDs below before (0: from the newest).
	AccessLog(ctx context.Context, personID, before int64, limit int) ([]*AuditEntry, error)
}
