package http

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// fakeTraces answers one finished trace with a close contact.
type fakeTraces struct{ started []healthcode.TraceCase }

func (f *fakeTraces) StartTrace(_ context.Context, cases []healthcode.TraceCase) (*healthcode.Trace, error) {
	f.started = cases
	return &healthcode.Trace{ID: 7, State: healthcode.JobQueued, Cases: cases}, nil
}

func (f *fakeTraces) FindTrace(_ context.Context, id int64) (*healthcode.Trace, error) {
	if id != 7 {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "trace not found")
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	return &healthcode.Trace{ID: 7, State: healthcode.JobDone, Exposures: []healthcode.Exposure{{
		VisitPerson: healthcode.VisitPerson{Region: "CN-330100", Subject: []byte{1, 2}, PersonID: 42},
		Degree:      healthcode.DegreeClose, CaseRef: "33**********12", VenueID: "V000001",
		From: at, To: at.Add(time.Hour), Overlap: 30 * time.Minute, ExposedAt: at}}}, nil
}

func (f *fakeTraces) ApplyTrace(_ context.Context, id int64) (*healthcode.ImportSummary, error) {
	return &healthcode.ImportSummary{Kind: healthcode.KindContacts, Accepted: 1}, nil
}

func TestTraceRoutes(t *testing.T) {
	asStaff := []string{"Authorization", "Bearer " + staffToken}
	tests := []struct {
		name, method, path, body string
		auth                     []string
		status                   int
		want                     string // in the body
	}{
		{"one case", "POST", "/api/v1/traces", `{"id_number":"330106199001010012"}`, asStaff, 202, `"state":"queued"`},
		{"outbreak", "POST", "/api/v1/traces", `{"cases":[{"id_number":"a"},{"id_number":"b"}]}`, asStaff, 202, `"cases":2`},
		{"citizen", "POST", "/api/v1/traces", `{"id_number":"x"}`, asCitizen, 403, ""},
		{"no token", "GET", "/api/v1/traces/7", "", nil, 401, ""},
		{"json", "GET", "/api/v1/traces/7", "", asStaff, 200, `"degree":"close","case":"33**********12"`},
		{"csv", "GET", "/api/v1/traces/7?format=csv", "", asStaff, 200, "close,42,CN-330100,0102,33**********12,V000001"},
		{"bad format", "GET", "/api/v1/traces/7?format=xml", "", asStaff, 400, "format"},
		{"bad id", "GET", "/api/v1/traces/x", "", asStaff, 400, "id"},
		{"missing", "GET", "/api/v1/traces/8", "", asStaff, 404, ""},
		{"apply", "POST", "/api/v1/traces/7/apply", "", asStaff, 200, `"accepted":1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			f := &fakeTraces{}
			ts.Traces = f
			w := ts.do(tt.method, tt.path, tt.body, append([]string{"Content-Type", "application/json"}, tt.auth...)...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("body %s, want it to contain %s", w.Body, tt.want)
			}
			if tt.name == "one case" && (len(f.started) != 1 || f.started[0].IDType != healthcode.IDResident) {
				t.Errorf("started %+v, want one resident_id case", f.started)
			}
		})
	}
}
