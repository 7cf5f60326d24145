package node_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// importing is an ImportService over e's store; rec may be nil.
func (e *env) importing(rec healthcode.Recomputer) *node.ImportService {
	return &node.ImportService{Store: e.db, PersonKey: e.db.Box().PersonKey, Recomputer: rec, Now: e.clock.Now}
}

// startedRecomputes is a Recomputer that only counts what it was asked.
type startedRecomputes struct {
	mu      sync.Mutex
	reasons []string
}

func (s *startedRecomputes) Recompute(_ context.Context, reason string) (*healthcode.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reasons = append(s.reasons, reason)
	return &healthcode.Job{ID: int64(len(s.reasons)), Reason: reason, State: healthcode.JobQueued}, nil
}

func (s *startedRecomputes) Job(context.Context, int64) (*healthcode.Job, error) {
	return nil, healthcode.Errorf(healthcode.ENOTFOUND, "no job")
}

const (
	ownID        = "11010519491231002X" // validProfile's
	testsColumns = "id,id_number,sampled_at,reported_at,result\n"
)

func positiveTestFile(id string) string {
	return testsColumns + "lab-1," + id + ",2026-11-20T08:00:00+08:00,2026-11-20T12:00:00+08:00,positive\n"
}

func mustImport(t *testing.T, s *node.ImportService, kind, data string) *healthcode.ImportSummary {
	t.Helper()
	sum, err := s.Import(context.Background(), kind, healthcode.FormatCSV, strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// waitJob waits for a recompute job to finish.
func waitJob(t *testing.T, r healthcode.Recomputer, id int64) *healthcode.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		j, err := r.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == healthcode.JobDone || j.State == healthcode.JobFailed {
			return j
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %d did not finish", id)
	return nil
}

func TestImportPositiveTestTurnsStatusAndCodeRed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	if st, _ := e.citizens.Status(ctx, id); st.Colour != healthcode.Green {
		t.Fatalf("colour before = %v", st.Colour)
	}
	rec := e.recompute()
	sum := mustImport(t, e.importing(rec), healthcode.KindTests, positiveTestFile(ownID))
	if sum.Accepted != 1 || sum.Pending != 0 || sum.JobID == 0 {
		t.Fatalf("summary = %+v, want 1 accepted and a job", sum)
	}
	if j := waitJob(t, rec, sum.JobID); j.State != healthcode.JobDone || j.Changed != 1 {
		t.Errorf("job = %+v, want done with one status changed", j)
	}
	if st := e.colour(t, id); st != healthcode.Red {
		t.Errorf("stored colour after the recompute = %v, want red", st)
	}
	st, err := e.citizens.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Colour != healthcode.Red || !hasReason(st, "positive_test") {
		t.Errorf("status = %v %+v, want red for positive_test", st.Colour, st.Reasons)
	}
	code, err := e.citizens.Code(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v := e.verify(t, code.Code, e.clock.Now()); !v.Valid || v.Colour != "red" {
		t.Errorf("next code verifies as %+v, want valid and red", v)
	}
}

// Before any recompute has run, the status is due: reading it shows red.
func TestImportedRecordShowsOnReadBeforeTheRecompute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	started := &startedRecomputes{}
	sum := mustImport(t, e.importing(started), healthcode.KindTests, positiveTestFile(ownID))
	if sum.JobID != 1 || len(started.reasons) != 1 || started.reasons[0] != "import tests" {
		t.Fatalf("summary %+v, recomputes %v: want one started for the import", sum, started.reasons)
	}
	st, err := e.citizens.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Colour != healthcode.Red || !hasReason(st, "positive_test") {
		t.Errorf("status read right after the import = %v %+v, want red for positive_test", st.Colour, st.Reasons)
	}
}

func TestImportSameFileTwiceChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.readyCitizen(t)
	started := &startedRecomputes{}
	s := e.importing(started)
	file := positiveTestFile(ownID) + "lab-2,110105194912310062,2026-11-19,,negative\n"
	mustImport(t, s, healthcode.KindTests, file)
	e.clock.Add(time.Hour)
	sum := mustImport(t, s, healthcode.KindTests, file)
	if sum.Duplicate != 2 || sum.Accepted+sum.Corrected+sum.Rejected+sum.Pending != 0 || sum.JobID != 0 {
		t.Errorf("second import = %+v, want 2 duplicates and no job", sum)
	}
	if len(started.reasons) != 1 {
		t.Errorf("recomputes started: %v, want only the first import's", started.reasons)
	}
}

func TestImportLandsGoodRowsAndNamesBadOnes(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString(testsColumns)
	for i := 0; i < 100; i++ {
		switch {
		case i == 17:
			fmt.Fprintf(&b, "r%d,%s,2026-11-19,,maybe\n", i, ownID) // unknown result
		case i == 50:
			fmt.Fprintf(&b, "r%d,110105194912310021,2026-11-19,,negative\n", i) // check character
		case i == 88:
			fmt.Fprintf(&b, "r%d,%s,2026-11-21,,negative\n", i, ownID) // in the future
		default:
			fmt.Fprintf(&b, "r%d,%s,2026-11-19,,negative\n", i, ownID)
		}
	}
	sum := mustImport(t, e.importing(nil), healthcode.KindTests, b.String())
	if sum.Accepted != 97 || sum.Rejected != 3 || len(sum.Errors) != 3 {
		t.Fatalf("summary = %+v, want 97 accepted, 3 rejected", sum)
	}
	want := []healthcode.RowError{
		{Line: 19, ID: "r17", Field: "result", Reason: "must be negative or positive"},
		{Line: 52, ID: "r50", Field: "id_number", Reason: "check character does not match"},
		{Line: 90, ID: "r88", Field: "sampled_at", Reason: "is in the future"},
	}
	for i, w := range want {
		if sum.Errors[i] != w {
			t.Errorf("error %d = %+v, want %+v", i, sum.Errors[i], w)
		}
	}
}

func TestImportedTestAppliesWhenThePersonRegisters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sum := mustImport(t, e.importing(&startedRecomputes{}), healthcode.KindTests, positiveTestFile(ownID))
	if sum.Accepted != 1 || sum.Pending != 1 {
		t.Fatalf("summary = %+v, want 1 accepted, pending", sum)
	}
	id := e.readyCitizen(t) // registers with the same document number
	st, err := e.citizens.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Colour != healthcode.Red || !hasReason(st, "positive_test") {
		t.Errorf("status at registration = %v %+v, want red for positive_test", st.Colour, st.Reasons)
	}
}

func TestImportCorrectionReplacesAndIsReported(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.readyCitizen(t)
	rec := e.recompute()
	s := e.importing(rec)
	sum := mustImport(t, s, healthcode.KindTests, positiveTestFile(ownID))
	waitJob(t, rec, sum.JobID)
	e.clock.Add(time.Hour)
	sum = mustImport(t, s, healthcode.KindTests, testsColumns+"lab-1,"+ownID+",2026-11-20T08:00:00+08:00,2026-11-20T16:30:00+08:00,negative\n")
	if sum.Corrected != 1 || len(sum.Corrections) != 1 || sum.Corrections[0].Line != 2 || sum.Corrections[0].ID != "lab-1" {
		t.Fatalf("summary = %+v, want the correction of lab-1 on line 2", sum)
	}
	waitJob(t, rec, sum.JobID)
	st, err := e.citizens.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Colour != healthcode.Green || hasReason(st, "positive_test") {
		t.Errorf("status after the correction = %v %+v, want green", st.Colour, st.Reasons)
	}
}

func TestImportRefusesMalformedFile(t *testing.T) {
	e := newEnv(t)
	started := &startedRecomputes{}
	_, err := e.importing(started).Import(context.Background(), healthcode.KindTests, healthcode.FormatCSV,
		strings.NewReader(positiveTestFile(ownID)+"lab-2,"+ownID+",\"2026-11-19"))
	wantCode(t, err, healthcode.EINVALID)
	if !strings.HasPrefix(healthcode.ErrorMessage(err), "line 3: ") || len(started.reasons) != 0 {
		t.Errorf("err = %v, recomputes %v", err, started.reasons)
	}
}
