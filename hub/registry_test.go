package hub_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/storetest"
)

func TestAddRegion(t *testing.T) {
	e := newEnv(t)
	k := hubtest.NewKey(t, healthcode.AlgES256)
	token, err := e.hub.AddRegion(ctx, &healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeLocal, Endpoint: "https://gz.example"},
		[]*healthcode.RegionKey{{Alg: k.Alg, PublicKey: k.Public}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "hct_") {
		t.Fatalf("token %q is not a staff token", token)
	}
	auth := node.NewAuthService(e.db, storetest.TestBox(t), nil)
	c, err := auth.Authenticate(ctx, token)
	if err != nil || c.Role != healthcode.RolePeer || c.Region != "CN-440100" {
		t.Fatalf("the peer token authenticates as %+v, %v", c, err)
	}
	entries, err := e.hub.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Region.Name != "广州市" || len(entries[0].Keys) != 1 {
		t.Fatalf("Regions = %+v", entries)
	}
	if got := entries[0].Keys[0]; !bytes.Equal(got.KID, hcode.KID(k.Alg, k.Public)) || got.Revoked || !got.AddedAt.Equal(t0) {
		t.Fatalf("key = %+v", got)
	}

	_, err = e.hub.AddRegion(ctx, &healthcode.Region{ID: "CN-440100", Name: "again", Mode: healthcode.ModeLocal}, nil)
	wantCode(t, err, healthcode.ECONFLICT)

	second, err := e.hub.IssuePeerToken(ctx, "CN-440100")
	if err != nil || second == token {
		t.Fatalf("IssuePeerToken = %q, %v", second, err)
	}
	_, err = e.hub.IssuePeerToken(ctx, "CN-999999")
	wantCode(t, err, healthcode.ENOTFOUND)
}

func TestAddRegionValidation(t *testing.T) {
	ok := hubtest.NewKey(t, healthcode.AlgEdDSA)
	tests := []struct {
		name   string
		region healthcode.Region
		keys   []*healthcode.RegionKey
		field  string
	}{
		{"bad id", healthcode.Region{ID: "CN-4401", Name: "x", Mode: "local"}, nil, "id"},
		{"the hub's own region", healthcode.Region{ID: "CN", Name: "国家", Mode: "national"}, nil, "id"},
		{"no province", healthcode.Region{ID: "CN-000000", Name: "x", Mode: "local"}, nil, "id"},
		{"no province either", healthcode.Region{ID: "CN-999999", Name: "x", Mode: "local"}, nil, "id"},
		{"bad mode", healthcode.Region{ID: "CN-440100", Name: "x", Mode: "both"}, nil, "mode"},
		{"bad endpoint", healthcode.Region{ID: "CN-440100", Name: "x", Mode: "local", Endpoint: "gz.example"}, nil, "endpoint"},
		{"bad alg", healthcode.Region{ID: "CN-440100", Name: "x", Mode: "local"},
			[]*healthcode.RegionKey{{Alg: "RS256", PublicKey: ok.Public}}, "keys[0].alg"},
		{"short Ed25519 key", healthcode.Region{ID: "CN-440100", Name: "x", Mode: "local"},
			[]*healthcode.RegionKey{{Alg: "EdDSA", PublicKey: ok.Public[:31]}}, "keys[0].public_key"},
		{"Ed25519 key as ES256", healthcode.Region{ID: "CN-440100", Name: "x", Mode: "local"},
			[]*healthcode.RegionKey{{Alg: "ES256", PublicKey: ok.Public}}, "keys[0].public_key"},
		{"one key twice", healthcode.Region{ID: "CN-440100", Name: "x", Mode: "local"},
			[]*healthcode.RegionKey{{Alg: "EdDSA", PublicKey: ok.Public}, {Alg: "EdDSA", PublicKey: ok.Public}}, "keys[1].public_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.hub.AddRegion(ctx, &tt.region, tt.keys)
			wantCode(t, err, healthcode.EINVALID)
			if healthcode.ErrorFields(err)[tt.field] == "" {
				t.Fatalf("fields %v, want a reason under %s", healthcode.ErrorFields(err), tt.field)
			}
			if rs, _ := e.db.Regions(ctx); len(rs) != 0 {
				t.Fatalf("a refused region was stored: %+v", rs)
			}
		})
	}
}

// Two hubs over one store (two processes, or a restart) sign with the
// same key.
func TestPublicKeyIsStable(t *testing.T) {
	e := newEnv(t)
	kid, pub, err := e.hub.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 32 || kid == "" {
		t.Fatalf("PublicKey = %q, %x", kid, pub)
	}
	kid2, pub2, err := hub.New(e.db).PublicKey(ctx)
	if err != nil || kid2 != kid || !bytes.Equal(pub2, pub) {
		t.Fatalf("another registry's key = %q %x, %v; want %q %x", kid2, pub2, err, kid, pub)
	}
}
