package sqlstore_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// hubBatch is a batch from → to whose body is body; the hash is of the body,
// as the store takes whatever hash it is given.
func hubBatch(id, from, to, body string) *healthcode.Batch {
	h := sha256.Sum256([]byte(body))
	return &healthcode.Batch{ID: id, From: from, To: to, IssuedAt: t0, Hash: h[:], Signed: []byte(body), ReceivedAt: t0.Add(time.Second)}
}

func batchID(n int) string { return fmt.Sprintf("%032x", n) }

// batchDB is a store with regions CN-330100 and CN-440100.
func batchDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	db := storetest.MustOpenDB(t)
	for _, id := range []string{"CN-330100", "CN-440100"} {
		if err := db.CreateRegion(ctx, hubRegion(id), nil); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func seqs(bs []*healthcode.Batch) []int64 {
	out := []int64{}
	for _, b := range bs {
		out = append(out, b.Seq)
	}
	return out
}

func TestHubBatches(t *testing.T) {
	db := batchDB(t)
	const hz, gz = "CN-330100", "CN-440100"
	add := func(b *healthcode.Batch, wantSeq int64, wantDup bool) {
		t.Helper()
		seq, dup, err := db.AddBatch(ctx, b)
		if err != nil || seq != wantSeq || dup != wantDup {
			t.Fatalf("AddBatch(%s) = %d, %v, %v; want %d, %v", b.ID, seq, dup, err, wantSeq, wantDup)
		}
	}
	add(hubBatch(batchID(1), hz, gz, "first"), 1, false)
	add(hubBatch(batchID(1), hz, gz, "first"), 1, true)
	_, _, err := db.AddBatch(ctx, hubBatch(batchID(1), hz, gz, "other content"))
	wantCode(t, err, healthcode.ECONFLICT)
	// Neither the duplicate nor the conflict took a seq.
	add(hubBatch(batchID(2), hz, gz, "second, a longer body"), 2, false)
	add(hubBatch(batchID(3), gz, hz, "back"), 3, false)
	add(hubBatch(batchID(4), hz, gz, "fourth"), 4, false)

	got, err := db.FindBatch(ctx, batchID(1))
	if err != nil {
		t.Fatal(err)
	}
	want := hubBatch(batchID(1), hz, gz, "first")
	want.Seq, want.IssuedAt, want.ReceivedAt = 1, us(want.IssuedAt), us(want.ReceivedAt)
	if got.Seq != 1 || got.From != hz || got.To != gz || !got.IssuedAt.Equal(want.IssuedAt) || !got.ReceivedAt.Equal(want.ReceivedAt) ||
		!bytes.Equal(got.Hash, want.Hash) || string(got.Signed) != "first" || !got.AckedAt.IsZero() {
		t.Fatalf("FindBatch = %+v, want %+v", got, want)
	}
	_, err = db.FindBatch(ctx, batchID(9))
	wantCode(t, err, healthcode.ENOTFOUND)
	// The body is sealed at rest: records name people.
	var raw []byte
	if err := db.SQL().QueryRowContext(ctx, `SELECT signed FROM hub_batches WHERE seq = 1`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("first")) {
		t.Fatalf("the stored body is plain: %q", raw)
	}

	pages := []struct {
		name     string
		region   string
		since    int64
		limit    int
		maxBytes int64
		want     []int64
	}{
		{"all to gz", gz, 0, 100, 1 << 20, []int64{1, 2, 4}},
		{"all to hz", hz, 0, 100, 1 << 20, []int64{3}},
		{"after 1", gz, 1, 100, 1 << 20, []int64{2, 4}},
		{"limit 2", gz, 0, 2, 1 << 20, []int64{1, 2}},
		{"bytes for one", gz, 0, 100, 1, []int64{1}},
		{"past the last", gz, 4, 100, 1 << 20, []int64{}},
		{"a region with none", "CN-110100", 0, 100, 1 << 20, []int64{}},
	}
	for _, p := range pages {
		bs, err := db.BatchesTo(ctx, p.region, p.since, p.limit, p.maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if s := seqs(bs); fmt.Sprint(s) != fmt.Sprint(p.want) {
			t.Errorf("%s: seqs %v, want %v", p.name, s, p.want)
		}
		for _, b := range bs {
			if b.To != p.region || len(b.Signed) == 0 {
				t.Errorf("%s: batch %+v", p.name, b)
			}
		}
	}

	ackedAt := t0.Add(time.Hour)
	acks := []struct {
		name    string
		region  string
		through int64
		n       int
		code    string
	}{
		{"nothing", gz, 0, 0, ""},
		{"negative", gz, -1, 0, healthcode.EINVALID},
		{"past the last to gz", gz, 5, 0, healthcode.EINVALID},
		{"through 2", gz, 2, 2, ""},
		{"again", gz, 2, 0, ""},
		{"behind the cursor", gz, 1, 0, ""},
		{"hz's batch is not gz's", hz, 3, 1, ""},
		{"a region with none", "CN-110100", 1, 0, healthcode.EINVALID},
	}
	for _, a := range acks {
		n, err := db.AckBatches(ctx, a.region, a.through, ackedAt)
		wantCode(t, err, a.code)
		if n != a.n {
			t.Errorf("%s: acked %d, want %d", a.name, n, a.n)
		}
	}
	bs, _ := db.BatchesTo(ctx, gz, 0, 100, 1<<20)
	if s := seqs(bs); fmt.Sprint(s) != "[4]" {
		t.Fatalf("after the ack, gz is given %v, want [4]", s)
	}
	got, _ = db.FindBatch(ctx, batchID(2))
	if got.Signed != nil || !got.AckedAt.Equal(us(ackedAt)) || !bytes.Equal(got.Hash, hubBatch("", "", "", "second, a longer body").Hash) {
		t.Fatalf("acked batch %+v: want no body, acked_at, the hash kept", got)
	}
	if got, _ := db.FindBatch(ctx, batchID(4)); string(got.Signed) != "fourth" || !got.AckedAt.IsZero() {
		t.Fatalf("a batch past the ack: %+v", got)
	}
	// A late resend of an acked batch is still a duplicate; other content
	// under its id still a conflict.
	add(hubBatch(batchID(2), hz, gz, "second, a longer body"), 2, true)
	_, _, err = db.AddBatch(ctx, hubBatch(batchID(2), hz, gz, "changed"))
	wantCode(t, err, healthcode.ECONFLICT)
	add(hubBatch(batchID(5), hz, gz, "fifth"), 5, false)
}

// Posts of one batch racing each other (a sender retrying while its first
// post is still in flight, or two senders' processes) store it once, and
// every caller learns the one seq; distinct batches racing get distinct,
// gapless seqs.
func TestHubBatchConcurrentPosts(t *testing.T) {
	db := batchDB(t)
	const n = 8
	type result struct {
		seq int64
		dup bool
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			seq, dup, err := db.AddBatch(ctx, hubBatch(batchID(1), "CN-330100", "CN-440100", "one body"))
			results[i] = result{seq, dup, err}
		})
	}
	wg.Wait()
	stored := 0
	for _, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.seq != results[0].seq {
			t.Fatalf("callers were given seqs %+v", results)
		}
		if !r.dup {
			stored++
		}
	}
	if stored != 1 {
		t.Fatalf("%d callers stored the batch, want 1: %+v", stored, results)
	}

	got := make([]int64, n)
	for i := range n {
		wg.Go(func() {
			seq, dup, err := db.AddBatch(ctx, hubBatch(batchID(100+i), "CN-330100", "CN-440100", fmt.Sprint("body ", i)))
			if err != nil || dup {
				t.Errorf("AddBatch: %d, %v, %v", seq, dup, err)
			}
			got[i] = seq
		})
	}
	wg.Wait()
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	for i, seq := range got {
		if seq != int64(i+2) {
			t.Fatalf("seqs %v, want 2 to %d", got, n+1)
		}
	}
	var rows int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM hub_batches`).Scan(&rows); err != nil || rows != n+1 {
		t.Fatalf("%d rows, %v; want %d", rows, err, n+1)
	}
}
