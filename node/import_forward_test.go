package node_test

import (
	"context"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/prometheus/client_golang/prometheus"
)

// TestImportForwardsOtherRegions: a positive test of a person whose code
// another region issues is queued for that region, not stored here: the
// citizen of this region with the same document keeps a green code, and
// no recompute starts. The counts reach the summary and the metrics.
func TestImportForwardsOtherRegions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	started := &startedRecomputes{}
	s := e.importing(started)
	s.Region = region
	reg := prometheus.NewRegistry()
	s.Metrics = node.NewImportMetrics(reg)
	sum := mustImport(t, s, healthcode.KindTests, "id,id_number,sampled_at,result,home_region\n"+
		"lab-1,"+ownID+",2026-11-20T08:00:00+08:00,positive,CN-440100\n"+
		"lab-2,"+ownID+",2026-11-20T08:00:00+08:00,positive,CN-44\n")
	if sum.Forwarded != 1 || sum.Accepted != 0 || sum.Rejected != 1 || sum.JobID != 0 || len(started.reasons) != 0 {
		t.Fatalf("summary %+v, recomputes %v", sum, started.reasons)
	}
	if e := sum.Errors[0]; e.Line != 3 || e.Field != "home_region" {
		t.Errorf("reject %+v", e)
	}
	if st, err := e.citizens.Status(ctx, id); err != nil || st.Colour != healthcode.Green {
		t.Errorf("the local citizen is %v (%v), want green", st, err)
	}
	recs, err := e.db.UnpackedOutbox(ctx, "CN-440100", 10)
	if err != nil || len(recs) != 1 || recs[0].ID != region+"/lab-1" || !strings.Contains(string(recs[0].Row), `"id_number":"`+ownID+`"`) {
		t.Fatalf("outbox %+v, %v", recs, err)
	}
	if n := labelled(t, reg, "healthcode_import_rows_total", "outcome", "forwarded"); n != 1 {
		t.Errorf("forwarded rows counted %v", n)
	}

	// A service that does not know its region cannot route the row.
	s.Region = ""
	sum = mustImport(t, s, healthcode.KindTests, "id,id_number,sampled_at,result,home_region\n"+
		"lab-3,"+ownID+",2026-11-20T08:00:00+08:00,positive,CN-440100\n")
	if sum.Rejected != 1 || sum.Forwarded != 0 || sum.Errors[0].Field != "home_region" {
		t.Errorf("without a region: %+v", sum)
	}
}

// labelled sums the counters of name in reg whose label is value.
func labelled(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}
