package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// venueNow is the node's clock in the venue and scan tests.
var venueNow = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func newVenue(name, kind, division string, capacity int) *healthcode.Venue {
	return &healthcode.Venue{Name: name, Kind: kind, Division: division, Address: "文三路 100 号",
		Capacity: capacity, Policy: healthcode.DefaultEntryPolicy(kind), MaxStay: healthcode.DefaultMaxStay(kind),
		CreatedAt: venueNow}
}

func mustVenue(t testing.TB, db healthcode.VenueStore, v *healthcode.Venue) *healthcode.Venue {
	t.Helper()
	if err := db.CreateVenue(ctx, v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVenueRoundTrip(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := newVenue("文三路药店", healthcode.VenuePharmacy, "330106", 20)
	v.Policy.MinDoses = 2
	v.Policy.Colours = []healthcode.Colour{healthcode.Green, healthcode.Yellow}
	v.CreatedAt = t0
	mustVenue(t, db, v)
	if v.ID != "V000001" || !v.CreatedAt.Equal(us(t0)) || !v.UpdatedAt.Equal(us(t0)) {
		t.Fatalf("created %q at %v / %v", v.ID, v.CreatedAt, v.UpdatedAt)
	}
	got, err := db.FindVenue(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatalf("found %+v\nwant  %+v", got, v)
	}
	w := mustVenue(t, db, newVenue("西溪医院", healthcode.VenueHospital, "330106", 0))
	if w.ID != "V000002" {
		t.Fatalf("second venue id %q", w.ID)
	}
	_, err = db.FindVenue(ctx, "V000099")
	wantCode(t, err, healthcode.ENOTFOUND)
}

func TestVenueWithoutCreatedAtGetsTheTime(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := newVenue("a", healthcode.VenueMall, "330106", 0)
	v.CreatedAt = time.Time{}
	before := time.Now().Add(-time.Second)
	mustVenue(t, db, v)
	if v.CreatedAt.Before(before) || !v.UpdatedAt.Equal(v.CreatedAt) || v.CreatedAt.Location() != time.UTC {
		t.Fatalf("created at %v, updated at %v", v.CreatedAt, v.UpdatedAt)
	}
}

func TestUpdateVenue(t *testing.T) {
	db := storetest.MustOpenDB(t)
	v := mustVenue(t, db, newVenue("old", healthcode.VenueOffice, "330106", 10))
	later := venueNow.Add(time.Hour)
	u := *v
	u.Name, u.Address, u.Capacity, u.MaxStay, u.UpdatedAt = "new", "新地址", 50, 3*time.Hour, later
	u.Policy = healthcode.EntryPolicy{Colours: []healthcode.Colour{healthcode.Green}, TestWithinHours: 48}
	// The kind and division are not replaced.
	u.Kind, u.Division = healthcode.VenueSchool, "110105"
	if err := db.UpdateVenue(ctx, &u); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindVenue(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := u
	want.Kind, want.Division = v.Kind, v.Division
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("after update %+v\nwant %+v", got, &want)
	}
	err = db.UpdateVenue(ctx, &healthcode.Venue{ID: "V123456", Name: "x", MaxStay: time.Hour})
	wantCode(t, err, healthcode.ENOTFOUND)
}

func TestListVenues(t *testing.T) {
	db := storetest.MustOpenDB(t)
	for _, v := range []*healthcode.Venue{
		newVenue("a", healthcode.VenuePharmacy, "330106", 0), // V000001
		newVenue("b", healthcode.VenueMall, "330106", 0),     // V000002
		newVenue("c", healthcode.VenuePharmacy, "330108", 0), // V000003
		newVenue("d", healthcode.VenuePharmacy, "110105", 0), // V000004
		newVenue("e", healthcode.VenueSchool, "330200", 0),   // V000005
	} {
		mustVenue(t, db, v)
	}
	for _, tc := range []struct {
		name string
		f    healthcode.VenueFilter
		want []string
	}{
		{"all", healthcode.VenueFilter{}, []string{"V000001", "V000002", "V000003", "V000004", "V000005"}},
		{"district", healthcode.VenueFilter{Division: "330106"}, []string{"V000001", "V000002"}},
		{"city", healthcode.VenueFilter{Division: "3301"}, []string{"V000001", "V000002", "V000003"}},
		{"province", healthcode.VenueFilter{Division: "33"}, []string{"V000001", "V000002", "V000003", "V000005"}},
		{"prefix ending in 9", healthcode.VenueFilter{Division: "3309"}, []string{}},
		{"kind", healthcode.VenueFilter{Kind: healthcode.VenuePharmacy}, []string{"V000001", "V000003", "V000004"}},
		{"kind in city", healthcode.VenueFilter{Division: "3301", Kind: healthcode.VenuePharmacy}, []string{"V000001", "V000003"}},
		{"ids", healthcode.VenueFilter{IDs: []string{"V000004", "V000002", "V999999", "x'\",{}"}}, []string{"V000002", "V000004"}},
		{"no ids", healthcode.VenueFilter{IDs: []string{}}, []string{}},
		{"limit", healthcode.VenueFilter{Limit: 2}, []string{"V000001", "V000002"}},
		{"page", healthcode.VenueFilter{Limit: 2, Offset: 2}, []string{"V000003", "V000004"}},
		{"last page", healthcode.VenueFilter{Limit: 2, Offset: 4}, []string{"V000005"}},
		{"offset only", healthcode.VenueFilter{Offset: 3}, []string{"V000004", "V000005"}},
		{"none", healthcode.VenueFilter{Division: "44"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := db.ListVenues(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, v := range vs {
				got = append(got, v.ID)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ids %v, want %v", got, tc.want)
			}
		})
	}
}
