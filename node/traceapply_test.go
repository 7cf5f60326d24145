package node_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// TestTraceApplyQueuesVisitors: applying a trace stores the contacts of
// this region's people and queues the visitors' for their home regions,
// named by the subject of their code, each once however often it is
// applied.
func TestTraceApplyQueuesVisitors(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	local, _ := e.person(t, 1)
	at := e.clock.Now().Add(-2 * time.Hour).Truncate(time.Second)
	visitor := func(region string, b byte) healthcode.VisitPerson {
		s := make([]byte, 16)
		s[0] = b
		return healthcode.VisitPerson{Region: region, Subject: s}
	}
	gz, bj, unknown := visitor("CN-440100", 1), visitor("CN-110100", 2), visitor(region, 3)
	exposure := func(p healthcode.VisitPerson, degree string) healthcode.Exposure {
		return healthcode.Exposure{VisitPerson: p, Degree: degree, VenueID: region + "/V000001", From: at, To: at.Add(time.Hour), ExposedAt: at}
	}
	localPerson := healthcode.VisitPerson{Region: region, Subject: []byte("local"), PersonID: local}
	tr := &healthcode.Trace{State: healthcode.JobDone, Cases: []healthcode.TraceCase{}, Visits: []healthcode.Visit{},
		Exposures: []healthcode.Exposure{
			exposure(localPerson, healthcode.DegreeClose),
			exposure(gz, healthcode.DegreeClose),
			exposure(bj, healthcode.DegreeCompanion),
			exposure(unknown, healthcode.DegreeClose), // this region's, but nobody known here: skipped
		}, CreatedAt: e.clock.Now(), FinishedAt: e.clock.Now()}
	if err := e.db.CreateTrace(ctx, tr); err != nil {
		t.Fatal(err)
	}
	tracer := e.tracer()
	sum, err := tracer.ApplyTrace(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 1 || sum.Forwarded != 2 || sum.Duplicate != 0 || sum.Rejected != 0 {
		t.Fatalf("apply = %+v, want 1 stored and 2 queued", sum)
	}
	recs, err := e.db.UnpackedOutbox(ctx, "CN-440100", 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("queued for CN-440100: %+v, %v", recs, err)
	}
	sub := hex.EncodeToString(gz.Subject)
	id := region + "/trace-" + strconv.FormatInt(tr.ID, 10) + "-CN-440100-" + sub
	if recs[0].ID != id || recs[0].Kind != healthcode.KindContacts {
		t.Errorf("queued %s %s, want contacts %s", recs[0].Kind, recs[0].ID, id)
	}
	var row map[string]string
	if err := json.Unmarshal(recs[0].Row, &row); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"record_kind": "contacts", "id": id, "subject": sub, "degree": "close",
		"case_id": region + "/trace-" + strconv.FormatInt(tr.ID, 10), "last_exposure": at.UTC().Format(time.RFC3339)}
	if !reflect.DeepEqual(row, want) {
		t.Errorf("row = %v\nwant %v", row, want)
	}
	if regions, err := e.db.OutboxRegions(ctx); err != nil || len(regions) != 2 {
		t.Errorf("regions %v, %v", regions, err)
	}

	e.clock.Add(time.Minute)
	again, err := tracer.ApplyTrace(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Accepted != 0 || again.Forwarded != 0 || again.Duplicate != 3 {
		t.Errorf("second apply = %+v, want 3 duplicates", again)
	}
	if n, err := e.db.OutboxUnsent(ctx); err != nil || n != 2 {
		t.Errorf("outbox holds %d (%v), want 2", n, err)
	}
}
