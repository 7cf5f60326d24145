package node_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/node"
)

// checkpointEnv is a node's venue and checkpoint services over env.
type checkpointEnv struct {
	*env
	venues *node.VenueService
	scans  *node.ScanService
	issued *node.IssuedCodes
}

func newCheckpointEnv(t testing.TB) *checkpointEnv {
	t.Helper()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	issued := node.NewIssuedCodes(1000)
	e.citizens.Issued = issued
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	audit := &node.Audit{Store: e.db, Now: e.clock.Now, Logger: logger}
	venues := &node.VenueService{Store: e.db, Keys: e.keys, Region: region, Now: e.clock.Now, Audit: audit}
	scans := &node.ScanService{Store: e.db, Venues: venues, Citizens: e.citizens, Trust: e.trust, Issued: issued,
		Log: node.NewScanLog(ctx, e.db, e.clock.Now, 2), Holders: node.NewHolderReader(ctx, e.db, e.clock.Now, 2), Region: region, Now: e.clock.Now, Audit: audit, Logger: logger}
	return &checkpointEnv{env: e, venues: venues, scans: scans, issued: issued}
}

// otherNode is a second node over the same store: same keys, no memory
// of the codes the first one issued.
func (e *checkpointEnv) otherNode() *node.ScanService {
	other := *e.scans
	other.Issued = nil
	return &other
}

// venue creates a venue of kind with capacity and returns a checkpoint of it.
func (e *checkpointEnv) venue(t testing.TB, kind string, capacity int) (*healthcode.Venue, *healthcode.Caller) {
	t.Helper()
	v, err := e.venues.Create(context.Background(), &healthcode.Venue{Name: "场所 " + kind, Kind: kind, Division: "330106", Capacity: capacity}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.venues.CreateDevice(context.Background(), &healthcode.Caller{Role: healthcode.RoleHealth}, v.ID, "gate")
	if err != nil {
		t.Fatal(err)
	}
	return v, &healthcode.Caller{Role: healthcode.RoleCheckpoint, TokenID: tok.ID, VenueID: v.ID}
}

// person registers person i (profile, declaration) without the sign-in
// limits and returns its id and a fresh code.
func (e *checkpointEnv) person(t testing.TB, i int) (int64, string) {
	t.Helper()
	ctx := context.Background()
	subject := make([]byte, 16)
	rand.Read(subject)
	p, err := e.db.FindOrCreatePerson(ctx, fmt.Sprintf("139%08d", i), subject, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("33010619900101%03d", i%1000)
	if _, err := e.citizens.SaveProfile(ctx, p.ID, &healthcode.Profile{Name: "测试", IDType: healthcode.IDResident,
		IDNumber: base + string(idnum.CheckCharacter(base))}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.citizens.Declare(ctx, p.ID, &healthcode.Declaration{CaseContact: "no"}); err != nil {
		t.Fatal(err)
	}
	code, err := e.citizens.Code(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, code.Code
}

func wantVerdict(t *testing.T, res *healthcode.ScanResult, err error, verdict string, reasons ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if res.Scan.Verdict != verdict || !slices.Equal(res.Scan.Reasons, reasons) {
		t.Fatalf("scan = %s %v, want %s %v", res.Scan.Verdict, res.Scan.Reasons, verdict, reasons)
	}
	if res.Scan.ID == 0 {
		t.Fatal("the scan was not logged")
	}
}

// TestScanRefusesStaleScreenshots: a code 10 minutes past its expiry is
// refused, on the node that issued it (from memory) and on another node of
// the region (by verification) alike.
func TestScanRefusesStaleScreenshots(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	_, code := e.person(t, 1)
	res, err := e.scans.Scan(ctx, cp, code, "in")
	wantVerdict(t, res, err, "pass")
	e.clock.Add(15 * time.Minute) // 5-minute code, 10 minutes past expiry
	res, err = e.scans.Scan(ctx, cp, code, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyExpired)
	res, err = e.otherNode().Scan(ctx, cp, code, "in")
	wantVerdict(t, res, err, "deny", healthcode.DenyExpired)
}

// TestScanFastPathKeepsForgeriesOut: a code altered by one character is
// not the code the node issued; it goes through the signature check and
// fails it.
func TestScanFastPathKeepsForgeriesOut(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	_, code := e.person(t, 1)
	b := []byte(code)
	i := len(b) - 10
	b[i] = map[byte]byte{'0': '1'}[b[i]] | 'A' // another base45 character
	if b[i] == code[i] {
		b[i] = 'B'
	}
	res, err := e.scans.Scan(ctx, cp, string(b), "in")
	if err != nil || res.Scan.Verdict != "deny" || len(res.Scan.Reasons) != 1 ||
		(res.Scan.Reasons[0] != healthcode.DenyForged && res.Scan.Reasons[0] != healthcode.DenyMalformed) {
		t.Fatalf("altered code: %+v, %v; want a deny as forged or malformed", res.Scan, err)
	}
}

// TestScanShowsLiveStatus: a green code shown after a positive test came in
// is judged by the live (red) status, on this node and on another.
func TestScanShowsLiveStatus(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	id, code := e.person(t, 1)
	key, err := e.db.PersonKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{Tests: []healthcode.Test{{PersonKey: key,
		SampledAt: now.Add(-2 * time.Hour), ReportedAt: now.Add(-time.Hour), Result: healthcode.Positive, Lab: "lab"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.citizens.Evaluate(ctx, id); err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*node.ScanService{"this node": e.scans, "another node": e.otherNode()} {
		res, err := svc.Scan(ctx, cp, code, "in")
		wantVerdict(t, res, err, "deny", healthcode.DenyColour)
		if res.Scan.Colour != healthcode.Red {
			t.Errorf("%s: colour %v, want red", name, res.Scan.Colour)
		}
	}
}

// TestScanOccupancyExactUnderConcurrency: people go in and out of a small
// venue from many goroutines at once through the group-committed log; the
// venue never holds more than its capacity and ends with exactly those
// whose last entry passed.
func TestScanOccupancyExactUnderConcurrency(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	const people, capacity, rounds = 16, 5, 6
	v, cp := e.venue(t, healthcode.VenueSupermarket, capacity)
	codes := make([]string, people)
	for i := range codes {
		_, codes[i] = e.person(t, i)
	}
	inside := make([]bool, people)
	var wg sync.WaitGroup
	for i := range people {
		wg.Go(func() {
			for r := range rounds {
				res, err := e.scans.Scan(ctx, cp, codes[i], "in")
				if err != nil {
					t.Error(err)
					return
				}
				inside[i] = res.Scan.Verdict == "pass"
				if r < rounds-1 || i%2 == 0 {
					if _, err := e.scans.Scan(ctx, cp, codes[i], "out"); err != nil {
						t.Error(err)
						return
					}
					inside[i] = false
				}
				if n, err := e.db.Occupancy(ctx, v.ID, e.clock.Now()); err != nil || n > capacity {
					t.Errorf("occupancy %d (err %v) above capacity %d", n, err, capacity)
				}
			}
		})
	}
	wg.Wait()
	want := 0
	for _, in := range inside {
		if in {
			want++
		}
	}
	if n, err := e.db.Occupancy(ctx, v.ID, e.clock.Now()); err != nil || n != want {
		t.Fatalf("occupancy %d (err %v), want %d", n, err, want)
	}
	if want == 0 || want > capacity {
		t.Fatalf("%d inside at the end: the test did not exercise a full venue", want)
	}
}

// TestCheckinJudgesTheCitizensOwnStatus: a citizen scanning a poster gets
// the venue, the colour and the verdict; a place code of an unknown venue
// or of another region is refused with the field named.
func TestCheckinJudgesTheCitizensOwnStatus(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	v, _ := e.venue(t, healthcode.VenueSchool, 0)
	id, _ := e.person(t, 1)
	place, err := e.venues.PlaceCode(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.scans.Checkin(ctx, id, place, "")
	// A school asks for a negative test within 48 hours: this person has none.
	wantVerdict(t, res, err, "deny", healthcode.DenyTestRequired)
	if res.Venue.ID != v.ID || res.Scan.Source != healthcode.ScanCheckin || res.Scan.PersonID != id {
		t.Fatalf("check-in = %+v", res.Scan)
	}
	_, err = e.scans.Checkin(ctx, id, "CNPC1:garbage", "in")
	wantCode(t, err, healthcode.EINVALID)
	if fe := err.(*healthcode.Error).Fields; fe["place_code"] == "" {
		t.Fatalf("error %v names no place_code field", err)
	}
}

// A citizen checks in only as they would get a code: with a profile and
// a declaration. Without either the check-in is refused, naming what is
// missing.
func TestCheckinNeedsProfileAndDeclaration(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	v, _ := e.venue(t, healthcode.VenueMall, 0)
	place, err := e.venues.PlaceCode(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.db.FindOrCreatePerson(ctx, "13900000003", make([]byte, 16), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.scans.Checkin(ctx, p.ID, place, "")
	wantCode(t, err, healthcode.ENOTFOUND)
	if !strings.Contains(err.Error(), "profile") {
		t.Errorf("check-in without a profile: %v, want it to name the profile", err)
	}
	if _, _, err := e.citizens.Declare(ctx, p.ID, &healthcode.Declaration{CaseContact: "no"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.scans.Checkin(ctx, p.ID, place, "")
	wantCode(t, err, healthcode.ENOTFOUND)
	if !strings.Contains(err.Error(), "profile") {
		t.Errorf("check-in declared, without a profile: %v, want it to name the profile", err)
	}
	base := "33010619900101003"
	if _, err := e.citizens.SaveProfile(ctx, p.ID, &healthcode.Profile{Name: "测试", IDType: healthcode.IDResident,
		IDNumber: base + string(idnum.CheckCharacter(base))}); err != nil {
		t.Fatal(err)
	}
	res, err := e.scans.Checkin(ctx, p.ID, place, "")
	wantVerdict(t, res, err, "pass")
}

// A citizen's records list the scans of their code at checkpoints and
// their check-ins, newest first, without the device; not another
// person's, nor those older than the window.
func TestRecordsListOwnScans(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	v, cp := e.venue(t, healthcode.VenueMall, 0)
	id, code := e.person(t, 1)
	_, other := e.person(t, 2)
	if _, err := e.scans.Scan(ctx, cp, code, "in"); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(node.OwnScansWindow + time.Hour) // that scan is out of the window now
	fresh, err := e.citizens.Code(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	code = fresh.Code
	if _, err := e.scans.Scan(ctx, cp, code, "in"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.scans.Scan(ctx, cp, other, "in"); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	place, err := e.venues.PlaceCode(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.scans.Checkin(ctx, id, place, healthcode.DirectionOut); err != nil {
		t.Fatal(err)
	}
	rec, err := e.citizens.Records(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Scans) != 2 {
		t.Fatalf("%d scans, want 2 (the check-in and the scan within the window)", len(rec.Scans))
	}
	checkin, scan := rec.Scans[0], rec.Scans[1]
	if checkin.Source != healthcode.ScanCheckin || checkin.Direction != healthcode.DirectionOut || scan.Source != healthcode.ScanOnline ||
		!checkin.At.After(scan.At) {
		t.Errorf("scans = %+v, %+v; want the check-in, then the checkpoint's scan", checkin, scan)
	}
	for _, sc := range rec.Scans {
		if sc.VenueID != v.ID || sc.PersonID != id || sc.DeviceID != 0 {
			t.Errorf("scan %+v: want venue %s, person %d, no device", sc, v.ID, id)
		}
	}
}

// TestBatchUploadIsIdempotent: an offline batch sent twice counts once; bad
// scans are named by line while the good ones land; a device whose clock
// is off has its scans flagged.
func TestBatchUploadIsIdempotent(t *testing.T) {
	e := newCheckpointEnv(t)
	ctx := context.Background()
	v, cp := e.venue(t, healthcode.VenueSubway, 0)
	now := e.clock.Now()
	subject := make([]byte, 16)
	batch := []healthcode.OfflineScan{
		{Seq: 1, At: now.Add(-time.Hour), Direction: "in", Verdict: "pass", Region: region, Subject: subject, Colour: healthcode.Green},
		{Seq: 2, At: now.Add(-time.Hour), Direction: "in", Verdict: "deny", Reasons: []string{healthcode.DenyColour}, Region: "CN-310100", Subject: subject, Colour: healthcode.Red},
		{Seq: 3, At: now, Direction: "sideways", Verdict: "pass", Region: region, Subject: subject},
		{Seq: 4, At: now, Direction: "out", Verdict: "pass", Region: region, Subject: subject[:3]},
	}
	res, err := e.scans.Batch(ctx, cp, time.Time{}, batch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 2 || res.Duplicate != 0 || len(res.Rejected) != 2 ||
		res.Rejected[0].Line != 3 || res.Rejected[0].Field != "direction" || res.Rejected[1].Line != 4 || res.Rejected[1].Field != "subject" {
		t.Fatalf("first upload = %+v", res)
	}
	res, err = e.scans.Batch(ctx, cp, time.Time{}, batch[:2])
	if err != nil || res.Accepted != 0 || res.Duplicate != 2 {
		t.Fatalf("same batch again = %+v, %v; want 2 duplicates", res, err)
	}
	scans, err := e.db.VenueScans(ctx, v.ID, healthcode.ScanWindow{From: now.Add(-2 * time.Hour), To: now.Add(time.Hour)})
	if err != nil || len(scans) != 2 {
		t.Fatalf("log holds %d scans (%v), want 2", len(scans), err)
	}
	res, err = e.scans.Batch(ctx, cp, now.Add(-20*time.Minute), []healthcode.OfflineScan{
		{Seq: 9, At: now.Add(-30 * time.Minute), Direction: "in", Verdict: "pass", Region: region, Subject: subject, Colour: healthcode.Green}})
	if err != nil || res.Accepted != 1 || res.Flagged != 1 {
		t.Fatalf("upload from a device 20 minutes slow = %+v, %v; want it flagged", res, err)
	}
}
