package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
	"github.com/prometheus/client_golang/prometheus"
)

// Audit records every read of a person's data by staff, a device or a
// peer in the hash-chained access audit log. Tracing and peers call Record
// the same way the staff routes do. A checkpoint's scan of a code is not
// an entry here but a row of the scan log, which the person reads with
// their records (OwnRecords.Scans): at a door's rate a chained write per
// scan would cost more than the scan.
type Audit struct {
	Store   healthcode.AuditStore
	Now     func() time.Time
	Logger  *slog.Logger
	Metrics *AuditMetrics
}

var _ healthcode.AuditService = (*Audit)(nil)

// maxPurpose bounds the stated purpose of a read.
const maxPurpose = 200

// purposeRoles must state why they read: people who choose what to look at.
// Devices and peers read as part of a flow that is its own purpose.
var purposeRoles = []healthcode.Role{healthcode.RoleAdmin, healthcode.RoleHealth, healthcode.RoleOrg, healthcode.RoleVenue}

// CheckPurpose validates the purpose caller states for a read; the error
// names the field "purpose". Services call it before reading anything.
func CheckPurpose(caller *healthcode.Caller, purpose string) error {
	purpose = strings.TrimSpace(purpose)
	switch n := utf8.RuneCountInString(purpose); {
	case n == 0 && caller.Is(purposeRoles...):
		return (healthcode.FieldErrors{"purpose": "required: state why you read this person's data (X-Purpose header)"}).Err()
	case n > maxPurpose:
		return (healthcode.FieldErrors{"purpose": fmt.Sprintf("at most %d characters", maxPurpose)}).Err()
	case !printable(purpose):
		return (healthcode.FieldErrors{"purpose": "must not contain control characters"}).Err()
	}
	return nil
}

// Entry returns the audit entry of caller reading what of the person, not
// yet stored; for stores that write it in the transaction of the read.
func (a *Audit) Entry(caller *healthcode.Caller, personID int64, what, purpose string) (*healthcode.AuditEntry, error) {
	if caller == nil || caller.Role == healthcode.RoleCitizen || what == "" {
		return nil, healthcode.Internal(errors.New("audit entry needs a staff, device or peer caller and what was read"), "audit")
	}
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	return &healthcode.AuditEntry{At: a.Now(), TokenID: caller.TokenID, Actor: caller.Name, Role: caller.Role,
		PersonID: personID, What: what, Purpose: strings.TrimSpace(purpose)}, nil
}

// Record stores that caller read what of the person for purpose. The
// caller must not return the data when it fails.
func (a *Audit) Record(ctx context.Context, caller *healthcode.Caller, personID int64, what, purpose string) error {
	return a.RecordMany(ctx, caller, []int64{personID}, what, purpose)
}

// RecordMany records one read of each person, in one append: a list that
// shows several people (the appeal queue) is one read of each. Ids of 0
// (nobody of this region) and repeats are skipped: a listing that shows a
// person twice is still one read of them.
func (a *Audit) RecordMany(ctx context.Context, caller *healthcode.Caller, personIDs []int64, what, purpose string) error {
	entries := make([]*healthcode.AuditEntry, 0, len(personIDs))
	seen := make(map[int64]bool, len(personIDs))
	for _, id := range personIDs {
		if id == 0 || seen[id] {
			continue
		}
		seen[id] = true
		e, err := a.Entry(caller, id, what, purpose)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil
	}
	if err := a.Store.AppendAudit(ctx, entries...); err != nil {
		return err
	}
	a.Metrics.recorded(what, len(entries))
	return nil
}

// AccessLog returns the reads of the person's data, newest first.
func (a *Audit) AccessLog(ctx context.Context, personID, before int64, limit int) ([]*healthcode.AuditEntry, error) {
	var fe healthcode.FieldErrors
	if limit < 1 || limit > 100 {
		fe.Add("limit", "must be between 1 and 100")
	}
	if before < 0 {
		fe.Add("before", "must be an entry id, 0 or more")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return a.Store.AccessLog(ctx, personID, before, limit)
}

// AuditMetrics count audit log appends. A nil *AuditMetrics records
// nothing.
type AuditMetrics struct {
	entries *prometheus.CounterVec
}

// NewAuditMetrics registers the audit metrics on reg.
func NewAuditMetrics(reg prometheus.Registerer) *AuditMetrics {
	m := &AuditMetrics{entries: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthcode_audit_entries_total", Help: "Access audit log entries appended, by what was read.",
	}, []string{"what"})}
	reg.MustRegister(m.entries)
	return m
}

func (m *AuditMetrics) recorded(what string, n int) {
	if m != nil {
		m.entries.WithLabelValues(what).Add(float64(n))
	}
}

// AuditBreak is the first entry where the chain does not hold.
type AuditBreak struct {
	ID      int64  // the entry named
	Kind    string // "altered" or "removed"
	Message string
}

func (b *AuditBreak) Error() string { return b.Message }

// AuditChain checks entries one after the other, in id order. The zero
// value expects the first entry.
type AuditChain struct {
	lastID   int64
	lastHash []byte
}

// Next checks e against the entries before it.
func (c *AuditChain) Next(e *healthcode.AuditEntry) *AuditBreak {
	switch {
	case e.ID != c.lastID+1:
		missing := fmt.Sprint(c.lastID + 1)
		if e.ID > c.lastID+2 {
			missing = fmt.Sprintf("%d to %d", c.lastID+1, e.ID-1)
		}
		return &AuditBreak{ID: c.lastID + 1, Kind: "removed",
			Message: fmt.Sprintf("entry %s removed: entry %d follows entry %d", missing, e.ID, c.lastID)}
	case !bytes.Equal(e.PrevHash, c.lastHash):
		return &AuditBreak{ID: e.ID, Kind: "removed",
			Message: fmt.Sprintf("entry %d does not link to entry %d (prev_hash mismatch): an entry before it was removed or replaced", e.ID, c.lastID)}
	case !bytes.Equal(e.Hash, e.ComputeHash(e.PrevHash)):
		return &AuditBreak{ID: e.ID, Kind: "altered",
			Message: fmt.Sprintf("entry %d altered: its fields do not match its hash", e.ID)}
	}
	c.lastID, c.lastHash = e.ID, e.Hash
	return nil
}

// End checks that the chain reached the head the store recorded: entries
// removed from the end leave no gap, but the head still names them.
func (c *AuditChain) End(headID int64, headHash []byte) *AuditBreak {
	switch {
	case c.lastID < headID:
		missing := fmt.Sprint("entry ", headID)
		if headID > c.lastID+1 {
			missing = fmt.Sprintf("entries %d to %d", c.lastID+1, headID)
		}
		return &AuditBreak{ID: c.lastID + 1, Kind: "removed",
			Message: fmt.Sprintf("%s removed: the chain ends at entry %d but its head records entry %d", missing, c.lastID, headID)}
	case !bytes.Equal(c.lastHash, headHash):
		return &AuditBreak{ID: c.lastID, Kind: "altered",
			Message: fmt.Sprintf("entry %d altered or replaced: its hash is not the one the chain head records", c.lastID)}
	}
	return nil
}

// errStopWalk ends a walk at the head read before it.
var errStopWalk = errors.New("stop")

// VerifyAudit walks the chain in id order up to the head as it stood when
// the walk began (entries appended meanwhile are left for the next run),
// calling progress after each entry. It returns the number of entries
// checked and the first break, nil when the chain holds.
func VerifyAudit(ctx context.Context, store healthcode.AuditStore, progress func(checked, total int64)) (int64, *AuditBreak, error) {
	headID, headHash, err := store.AuditHead(ctx)
	if err != nil {
		return 0, nil, err
	}
	var chain AuditChain
	var checked int64
	var brk *AuditBreak
	err = store.WalkAudit(ctx, func(e *healthcode.AuditEntry) error {
		if e.ID > headID && chain.lastID == headID {
			return errStopWalk
		}
		if brk = chain.Next(e); brk != nil {
			return errStopWalk
		}
		checked++
		if progress != nil {
			progress(checked, headID)
		}
		return ctx.Err()
	})
	if err != nil && !errors.Is(err, errStopWalk) {
		return checked, nil, err
	}
	if brk == nil {
		brk = chain.End(headID, headHash)
	}
	return checked, brk, nil
}
