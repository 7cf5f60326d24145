package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestStaffTokens(t *testing.T) {
	db := storetest.MustOpenDB(t)
	a := &healthcode.StaffToken{Role: healthcode.RoleCheckpoint, Name: "gate 1", VenueID: "v1", TokenHash: []byte("hash-a"), CreatedAt: t0}
	b := &healthcode.StaffToken{Role: healthcode.RoleProvider, Name: "lab", DataKind: "tests", TokenHash: []byte("hash-b"), CreatedAt: t0}
	peer := &healthcode.StaffToken{Role: healthcode.RolePeer, Name: "杭州市", Region: "CN-330100", TokenHash: []byte("hash-p"), CreatedAt: t0}
	for _, tok := range []*healthcode.StaffToken{a, b, peer} {
		if err := db.CreateStaffToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
		t.Fatalf("ids %d, %d", a.ID, b.ID)
	}
	wantCode(t, db.CreateStaffToken(ctx, &healthcode.StaffToken{Role: healthcode.RoleAdmin, TokenHash: []byte("hash-a")}), healthcode.ECONFLICT)

	got, err := db.FindStaffToken(ctx, []byte("hash-a"))
	if err != nil {
		t.Fatal(err)
	}
	want := *a
	want.CreatedAt = us(t0)
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("FindStaffToken = %+v, want %+v", got, want)
	}
	if got, err := db.FindStaffToken(ctx, []byte("hash-p")); err != nil || got.Region != "CN-330100" {
		t.Fatalf("peer token = %+v, %v; want its region", got, err)
	}
	_, err = db.FindStaffToken(ctx, []byte("nope"))
	wantCode(t, err, healthcode.ENOTFOUND)

	revokedAt := t0.Add(time.Hour)
	if err := db.RevokeStaffToken(ctx, a.ID, revokedAt); err != nil {
		t.Fatal(err)
	}
	_, err = db.FindStaffToken(ctx, []byte("hash-a"))
	wantCode(t, err, healthcode.ENOTFOUND)
	// Revoking again keeps the first time.
	if err := db.RevokeStaffToken(ctx, a.ID, revokedAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.RevokeStaffToken(ctx, peer.ID+100, t0), healthcode.ENOTFOUND)

	list, err := db.ListStaffTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != a.ID || list[1].ID != b.ID || list[2].Region != "CN-330100" {
		t.Fatalf("ListStaffTokens = %+v", list)
	}
	if !list[0].RevokedAt.Equal(us(revokedAt)) || !list[1].RevokedAt.IsZero() {
		t.Fatalf("revoked at %v and %v", list[0].RevokedAt, list[1].RevokedAt)
	}
}
