package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// TestColourHistory: an hour's row counts the statuses by colour as the
// overview does; recording the hour again replaces it; the history lists
// a window oldest first and the purge deletes the hours before a cutoff.
func TestColourHistory(t *testing.T) {
	db := storetest.MustOpenDB(t)
	save := func(phone string, c healthcode.Colour, action bool) {
		p := mustPerson(t, db, phone)
		if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: c, ActionRequired: action, EvaluatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	save("13800000001", healthcode.Green, false)
	save("13800000002", healthcode.Green, true)
	save("13800000003", healthcode.Yellow, true)
	save("13800000004", healthcode.Red, false)

	h0 := t0.Truncate(time.Hour).UTC()
	if ok, err := db.HasColourHour(ctx, h0); err != nil || ok {
		t.Fatalf("HasColourHour before any = %v, %v", ok, err)
	}
	got, err := db.RecordColourHour(ctx, t0) // mid-hour: stored as the hour's start
	if err != nil {
		t.Fatal(err)
	}
	want := healthcode.ColourHour{Hour: h0, Green: 2, Yellow: 1, Red: 1, ActionRequired: 2}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("RecordColourHour = %+v, want %+v", *got, want)
	}
	ov, err := db.RegionOverview(ctx, t0.Add(-time.Hour), t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ov.Colours["green"] != got.Green || ov.Colours["yellow"] != got.Yellow || ov.Colours["red"] != got.Red || ov.ActionRequired != got.ActionRequired {
		t.Fatalf("the overview counts %v and %d, the history %+v", ov.Colours, ov.ActionRequired, *got)
	}
	if ok, err := db.HasColourHour(ctx, h0.Add(59*time.Minute)); err != nil || !ok {
		t.Fatalf("HasColourHour after = %v, %v", ok, err)
	}

	// The next hour, one more red; the first hour recorded again is replaced.
	save("13800000005", healthcode.Red, true)
	if _, err := db.RecordColourHour(ctx, h0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordColourHour(ctx, h0.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	hs, err := db.ColourHistory(ctx, h0.Add(-24*time.Hour), h0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantHs := []healthcode.ColourHour{want, {Hour: h0.Add(time.Hour), Green: 2, Yellow: 1, Red: 2, ActionRequired: 3}}
	if !reflect.DeepEqual(hs, wantHs) {
		t.Fatalf("ColourHistory =\n%+v\nwant\n%+v", hs, wantHs)
	}
	if _, err := db.RecordColourHour(ctx, h0); err != nil {
		t.Fatal(err)
	}
	hs, _ = db.ColourHistory(ctx, h0, h0.Add(time.Hour))
	if len(hs) != 1 || hs[0].Red != 2 {
		t.Fatalf("the hour recorded again: %+v", hs)
	}

	n, err := db.PurgeColourHistory(ctx, h0)
	if err != nil || n != 1 {
		t.Fatalf("PurgeColourHistory = %d, %v; want 1", n, err)
	}
	hs, _ = db.ColourHistory(ctx, time.Unix(0, 0), h0.Add(24*time.Hour))
	if len(hs) != 2 || !hs[0].Hour.Equal(h0) {
		t.Fatalf("after the purge: %+v", hs)
	}
	if hs, _ := db.ColourHistory(ctx, h0.Add(24*time.Hour), h0.Add(48*time.Hour)); hs == nil || len(hs) != 0 {
		t.Fatalf("an empty window: %#v", hs)
	}
}
