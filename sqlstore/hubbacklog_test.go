package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
)

func TestBatchBacklogs(t *testing.T) {
	const hz, gz, bj = "CN-330100", "CN-440100", "CN-110100"
	type send struct {
		to string
		at time.Duration // received at t0 plus this
	}
	type ack struct {
		region  string
		through int64
	}
	ackedAt := t0.Add(time.Hour)
	tests := []struct {
		name  string
		sends []send // seqs 1, 2, … in order; from the other of hz and gz
		acks  []ack
		want  []healthcode.BatchBacklog
	}{
		{"no batches", nil, nil, []healthcode.BatchBacklog{
			{Region: bj}, {Region: hz}, {Region: gz},
		}},
		{"waiting for two regions", []send{{gz, 1 * time.Second}, {hz, 2 * time.Second}, {gz, 3 * time.Second}}, nil,
			[]healthcode.BatchBacklog{
				{Region: bj},
				{Region: hz, Batches: 1, Oldest: t0.Add(2 * time.Second)},
				{Region: gz, Batches: 2, Oldest: t0.Add(1 * time.Second)},
			}},
		{"some acked", []send{{gz, 1 * time.Second}, {hz, 2 * time.Second}, {gz, 3 * time.Second}, {gz, 4 * time.Second}},
			[]ack{{gz, 3}},
			[]healthcode.BatchBacklog{
				{Region: bj},
				{Region: hz, Batches: 1, Oldest: t0.Add(2 * time.Second)},
				{Region: gz, Batches: 1, Oldest: t0.Add(4 * time.Second), LastAck: ackedAt},
			}},
		// The oldest is the first waiting by seq, though another was
		// received earlier (its post's clock read first, its seq later).
		{"the oldest by seq", []send{{gz, 5 * time.Second}, {gz, 4 * time.Second}}, nil,
			[]healthcode.BatchBacklog{
				{Region: bj}, {Region: hz},
				{Region: gz, Batches: 2, Oldest: t0.Add(5 * time.Second)},
			}},
		{"all acked", []send{{gz, 1 * time.Second}, {hz, 2 * time.Second}}, []ack{{gz, 1}, {hz, 2}},
			[]healthcode.BatchBacklog{
				{Region: bj},
				{Region: hz, LastAck: ackedAt},
				{Region: gz, LastAck: ackedAt},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := batchDB(t)
			// Registered with none sent to it, ever.
			if err := db.CreateRegion(ctx, hubRegion(bj), nil); err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.sends {
				from := hz
				if s.to == hz {
					from = gz
				}
				b := hubBatch(batchID(i+1), from, s.to, fmt.Sprint("body ", i))
				b.ReceivedAt = t0.Add(s.at)
				if _, _, err := db.AddBatch(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			for _, a := range tt.acks {
				if _, err := db.AckBatches(ctx, a.region, a.through, ackedAt); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.BatchBacklogs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("BatchBacklogs = %+v, want %+v", got, tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Region != w.Region || g.Batches != w.Batches || !g.Oldest.Equal(us(w.Oldest)) || !g.LastAck.Equal(us(w.LastAck)) {
					t.Errorf("backlog %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// The backlogs read only waiting rows: both subqueries bound the index
// hub_batches_to by the region and by seq past its ack, so the acked rows
// (kept for ever, the bulk of the table) are never scanned. PostgreSQL
// plans a tiny test table by sequential scan, so there the test asks
// whether the index can take both bounds, with sequential scans off.
func TestBatchBacklogsPlan(t *testing.T) {
	db := batchDB(t)
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	explain, want := "EXPLAIN QUERY PLAN ", "hub_batches_to (to_region=? AND seq>?)"
	if db.Backend() == "postgres" {
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
		explain, want = "EXPLAIN ", "Index Cond: ((to_region = r.id) AND (seq > COALESCE(a.through, '0'::bigint)))"
	}
	rows, err := tx.QueryContext(ctx, explain+sqlstore.BatchBacklogsQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		// SQLite's plan has four columns, the last the step; PostgreSQL's one.
		vals := make([]any, len(cols))
		var line string
		for i := range vals {
			vals[i] = new(any)
		}
		vals[len(vals)-1] = &line
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if n := strings.Count(text, want); n != 2 {
		t.Fatalf("%d subqueries bound the index by region and seq, want 2:\n%s", n, text)
	}
	if strings.Contains(text, "SCAN b ") || strings.Contains(text, "Seq Scan on hub_batches") {
		t.Fatalf("a subquery scans hub_batches:\n%s", text)
	}
}
