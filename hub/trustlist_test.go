package hub_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/trust"
)

func TestTrustList(t *testing.T) {
	e := newEnv(t)
	k := hubtest.NewKey(t, healthcode.AlgEdDSA)
	e.addRegion(t, "CN-440100", registered(k)...)
	e.addRegion(t, hz)
	_, hubKey, err := e.hub.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.hub.TrustList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := trust.Parse(first.JWS, hubKey)
	if err != nil {
		t.Fatal(err)
	}
	// Region CN, the hub's own, comes first with the key it made.
	if l.Issuer != "CN" || !l.IssuedAt.Equal(t0) || len(l.Regions) != 3 || l.Regions[0].ID != "CN" ||
		l.Regions[0].Mode != trust.ModeNational || l.Regions[0].Name != hub.NationalRegionName || len(l.Regions[0].Keys) != 1 ||
		l.Regions[1].ID != hz || len(l.Regions[1].Keys) != 0 ||
		len(l.Regions[2].Keys) != 1 || !bytes.Equal(l.Regions[2].Keys[0].PublicKey, k.Public) {
		t.Fatalf("list = %+v", l)
	}
	if first.ETag == "" || first.ETag[0] != '"' {
		t.Fatalf("ETag %q is not a quoted string", first.ETag)
	}

	steps := []struct {
		name    string
		do      func()
		changed bool
	}{
		{"nothing changed", func() { e.clock.Add(time.Minute) }, false},
		{"a key revoked", func() {
			if err := e.hub.RevokeKey(ctx, "CN-440100", k.KID()); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"still nothing", func() { e.clock.Add(time.Minute) }, false},
		// Another process (the CLI) changes the store: the generation
		// tells, once the one read is GenerationCacheFor old.
		{"a region added by another registry", func() {
			if _, err := hub.New(e.db).AddRegion(ctx, &healthcode.Region{ID: "CN-540100", Name: "拉萨市", Mode: healthcode.ModeNational}, nil); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a region added by another registry, seen", func() { e.clock.Add(hub.GenerationCacheFor) }, true},
		{"an hour old", func() { e.clock.Add(hub.TrustListMaxAge) }, true},
		// Region CN's keys live in the signing-key table, outside the
		// generation: a rotation is seen by the keys listed.
		{"a national key rotated", func() {
			if _, err := e.hub.RotateNationalKey(ctx, healthcode.AlgEdDSA, hub.NationalKeyLead); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"still nothing after the rotation", func() { e.clock.Add(time.Minute) }, false},
	}
	prev := first
	for _, s := range steps {
		s.do()
		got, err := e.hub.TrustList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if changed := got.ETag != prev.ETag; changed != s.changed {
			t.Fatalf("%s: ETag changed %v, want %v", s.name, changed, s.changed)
		}
		if s.changed && !got.IssuedAt.Equal(e.clock.Now()) {
			t.Fatalf("%s: issued_at %v, want now %v", s.name, got.IssuedAt, e.clock.Now())
		}
		prev = got
	}
	l, err = trust.Parse(prev.JWS, hubKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Regions) != 4 || !l.Regions[2].Keys[0].Revoked || l.Regions[3].Mode != trust.ModeNational {
		t.Fatalf("final list = %+v", l)
	}
}
