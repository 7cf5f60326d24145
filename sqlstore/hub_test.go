package sqlstore_test

import (
	"bytes"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func hubRegion(id string) *healthcode.Region {
	return &healthcode.Region{ID: id, Name: "杭州市", Mode: healthcode.ModeLocal, Endpoint: "https://hz.example", CreatedAt: t0}
}

func regionKey(kid string, revoked bool) *healthcode.RegionKey {
	return &healthcode.RegionKey{KID: []byte(kid), Alg: healthcode.AlgEdDSA, PublicKey: bytes.Repeat([]byte(kid[:1]), 32),
		NotBefore: t0, Revoked: revoked, AddedAt: t0}
}

func TestHubRegions(t *testing.T) {
	db := storetest.MustOpenDB(t)
	gen0, err := db.HubGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hz := hubRegion("CN-330100")
	if err := db.CreateRegion(ctx, hz, []*healthcode.RegionKey{regionKey("kid-aaaa", false)}); err != nil {
		t.Fatal(err)
	}
	gz := &healthcode.Region{ID: "CN-440100", Name: "广州市", Mode: healthcode.ModeNational, CreatedAt: t0}
	if err := db.CreateRegion(ctx, gz, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.CreateRegion(ctx, hubRegion("CN-330100"), nil), healthcode.ECONFLICT)
	bad := hubRegion("CN-110100")
	bad.Mode = "federal"
	wantCode(t, db.CreateRegion(ctx, bad, nil), healthcode.EINVALID)

	got, err := db.FindRegion(ctx, "CN-330100")
	if err != nil {
		t.Fatal(err)
	}
	want := *hz
	want.CreatedAt = us(t0)
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("FindRegion = %+v, want %+v", got, want)
	}
	_, err = db.FindRegion(ctx, "CN-999999")
	wantCode(t, err, healthcode.ENOTFOUND)

	rs, err := db.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != "CN-330100" || rs[1].ID != "CN-440100" || rs[1].Endpoint != "" {
		t.Fatalf("Regions = %+v", rs)
	}
	keys, err := db.RegionKeys(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Region != "CN-330100" || string(keys[0].KID) != "kid-aaaa" || !keys[0].NotBefore.Equal(us(t0)) {
		t.Fatalf("RegionKeys = %+v", keys)
	}
	if keys, _ := db.RegionKeys(ctx, "CN-440100"); len(keys) != 0 {
		t.Fatalf("keys of a region without any: %+v", keys)
	}
	if gen, _ := db.HubGeneration(ctx); gen != gen0+2 {
		t.Fatalf("generation %d after two regions, want %d", gen, gen0+2)
	}
}

func TestHubMergeKeys(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if err := db.CreateRegion(ctx, hubRegion("CN-330100"), []*healthcode.RegionKey{regionKey("kid-aaaa", false), regionKey("kid-bbbb", false)}); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeRegionKey(ctx, "CN-330100", []byte("kid-bbbb")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.RevokeRegionKey(ctx, "CN-330100", []byte("kid-none")), healthcode.ENOTFOUND)
	wantCode(t, db.RevokeRegionKey(ctx, "CN-999999", []byte("kid-aaaa")), healthcode.ENOTFOUND)

	issued := t0.Add(time.Minute)
	newBounds := regionKey("kid-aaaa", false)
	newBounds.NotBefore, newBounds.NotAfter = t0.Add(time.Hour), t0.Add(48*time.Hour)
	unrevoke := regionKey("kid-bbbb", false) // a set cannot bring back a revoked key
	added := regionKey("kid-cccc", false)
	added.AddedAt = t0.Add(time.Minute)
	var seen []*healthcode.RegionKey
	n, err := db.MergeKeys(ctx, &healthcode.KeySet{Region: "CN-330100", IssuedAt: issued,
		Keys: []*healthcode.RegionKey{newBounds, unrevoke, added}}, func(held []*healthcode.RegionKey) error {
		seen = held
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(seen) != 2 || !seen[1].Revoked {
		t.Fatalf("MergeKeys = %d with held %+v, want 3 after 2", n, seen)
	}
	keys, _ := db.RegionKeys(ctx, "CN-330100")
	byKID := map[string]*healthcode.RegionKey{}
	for _, k := range keys {
		byKID[string(k.KID)] = k
	}
	if a := byKID["kid-aaaa"]; !a.NotBefore.Equal(us(newBounds.NotBefore)) || !a.NotAfter.Equal(us(newBounds.NotAfter)) || !a.AddedAt.Equal(us(t0)) {
		t.Errorf("known key after merge: %+v", a)
	}
	if !byKID["kid-bbbb"].Revoked {
		t.Errorf("a revoked key came back")
	}
	if c := byKID["kid-cccc"]; c == nil || c.Revoked {
		t.Errorf("new key: %+v", c)
	}
	r, _ := db.FindRegion(ctx, "CN-330100")
	if !r.KeysIssuedAt.Equal(us(issued)) {
		t.Errorf("KeysIssuedAt = %v, want %v", r.KeysIssuedAt, issued)
	}

	// A set revokes a key; one that leaves a key out leaves it alone.
	revoke := regionKey("kid-cccc", true)
	if n, err = db.MergeKeys(ctx, &healthcode.KeySet{Region: "CN-330100", IssuedAt: issued.Add(time.Second),
		Keys: []*healthcode.RegionKey{revoke}}, func([]*healthcode.RegionKey) error { return nil }); err != nil || n != 3 {
		t.Fatalf("MergeKeys revoking = %d, %v", n, err)
	}
	keys, _ = db.RegionKeys(ctx, "CN-330100")
	if len(keys) != 3 || !keys[2].Revoked || keys[0].Revoked {
		t.Fatalf("after a revoking set: %+v", keys)
	}

	gen, _ := db.HubGeneration(ctx)
	accept := func([]*healthcode.RegionKey) error { return nil }
	tests := []struct {
		name   string
		set    *healthcode.KeySet
		check  func([]*healthcode.RegionKey) error
		code   string
		target error
	}{
		{"replayed: same issued_at", &healthcode.KeySet{Region: "CN-330100", IssuedAt: issued.Add(time.Second), Keys: []*healthcode.RegionKey{regionKey("kid-dddd", false)}}, accept, healthcode.ECONFLICT, nil},
		{"older than the last", &healthcode.KeySet{Region: "CN-330100", IssuedAt: issued, Keys: []*healthcode.RegionKey{regionKey("kid-dddd", false)}}, accept, healthcode.ECONFLICT, nil},
		{"refused by the check", &healthcode.KeySet{Region: "CN-330100", IssuedAt: issued.Add(time.Hour), Keys: []*healthcode.RegionKey{regionKey("kid-dddd", false)}},
			func([]*healthcode.RegionKey) error { return errRefused }, healthcode.EFORBIDDEN, errRefused},
		{"unknown region", &healthcode.KeySet{Region: "CN-999999", IssuedAt: issued.Add(time.Hour)}, accept, healthcode.ENOTFOUND, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.MergeKeys(ctx, tt.set, tt.check)
			wantCode(t, err, tt.code)
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("err = %v, want the check's", err)
			}
		})
	}
	if keys, _ := db.RegionKeys(ctx, "CN-330100"); len(keys) != 3 {
		t.Fatalf("a refused set wrote keys: %+v", keys)
	}
	if g, _ := db.HubGeneration(ctx); g != gen {
		t.Fatalf("a refused set changed the generation %d → %d", gen, g)
	}
	if r, _ := db.FindRegion(ctx, "CN-330100"); !r.KeysIssuedAt.Equal(us(issued.Add(time.Second))) {
		t.Fatalf("a refused set moved KeysIssuedAt to %v", r.KeysIssuedAt)
	}
}

var errRefused = healthcode.Errorf(healthcode.EFORBIDDEN, "refused")

// Two uploads of one set, or of two sets with the same issued_at, race:
// the region's lock lets exactly one through.
func TestHubMergeKeysConcurrent(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if err := db.CreateRegion(ctx, hubRegion("CN-330100"), nil); err != nil {
		t.Fatal(err)
	}
	const uploads = 8
	var wg sync.WaitGroup
	errs := make([]error, uploads)
	for i := range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			set := &healthcode.KeySet{Region: "CN-330100", IssuedAt: t0,
				Keys: []*healthcode.RegionKey{regionKey(string(rune('a'+i))+"-kid", false)}}
			_, errs[i] = db.MergeKeys(ctx, set, func([]*healthcode.RegionKey) error {
				time.Sleep(20 * time.Millisecond) // widen the window between check and write
				return nil
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch healthcode.ErrorCode(err) {
		case "":
			ok++
		case healthcode.ECONFLICT:
		default:
			t.Errorf("upload: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d uploads of one issued_at passed, want 1", ok)
	}
	if keys, _ := db.RegionKeys(ctx, "CN-330100"); len(keys) != 1 {
		t.Fatalf("%d keys held, want 1", len(keys))
	}
}

func TestHubKey(t *testing.T) {
	db := storetest.MustOpenDB(t)
	first := &healthcode.HubKey{PublicKey: bytes.Repeat([]byte{1}, 32), PrivateKey: []byte("---the first hub seed, 32 bytes-"), CreatedAt: t0}
	got, err := db.EnsureHubKey(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	want := *first
	want.CreatedAt = us(t0)
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("EnsureHubKey = %+v, want %+v", got, want)
	}
	second := &healthcode.HubKey{PublicKey: bytes.Repeat([]byte{2}, 32), PrivateKey: []byte("---another seed that must lose--"), CreatedAt: t0.Add(time.Hour)}
	if got, err = db.EnsureHubKey(ctx, second); err != nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("second EnsureHubKey = %+v, %v; want the first key", got, err)
	}
	var raw []byte
	if err := db.SQL().QueryRowContext(ctx, `SELECT private_key FROM hub_state WHERE id = 1`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("hub seed")) {
		t.Fatalf("hub key stored in the clear: %q", raw)
	}
}
