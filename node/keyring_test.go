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

// TestRotateAfter: a key rotated in with a lead is listed at once and signs
// from then on, the old one until then; a later rotation supersedes a key
// still to come, whose bounds stay ordered.
func TestRotateAfter(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys, err := e.keys.Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v, want the first key", keys, err)
	}
	first := keys[0]
	const lead = 10 * time.Minute
	start := e.clock.Now()
	pending, err := e.keys.RotateAfter(ctx, healthcode.AlgEdDSA, lead)
	if err != nil {
		t.Fatal(err)
	}
	signsAt := func(at time.Time) []byte {
		t.Helper()
		s, err := e.keys.Signer(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		return s.KID()
	}
	steps := []struct {
		name string
		at   time.Time
		want []byte
	}{
		{"right after the rotation", start, first.KID},
		{"just before the lead ends", start.Add(lead - time.Second), first.KID},
		{"once the lead ends", start.Add(lead), pending.KID},
	}
	for _, s := range steps {
		if got := signsAt(s.at); string(got) != string(s.want) {
			t.Errorf("%s: signed by %x, want %x", s.name, got, s.want)
		}
	}
	l, err := e.trust.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(l.Regions[0].Keys); n != 2 {
		t.Fatalf("trust list has %d keys after a rotation with a lead, want both", n)
	}

	// Rotating now, before the pending key begins, supersedes it.
	now, err := e.keys.RotateAfter(ctx, healthcode.AlgEdDSA, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := signsAt(start.Add(time.Second)); string(got) != string(now.KID) {
		t.Errorf("after the second rotation: signed by %x, want the newest key %x", got, now.KID)
	}
	if got := signsAt(start.Add(lead + time.Hour)); string(got) != string(now.KID) {
		t.Errorf("after the first lead: signed by %x, want the newest key %x", got, now.KID)
	}
	keys, err = e.keys.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !k.NotAfter.IsZero() && k.NotAfter.Before(k.NotBefore) {
			t.Errorf("key %d: not_after %v before not_before %v", k.ID, k.NotAfter, k.NotBefore)
		}
		if k.ID == pending.ID && !k.NotAfter.Equal(k.NotBefore) {
			t.Errorf("the superseded key ends %v, want at its start %v", k.NotAfter, k.NotBefore)
		}
	}
	if _, err := e.keys.RotateAfter(ctx, healthcode.AlgEdDSA, -time.Second); healthcode.ErrorCode(err) != healthcode.EINVALID {
		t.Errorf("a negative lead: %v, want invalid", err)
	}
}
