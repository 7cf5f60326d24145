package hub_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/trust"
)

// listed returns the trust list the hub serves, checked with its key.
func (e *env) listed(t *testing.T) *trust.List {
	t.Helper()
	_, pub, err := e.hub.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := e.hub.TrustList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := trust.Parse(signed.JWS, pub)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestNationalKeys: region CN's key is made on first use, kept in the
// store (another registry over it signs with the same), and listed as
// region CN, mode national; a rotation lists the new key at once and has
// it sign after the lead; a revocation is listed; a region CN registered
// before the hub issued codes lends its keys to the one entry.
func TestNationalKeys(t *testing.T) {
	e := newEnv(t)
	l := e.listed(t)
	cn := l.Region("CN")
	if cn == nil || cn.Mode != trust.ModeNational || cn.Name != "国家" || len(cn.Keys) != 1 || cn.Keys[0].Alg != healthcode.AlgEdDSA ||
		!cn.Keys[0].NotBefore.Equal(t0) || !cn.Keys[0].NotAfter.IsZero() {
		t.Fatalf("region CN = %+v, want one open EdDSA key from now", cn)
	}
	first := cn.Keys[0].KID
	other := hub.New(e.db)
	other.Now = e.clock.Now
	keys, err := other.NationalKeys(ctx)
	if err != nil || len(keys) != 1 || !bytes.Equal(keys[0].KID, first) {
		t.Fatalf("another registry's keys = %+v, %v; want the one made", keys, err)
	}

	e.clock.Add(time.Hour)
	rotated := e.clock.Now()
	nk, err := e.hub.RotateNationalKey(ctx, healthcode.AlgES256, hub.NationalKeyLead)
	if err != nil {
		t.Fatal(err)
	}
	cn = e.listed(t).Region("CN")
	if len(cn.Keys) != 2 {
		t.Fatalf("after the rotation region CN lists %d keys, want 2", len(cn.Keys))
	}
	byKID := map[string]trust.Key{}
	for _, k := range cn.Keys {
		byKID[string(k.KID)] = k
	}
	begins := rotated.Add(hub.NationalKeyLead)
	if k := byKID[string(nk.KID)]; k.Alg != healthcode.AlgES256 || !k.NotBefore.Equal(begins) || !k.NotAfter.IsZero() {
		t.Errorf("the new key is listed %+v, want ES256 from %v", k, begins)
	}
	if k := byKID[string(first)]; !k.NotAfter.Equal(begins.Add(node.RotationGrace)) {
		t.Errorf("the old key ends %v, want the lead and the grace on: %v", k.NotAfter, begins.Add(node.RotationGrace))
	}

	if err := e.hub.RevokeNationalKey(ctx, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, k := range e.listed(t).Region("CN").Keys {
		if bytes.Equal(k.KID, first) != k.Revoked {
			t.Errorf("key %x listed revoked %v", k.KID, k.Revoked)
		}
	}
	wantCode(t, e.hub.RevokeNationalKey(ctx, 999), healthcode.ENOTFOUND)

	// The stopgap of before: CN registered like a region, with a key.
	legacy := hubtest.NewKey(t, healthcode.AlgEdDSA)
	if err := e.db.CreateRegion(ctx, &healthcode.Region{ID: "CN", Name: "national", Mode: healthcode.ModeNational, CreatedAt: t0},
		[]*healthcode.RegionKey{{Region: "CN", KID: legacy.KID(), Alg: legacy.Alg, PublicKey: legacy.Public, AddedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(hub.GenerationCacheFor) // written behind the registry's back
	l = e.listed(t)
	var ids []string
	for _, r := range l.Regions {
		ids = append(ids, r.ID)
	}
	// The hub's keys: the revoked one, the one to come, and the one made
	// to sign meanwhile (none could); then the registered one.
	if cn := l.Regions[0].Keys; len(ids) != 1 || len(cn) != 4 || !bytes.Equal(cn[3].PublicKey, legacy.Public) {
		t.Fatalf("regions %v, CN keys %+v; want CN once with the hub's three keys and the registered one", ids, cn)
	}
}

// TestNationalKeyRemade: with every key revoked, the next use makes one.
func TestNationalKeyRemade(t *testing.T) {
	e := newEnv(t)
	keys, err := e.hub.NationalKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.hub.RevokeNationalKey(ctx, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	keys, err = e.hub.NationalKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Revoked || !keys[1].Revoked || !keys[0].ActiveAt(e.clock.Now()) {
		t.Fatalf("keys %+v, want a new one signing beside the revoked one", keys)
	}
}
