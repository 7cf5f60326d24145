package hub_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
)

func TestListAndAckBatches(t *testing.T) {
	ks := newBatchKeys(t)
	e := newBatchEnv(t, ks)
	var ids []string
	for range 3 {
		b := batch(1, nil)
		if _, _, err := e.hub.AcceptBatch(ctx, peer(hz), hubtest.Sign(t, ks.cur, b)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	// One the other way, which gz is not given.
	back := hubtest.NewBatch(gz, hz, t0, 1)
	if _, _, err := e.hub.AcceptBatch(ctx, peer(gz), hubtest.Sign(t, ks.gzKey, back)); err != nil {
		t.Fatal(err)
	}

	lists := []struct {
		name        string
		caller      *healthcode.Caller
		since       int64
		limit       int
		want        string // seqs
		next        int64
		code, field string
	}{
		{name: "all", caller: peer(gz), want: "[1 2 3]", next: 3},
		{name: "a page", caller: peer(gz), limit: 2, want: "[1 2]", next: 2},
		{name: "the next page", caller: peer(gz), since: 2, limit: 2, want: "[3]", next: 3},
		{name: "none left", caller: peer(gz), since: 3, want: "[]", next: 3},
		{name: "hz's", caller: peer(hz), want: "[4]", next: 4},
		{name: "a hub admin", caller: admin, code: healthcode.EFORBIDDEN},
		{name: "no caller", code: healthcode.EUNAUTHORIZED},
		{name: "peer of no region", caller: peer(""), code: healthcode.EFORBIDDEN},
		{name: "since negative", caller: peer(gz), since: -1, code: healthcode.EINVALID, field: "since"},
		{name: "limit past 1000", caller: peer(gz), limit: hub.MaxBatchPage + 1, code: healthcode.EINVALID, field: "limit"},
		{name: "limit negative", caller: peer(gz), limit: -1, code: healthcode.EINVALID, field: "limit"},
	}
	for _, tt := range lists {
		bs, next, err := e.hub.ListBatches(ctx, tt.caller, tt.since, tt.limit)
		wantCode(t, err, tt.code)
		if tt.field != "" && healthcode.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%s: fields %v, want %s", tt.name, healthcode.ErrorFields(err), tt.field)
		}
		if tt.code != "" {
			continue
		}
		seqs := []int64{}
		for _, b := range bs {
			seqs = append(seqs, b.Seq)
			if b.To != tt.caller.Region || len(b.Signed) == 0 {
				t.Errorf("%s: batch %+v", tt.name, b)
			}
		}
		if fmt.Sprint(seqs) != tt.want || next != tt.next {
			t.Errorf("%s: seqs %v next %d, want %s next %d", tt.name, seqs, next, tt.want, tt.next)
		}
	}

	e.clock.Add(time.Hour)
	acks := []struct {
		name    string
		caller  *healthcode.Caller
		through int64
		n       int
		code    string
	}{
		{"a hub admin", admin, 2, 0, healthcode.EFORBIDDEN},
		{"past the last batch to gz", peer(gz), 4, 0, healthcode.EINVALID},
		{"negative", peer(gz), -1, 0, healthcode.EINVALID},
		{"through 2", peer(gz), 2, 2, ""},
		{"again", peer(gz), 2, 0, ""},
	}
	for _, tt := range acks {
		n, err := e.hub.AckBatches(ctx, tt.caller, tt.through)
		wantCode(t, err, tt.code)
		if n != tt.n {
			t.Errorf("%s: acked %d, want %d", tt.name, n, tt.n)
		}
	}
	bs, next, err := e.hub.ListBatches(ctx, peer(gz), 0, 0)
	if err != nil || len(bs) != 1 || bs[0].ID != ids[2] || next != 3 {
		t.Fatalf("after the ack: %+v, next %d, %v; want the third batch only", bs, next, err)
	}
	acked, err := e.db.FindBatch(ctx, ids[0])
	if err != nil || acked.Signed != nil || !acked.AckedAt.Equal(e.clock.Now()) {
		t.Fatalf("acked batch %+v, %v", acked, err)
	}
}
