package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/qr"
)

// TestCheckpointFlow is issue 4's "done when", against a real node: a
// venue with a printed poster and a citizen's check-in; a checkpoint that
// passes green, denies red with the reason, an expired screenshot, a forged
// code and a code of a region outside the trust list; a venue that fills
// up; a pharmacy sale that asks for a test until a negative one comes in.
func TestCheckpointFlow(t *testing.T) {
	n := startServe(t)
	health := n.token(t, "--role", "health", "--name", "cdc")
	lab := n.token(t, "--role", "provider", "--kind", "tests", "--name", "lab")

	var venue struct {
		ID        string
		PlaceCode string `json:"place_code"`
		Capacity  int
		Policy    struct{ Colours []string }
	}
	call(t, "POST", n.api+"/venues", health, `{"name":"万象城","kind":"mall","division":"330106","address":"延安路1号","capacity":2}`, 201, &venue)
	if !strings.HasPrefix(venue.PlaceCode, "CNPC1:") || venue.Capacity != 2 || fmt.Sprint(venue.Policy.Colours) != "[green]" {
		t.Fatalf("venue = %+v", venue)
	}
	// The poster carries the place code; the PDF is an A4 document.
	// (gozxing misreads about one page in several hundred that zbar reads:
	// each download carries a freshly signed code, so fetch another.)
	var text string
	var err error
	for range 3 {
		png := get(t, n.api+"/venues/"+venue.ID+"/poster.png", health)
		if text, err = qr.DecodeImage(bytes.NewReader(png)); err == nil {
			break
		}
	}
	if err != nil || !strings.HasPrefix(text, "CNPC1:") {
		t.Fatalf("poster QR = %q, %v", text, err)
	}
	if pdf := get(t, n.api+"/venues/"+venue.ID+"/poster.pdf", health); !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("poster.pdf does not start with %%PDF-")
	}

	// A citizen checks in by scanning the poster.
	green := registered(t, n, "13800138001", "张三丰", "11010519491231002X")
	var checkin struct {
		Verdict, Colour string
		VenueID         string `json:"venue_id"`
	}
	call(t, "POST", n.api+"/checkins", green, `{"place_code":"`+text+`"}`, 201, &checkin)
	if checkin.Verdict != "pass" || checkin.Colour != "green" || checkin.VenueID != venue.ID {
		t.Fatalf("check-in = %+v, want a green pass", checkin)
	}
	call(t, "POST", n.api+"/checkins", green, `{"place_code":"`+text+`","direction":"out"}`, 201, nil)

	var device struct{ Token string }
	call(t, "POST", n.api+"/venues/"+venue.ID+"/devices", health, `{"name":"east gate"}`, 201, &device)
	checkpoint := device.Token

	greenCode := codeOf(t, n, green)
	res := scan(t, n, checkpoint, greenCode, "in")
	if res.Verdict != "pass" || res.Colour != "green" || res.Name != "张*丰" {
		t.Fatalf("green code: %+v", res)
	}

	// Red: a positive test arrives for another citizen.
	red := registered(t, n, "13800138002", "李四", residentID(2))
	file := "id,id_number,sampled_at,reported_at,result,lab\nt-red," + residentID(2) + "," +
		time.Now().Add(-6*time.Hour).Format(time.RFC3339) + "," + time.Now().Add(-time.Hour).Format(time.RFC3339) + ",positive,Lab\n"
	if status, out := request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(file)); status != 200 {
		t.Fatalf("import: %d %v", status, out)
	}
	redCode := codeOf(t, n, red)
	if res := scan(t, n, checkpoint, redCode, "in"); res.Verdict != "deny" || res.Colour != "red" || !hasReason(res, healthcode.DenyColour) {
		t.Fatalf("red code: %+v, want deny colour_not_allowed", res)
	}

	// Codes the door must refuse, each for its own reason. (A screenshot
	// ten minutes past its expiry needs a key older than this node: see
	// node's TestScanRefusesStaleScreenshots.)
	signer := nodeSigner(t, n)
	claims, err := hcode.ParseHealth(greenCode)
	if err != nil {
		t.Fatal(err)
	}
	c := *claims.Health
	c.ExpiresAt = c.IssuedAt.Add(time.Second)
	expired, _ := signer.SignHealth(&c)
	time.Sleep(time.Until(c.ExpiresAt.Add(1100 * time.Millisecond)))
	stranger := strangerSigner(t)
	c = *claims.Health
	forged, _ := stranger.SignHealth(&c)
	c.Issuer = "CN-440100"
	untrusted, _ := stranger.SignHealth(&c)
	for _, tc := range []struct{ name, code, reason string }{
		{"past its expiry", expired, healthcode.DenyExpired},
		{"forged", forged, healthcode.DenyForged},
		{"untrusted region", untrusted, healthcode.DenyUntrusted},
		{"a place code", text, healthcode.DenyWrongCodeKind},
		{"garbage", "hello", healthcode.DenyMalformed},
	} {
		if res := scan(t, n, checkpoint, tc.code, "in"); res.Verdict != "deny" || !hasReason(res, tc.reason) {
			t.Errorf("%s: %+v, want deny %s", tc.name, res, tc.reason)
		}
	}

	// Capacity 2: two people in, the third is turned away until one leaves.
	third := registered(t, n, "13800138003", "王五", residentID(3))
	fourth := registered(t, n, "13800138004", "赵六", residentID(4))
	if res := scan(t, n, checkpoint, codeOf(t, n, third), "in"); res.Verdict != "pass" {
		t.Fatalf("second person in: %+v", res)
	}
	fourthCode := codeOf(t, n, fourth)
	if res := scan(t, n, checkpoint, fourthCode, "in"); res.Verdict != "deny" || !hasReason(res, healthcode.DenyVenueFull) {
		t.Fatalf("third person into a full venue: %+v, want deny venue_full", res)
	}
	var occ struct{ Occupancy, Capacity int }
	call(t, "GET", n.api+"/venues/"+venue.ID+"/occupancy", health, "", 200, &occ)
	if occ.Occupancy != 2 || occ.Capacity != 2 {
		t.Fatalf("occupancy %+v, want 2 of 2", occ)
	}
	if res := scan(t, n, checkpoint, greenCode, "out"); res.Verdict != "pass" {
		t.Fatalf("leaving: %+v", res)
	}
	if res := scan(t, n, checkpoint, fourthCode, "in"); res.Verdict != "pass" {
		t.Fatalf("after one left: %+v, want pass", res)
	}
	var stats struct {
		Denials   map[string]int
		ColourMix map[string]int `json:"colour_mix"`
	}
	call(t, "GET", n.api+"/venues/"+venue.ID+"/stats", health, "", 200, &stats)
	if stats.Denials[healthcode.DenyVenueFull] != 1 || stats.Denials[healthcode.DenyExpired] != 1 || stats.ColourMix["green"] < 3 {
		t.Errorf("stats = %+v", stats)
	}

	// A pharmacy sale asks the buyer to get tested; a later negative test clears it.
	var pharmacy struct{ ID string }
	call(t, "POST", n.api+"/venues", health, `{"name":"老百姓大药房","kind":"pharmacy","division":"330106"}`, 201, &pharmacy)
	var till struct{ Token string }
	call(t, "POST", n.api+"/venues/"+pharmacy.ID+"/devices", health, `{"name":"till 1"}`, 201, &till)
	var sale struct {
		Registered bool
		Status     struct {
			ActionRequired bool `json:"action_required"`
		}
	}
	call(t, "POST", n.api+"/purchases", till.Token, `{"code":"`+codeOf(t, n, third)+`","classes":["antipyretic"]}`, 200, &sale)
	if !sale.Registered || !sale.Status.ActionRequired {
		t.Fatalf("sale = %+v, want registered with action_required", sale)
	}
	var st struct {
		ActionRequired bool `json:"action_required"`
	}
	call(t, "GET", n.api+"/me/status", third, "", 200, &st)
	if !st.ActionRequired {
		t.Fatal("after the purchase the buyer's status asks for no action")
	}
	time.Sleep(1100 * time.Millisecond) // the test is sampled after the purchase
	file = "id,id_number,sampled_at,reported_at,result,lab\nt-after," + residentID(3) + "," +
		time.Now().Format(time.RFC3339) + "," + time.Now().Format(time.RFC3339) + ",negative,Lab\n"
	if status, out := request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(file)); status != 200 {
		t.Fatalf("import: %d %v", status, out)
	}
	call(t, "GET", n.api+"/me/status", third, "", 200, &st)
	if st.ActionRequired {
		t.Fatal("a negative test after the purchase did not clear action_required")
	}
	req, _ := http.NewRequest("GET", n.api+"/purchases?date="+time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly), nil)
	req.Header.Set("Authorization", "Bearer "+health)
	req.Header.Set("X-Purpose", "pharmacy surveillance")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"class":"antipyretic"`) || !strings.Contains(string(body), `"name":"王*"`) {
		t.Fatalf("purchases: %d %s", resp.StatusCode, body)
	}
}

// scanAnswer is what a checkpoint reads of a scan.
type scanAnswer struct {
	Verdict, Colour, Name string
	Reasons               []struct{ Code string }
}

func scan(t *testing.T, n *servedNode, token, code, direction string) scanAnswer {
	t.Helper()
	var res scanAnswer
	call(t, "POST", n.api+"/scans", token, `{"code":"`+code+`","direction":"`+direction+`"}`, 200, &res)
	return res
}

func hasReason(res scanAnswer, code string) bool {
	for _, r := range res.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// registered signs a citizen in with a profile and a declaration.
func registered(t *testing.T, n *servedNode, phone, name, idNumber string) string {
	t.Helper()
	token := n.signIn(t, phone)
	call(t, "PUT", n.api+"/me/profile", token, `{"name":"`+name+`","id_type":"resident_id","id_number":"`+idNumber+`"}`, 200, nil)
	call(t, "POST", n.api+"/me/declarations", token, `{"case_contact":"no"}`, 201, nil)
	return token
}

func codeOf(t *testing.T, n *servedNode, token string) string {
	t.Helper()
	var code struct{ Code string }
	call(t, "GET", n.api+"/me/code", token, "", 200, &code)
	return code.Code
}

// nodeSigner opens the node's store beside it and returns its current signer.
func nodeSigner(t *testing.T, n *servedNode) *hcode.Signer {
	t.Helper()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	sf := addStoreFlags(fs)
	if err := fs.Parse(n.store); err != nil {
		t.Fatal(err)
	}
	db, _, err := openStore(context.Background(), sf)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := node.NewKeyRing(db).Signer(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func strangerSigner(t *testing.T) *hcode.Signer {
	_, priv, err := hcode.GenerateKey(healthcode.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	s, err := hcode.NewSigner(healthcode.AlgEdDSA, priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
