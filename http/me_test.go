package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/qr"
)

func TestProfileIsMasked(t *testing.T) {
	ts := newTestServer(t)
	stored := &healthcode.Profile{PersonID: personID, Name: "张小三", IDType: healthcode.IDResident,
		IDNumber: "330106199001011234", Phone: "13800138000", Nationality: "CHN", UpdatedAt: testTime}
	var saved *healthcode.Profile
	ts.citizens.ProfileFn = func(ctx context.Context, id int64) (*healthcode.Profile, error) { return stored, nil }
	ts.citizens.SaveProfileFn = func(ctx context.Context, id int64, p *healthcode.Profile) (*healthcode.Profile, error) {
		saved = p
		return stored, nil
	}
	check := func(w interface{ String() string }) {
		t.Helper()
		body := w.String()
		for _, secret := range []string{"330106199001011234", "13800138000", "张小三"} {
			if strings.Contains(body, secret) {
				t.Errorf("response shows %q unmasked: %s", secret, body)
			}
		}
		var got profileResponse
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.IDNumber != idnum.MaskID(stored.IDNumber) || got.Name != idnum.MaskName(stored.Name) ||
			got.Phone != idnum.MaskPhone(stored.Phone) || got.Nationality != "CHN" || got.IDType != healthcode.IDResident {
			t.Errorf("profile %+v", got)
		}
	}

	w := ts.do("GET", "/api/v1/me/profile", "", asCitizen...)
	wantStatus(t, w, http.StatusOK)
	check(w.Body)

	w = ts.do("PUT", "/api/v1/me/profile", `{"name":"张小三","id_type":"resident_id","id_number":"330106199001011234",
		"sex":"male","birth_date":"1990-01-01","nationality":"CHN","phone":"13800138000","household_division":"330106",
		"address":"文三路1号","address_division":"330106","conditions":["asthma"]}`, asCitizen...)
	wantStatus(t, w, http.StatusOK)
	check(w.Body)
	if saved.IDNumber != "330106199001011234" || saved.AddressDivision != "330106" || len(saved.Conditions) != 1 {
		t.Errorf("service got %+v", saved)
	}
}

func TestDeclarationCreate(t *testing.T) {
	ts := newTestServer(t)
	var got *healthcode.Declaration
	var gotPerson int64
	ts.citizens.DeclareFn = func(ctx context.Context, id int64, d *healthcode.Declaration) (*healthcode.Declaration, *healthcode.Status, error) {
		got, gotPerson = d, id
		saved := *d
		saved.ID, saved.CreatedAt = 9, testTime
		return &saved, &healthcode.Status{Colour: healthcode.Yellow, Declared: true}, nil
	}
	w := ts.do("POST", "/api/v1/me/declarations", `{"temperature": 37.8, "symptoms": ["fever"], "fever_medicine": true,
		"case_contact": "no", "places": [{"division":"330106","from":"2026-11-20T08:00:00+08:00","to":"2026-11-21T08:00:00+08:00"}],
		"return_to_work": {"employer": "杭州某厂"}}`, asCitizen...)
	wantStatus(t, w, http.StatusCreated)
	if gotPerson != personID || *got.Temperature != 37.8 || got.Symptoms[0] != "fever" || !got.FeverMedicine ||
		got.CaseContact != "no" || got.ReturnToWork != "杭州某厂" || got.Places[0].Division != "330106" {
		t.Errorf("service got %+v", got)
	}
	var resp struct {
		Declaration map[string]any `json:"declaration"`
		Status      map[string]any `json:"status"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Declaration["id"] != 9.0 || resp.Declaration["return_to_work"].(map[string]any)["employer"] != "杭州某厂" {
		t.Errorf("declaration %v", resp.Declaration)
	}
	if resp.Status["colour"] != "yellow" || resp.Status["declared"] != true {
		t.Errorf("status %v", resp.Status)
	}
}

func TestDeclarationListLimit(t *testing.T) {
	ts := newTestServer(t)
	var gotLimit int
	ts.citizens.DeclarationsFn = func(ctx context.Context, id int64, limit int) ([]*healthcode.Declaration, error) {
		gotLimit = limit
		return []*healthcode.Declaration{{ID: 2, CaseContact: "no"}, {ID: 1}}, nil
	}
	w := ts.do("GET", "/api/v1/me/declarations", "", asCitizen...)
	wantStatus(t, w, http.StatusOK)
	if gotLimit != 20 {
		t.Errorf("default limit %d", gotLimit)
	}
	var list struct{ Declarations []declarationResponse }
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Declarations) != 2 || list.Declarations[0].ID != 2 {
		t.Errorf("list %+v (%v)", list, err)
	}
	w = ts.do("GET", "/api/v1/me/declarations?limit=100", "", asCitizen...)
	wantStatus(t, w, http.StatusOK)
	if gotLimit != 100 {
		t.Errorf("limit %d", gotLimit)
	}
	for _, bad := range []string{"0", "101", "x", "-1"} {
		w = ts.do("GET", "/api/v1/me/declarations?limit="+bad, "", asCitizen...)
		wantStatus(t, w, http.StatusBadRequest)
		if e := errorOf(t, w); e.Fields["limit"] == "" {
			t.Errorf("limit=%s: fields %v", bad, e.Fields)
		}
	}
}

func TestStatusJSON(t *testing.T) {
	ts := newTestServer(t)
	ts.citizens.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) {
		return &healthcode.Status{Colour: healthcode.Red, ActionRequired: true,
			Reasons: []healthcode.Reason{{Code: "case_contact", Colour: healthcode.Red, TextZH: "密接", TextEN: "close contact", Since: testTime},
				{Code: "appeal_accepted", Colour: healthcode.Green, Detail: "lab mix-up", Since: testTime}},
			Since: testTime, LatestTest: &healthcode.TestSummary{SampledAt: testTime, Result: healthcode.Positive},
			Doses: 3, PolicyVersion: "CN-330100/1", Declared: true}, nil
	}
	w := ts.do("GET", "/api/v1/me/status", "", asCitizen...)
	wantStatus(t, w, http.StatusOK)
	m := decodeBody(t, w)
	if m["colour"] != "red" || m["action_required"] != true || m["doses"] != 3.0 || m["policy_version"] != "CN-330100/1" {
		t.Errorf("status %v", m)
	}
	if _, ok := m["reevaluate_at"]; ok {
		t.Errorf("reevaluate_at present although zero")
	}
	if lt := m["latest_test"].(map[string]any); lt["result"] != "positive" || lt["sampled_at"] != "2026-11-20T08:00:00Z" {
		t.Errorf("latest_test %v", lt)
	}
	r := m["reasons"].([]any)[0].(map[string]any)
	if r["code"] != "case_contact" || r["colour"] != "red" || r["action_required"] != false || r["text_en"] != "close contact" {
		t.Errorf("reason %v", r)
	}
	if _, ok := r["detail"]; ok {
		t.Errorf("empty detail shown: %v", r)
	}
	if r := m["reasons"].([]any)[1].(map[string]any); r["detail"] != "lab mix-up" {
		t.Errorf("the staff's reason of an accepted appeal is not shown: %v", r)
	}

	ts.citizens.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) {
		return &healthcode.Status{ReevaluateAt: testTime.Add(time.Hour)}, nil
	}
	m = decodeBody(t, ts.do("GET", "/api/v1/me/status", "", asCitizen...))
	if m["reevaluate_at"] != "2026-11-20T09:00:00Z" || m["colour"] != "green" {
		t.Errorf("status %v", m)
	}
	if rs, ok := m["reasons"].([]any); !ok || len(rs) != 0 {
		t.Errorf("reasons %v, want []", m["reasons"])
	}
}

func TestCode(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do("GET", "/api/v1/me/code", "", asCitizen...)
	wantStatus(t, w, http.StatusOK)
	m := decodeBody(t, w)
	if m["code"] != "CNHC1:ABC" || m["colour"] != "green" || m["issued_at"] != "2026-11-20T08:00:00Z" || m["expires_at"] != "2026-11-20T08:05:00Z" {
		t.Errorf("code %v", m)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}

	ts.citizens.CodeFn = func(ctx context.Context, id int64) (*healthcode.IssuedCode, error) {
		return nil, healthcode.Errorf(healthcode.ECONFLICT, "declare first")
	}
	wantStatus(t, ts.do("GET", "/api/v1/me/code", "", asCitizen...), http.StatusConflict)
}

func TestCodeImages(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do("GET", "/api/v1/me/code.png", "", asCitizen...)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "image/png" {
		t.Errorf("png: Content-Type %q", ct)
	}
	// A scanner reads the issued code back from the image.
	if text, err := qr.DecodeImage(w.Body); err != nil || text != "CNHC1:ABC" {
		t.Errorf("png decodes to %q, %v", text, err)
	}
	small := ts.do("GET", "/api/v1/me/code.png?size=1", "", asCitizen...)
	wantStatus(t, small, http.StatusOK)
	big := ts.do("GET", "/api/v1/me/code.png?size=20", "", asCitizen...)
	wantStatus(t, big, http.StatusOK)
	if small.Body.Len() >= big.Body.Len() {
		t.Errorf("size=1 gives %d bytes, size=20 gives %d", small.Body.Len(), big.Body.Len())
	}
	for _, bad := range []string{"0", "21", "big"} {
		w = ts.do("GET", "/api/v1/me/code.png?size="+bad, "", asCitizen...)
		wantStatus(t, w, http.StatusBadRequest)
		if errorOf(t, w).Fields["size"] == "" {
			t.Errorf("size=%s not named", bad)
		}
	}

	w = ts.do("GET", "/api/v1/me/code.svg", "", asCitizen...)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "image/svg+xml" || !strings.Contains(w.Body.String(), "<svg") {
		t.Errorf("svg: Content-Type %q body %.40q", ct, w.Body.String())
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
}
