package sqlstore_test

import (
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

func TestDueStatuses(t *testing.T) {
	db := storetest.MustOpenDB(t)
	save := func(phone string, reevaluate time.Time) int64 {
		p := mustPerson(t, db, phone)
		if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{ReevaluateAt: reevaluate, EvaluatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	late := save("13800000001", t0.Add(-time.Hour))
	exact := save("13800000002", t0)
	save("13800000003", t0.Add(time.Microsecond)) // not yet
	save("13800000004", time.Time{})              // only when facts change
	earliest := save("13800000005", t0.Add(-48*time.Hour))

	ids, err := db.DueStatuses(ctx, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{earliest, late, exact}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("DueStatuses = %v, want %v (most overdue first)", ids, want)
	}
	ids, _ = db.DueStatuses(ctx, t0, 2)
	if len(ids) != 2 {
		t.Fatalf("limit 2 gave %v", ids)
	}
	// Far in the future every timed status is due, the untimed one never.
	ids, _ = db.DueStatuses(ctx, t0.AddDate(10, 0, 0), 10)
	if len(ids) != 4 {
		t.Fatalf("in ten years %d due, want 4", len(ids))
	}
}
