package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// TestIdentities reads more people than one query holds (500), with a
// person who has no profile, an unknown id and a repeat among them: each
// person with a profile comes back once with their plain name and
// document, the others not at all.
func TestIdentities(t *testing.T) {
	db := storetest.MustOpenDB(t)
	people := seedPeople(0, 1100)
	ids, err := db.SeedPersons(ctx, people)
	if err != nil {
		t.Fatal(err)
	}
	bare := mustPerson(t, db, "13900000001") // signed in, no profile yet
	ask := append(append([]int64{}, ids...), bare.ID, 999_999_999, ids[3])

	got, err := db.Identities(ctx, ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("%d identities, want %d", len(got), len(ids))
	}
	for i, id := range ids {
		want := healthcode.Identity{PersonID: id, Name: fmt.Sprintf("张%d", i), IDType: healthcode.IDPassport, IDNumber: fmt.Sprintf("E%08d", i)}
		if got[id] != want {
			t.Fatalf("person %d: %+v, want %+v", i, got[id], want)
		}
	}
	if _, ok := got[bare.ID]; ok {
		t.Error("a person without a profile has an identity")
	}

	none, err := db.Identities(ctx, nil)
	if err != nil || len(none) != 0 {
		t.Errorf("no ids: %v, %v", none, err)
	}
}
