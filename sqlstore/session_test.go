package sqlstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestSessions(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	s := &healthcode.Session{TokenHash: []byte("hash-of-token-1"), PersonID: p.ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindSession(ctx, s.TokenHash, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := healthcode.Session{TokenHash: s.TokenHash, PersonID: p.ID, CreatedAt: us(t0), ExpiresAt: us(s.ExpiresAt)}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("FindSession = %+v, want %+v", got, want)
	}

	_, err = db.FindSession(ctx, s.TokenHash, s.ExpiresAt)
	wantCode(t, err, healthcode.ENOTFOUND) // expired at its expiry time
	_, err = db.FindSession(ctx, []byte("unknown"), t0)
	wantCode(t, err, healthcode.ENOTFOUND)

	wantCode(t, db.CreateSession(ctx, s), healthcode.ECONFLICT)
	wantCode(t, db.CreateSession(ctx, &healthcode.Session{TokenHash: []byte("h2"), PersonID: p.ID + 99, ExpiresAt: t0}), healthcode.ENOTFOUND)

	if err := db.DeleteSession(ctx, s.TokenHash); err != nil {
		t.Fatal(err)
	}
	_, err = db.FindSession(ctx, s.TokenHash, t0)
	wantCode(t, err, healthcode.ENOTFOUND)
	if err := db.DeleteSession(ctx, s.TokenHash); err != nil {
		t.Fatalf("signing out twice: %v", err)
	}
}
