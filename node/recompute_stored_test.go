package node_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// A status the bulk recompute reads back says what it said when saved, by
// the recompute's own comparison: stored as CBOR, or as JSON by a store of
// before.
func TestStoredStatusIsTheSame(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	now := e.clock.Now()
	// Nanoseconds and a zone, which the store drops.
	at := now.Add(-time.Hour + 123456789).In(time.FixedZone("CST", 8*3600))
	for name, s := range map[string]*healthcode.Status{
		"full": {Colour: healthcode.Yellow, ActionRequired: true,
			Reasons: []healthcode.Reason{{Code: "declared_fever", Colour: healthcode.Yellow, Action: true, TextZH: "申报发热", TextEN: "declared a fever", Since: at, Detail: "d"}},
			Since:   at, ReevaluateAt: at, LatestTest: &healthcode.TestSummary{SampledAt: at, Result: healthcode.Positive},
			Doses: 2, PolicyVersion: "CN-default-1", EvaluatedAt: at, Declared: true},
		"zero times, nil reasons and test": {ReevaluateAt: at},
		"empty reasons":                    {Reasons: []healthcode.Reason{}, ReevaluateAt: at},
		"zero reason time":                 {Reasons: []healthcode.Reason{{Code: "c"}}, ReevaluateAt: at},
	} {
		for _, as := range []string{"cbor", "json"} {
			if err := e.db.SaveStatus(ctx, id, s); err != nil {
				t.Fatal(err)
			}
			if as == "json" {
				// As the old store left it: TEXT on SQLite, the same bytes
				// in BYTEA on PostgreSQL after migration 0010.
				js, _ := json.Marshal(s)
				var old any = js
				if e.db.Backend() == "sqlite" {
					old = string(js)
				}
				if _, err := e.db.SQL().ExecContext(ctx, `UPDATE statuses SET status = $1 WHERE person_id = $2`, old, id); err != nil {
					t.Fatal(err)
				}
			}
			var prev *healthcode.Status
			n, err := e.db.RecomputeDue(ctx, now, 10, func(c *healthcode.DueChunk) ([]*healthcode.Status, []bool, error) {
				prev = c.Statuses[0].Prev
				return []*healthcode.Status{s}, []bool{true}, nil
			})
			if err != nil || n != 1 {
				t.Fatalf("%s as %s: RecomputeDue = %d, %v", name, as, n, err)
			}
			if !node.SameStatus(prev, s) {
				t.Errorf("%s as %s: read back\n%+v\nsaved\n%+v", name, as, prev, s)
			}
		}
	}
}
