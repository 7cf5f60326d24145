package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
)

// fakeImports records what it was given and answers a summary, or a file
// error for a body starting with "bad".
type fakeImports struct {
	kind, format, body string
}

func (f *fakeImports) Import(_ context.Context, kind, format string, r io.Reader) (*healthcode.ImportSummary, error) {
	b, _ := io.ReadAll(r)
	f.kind, f.format, f.body = kind, format, string(b)
	if strings.HasPrefix(f.body, "bad") {
		return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "line 3: not CSV", Fields: map[string]string{"line": "3"}}
	}
	return &healthcode.ImportSummary{Kind: kind, Accepted: 2, Rejected: 1, JobID: 9,
		Errors:      []healthcode.RowError{{Line: 4, ID: "t3", Field: "result", Reason: "must be negative or positive"}},
		Corrections: []healthcode.RowNote{}}, nil
}

const providerToken = "provider-tests-token"

func newRecordsServer(t *testing.T) (*testServer, *fakeImports) {
	ts := newTestServer(t)
	known := ts.auth.AuthenticateFn
	ts.auth.AuthenticateFn = func(ctx context.Context, token string) (*healthcode.Caller, error) {
		if token == providerToken {
			return &healthcode.Caller{Role: healthcode.RoleProvider, TokenID: 5, Name: "lab", DataKind: healthcode.KindTests}, nil
		}
		return known(ctx, token)
	}
	f := &fakeImports{}
	ts.Imports = f
	return ts, f
}

func TestRecordsPost(t *testing.T) {
	asProvider := []string{"Authorization", "Bearer " + providerToken}
	asStaff := []string{"Authorization", "Bearer " + staffToken} // a health token
	tests := []struct {
		name, kind, contentType, body string
		auth                          []string
		status                        int
		format                        string
		message                       string
	}{
		{"health sends csv", "cases", "text/csv; charset=utf-8", "id,id_number\n", asStaff, 200, "csv", ""},
		{"provider sends its kind", "tests", "application/x-ndjson", "{}\n", asProvider, 200, "ndjson", ""},
		{"provider sends another kind", "cases", "text/csv", "x", asProvider, 403, "", "this provider token sends tests only"},
		{"citizen", "tests", "text/csv", "x", asCitizen, 403, "", ""},
		{"no token", "tests", "text/csv", "x", nil, 401, "", ""},
		{"unknown kind", "x-rays", "text/csv", "x", asStaff, 404, "", `unknown record kind "x-rays": tests, vaccinations, cases, contacts, quarantines or travel`},
		{"json body", "tests", "application/json", "{}", asStaff, 415, "", "Content-Type must be text/csv or application/x-ndjson"},
		{"malformed file", "tests", "text/csv", "bad", asStaff, 400, "csv", "line 3: not CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, f := newRecordsServer(t)
			w := ts.do("POST", "/api/v1/records/"+tt.kind, tt.body, append([]string{"Content-Type", tt.contentType}, tt.auth...)...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if f.format != tt.format {
				t.Errorf("import format %q, want %q", f.format, tt.format)
			}
			if tt.status != 200 {
				var body errorBody
				json.Unmarshal(w.Body.Bytes(), &body)
				if tt.message != "" && body.Error.Message != tt.message {
					t.Errorf("message %q, want %q", body.Error.Message, tt.message)
				}
				return
			}
			if f.kind != tt.kind || f.body != tt.body {
				t.Errorf("imported %s %q, want %s %q", f.kind, f.body, tt.kind, tt.body)
			}
			var sum healthcode.ImportSummary
			if err := json.Unmarshal(w.Body.Bytes(), &sum); err != nil {
				t.Fatal(err)
			}
			if sum.Accepted != 2 || sum.Rejected != 1 || sum.JobID != 9 || len(sum.Errors) != 1 || sum.Errors[0].Line != 4 {
				t.Errorf("summary = %s", w.Body)
			}
		})
	}
}

func TestRecordsPostTooLarge(t *testing.T) {
	defer func(n int64) { maxRecordsBytes = n }(maxRecordsBytes)
	maxRecordsBytes = 10
	ts, f := newRecordsServer(t)
	w := ts.do("POST", "/api/v1/records/tests", strings.Repeat("x", 11), "Content-Type", "text/csv", "Authorization", "Bearer "+staffToken)
	if w.Code != http.StatusRequestEntityTooLarge || f.kind != "" {
		t.Errorf("status %d, imported %q: want 413 and nothing imported", w.Code, f.kind)
	}
}
