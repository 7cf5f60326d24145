package http

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
)

func TestDecodeRefusesBadBodies(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		code       string
		field      string // expected key in fields, with its reason
		reason     string
		message    string // substring of the message
	}{
		{name: "too large", body: `{"symptoms":["` + strings.Repeat("x", 70<<10) + `"]}`,
			status: 413, code: healthcode.ETOOLARGE, message: "64 KiB"},
		{name: "unknown field", body: `{"temperature":36.5,"foo":1}`,
			status: 400, code: healthcode.EINVALID, field: "foo", reason: "unknown field"},
		{name: "unknown nested field", body: `{"places":[{"division":"330106","bar":1}]}`,
			status: 400, code: healthcode.EINVALID, field: "places[0].bar", reason: "unknown field"},
		{name: "wrong type", body: `{"temperature":"hot"}`,
			status: 400, code: healthcode.EINVALID, field: "temperature", reason: "must be a number", message: "temperature: must be a number"},
		{name: "wrong type in array", body: `{"places":[{"from":"2026-11-20"},{"division":330106}]}`,
			status: 400, code: healthcode.EINVALID, field: "places[1].division", reason: "must be a string"},
		{name: "wrong type array element", body: `{"symptoms":["fever",3]}`,
			status: 400, code: healthcode.EINVALID, field: "symptoms[1]", reason: "must be a string"},
		{name: "object for bool", body: `{"fever_medicine":{}}`,
			status: 400, code: healthcode.EINVALID, field: "fever_medicine", reason: "must be true or false"},
		{name: "malformed", body: `{"temperature": 36.5,}`,
			status: 400, code: healthcode.EINVALID, message: "byte offset 21"},
		{name: "truncated", body: `{"temperature": 36.5`,
			status: 400, code: healthcode.EINVALID, message: "byte offset 20"},
		{name: "trailing data", body: `{"temperature": 36.5} {}`,
			status: 400, code: healthcode.EINVALID, message: "after the JSON object"},
		{name: "empty", body: ``, status: 400, code: healthcode.EINVALID, message: "empty"},
		{name: "not an object", body: `[1]`, status: 400, code: healthcode.EINVALID, message: "JSON object"},
		{name: "bad date", body: `{"places":[{"division":"330106","from":"20 Nov","to":"2026-11-21"}]}`,
			status: 400, code: healthcode.EINVALID, field: "places[0].from",
			reason: "must be an RFC 3339 time or a YYYY-MM-DD date", message: "places[0].from: must be an RFC 3339 time or a YYYY-MM-DD date"},
	}
	ts := newTestServer(t)
	ts.citizens.DeclareFn = func(ctx context.Context, id int64, d *healthcode.Declaration) (*healthcode.Declaration, *healthcode.Status, error) {
		t.Errorf("service called with a refused body")
		return d, &healthcode.Status{}, nil
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.do("POST", "/api/v1/me/declarations", tt.body, asCitizen...)
			wantStatus(t, w, tt.status)
			e := errorOf(t, w)
			if e.Code != tt.code {
				t.Errorf("code %q, want %q", e.Code, tt.code)
			}
			if tt.field != "" && e.Fields[tt.field] != tt.reason {
				t.Errorf("fields %v, want %s: %s", e.Fields, tt.field, tt.reason)
			}
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", e.Message, tt.message)
			}
		})
	}
}

func TestDecodeAcceptsBothDateForms(t *testing.T) {
	ts := newTestServer(t)
	var got *healthcode.Declaration
	ts.citizens.DeclareFn = func(ctx context.Context, id int64, d *healthcode.Declaration) (*healthcode.Declaration, *healthcode.Status, error) {
		got = d
		return d, &healthcode.Status{}, nil
	}
	w := ts.do("POST", "/api/v1/me/declarations",
		`{"places":[{"division":"330106","from":"2026-11-20T08:00:00+08:00","to":"2026-11-21"}]}`, asCitizen...)
	wantStatus(t, w, http.StatusCreated)
	p := got.Places[0]
	if want := "2026-11-20T00:00:00Z"; p.From.UTC().Format("2006-01-02T15:04:05Z07:00") != want {
		t.Errorf("from %v, want %s", p.From.UTC(), want)
	}
	// A date that ends a stay covers the whole day (China Standard Time).
	if want := "2026-11-21T16:00:00Z"; p.To.UTC().Format("2006-01-02T15:04:05Z07:00") != want {
		t.Errorf("to %v, want %s", p.To.UTC(), want)
	}
}
