package node_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/trust"
)

// TestScanNationalCode: a national code (iss CN, as the hub's list names
// region CN) passes a checkpoint like a region's code. Its subject names
// the person in its home region "h": a visitor's is logged under their
// home region, so a trace reaches them there; one of this region's own
// people is judged by their live status, as with a local code.
func TestScanNationalCode(t *testing.T) {
	e := newHubEnv(t)
	ctx := context.Background()
	_, cp := e.venue(t, healthcode.VenueMall, 0)
	national := newVisitor(t, "CN", healthcode.AlgEdDSA)
	cn := national.region()
	cn.Name, cn.Mode = "国家", trust.ModeNational
	now := e.clock.Now()
	e.hub.serve(hubList(now.Add(-time.Minute), cn))
	if err := e.client.FetchTrust(ctx); err != nil {
		t.Fatal(err)
	}

	// One of this region's people, red since the code was issued.
	id, _ := e.person(t, 1)
	person, err := e.db.FindPerson(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.db.PersonKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.AddRecords(ctx, &healthcode.RecordBatch{Tests: []healthcode.Test{{PersonKey: key,
		SampledAt: now.Add(-2 * time.Hour), ReportedAt: now.Add(-time.Hour), Result: healthcode.Positive, Lab: "lab"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.citizens.Evaluate(ctx, id); err != nil {
		t.Fatal(err)
	}

	visitorSubject := bytes.Repeat([]byte{9}, 16)
	tests := []struct {
		name     string
		home     string
		subject  []byte
		verdict  string
		reasons  []string
		region   string // logged
		personID int64
	}{
		{"a visitor's", "CN-440100", visitorSubject, "pass", nil, "CN-440100", 0},
		{"this region's person's, live status red", region, person.Subject, "deny", []string{healthcode.DenyColour}, region, id},
		{"without a home region", "", visitorSubject, "pass", nil, "CN", 0},
	}
	code := func(t *testing.T, home string, subject []byte) string {
		t.Helper()
		text, err := national.signer.SignHealth(&hcode.HealthClaims{Issuer: "CN", IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute),
			CTI: bytes.Repeat([]byte{7}, 16), Subject: subject, Colour: healthcode.Green, Name: "王*", Home: home})
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.scans.Scan(ctx, cp, code(t, tt.home, tt.subject), "in")
			wantVerdict(t, res, err, tt.verdict, tt.reasons...)
			if res.Scan.Region != tt.region || !bytes.Equal(res.Scan.Subject, tt.subject) || res.Scan.PersonID != tt.personID {
				t.Errorf("logged region %s subject %x person %d, want %s %x %d",
					res.Scan.Region, res.Scan.Subject, res.Scan.PersonID, tt.region, tt.subject, tt.personID)
			}
		})
	}

	// Scanned offline by a device and uploaded: logged the same way.
	res, err := e.scans.Batch(ctx, cp, time.Time{}, []healthcode.OfflineScan{
		{Seq: 1, At: now, Direction: "in", Verdict: "pass", Code: code(t, "CN-440100", visitorSubject)}})
	if err != nil || res.Accepted != 1 {
		t.Fatalf("offline upload = %+v, %v", res, err)
	}
	logged, err := e.db.SubjectScans(ctx, "CN-440100", visitorSubject, healthcode.ScanWindow{From: now.Add(-time.Hour), To: now.Add(time.Hour)})
	if err != nil || len(logged) != 2 {
		t.Fatalf("the visitor's scans under CN-440100: %d (%v), want the online one and the offline one", len(logged), err)
	}
}
