package hub_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/trust"
)

const hz = "CN-330100"

func keySet(region string, issued time.Time, keys ...trust.Key) hubtest.KeySet {
	return hubtest.KeySet{Region: region, IssuedAt: issued, Keys: keys}
}

func registered(keys ...*hubtest.Key) []*healthcode.RegionKey {
	var out []*healthcode.RegionKey
	for _, k := range keys {
		out = append(out, &healthcode.RegionKey{Alg: k.Alg, PublicKey: k.Public})
	}
	return out
}

// Each rule of docs/federation.md, one upload against a region that holds
// the keys of held (those of revoked revoked by the hub's admin).
func TestPutKeysRules(t *testing.T) {
	old := hubtest.NewKey(t, healthcode.AlgEdDSA)
	cur := hubtest.NewKey(t, healthcode.AlgEdDSA)
	ec := hubtest.NewKey(t, healthcode.AlgES256)
	stranger := hubtest.NewKey(t, healthcode.AlgEdDSA)
	open := time.Time{}
	now := t0
	tests := []struct {
		name    string
		held    []*hubtest.Key
		revoked []*hubtest.Key
		caller  *healthcode.Caller
		path    string
		signed  string
		code    string // "" when accepted
		keys    int    // held after an accepted upload
	}{
		{name: "first set, self-signed", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, false))), keys: 1},
		{name: "first set, self-signed with ES256", caller: peer(hz),
			signed: hubtest.Sign(t, ec, keySet(hz, now, ec.Entry(open, open, false), cur.Entry(open, open, false))), keys: 2},
		{name: "first set, by a hub admin", caller: admin,
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, false))), keys: 1},
		{name: "first set, signed by a key not in it", caller: peer(hz),
			signed: hubtest.Sign(t, stranger, keySet(hz, now, cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "first set, signed by a key it lists revoked", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, true))), code: healthcode.EFORBIDDEN},
		{name: "first set, signature by another key under its kid", caller: peer(hz),
			signed: hubtest.SignAs(t, stranger, base64.StdEncoding.EncodeToString(cur.KID()), keySet(hz, now, cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "rotation signed by the old key", held: []*hubtest.Key{old}, caller: peer(hz),
			signed: hubtest.Sign(t, old, keySet(hz, now, old.Entry(open, now.Add(time.Minute), false), cur.Entry(now, open, false))), keys: 2},
		{name: "rotation signed by the new key only", held: []*hubtest.Key{old}, caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, old.Entry(open, now.Add(time.Minute), false), cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "a stolen token swapping the keys", held: []*hubtest.Key{old}, caller: peer(hz),
			signed: hubtest.Sign(t, stranger, keySet(hz, now, stranger.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "signed by a held key the hub revoked", held: []*hubtest.Key{old, cur}, revoked: []*hubtest.Key{old}, caller: peer(hz),
			signed: hubtest.Sign(t, old, keySet(hz, now, old.Entry(open, open, false))), code: healthcode.EFORBIDDEN},
		{name: "signed by a held key, another revoked", held: []*hubtest.Key{old, cur}, revoked: []*hubtest.Key{old}, caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(open, open, false))), keys: 2},
		{name: "every held key revoked: a new first set", held: []*hubtest.Key{old}, revoked: []*hubtest.Key{old}, caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, false))), keys: 2},
		{name: "every held key revoked: not by the revoked one", held: []*hubtest.Key{old}, revoked: []*hubtest.Key{old}, caller: peer(hz),
			signed: hubtest.Sign(t, old, keySet(hz, now, old.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "payload for another region", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet("CN-440100", now, cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "admin, payload for another region", caller: admin,
			signed: hubtest.Sign(t, cur, keySet("CN-440100", now, cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "token of another region", caller: peer("CN-440100"),
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "peer token bound to no region", caller: peer(""),
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "health staff", caller: &healthcode.Caller{Role: healthcode.RoleHealth},
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, false))), code: healthcode.EFORBIDDEN},
		{name: "no caller",
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, open, false))), code: healthcode.EUNAUTHORIZED},
		{name: "unknown region", caller: admin, path: "CN-999999",
			signed: hubtest.Sign(t, cur, keySet("CN-999999", now, cur.Entry(now, open, false))), code: healthcode.ENOTFOUND},
		{name: "stale: issued 6 minutes ago", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now.Add(-6*time.Minute), cur.Entry(now, open, false))), code: healthcode.ECONFLICT},
		{name: "issued 6 minutes ahead", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now.Add(6*time.Minute), cur.Entry(now, open, false))), code: healthcode.ECONFLICT},
		{name: "issued 4 minutes ago", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now.Add(-4*time.Minute), cur.Entry(now, open, false))), keys: 1},
		{name: "unsigned (alg none)", caller: peer(hz),
			signed: unsigned(`{"region":"CN-330100","issued_at":"2026-12-01T09:00:00Z","keys":[]}`), code: healthcode.EINVALID},
		{name: "not a JWS", caller: peer(hz), signed: "{}", code: healthcode.EINVALID},
		{name: "no kid in the header", caller: peer(hz),
			signed: hubtest.SignAs(t, cur, "", keySet(hz, now, cur.Entry(now, open, false))), code: healthcode.EINVALID},
		{name: "no keys", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now)), code: healthcode.EINVALID},
		{name: "kid not of its public key", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, trust.Key{KID: stranger.KID(), Alg: cur.Alg, PublicKey: cur.Public})), code: healthcode.EINVALID},
		{name: "bounds reversed", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, cur.Entry(now, now.Add(-time.Hour), false))), code: healthcode.EINVALID},
		{name: "Ed25519 key listed as ES256", caller: peer(hz),
			signed: hubtest.Sign(t, cur, keySet(hz, now, trust.Key{KID: cur.KID(), Alg: "ES256", PublicKey: cur.Public})), code: healthcode.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.addRegion(t, hz, registered(tt.held...)...)
			for _, k := range tt.revoked {
				if err := e.hub.RevokeKey(ctx, hz, k.KID()); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := e.db.RegionKeys(ctx, hz)
			path := tt.path
			if path == "" {
				path = hz
			}
			n, err := e.hub.PutKeys(ctx, tt.caller, path, tt.signed)
			wantCode(t, err, tt.code)
			after, _ := e.db.RegionKeys(ctx, hz)
			if tt.code != "" {
				if len(after) != len(before) {
					t.Fatalf("a refused set changed the keys: %d → %d", len(before), len(after))
				}
				return
			}
			if n != tt.keys || len(after) != tt.keys {
				t.Fatalf("PutKeys = %d with %d stored, want %d", n, len(after), tt.keys)
			}
			for _, k := range tt.revoked {
				for _, a := range after {
					if string(a.KID) == string(k.KID()) && !a.Revoked {
						t.Fatalf("key revoked by the admin came back")
					}
				}
			}
		})
	}
}

// unsigned makes a JWS with "alg":"none", which the hub must refuse.
func unsigned(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(payload)) + "."
}

func TestPutKeysReplay(t *testing.T) {
	e := newEnv(t)
	e.addRegion(t, hz)
	k := hubtest.NewKey(t, healthcode.AlgEdDSA)
	first := hubtest.Sign(t, k, keySet(hz, t0, k.Entry(t0, time.Time{}, false)))
	if _, err := e.hub.PutKeys(ctx, peer(hz), hz, first); err != nil {
		t.Fatal(err)
	}
	// The same request again, within the skew: refused.
	e.clock.Add(time.Minute)
	_, err := e.hub.PutKeys(ctx, peer(hz), hz, first)
	wantCode(t, err, healthcode.ECONFLICT)
	if !strings.Contains(healthcode.ErrorMessage(err), "not later") {
		t.Errorf("message %q does not say why", healthcode.ErrorMessage(err))
	}
	// A set issued before the last one, still within the skew: refused.
	earlier := hubtest.Sign(t, k, keySet(hz, t0.Add(-time.Second), k.Entry(t0, t0.Add(time.Hour), false)))
	_, err = e.hub.PutKeys(ctx, peer(hz), hz, earlier)
	wantCode(t, err, healthcode.ECONFLICT)
	// A later one passes.
	later := hubtest.Sign(t, k, keySet(hz, t0.Add(time.Minute), k.Entry(t0, t0.Add(time.Hour), false)))
	if _, err := e.hub.PutKeys(ctx, peer(hz), hz, later); err != nil {
		t.Fatal(err)
	}
}

// A region's life: first set, rotation signed by the old key, the admin
// revokes the old key, the region's next set lists it unrevoked; the list
// a node fetches shows it revoked and verifies under the hub key.
func TestKeyLifeInTheTrustList(t *testing.T) {
	e := newEnv(t)
	e.addRegion(t, hz)
	old, cur := hubtest.NewKey(t, healthcode.AlgEdDSA), hubtest.NewKey(t, healthcode.AlgES256)
	put := func(signer *hubtest.Key, keys ...trust.Key) {
		t.Helper()
		e.clock.Add(time.Second)
		if _, err := e.hub.PutKeys(ctx, peer(hz), hz, hubtest.Sign(t, signer, keySet(hz, e.clock.Now(), keys...))); err != nil {
			t.Fatal(err)
		}
	}
	put(old, old.Entry(t0, time.Time{}, false))
	put(old, old.Entry(t0, t0.Add(time.Hour), false), cur.Entry(t0, time.Time{}, false))
	if err := e.hub.RevokeKey(ctx, hz, old.KID()); err != nil {
		t.Fatal(err)
	}
	put(cur, old.Entry(t0, t0.Add(time.Hour), false), cur.Entry(t0, time.Time{}, false))

	signed, err := e.hub.TrustList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, hubKey, _ := e.hub.PublicKey(ctx)
	l, err := trust.Parse(signed.JWS, hubKey)
	if err != nil {
		t.Fatal(err)
	}
	r := l.Region(hz)
	if r == nil || len(r.Keys) != 2 {
		t.Fatalf("region in the list: %+v", r)
	}
	if ks := l.Keys(hz, old.KID()); len(ks) != 1 || !ks[0].Revoked || !ks[0].NotAfter.Equal(t0.Add(time.Hour)) {
		t.Fatalf("old key in the list: %+v", ks)
	}
	if ks := l.Keys(hz, cur.KID()); len(ks) != 1 || ks[0].Revoked || ks[0].Alg != "ES256" {
		t.Fatalf("current key in the list: %+v", ks)
	}
	// The revoked key signs nothing any more.
	e.clock.Add(time.Second)
	_, err = e.hub.PutKeys(ctx, peer(hz), hz, hubtest.Sign(t, old, keySet(hz, e.clock.Now(), old.Entry(t0, time.Time{}, false))))
	wantCode(t, err, healthcode.EFORBIDDEN)
}

// A set that changes the region's keys (a key added, one revoked) is
// logged at info with the kids; the same set published again, as every
// node refresh does, is not.
func TestPutKeysLogsChanges(t *testing.T) {
	e := newEnv(t)
	var log bytes.Buffer
	e.hub.Logger = slog.New(slog.NewJSONHandler(&log, nil))
	e.addRegion(t, hz)
	old, cur := hubtest.NewKey(t, healthcode.AlgEdDSA), hubtest.NewKey(t, healthcode.AlgEdDSA)
	kid := func(k *hubtest.Key) string { return base64.StdEncoding.EncodeToString(k.KID()) }
	for _, step := range []struct {
		name   string
		signer *hubtest.Key
		keys   []trust.Key
		want   []string // in the log line; none: no line
	}{
		{"first set", old, []trust.Key{old.Entry(t0, time.Time{}, false)},
			[]string{`"region":"` + hz + `"`, `"added":["` + kid(old) + `"]`, `"revoked":null`, `"by":"peer"`}},
		{"the same again", old, []trust.Key{old.Entry(t0, time.Time{}, false)}, nil},
		{"a rotation", old, []trust.Key{old.Entry(t0, time.Time{}, false), cur.Entry(t0, time.Time{}, false)},
			[]string{`"added":["` + kid(cur) + `"]`}},
		{"the old key revoked", cur, []trust.Key{old.Entry(t0, time.Time{}, true), cur.Entry(t0, time.Time{}, false)},
			[]string{`"added":null`, `"revoked":["` + kid(old) + `"]`}},
		{"the same again", cur, []trust.Key{old.Entry(t0, time.Time{}, true), cur.Entry(t0, time.Time{}, false)}, nil},
	} {
		log.Reset()
		e.clock.Add(time.Second)
		if _, err := e.hub.PutKeys(ctx, peer(hz), hz, hubtest.Sign(t, step.signer, keySet(hz, e.clock.Now(), step.keys...))); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		line := log.String()
		if len(step.want) == 0 && line != "" {
			t.Errorf("%s: logged %q, want nothing", step.name, line)
		}
		for _, w := range step.want {
			if !strings.Contains(line, "region keys changed") || !strings.Contains(line, w) {
				t.Errorf("%s: log %q lacks %s", step.name, line, w)
			}
		}
	}
}

// The same upload sent twice at once (a retry racing the original): the
// region's lock lets one through.
func TestPutKeysConcurrentReplay(t *testing.T) {
	e := newEnv(t)
	e.addRegion(t, hz)
	k := hubtest.NewKey(t, healthcode.AlgEdDSA)
	signed := hubtest.Sign(t, k, keySet(hz, t0, k.Entry(t0, time.Time{}, false)))
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := e.hub.PutKeys(ctx, peer(hz), hz, signed)
			errs <- err
		}()
	}
	ok := 0
	for range n {
		switch err := <-errs; healthcode.ErrorCode(err) {
		case "":
			ok++
		case healthcode.ECONFLICT:
		default:
			t.Errorf("upload: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d identical uploads passed, want 1", ok, n)
	}
}
