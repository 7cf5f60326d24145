package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/node"
)

// idOf is the document number checkpointEnv.person gives person i.
func idOf(i int) string {
	base := fmt.Sprintf("33010619900101%03d", i%1000)
	return base + string(idnum.CheckCharacter(base))
}

// mustOrg creates an organisation of kind with the given test window (0:
// the default).
func mustOrg(t testing.TB, db healthcode.OrgStore, kind, name string, window time.Duration) *healthcode.Org {
	t.Helper()
	o := &healthcode.Org{Kind: kind, Name: name, Division: "330106", TestWindow: window}
	if err := db.CreateOrg(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

// enrol puts persons (by checkpointEnv.person's numbers) on o's roster in unit.
func enrol(t testing.TB, db healthcode.OrgStore, o *healthcode.Org, unit string, persons ...int) {
	t.Helper()
	ms := make([]*healthcode.OrgMember, len(persons))
	for i, p := range persons {
		ms[i] = &healthcode.OrgMember{Unit: unit, IDType: string(healthcode.IDResident), IDNumber: idOf(p), Name: fmt.Sprintf("员工%d", p)}
	}
	if _, _, err := db.AddOrgMembers(context.Background(), o.ID, ms); err != nil {
		t.Fatal(err)
	}
}

// employerVenue creates an office whose policy admits only employer's
// staff, and returns a checkpoint of it.
func (e *checkpointEnv) employerVenue(t testing.TB, employer string) (*healthcode.Venue, *healthcode.Caller) {
	t.Helper()
	p := healthcode.DefaultEntryPolicy(healthcode.VenueOffice)
	p.Employer = employer
	v, err := e.venues.Create(context.Background(), &healthcode.Venue{Name: "西溪厂办公楼", Kind: healthcode.VenueOffice,
		Division: "330106", Policy: p}, true)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.venues.CreateDevice(context.Background(), &healthcode.Caller{Role: healthcode.RoleHealth}, v.ID, "gate")
	if err != nil {
		t.Fatal(err)
	}
	return v, &healthcode.Caller{Role: healthcode.RoleCheckpoint, TokenID: tok.ID, VenueID: v.ID}
}

// TestVenuePolicyEmployerIsChecked: a policy names an organisation of this
// node that is an employer, or the venue is refused naming the field.
func TestVenuePolicyEmployerIsChecked(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	community := mustOrg(t, e.db, healthcode.OrgCommunity, "翠苑一区", 0)
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 0)
	for _, id := range []string{community.ID, "G000099", "V000001"} {
		p := healthcode.DefaultEntryPolicy(healthcode.VenueOffice)
		p.Employer = id
		_, err := e.venues.Create(ctx, &healthcode.Venue{Name: "楼", Kind: healthcode.VenueOffice, Division: "330106", Policy: p}, true)
		if healthcode.ErrorFields(err)["policy.employer"] == "" {
			t.Errorf("employer %s: %v, want an error naming policy.employer", id, err)
		}
	}
	v, _ := e.employerVenue(t, employer.ID)
	// An update is checked the same way.
	v.Policy.Employer = community.ID
	_, err := e.venues.Update(ctx, &healthcode.Caller{Role: healthcode.RoleHealth}, v)
	if healthcode.ErrorFields(err)["policy.employer"] == "" {
		t.Errorf("update to a community: %v, want an error naming policy.employer", err)
	}
}

// TestScanAtEmployerVenue: a venue whose policy names an employer admits
// its staff and turns everyone else away (not_employed), on the node that
// issued the code and on another of the region alike; anyone may leave.
func TestScanAtEmployerVenue(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 0)
	other := mustOrg(t, e.db, healthcode.OrgEmployer, "东站厂", 0)
	_, staffCode := e.person(t, 1)
	_, outsiderCode := e.person(t, 2)
	enrol(t, e.db, employer, "车间一", 1)
	enrol(t, e.db, other, "车间一", 2)
	_, cp := e.employerVenue(t, employer.ID)

	res, err := e.scans.Scan(ctx, cp, staffCode, "in")
	wantVerdict(t, res, err, "pass")
	res, err = e.otherNode().Scan(ctx, cp, staffCode, "in")
	wantVerdict(t, res, err, "pass")
	res, err = e.scans.Scan(ctx, cp, outsiderCode, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyNotEmployed)
	res, err = e.scans.Scan(ctx, cp, outsiderCode, "out")
	wantVerdict(t, res, err, "pass")

	// Other venues do not ask.
	_, mall := e.venue(t, healthcode.VenueMall, 0)
	res, err = e.scans.Scan(ctx, mall, outsiderCode, "in")
	wantVerdict(t, res, err, "pass")

	// Hired: the door knows once the cached answer is old.
	e.scans.Employees = node.NewEmployeeCache()
	res, err = e.scans.Scan(ctx, cp, outsiderCode, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyNotEmployed)
	enrol(t, e.db, employer, "车间二", 2)
	res, err = e.scans.Scan(ctx, cp, outsiderCode, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyNotEmployed)
	e.clock.Add(31 * time.Second)
	res, err = e.scans.Scan(ctx, cp, outsiderCode, "in")
	wantVerdict(t, res, err, "pass")
}

// TestCheckinAtEmployerVenue: a citizen checking in with the place code
// is judged by the same rule.
func TestCheckinAtEmployerVenue(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 0)
	staff, _ := e.person(t, 1)
	outsider, _ := e.person(t, 2)
	enrol(t, e.db, employer, "", 1)
	v, _ := e.employerVenue(t, employer.ID)
	place, err := e.venues.PlaceCode(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.scans.Checkin(ctx, staff, place, "in")
	wantVerdict(t, res, err, "pass")
	res, err = e.scans.Checkin(ctx, outsider, place, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyNotEmployed)
}

// TestVisitorAtEmployerVenue: a visitor from another region is on no
// roster here: a green code that passes a mall is turned away.
func TestVisitorAtEmployerVenue(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	employer := mustOrg(t, e.db, healthcode.OrgEmployer, "西溪厂", 0)
	_, cp := e.employerVenue(t, employer.ID)
	_, mall := e.venue(t, healthcode.VenueMall, 0)
	gz := newVisitor(t, "CN-440100", healthcode.AlgEdDSA)
	now := e.clock.Now()
	e.hub.serve(hubList(now.Add(-time.Minute), gz.region()))
	if err := e.client.FetchTrust(ctx); err != nil {
		t.Fatal(err)
	}
	code := gz.code(t, now)
	res, err := e.scans.Scan(ctx, mall, code, "in")
	wantVerdict(t, res, err, "pass")
	res, err = e.scans.Scan(ctx, cp, code, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyNotEmployed)
}
