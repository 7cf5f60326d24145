package sqlstore_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	var before int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if before == 0 {
		t.Fatal("no migration recorded")
	}

	again, err := storetest.Reopen(t, db, storetest.TestBox(t))
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	defer again.Close()
	var after int
	if err := again.SQL().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("schema_migrations has %d rows after reopening, want %d", after, before)
	}
	if got, err := again.FindPerson(ctx, p.ID); err != nil || got.Phone != p.Phone {
		t.Fatalf("after reopening FindPerson = %+v, %v", got, err)
	}
	if err := again.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if again.Backend() != storetest.Backend() {
		t.Fatalf("Backend = %q, want %q", again.Backend(), storetest.Backend())
	}
}

func TestOpenWithAnotherKeyIsRefused(t *testing.T) {
	db := storetest.MustOpenDB(t)
	other, err := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	again, err := storetest.Reopen(t, db, other)
	if err == nil {
		again.Close()
		t.Fatal("opened with another key")
	}
	if !errors.Is(err, sqlstore.ErrKeyMismatch) {
		t.Fatalf("err = %v, want ErrKeyMismatch", err)
	}
	if want := "the data key does not match the one this database was created with"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Fatalf("err = %q, want it to say %q", err, want)
	}
}
