package sqlstore_test

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestDrugPurchases(t *testing.T) {
	db := storetest.MustOpenDB(t)
	box := storetest.TestBox(t)
	west := mustVenue(t, db, newVenue("西湖药店", healthcode.VenuePharmacy, "330106", 0))
	north := mustVenue(t, db, newVenue("拱墅药店", healthcode.VenuePharmacy, "330105", 0))
	beijing := mustVenue(t, db, newVenue("朝阳药店", healthcode.VenuePharmacy, "110105", 0))
	p := mustPerson(t, db, "13800138002")
	if err := db.SaveProfile(ctx, profileOf(p.ID, "11010519491231002X")); err != nil {
		t.Fatal(err)
	}
	known, stranger := box.PersonKey("11010519491231002X"), box.PersonKey("330106195001010010")
	day := time.Date(2026, 11, 19, 16, 0, 0, 0, time.UTC) // 00:00 in Beijing
	h := func(hours int) time.Time { return day.Add(time.Duration(hours) * time.Hour) }
	if err := db.AddRecords(ctx, &healthcode.RecordBatch{DrugPurchases: []healthcode.DrugPurchase{
		{PersonKey: known, Class: "cough", At: h(10), VenueID: west.ID},
		{PersonKey: stranger, Class: "antipyretic", At: h(9), VenueID: north.ID},
		{PersonKey: known, Class: "antiviral", At: h(-1), VenueID: west.ID},  // the day before
		{PersonKey: known, Class: "antibiotic", At: h(24), VenueID: west.ID}, // the day after
		{PersonKey: stranger, Class: "cough", At: h(11), VenueID: beijing.ID},
		{PersonKey: stranger, Class: "cough", At: h(12), VenueID: "V999999"}, // a venue this node does not know
		{PersonKey: known, Class: "antipyretic", At: h(0), VenueID: west.ID},
	}}); err != nil {
		t.Fatal(err)
	}
	list := func(f healthcode.PurchaseFilter) []*healthcode.DrugPurchaseEntry {
		t.Helper()
		es, err := db.DrugPurchases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	all := list(healthcode.PurchaseFilter{From: h(0), To: h(24)})
	wantHours := []int{0, 9, 10, 11, 12}
	if len(all) != len(wantHours) {
		t.Fatalf("%d purchases in the day, want %d", len(all), len(wantHours))
	}
	for i, e := range all {
		if !e.Purchase.At.Equal(h(wantHours[i])) {
			t.Fatalf("purchase %d at %v, want %v", i, e.Purchase.At, h(wantHours[i]))
		}
	}
	// The known buyer comes with the profile opened.
	e := all[0]
	if e.Purchase.Class != "antipyretic" || e.Purchase.VenueID != west.ID || e.VenueName != "西湖药店" ||
		e.Division != "330106" || e.PersonID != p.ID || e.Profile == nil || e.Profile.Name != "张三" ||
		e.Profile.IDNumber != "11010519491231002X" || e.Profile.PersonID != p.ID || e.Purchase.ID == 0 {
		t.Fatalf("known buyer: %+v, profile %+v", e, e.Profile)
	}
	// A buyer without a profile here, at an unknown venue.
	if e := all[1]; e.PersonID != 0 || e.Profile != nil || e.VenueName != "拱墅药店" || string(e.Purchase.PersonKey) != string(stranger) {
		t.Fatalf("stranger: %+v", e)
	}
	if e := all[4]; e.VenueName != "" || e.Division != "" || e.Purchase.VenueID != "V999999" {
		t.Fatalf("unknown venue: %+v", e)
	}
	for _, tc := range []struct {
		name string
		f    healthcode.PurchaseFilter
		want int
	}{
		{"district", healthcode.PurchaseFilter{From: h(0), To: h(24), Division: "330106"}, 2},
		{"city", healthcode.PurchaseFilter{From: h(0), To: h(24), Division: "3301"}, 3},
		{"other province", healthcode.PurchaseFilter{From: h(0), To: h(24), Division: "11"}, 1},
		{"limit", healthcode.PurchaseFilter{From: h(0), To: h(24), Limit: 2}, 2},
		{"to is exclusive", healthcode.PurchaseFilter{From: h(0), To: h(9)}, 1},
		{"two days", healthcode.PurchaseFilter{From: h(-24), To: h(48)}, 7},
	} {
		if got := len(list(tc.f)); got != tc.want {
			t.Errorf("%s: %d purchases, want %d", tc.name, got, tc.want)
		}
	}
}
