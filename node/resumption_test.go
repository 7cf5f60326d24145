package node_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/prometheus/client_golang/prometheus"
)

type resumptionEnv struct {
	*checkpointEnv
	svc   *node.ResumptionService
	audit *node.Audit
	reg   *prometheus.Registry
}

func newResumptionEnv(t *testing.T) *resumptionEnv {
	t.Helper()
	e := newCheckpointEnv(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	audit := &node.Audit{Store: e.db, Now: e.clock.Now, Logger: logger}
	reg := prometheus.NewRegistry()
	svc := &node.ResumptionService{Store: e.db, Region: region, Now: e.clock.Now, Audit: audit, Logger: logger,
		Metrics: node.NewResumptionMetrics(reg)}
	return &resumptionEnv{checkpointEnv: e, svc: svc, audit: audit, reg: reg}
}

// tested records a negative test of each person sampled ago and evaluates
// their status.
func (e *resumptionEnv) tested(t *testing.T, ago time.Duration, persons map[int]int64) {
	t.Helper()
	ctx := context.Background()
	var b healthcode.RecordBatch
	for i := range persons {
		b.Tests = append(b.Tests, healthcode.Test{PersonKey: e.db.Box().PersonKey(idOf(i)), SampledAt: e.clock.Now().Add(-ago),
			ReportedAt: e.clock.Now(), Result: healthcode.Negative, Method: healthcode.MethodPCR})
	}
	if err := e.db.AddRecords(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for _, id := range persons {
		if _, err := e.citizens.Evaluate(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

func orgCaller(o *healthcode.Org, unit string) *healthcode.Caller {
	return &healthcode.Caller{Role: healthcode.RoleOrg, TokenID: 7, Name: "manager of " + o.ID, OrgID: o.ID, OrgUnit: unit}
}

var healthCaller = &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 8, Name: "cdc"}

// TestResumptionApprovedWhenEnoughReady: an employer of ten applies with
// nobody tested (pending); with eight ready of ten the default threshold
// (0.9) is not reached, whoever reads; the health authority lowers it to
// 0.8 and the scheduler's sweep approves the application by itself.
func TestResumptionApprovedWhenEnoughReady(t *testing.T) {
	e := newResumptionEnv(t)
	ctx := context.Background()
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 0)
	persons := map[int]int64{}
	for i := 1; i <= 9; i++ {
		persons[i], _ = e.person(t, i)
	}
	enrol(t, e.db, employer, "车间一", 1, 2, 3, 4, 5)
	enrol(t, e.db, employer, "车间二", 6, 7, 8, 9, 10) // 10 never registered

	r, created, err := e.svc.Apply(ctx, orgCaller(employer, ""), employer.ID)
	if err != nil || !created || r.Application.State != healthcode.ResumptionPending || r.Members != 10 || r.Ready != 0 || r.Threshold != 0.9 {
		t.Fatalf("apply: %+v %v %v", r, created, err)
	}
	ready := map[int]int64{}
	for i := 1; i <= 8; i++ {
		ready[i] = persons[i]
	}
	e.tested(t, 2*time.Hour, ready)
	e.tested(t, 72*time.Hour, map[int]int64{9: persons[9]}) // outside the 48-hour window

	r, err = e.svc.Report(ctx, orgCaller(employer, ""), employer.ID, "复工核查")
	if err != nil {
		t.Fatal(err)
	}
	if r.Application.State != healthcode.ResumptionPending || r.Ready != 8 || r.Members != 10 || len(r.People) != 10 {
		t.Fatalf("8 of 10 ready: %+v", r)
	}
	why := map[string]string{}
	for _, m := range r.People {
		if m.MayReturn != (m.Why == "") {
			t.Errorf("member %+v: may_return and why disagree", m)
		}
		why[m.Name] = m.Why
		if !strings.Contains(m.Name, "*") {
			t.Errorf("name %q not masked", m.Name)
		}
	}
	if why["员*9"] != healthcode.NotReadyNotTested || why["员*0"] != healthcode.NotReadyNoCode || why["员*1"] != "" {
		t.Errorf("why = %v", why)
	}
	if n, _ := e.svc.Sweep(ctx); n != 0 {
		t.Fatalf("sweep approved %d at 0.8 < 0.9", n)
	}

	if _, err := e.svc.SetThreshold(ctx, healthCaller, 0.8); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep at threshold 0.8: approved %d, %v", n, err)
	}
	a, err := e.db.FindResumption(ctx, employer.ID)
	if err != nil || a.State != healthcode.ResumptionApproved || a.ApprovedShare != 0.8 || !a.ApprovedAt.Equal(e.clock.Now()) {
		t.Fatalf("after the sweep: %+v %v", a, err)
	}
	if got := metric(t, e.reg, "healthcode_resumption_evaluations_total", "approved"); got != 1 {
		t.Errorf("approvals counted %v, want 1", got)
	}
	list, err := e.svc.Applications(ctx, healthCaller, healthcode.ResumptionApproved)
	if err != nil || len(list) != 1 || list[0].OrgID != employer.ID || list[0].OrgName != "西溪厂" {
		t.Fatalf("approved applications: %+v %v", list, err)
	}

	// The report was a read of every registered member, in their access log.
	log, err := e.audit.AccessLog(ctx, persons[1], 0, 10)
	if err != nil || len(log) != 1 || log[0].What != "resumption report of "+employer.ID || log[0].Purpose != "复工核查" {
		t.Fatalf("access log of member 1: %+v %v", log, err)
	}
}

// TestResumptionApprovedOnApply: staff all ready before the employer
// applies: approved in the answer to the application.
func TestResumptionApprovedOnApply(t *testing.T) {
	e := newResumptionEnv(t)
	ctx := context.Background()
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 24*time.Hour)
	id, _ := e.person(t, 1)
	enrol(t, e.db, employer, "", 1)
	e.tested(t, 30*time.Hour, map[int]int64{1: id}) // outside this employer's 24 hours
	r, _, err := e.svc.Apply(ctx, orgCaller(employer, ""), employer.ID)
	if err != nil || r.Application.State != healthcode.ResumptionPending || r.Ready != 0 {
		t.Fatalf("tested 30 h ago, window 24 h: %+v %v", r, err)
	}
	e.tested(t, time.Hour, map[int]int64{1: id})
	r, created, err := e.svc.Apply(ctx, orgCaller(employer, ""), employer.ID)
	if err != nil || created || r.Application.State != healthcode.ResumptionApproved || r.Ready != 1 {
		t.Fatalf("applied again, all ready: %+v %v %v", r, created, err)
	}
}

// TestResumptionRoles: an org token acts for its own organisation only;
// only an employer applies, by a manager of the whole of it; a citizen
// is refused; threshold and listing are the health authority's.
func TestResumptionRoles(t *testing.T) {
	e := newResumptionEnv(t)
	ctx := context.Background()
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 0)
	other := mustOrg(t, e.db, healthcode.OrgEmployer, "东站厂", 0)
	community := mustOrg(t, e.db, healthcode.OrgCommunity, "翠苑一区", 0)
	citizen := &healthcode.Caller{Role: healthcode.RoleCitizen, PersonID: 1}

	_, _, err := e.svc.Apply(ctx, orgCaller(other, ""), employer.ID)
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, err = e.svc.Report(ctx, orgCaller(other, ""), employer.ID, "查看")
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, _, err = e.svc.Apply(ctx, citizen, employer.ID)
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, _, err = e.svc.Apply(ctx, orgCaller(employer, "车间一"), employer.ID)
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, _, err = e.svc.Apply(ctx, orgCaller(community, ""), community.ID)
	wantCode(t, err, healthcode.EINVALID)
	if !strings.Contains(healthcode.ErrorMessage(err), "community") {
		t.Errorf("refusal %q does not name the kind", healthcode.ErrorMessage(err))
	}
	_, err = e.svc.Report(ctx, orgCaller(employer, ""), employer.ID, "")
	if healthcode.ErrorFields(err)["purpose"] == "" {
		t.Errorf("a report without a purpose: %v", err)
	}
	_, _, err = e.svc.Apply(ctx, healthCaller, employer.ID)
	if err != nil {
		t.Fatalf("health staff apply for an employer: %v", err)
	}

	_, err = e.svc.SetThreshold(ctx, orgCaller(employer, ""), 0.1)
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, err = e.svc.Threshold(ctx, orgCaller(employer, ""))
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, err = e.svc.Applications(ctx, orgCaller(employer, ""), "")
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, err = e.svc.Applications(ctx, healthCaller, "approvedish")
	if healthcode.ErrorFields(err)["state"] == "" {
		t.Errorf("a bad state: %v", err)
	}
	for _, share := range []float64{0, -0.5, 1.01} {
		_, err = e.svc.SetThreshold(ctx, healthCaller, share)
		if healthcode.ErrorFields(err)["share"] == "" {
			t.Errorf("share %v: %v", share, err)
		}
	}
}

// TestReturnees: a member back from Beijing 3 days ago (a travel record)
// and one back from Wuhan 5 days ago (declared) are listed, with 11 and 9
// days remaining and the city only; a stay inside the region, one of
// 20 days ago and another community's member are not. A unit's token sees
// its unit; the read is in the registered returnee's access log.
func TestReturnees(t *testing.T) {
	e := newResumptionEnv(t)
	ctx := context.Background()
	day := 24 * time.Hour
	c := mustOrg(t, e.db, healthcode.OrgCommunity, "翠苑一区", 0)
	other := mustOrg(t, e.db, healthcode.OrgCommunity, "翠苑二区", 0)
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 0)
	enrol(t, e.db, c, "1幢", 1, 3)
	enrol(t, e.db, c, "2幢", 2)
	enrol(t, e.db, other, "9幢", 4)
	declarer, _ := e.person(t, 2)
	now := e.clock.Now()
	if _, _, err := e.citizens.Declare(ctx, declarer, &healthcode.Declaration{CaseContact: "no",
		Places: []healthcode.Stay{{Division: "420102", From: now.Add(-8 * day), To: now.Add(-5 * day)}}}); err != nil {
		t.Fatal(err)
	}
	key := func(i int) []byte { return e.db.Box().PersonKey(idOf(i)) }
	if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{Travel: []healthcode.Travel{
		{PersonKey: key(1), Division: "110105", From: now.Add(-6 * day), To: now.Add(-3 * day)},
		{PersonKey: key(1), Division: "330106", From: now.Add(-2 * day), To: now.Add(-day)},
		{PersonKey: key(3), Division: "110105", From: now.Add(-25 * day), To: now.Add(-20 * day)},
		{PersonKey: key(4), Division: "110105", From: now.Add(-6 * day), To: now.Add(-3 * day)},
	}}); err != nil {
		t.Fatal(err)
	}

	list, err := e.svc.Returnees(ctx, orgCaller(c, ""), c.ID, "返乡人员管理")
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Returnees) != 2 {
		t.Fatalf("returnees %+v, want 2", list.Returnees)
	}
	first, second := list.Returnees[0], list.Returnees[1]
	if first.Name != "员*1" || first.Unit != "1幢" || first.DaysRemaining != 11 || first.From != "110100" || !first.ReturnedAt.Equal(now.Add(-3*day)) {
		t.Errorf("first: %+v, want 员*1 of 1幢 from 110100, 11 days remaining", first)
	}
	if second.Name != "员*2" || second.Unit != "2幢" || second.DaysRemaining != 9 || second.From != "420100" || second.PersonID != declarer {
		t.Errorf("second: %+v, want 员*2 of 2幢 from 420100, 9 days remaining", second)
	}

	unit, err := e.svc.Returnees(ctx, orgCaller(c, "2幢"), c.ID, "返乡人员管理")
	if err != nil || len(unit.Returnees) != 1 || unit.Returnees[0].Unit != "2幢" {
		t.Fatalf("unit 2幢: %+v %v", unit, err)
	}
	log, err := e.audit.AccessLog(ctx, declarer, 0, 10)
	if err != nil || len(log) != 2 || log[0].What != "returnees of "+c.ID {
		t.Fatalf("access log of the returnee: %+v %v", log, err)
	}

	// 11 days on, the Beijing stay is 14 days old: off the list.
	e.clock.Add(11 * day)
	list, err = e.svc.Returnees(ctx, healthCaller, c.ID, "返乡人员管理")
	if err != nil || len(list.Returnees) != 0 {
		t.Fatalf("after 14 days: %+v %v", list.Returnees, err)
	}

	_, err = e.svc.Returnees(ctx, orgCaller(other, ""), c.ID, "x")
	wantCode(t, err, healthcode.EFORBIDDEN)
	_, err = e.svc.Returnees(ctx, orgCaller(employer, ""), employer.ID, "x")
	wantCode(t, err, healthcode.EINVALID)
	_, err = e.svc.Returnees(ctx, &healthcode.Caller{Role: healthcode.RoleCitizen, PersonID: declarer}, c.ID, "")
	wantCode(t, err, healthcode.EFORBIDDEN)
}
