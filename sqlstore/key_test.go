package sqlstore_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestSigningKeys(t *testing.T) {
	db := storetest.MustOpenDB(t)
	old := &healthcode.SigningKey{KID: []byte("kid-old!"), Alg: healthcode.AlgEdDSA, PublicKey: bytes.Repeat([]byte{1}, 32),
		PrivateKey: []byte("-----private key material one-----"), NotBefore: t0, CreatedAt: t0}
	cur := &healthcode.SigningKey{KID: []byte("kid-new!"), Alg: healthcode.AlgES256, PublicKey: []byte("spki"),
		PrivateKey: []byte("-----private key material two-----"), NotBefore: t0.Add(time.Hour), CreatedAt: t0.Add(time.Hour)}
	for _, k := range []*healthcode.SigningKey{old, cur} {
		if err := db.CreateSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := db.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != cur.ID || keys[1].ID != old.ID {
		t.Fatalf("SigningKeys not newest first: %+v", keys)
	}
	want := *cur
	want.NotBefore, want.CreatedAt = us(cur.NotBefore), us(cur.CreatedAt)
	if !reflect.DeepEqual(*keys[0], want) {
		t.Fatalf("key =\n%+v\nwant\n%+v", keys[0], want)
	}

	var raw []byte
	if err := db.SQL().QueryRowContext(ctx, `SELECT private_key FROM signing_keys WHERE id = $1`, old.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 || bytes.Contains(raw, []byte("private key material")) {
		t.Fatalf("private key stored in the clear: %q", raw)
	}

	old.NotAfter, old.Revoked = t0.Add(2*time.Hour), true
	if err := db.UpdateSigningKey(ctx, old); err != nil {
		t.Fatal(err)
	}
	keys, _ = db.SigningKeys(ctx)
	if !keys[1].Revoked || !keys[1].NotAfter.Equal(us(old.NotAfter)) || !bytes.Equal(keys[1].PrivateKey, old.PrivateKey) {
		t.Fatalf("after update: %+v", keys[1])
	}
	wantCode(t, db.UpdateSigningKey(ctx, &healthcode.SigningKey{ID: cur.ID + 100}), healthcode.ENOTFOUND)
}
