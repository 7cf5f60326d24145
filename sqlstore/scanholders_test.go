package sqlstore_test

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// TestFindScanHolders reads several people in one query: each in its
// place, repeated ids answered each time, people without a status nil, and
// the due flag and the whole status as FindScanHolder gives them.
func TestFindScanHolders(t *testing.T) {
	db := storetest.MustOpenDB(t)
	now := venueNow
	green := mustPerson(t, db, "13800138001")
	red := mustPerson(t, db, "13800138002")
	none := mustPerson(t, db, "13800138003")
	if err := db.SaveStatus(ctx, green.ID, &healthcode.Status{Colour: healthcode.Green, Since: t0, EvaluatedAt: t0, Doses: 3}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveStatus(ctx, red.ID, &healthcode.Status{Colour: healthcode.Red, ActionRequired: true, Since: t0, EvaluatedAt: t0,
		ReevaluateAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for _, ids := range [][]int64{{green.ID}, {none.ID}, {red.ID, green.ID, none.ID, 999999, red.ID}} {
		for _, withStatus := range []bool{false, true} {
			hs, err := db.FindScanHolders(ctx, ids, withStatus, now)
			if err != nil || len(hs) != len(ids) {
				t.Fatalf("FindScanHolders(%v) = %v, %v", ids, hs, err)
			}
			for i, id := range ids {
				want, err := db.FindScanHolder(ctx, id, nil, withStatus, now)
				if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
					if hs[i] != nil {
						t.Errorf("%v[%d]: %+v, want nil", ids, i, hs[i])
					}
					continue
				}
				h := hs[i]
				if h == nil || h.PersonID != id || h.Colour != want.Colour || h.ActionRequired != want.ActionRequired ||
					h.Due != want.Due || (h.Status == nil) != !withStatus || string(h.Subject) != string(want.Subject) {
					t.Errorf("%v[%d] = %+v, want %+v", ids, i, h, want)
				}
				if withStatus && h.Status.Doses != want.Status.Doses {
					t.Errorf("%v[%d]: doses %d, want %d", ids, i, h.Status.Doses, want.Status.Doses)
				}
			}
		}
	}
	if hs, err := db.FindScanHolders(ctx, []int64{red.ID}, false, now); err != nil || !hs[0].Due {
		t.Fatalf("red's own re-evaluation time has come: %+v, %v; want due", hs, err)
	}
}
