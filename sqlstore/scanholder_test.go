package sqlstore_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestFindScanHolder(t *testing.T) {
	db := storetest.MustOpenDB(t)
	now := venueNow
	p := mustPerson(t, db, "13800138001")
	// No status yet: nothing to judge a scan by.
	_, err := db.FindScanHolder(ctx, p.ID, nil, false, now)
	wantCode(t, err, healthcode.ENOTFOUND)
	st := &healthcode.Status{Colour: healthcode.Yellow, ActionRequired: true, Doses: 2, Since: t0, EvaluatedAt: t0,
		LatestTest: &healthcode.TestSummary{SampledAt: t0, Result: healthcode.Negative}, Declared: true,
		Reasons: []healthcode.Reason{{Code: "contact", Colour: healthcode.Yellow, Since: t0}}}
	if err := db.SaveStatus(ctx, p.ID, st); err != nil {
		t.Fatal(err)
	}
	mark := func(at time.Time) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO status_due (person_id, due_at) VALUES ($1, $2)
			ON CONFLICT (person_id) DO UPDATE SET due_at = excluded.due_at`, p.ID, at.UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name       string
		setUp      func()
		byID       bool
		withStatus bool
		due        bool
	}{
		{"by id", func() {}, true, false, false},
		{"by subject", func() {}, false, false, false},
		{"with status", func() {}, true, true, false},
		{"by subject with status", func() {}, false, true, false},
		{"re-evaluation time to come", func() {
			st.ReevaluateAt = now.Add(time.Minute)
			if err := db.SaveStatus(ctx, p.ID, st); err != nil {
				t.Fatal(err)
			}
		}, true, true, false},
		{"re-evaluation time come", func() {
			st.ReevaluateAt = now
			if err := db.SaveStatus(ctx, p.ID, st); err != nil {
				t.Fatal(err)
			}
		}, false, true, true},
		{"mark to come", func() {
			st.ReevaluateAt = time.Time{}
			if err := db.SaveStatus(ctx, p.ID, st); err != nil {
				t.Fatal(err)
			}
			mark(now.Add(time.Second))
		}, true, false, false},
		{"mark come", func() { mark(now.Add(-time.Second)) }, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setUp()
			id, subject := p.ID, []byte(nil)
			if !tc.byID {
				id, subject = 0, p.Subject
			}
			h, err := db.FindScanHolder(ctx, id, subject, tc.withStatus, now)
			if err != nil {
				t.Fatal(err)
			}
			if h.PersonID != p.ID || !bytes.Equal(h.Subject, p.Subject) || h.Colour != healthcode.Yellow ||
				!h.ActionRequired || h.Due != tc.due {
				t.Fatalf("holder %+v, want due %v", h, tc.due)
			}
			if !tc.withStatus {
				if h.Status != nil {
					t.Fatal("status read without being asked for")
				}
				return
			}
			s := h.Status
			if s == nil || s.Colour != healthcode.Yellow || s.Doses != 2 || !s.Declared || s.LatestTest == nil ||
				!s.LatestTest.SampledAt.Equal(us(t0)) || s.LatestTest.SampledAt.Location() != time.UTC ||
				!s.EvaluatedAt.Equal(us(t0)) || len(s.Reasons) != 1 || !s.Reasons[0].Since.Equal(us(t0)) {
				t.Fatalf("status %+v", s)
			}
			// The stored status says when it is due, like FindStatus.
			if want, err := db.FindStatus(ctx, p.ID); err != nil || !s.ReevaluateAt.Equal(want.ReevaluateAt) {
				t.Fatalf("due at %v, FindStatus says %v (%v)", s.ReevaluateAt, want.ReevaluateAt, err)
			}
		})
	}
	_, err = db.FindScanHolder(ctx, p.ID+100, nil, false, now)
	wantCode(t, err, healthcode.ENOTFOUND)
	_, err = db.FindScanHolder(ctx, 0, []byte("nobody's subject"), true, now)
	wantCode(t, err, healthcode.ENOTFOUND)
}
