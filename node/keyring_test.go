package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

func TestKeyRotationKeepsOldCodesValid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	old, err := e.citizens.Code(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	nk, err := e.keys.Rotate(ctx, healthcode.AlgES256)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := e.citizens.Code(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	for name, code := range map[string]string{"old": old.Code, "new": fresh.Code} {
		if v := e.verify(t, code, now); !v.Valid {
			t.Fatalf("%s code after rotation: %+v", name, v)
		}
	}
	if v := e.verify(t, fresh.Code, now); string(v.KID) != string(nk.KID) || v.Alg != healthcode.AlgES256 {
		t.Fatalf("new code signed by kid %x %s, want the new ES256 key %x", v.KID, v.Alg, nk.KID)
	}
	// Both keys are in the trust list until the old key's codes have expired.
	countKeys := func() int {
		l, err := e.trust.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Regions[0].Keys)
	}
	if n := countKeys(); n != 2 {
		t.Fatalf("trust list has %d keys right after rotation, want 2", n)
	}
	e.clock.Add(node.RotationGrace + 11*time.Minute)
	if n := countKeys(); n != 1 {
		t.Fatalf("trust list has %d keys once the old key's codes expired, want 1", n)
	}
}

func TestRevokedKeyFailsVerification(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	code, err := e.citizens.Code(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := e.keys.Keys(ctx)
	if err := e.keys.Revoke(ctx, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if v := e.verify(t, code.Code, e.clock.Now()); v.Valid || v.Error != "key_revoked" {
		t.Fatalf("verdict = %+v, want key_revoked", v)
	}
	// With no key able to sign, issuing says so instead of failing obscurely.
	_, err = e.citizens.Code(ctx, id)
	wantCode(t, err, healthcode.EUNAVAILABLE)
}
