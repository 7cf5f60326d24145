package sqlstore_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestStatusRoundTrip(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	_, err := db.FindStatus(ctx, p.ID)
	wantCode(t, err, healthcode.ENOTFOUND)

	s := &healthcode.Status{
		Colour: healthcode.Yellow, ActionRequired: true,
		Reasons:      []healthcode.Reason{{Code: "drug_purchase", Colour: healthcode.Green, Action: true, TextZH: "购药", TextEN: "bought medicine", Since: t0}},
		Since:        t0,
		ReevaluateAt: t0.Add(7 * 24 * time.Hour),
		LatestTest:   &healthcode.TestSummary{SampledAt: t0.Add(-time.Hour), Result: healthcode.Negative},
		Doses:        3, PolicyVersion: "default-1", EvaluatedAt: t0, Declared: true,
	}
	if err := db.SaveStatus(ctx, p.ID, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindStatus(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *s
	want.Since, want.ReevaluateAt, want.EvaluatedAt = us(t0), us(s.ReevaluateAt), us(t0)
	want.Reasons = []healthcode.Reason{s.Reasons[0]}
	want.Reasons[0].Since = us(t0)
	want.LatestTest = &healthcode.TestSummary{SampledAt: us(s.LatestTest.SampledAt)}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("FindStatus =\n%+v\nwant\n%+v", got, want)
	}

	// Saving again replaces.
	if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: healthcode.Green, EvaluatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.FindStatus(ctx, p.ID)
	if got.Colour != healthcode.Green || got.ActionRequired || !got.ReevaluateAt.IsZero() {
		t.Fatalf("after replace: %+v", got)
	}
	wantCode(t, db.SaveStatus(ctx, p.ID+100, s), healthcode.ENOTFOUND)
}

// TestWhenAStatusIsDue: a status with a re-evaluation time is due from
// that time on, one without is due only when marked.
func TestWhenAStatusIsDue(t *testing.T) {
	db := storetest.MustOpenDB(t)
	save := func(phone string, reevaluate time.Time) int64 {
		p := mustPerson(t, db, phone)
		if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{ReevaluateAt: reevaluate, EvaluatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	ids := []int64{
		save("13800000001", t0.Add(-time.Hour)),
		save("13800000002", t0),
		save("13800000003", t0.Add(time.Microsecond)), // not yet
		save("13800000004", time.Time{}),              // only when facts change
		save("13800000005", t0.Add(-48*time.Hour)),
	}
	for _, tc := range []struct {
		at   time.Time
		want []bool
	}{
		{t0, []bool{true, true, false, false, true}},
		{t0.AddDate(10, 0, 0), []bool{true, true, true, false, true}}, // the untimed one never
	} {
		for i, id := range ids {
			st, err := db.FindStatus(ctx, id)
			if err != nil || st.Stale(tc.at) != tc.want[i] {
				t.Errorf("at %v person %d: due %v, %v; want %v", tc.at, i, st.Stale(tc.at), err, tc.want[i])
			}
		}
		if n, _ := db.CountDue(ctx, tc.at); int(n) != count(tc.want) {
			t.Errorf("at %v CountDue = %d, want %d", tc.at, n, count(tc.want))
		}
	}
}

// MarkAllDue marks every stored status due, timed or not; a person with
// no status has none to mark.
func TestMarkAllDue(t *testing.T) {
	db := storetest.MustOpenDB(t)
	for i, reevaluate := range []time.Time{{}, t0.Add(time.Hour), t0.Add(-time.Hour)} {
		p := mustPerson(t, db, fmt.Sprintf("1380000000%d", i))
		if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{ReevaluateAt: reevaluate, EvaluatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	mustPerson(t, db, "13800000009")
	if n, _ := db.CountDue(ctx, t0); n != 1 {
		t.Fatalf("before: CountDue = %d, want 1", n)
	}
	marked, err := db.MarkAllDue(ctx, t0)
	if err != nil || marked != 3 {
		t.Fatalf("MarkAllDue = %d, %v; want 3", marked, err)
	}
	// The one past its own time counts twice (CountDue's convention).
	if n, _ := db.CountDue(ctx, t0); n != 4 {
		t.Fatalf("after: CountDue = %d, want 4", n)
	}
	if n, _ := db.CountDue(ctx, t0.Add(-time.Microsecond)); n != 1 {
		t.Fatalf("before the mark's time: CountDue = %d, want 1", n)
	}
}

func count(bs []bool) (n int) {
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
