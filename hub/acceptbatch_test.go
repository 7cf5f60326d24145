package hub_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub/hubtest"
)

const gz = "CN-440100"

// batchKeys are the keys of a batch hub: hz holds cur, ec (ES256), old
// (revoked), expired (valid until an hour before t0) and early (valid
// from an hour after); gz holds gzKey.
type batchKeys struct {
	cur, ec, old, expired, early, gzKey *hubtest.Key
}

func newBatchKeys(t *testing.T) *batchKeys {
	ed := func() *hubtest.Key { return hubtest.NewKey(t, healthcode.AlgEdDSA) }
	return &batchKeys{cur: ed(), ec: hubtest.NewKey(t, healthcode.AlgES256), old: ed(), expired: ed(), early: ed(), gzKey: ed()}
}

// newBatchEnv is a hub of regions hz and gz holding ks, and CN-540100, a
// national region.
func newBatchEnv(t *testing.T, ks *batchKeys) *env {
	t.Helper()
	e := newEnv(t)
	keys := registered(ks.cur, ks.ec, ks.old, ks.expired, ks.early)
	keys[3].NotAfter = t0.Add(-time.Hour)
	keys[4].NotBefore = t0.Add(time.Hour)
	e.addRegion(t, hz, keys...)
	e.addRegion(t, gz, registered(ks.gzKey)...)
	if _, err := e.hub.AddRegion(ctx, &healthcode.Region{ID: "CN-540100", Name: "拉萨市", Mode: healthcode.ModeNational}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.hub.RevokeKey(ctx, hz, ks.old.KID()); err != nil {
		t.Fatal(err)
	}
	return e
}

// batch returns a batch from hz to gz with n records, changed by edit.
func batch(n int, edit func(b *hubtest.Batch)) hubtest.Batch {
	b := hubtest.NewBatch(hz, gz, t0, n)
	if edit != nil {
		edit(&b)
	}
	return b
}

// Each rule of docs/federation.md for a posted batch, one post each.
func TestAcceptBatchRules(t *testing.T) {
	ks := newBatchKeys(t)
	cur, ec, old, expired, early, gzKey := ks.cur, ks.ec, ks.old, ks.expired, ks.early, ks.gzKey
	stranger := hubtest.NewKey(t, healthcode.AlgEdDSA)
	record := func(kind, id string) func(b *hubtest.Batch) {
		return func(b *hubtest.Batch) { b.Records[0] = map[string]any{"record_kind": kind, "id": id} }
	}
	tests := []struct {
		name   string
		caller *healthcode.Caller
		signed string
		code   string // "" when accepted
		field  string // for EINVALID, the field named
	}{
		{name: "accepted", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(3, nil))},
		{name: "accepted, ES256", caller: peer(hz), signed: hubtest.Sign(t, ec, batch(3, nil))},
		{name: "every kind", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(6, func(b *hubtest.Batch) {
			for i, kind := range healthcode.RecordKinds {
				b.Records[i] = map[string]any{"record_kind": kind, "id": hz + "/r-" + kind}
			}
		}))},
		{name: "5000 records", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(5000, nil))},
		{name: "issued a day ago (sent late)", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.IssuedAt = t0.Add(-24 * time.Hour) }))},
		{name: "issued 4 minutes ahead", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.IssuedAt = t0.Add(4 * time.Minute) }))},
		{name: "to a national region", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.To = "CN-540100" }))},

		{name: "no caller", signed: hubtest.Sign(t, cur, batch(1, nil)), code: healthcode.EUNAUTHORIZED},
		{name: "a hub admin", caller: admin, signed: hubtest.Sign(t, cur, batch(1, nil)), code: healthcode.EFORBIDDEN},
		{name: "health staff", caller: &healthcode.Caller{Role: healthcode.RoleHealth, Region: hz}, signed: hubtest.Sign(t, cur, batch(1, nil)), code: healthcode.EFORBIDDEN},
		{name: "peer token bound to no region", caller: peer(""), signed: hubtest.Sign(t, cur, batch(1, nil)), code: healthcode.EFORBIDDEN},
		// Names "from": the sender's token, not the batch (a node stops
		// there rather than count the batch refused).
		{name: "peer of the receiving region", caller: peer(gz), signed: hubtest.Sign(t, cur, batch(1, nil)), code: healthcode.EFORBIDDEN, field: "from"},
		{name: "from another region, signed by its key", caller: peer(hz), signed: hubtest.Sign(t, gzKey, batch(1, func(b *hubtest.Batch) {
			b.From, b.To = gz, hz
			b.Records[0] = map[string]any{"record_kind": "tests", "id": gz + "/t-1"}
		})), code: healthcode.EFORBIDDEN, field: "from"},
		{name: "signed by another region's key", caller: peer(hz), signed: hubtest.Sign(t, gzKey, batch(1, nil)), code: healthcode.EFORBIDDEN},
		{name: "signed by a key the hub does not hold", caller: peer(hz), signed: hubtest.Sign(t, stranger, batch(1, nil)), code: healthcode.EFORBIDDEN},
		{name: "signature by another key under a held kid", caller: peer(hz),
			signed: hubtest.SignAs(t, stranger, base64.StdEncoding.EncodeToString(cur.KID()), batch(1, nil)), code: healthcode.EFORBIDDEN},
		{name: "signed by a revoked key", caller: peer(hz), signed: hubtest.Sign(t, old, batch(1, nil)), code: healthcode.EFORBIDDEN},
		{name: "signed by a key expired at issued_at", caller: peer(hz), signed: hubtest.Sign(t, expired, batch(1, nil)), code: healthcode.EFORBIDDEN},
		{name: "expired key, issued_at backdated into its bounds", caller: peer(hz),
			signed: hubtest.Sign(t, expired, batch(1, func(b *hubtest.Batch) { b.IssuedAt = t0.Add(-2 * time.Hour) }))},
		{name: "signed by a key not yet valid at issued_at", caller: peer(hz), signed: hubtest.Sign(t, early, batch(1, nil)), code: healthcode.EFORBIDDEN},

		{name: "unsigned (alg none)", caller: peer(hz), signed: unsigned(`{"id":"00000000000000000000000000000001","from":"CN-330100","to":"CN-440100","issued_at":"2026-12-01T09:00:00Z","records":[{"record_kind":"tests","id":"CN-330100/1"}]}`), code: healthcode.EINVALID},
		{name: "not a JWS", caller: peer(hz), signed: "{}", code: healthcode.EINVALID},
		{name: "no kid in the header", caller: peer(hz), signed: hubtest.SignAs(t, cur, "", batch(1, nil)), code: healthcode.EINVALID},
		{name: "payload not a batch", caller: peer(hz), signed: hubtest.Sign(t, cur, []int{1}), code: healthcode.EINVALID},
		{name: "too large", caller: peer(hz), signed: strings.Repeat("a", healthcode.MaxBatchBytes+1), code: healthcode.ETOOLARGE},
		{name: "id upper case", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.ID = strings.ToUpper(hubtest.BatchID()) })), code: healthcode.EINVALID, field: "id"},
		{name: "id short", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.ID = "abc" })), code: healthcode.EINVALID, field: "id"},
		{name: "to itself", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.To = hz })), code: healthcode.EINVALID, field: "to"},
		{name: "to a region the hub does not know", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.To = "CN-110100" })), code: healthcode.EINVALID, field: "to"},
		{name: "to no region", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.To = "Guangzhou" })), code: healthcode.EINVALID, field: "to"},
		{name: "no issued_at", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.IssuedAt = time.Time{} })), code: healthcode.EINVALID, field: "issued_at"},
		{name: "issued 6 minutes ahead", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.IssuedAt = t0.Add(6 * time.Minute) })), code: healthcode.EINVALID, field: "issued_at"},
		{name: "no records", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(0, nil)), code: healthcode.EINVALID, field: "records"},
		{name: "5001 records", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(5001, nil)), code: healthcode.EINVALID, field: "records"},
		{name: "a record not an object", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(2, func(b *hubtest.Batch) { b.Records[1] = "CN-330100/1" })), code: healthcode.EINVALID, field: "records[1]"},
		{name: "a record's kind a number", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, func(b *hubtest.Batch) { b.Records[0] = map[string]any{"record_kind": 1, "id": hz + "/1"} })), code: healthcode.EINVALID, field: "records[0]"},
		{name: "unknown kind", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, record("visits", hz+"/1"))), code: healthcode.EINVALID, field: "records[0].kind"},
		{name: "no kind", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, record("", hz+"/1"))), code: healthcode.EINVALID, field: "records[0].kind"},
		{name: "record id without the region", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, record("tests", "t-1"))), code: healthcode.EINVALID, field: "records[0].id"},
		{name: "record id of another region", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, record("tests", gz+"/t-1"))), code: healthcode.EINVALID, field: "records[0].id"},
		{name: "record id the region alone", caller: peer(hz), signed: hubtest.Sign(t, cur, batch(1, record("tests", hz+"/"))), code: healthcode.EINVALID, field: "records[0].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newBatchEnv(t, ks)
			b, dup, err := e.hub.AcceptBatch(ctx, tt.caller, tt.signed)
			wantCode(t, err, tt.code)
			if tt.field != "" && healthcode.ErrorFields(err)[tt.field] == "" {
				t.Fatalf("fields %v, want a reason under %s", healthcode.ErrorFields(err), tt.field)
			}
			if tt.field == "" && healthcode.ErrorFields(err)["from"] != "" {
				t.Fatalf("fields %v name from: a sender would take its token for wrong", healthcode.ErrorFields(err))
			}
			stored, _ := e.db.BatchesTo(ctx, gz, 0, 10, 1<<30)
			national, _ := e.db.BatchesTo(ctx, "CN-540100", 0, 10, 1<<30)
			stored = append(stored, national...)
			if tt.code != "" {
				if len(stored) != 0 {
					t.Fatalf("a refused batch was stored: %+v", stored[0])
				}
				return
			}
			if b == nil || dup || b.Seq != 1 || len(stored) != 1 || stored[0].ID != b.ID || string(stored[0].Signed) != tt.signed {
				t.Fatalf("AcceptBatch = %+v, %v; stored %+v", b, dup, stored)
			}
		})
	}
}

// A batch posted again is a duplicate with its first seq, even signed
// again or by another of the region's keys; other content under its id is
// a conflict, and a refused post is not a duplicate check.
func TestAcceptBatchDuplicates(t *testing.T) {
	ks := newBatchKeys(t)
	e := newBatchEnv(t, ks)
	first := batch(2, nil)
	other := first
	other.Records = []any{map[string]any{"record_kind": "tests", "id": hz + "/t-9"}}
	tests := []struct {
		name   string
		signed string
		seq    int64
		dup    bool
		code   string
	}{
		{"first post", hubtest.Sign(t, ks.ec, first), 1, false, ""},
		{"the same bytes again", "", 1, true, ""},
		{"signed again (ES256 differs each time)", hubtest.Sign(t, ks.ec, first), 1, true, ""},
		{"signed by another key of the region", hubtest.Sign(t, ks.cur, first), 1, true, ""},
		{"other content under the id", hubtest.Sign(t, ks.cur, other), 0, false, healthcode.ECONFLICT},
		{"the same content by a revoked key", hubtest.Sign(t, ks.old, first), 0, false, healthcode.EFORBIDDEN},
		{"another batch", hubtest.Sign(t, ks.cur, batch(1, nil)), 2, false, ""},
	}
	var firstSigned string
	for _, tt := range tests {
		signed := tt.signed
		if signed == "" {
			signed = firstSigned
		}
		if firstSigned == "" {
			firstSigned = signed
		}
		b, dup, err := e.hub.AcceptBatch(ctx, peer(hz), signed)
		wantCode(t, err, tt.code)
		if tt.code != "" {
			continue
		}
		if b.Seq != tt.seq || dup != tt.dup {
			t.Fatalf("%s: seq %d, duplicate %v; want %d, %v", tt.name, b.Seq, dup, tt.seq, tt.dup)
		}
	}
	// The receiver is given the body first stored.
	stored, err := e.db.FindBatch(ctx, first.ID)
	if err != nil || string(stored.Signed) != firstSigned {
		t.Fatalf("stored %+v, %v; want the first post's body", stored, err)
	}
}
