package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func declare(t *testing.T, db healthcode.DeclarationStore, personID int64, at time.Time) *healthcode.Declaration {
	t.Helper()
	d := &healthcode.Declaration{PersonID: personID, CaseContact: healthcode.ContactNo, CreatedAt: at}
	if err := db.CreateDeclaration(ctx, d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeclarations(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	temp := 37.8
	full := &healthcode.Declaration{
		PersonID: p.ID, Temperature: &temp, Symptoms: []healthcode.Symptom{"fever", "dry_cough"}, FeverMedicine: true,
		CaseContact: healthcode.ContactUnsure, ReturnToWork: "ACME",
		Places:    []healthcode.Stay{{Division: "420100", From: t0.Add(-72 * time.Hour), To: t0.Add(-48 * time.Hour)}},
		CreatedAt: t0,
	}
	if err := db.CreateDeclaration(ctx, full); err != nil {
		t.Fatal(err)
	}
	bare := declare(t, db, p.ID, t0.Add(time.Hour))
	if full.ID == 0 || bare.ID == 0 || full.ID == bare.ID {
		t.Fatalf("ids %d, %d", full.ID, bare.ID)
	}

	list, err := db.ListDeclarations(ctx, p.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != bare.ID {
		t.Fatalf("not newest first: %+v", list)
	}
	want := *full
	want.CreatedAt = us(t0)
	want.Places = []healthcode.Stay{{Division: "420100", From: us(full.Places[0].From), To: us(full.Places[0].To)}}
	if !reflect.DeepEqual(*list[1], want) {
		t.Fatalf("declaration =\n%+v\nwant\n%+v", list[1], want)
	}
	if list[0].Temperature != nil || list[0].Symptoms != nil || list[0].Places != nil {
		t.Fatalf("empty fields came back filled: %+v", list[0])
	}

	one, err := db.ListDeclarations(ctx, p.ID, 1)
	if err != nil || len(one) != 1 || one[0].ID != bare.ID {
		t.Fatalf("limit 1 = %+v, %v", one, err)
	}
	wantCode(t, db.CreateDeclaration(ctx, &healthcode.Declaration{PersonID: p.ID + 100, CreatedAt: t0}), healthcode.ENOTFOUND)
}
