package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/status"
)

// fakeTraces answers one finished trace with a close contact.
type fakeTraces struct {
	started []healthcode.TraceCase
	purpose string // of the last read
}

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

// ReadTrace answers the trace with the masked identity of person 42 and
// the venue's name; the real checks are the node's (TestTraceReport*).
func (f *fakeTraces) ReadTrace(ctx context.Context, caller *healthcode.Caller, id int64, purpose string) (*healthcode.TraceReport, error) {
	t, err := f.FindTrace(ctx, id)
	if err != nil {
		return nil, err
	}
	f.purpose = purpose
	return &healthcode.TraceReport{Trace: t,
		People:     map[int64]healthcode.MaskedPerson{42: {Name: "张*丰", IDType: healthcode.IDResident, IDNumber: "11**************2X"}},
		VenueNames: map[string]string{"V000001": "西湖银泰"}}, nil
}

func (f *fakeTraces) ApplyTrace(_ context.Context, id int64) (*healthcode.ImportSummary, error) {
	return &healthcode.ImportSummary{Kind: healthcode.KindContacts, Accepted: 1}, nil
}

func TestTraceRoutes(t *testing.T) {
	asStaff := []string{"Authorization", "Bearer " + staffToken}
	reading := append([]string{"X-Purpose", "outbreak 12 follow-up"}, asStaff...)
	browser := append([]string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, reading...)
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
		{"json", "GET", "/api/v1/traces/7", "", reading, 200, `"degree":"close","case":"33**********12"`},
		{"json names", "GET", "/api/v1/traces/7", "", reading, 200, `"name":"张*丰","id_number":"11**************2X"`},
		{"json venue", "GET", "/api/v1/traces/7?format=json", "", reading, 200, `"venue_id":"V000001","venue_name":"西湖银泰"`},
		{"csv", "GET", "/api/v1/traces/7?format=csv", "", reading, 200, "close,42,CN-330100,0102,33**********12,V000001"},
		{"csv head", "GET", "/api/v1/traces/7?format=csv", "", reading, 200, "overlap_minutes,exposed_at,name,id_number,venue_name\n"},
		{"csv names", "GET", "/api/v1/traces/7?format=csv", "", reading, 200, ",2026-11-20T09:00:00Z,张*丰,11**************2X,西湖银泰\n"},
		{"html", "GET", "/api/v1/traces/7?format=html", "", reading, 200, "<th scope=\"row\">张*丰</th><td>11**************2X</td><td>42</td><td>西湖银泰 (V000001)</td>"},
		{"html by accept", "GET", "/api/v1/traces/7", "", browser, 200, `<html lang="en">`},
		{"json over accept", "GET", "/api/v1/traces/7?format=json", "", browser, 200, `"venue_name":"西湖银泰"`},
		{"bad format", "GET", "/api/v1/traces/7?format=xml", "", reading, 400, "format"},
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
			if tt.method == "GET" && w.Code == 200 {
				if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", cc)
				}
				if f.purpose != "outbreak 12 follow-up" {
					t.Errorf("read with purpose %q", f.purpose)
				}
			}
			if tt.name == "one case" && (len(f.started) != 1 || f.started[0].IDType != healthcode.IDResident) {
				t.Errorf("started %+v, want one resident_id case", f.started)
			}
		})
	}
}

// traceNode is a node server whose traces are the real service's over the
// store under test, with one finished trace: 李四 is the case, at the
// mall 西湖银泰; 张三丰 is a close contact and a visitor from Beijing a
// companion.
type traceNode struct {
	*nodeServer
	zhang, li      []string // the citizens' sessions
	trace, running int64
	venue          *healthcode.Venue
}

func newTraceNode(t *testing.T) *traceNode {
	t.Helper()
	ctx := context.Background()
	n := &traceNode{nodeServer: newNodeServer(t)}
	n.zhang = n.citizen(t, "13800138000", "张三丰", zhangID)
	n.li = n.citizen(t, "13900139000", "李四", liID)
	n.Traces = &node.TraceService{Store: n.db, Region: "CN-330100", Rules: status.DefaultPolicy().TraceRules, Now: time.Now}
	n.venue = &healthcode.Venue{Name: "西湖银泰", Kind: healthcode.VenueMall, Division: "330106", Capacity: 500,
		Policy: healthcode.DefaultEntryPolicy(healthcode.VenueMall), MaxStay: healthcode.DefaultMaxStay(healthcode.VenueMall)}
	if err := n.db.CreateVenue(ctx, n.venue); err != nil {
		t.Fatal(err)
	}
	zhangPID, liPID := n.personID(t, n.zhang), n.personID(t, n.li)
	li, err := n.db.FindPerson(ctx, liPID)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	local := func(id int64) healthcode.VisitPerson {
		return healthcode.VisitPerson{Region: "CN-330100", Subject: []byte{byte(id)}, PersonID: id}
	}
	tr := &healthcode.Trace{State: healthcode.JobDone, CreatedAt: at, FinishedAt: at.Add(time.Second),
		Cases: []healthcode.TraceCase{{IDType: healthcode.IDResident, IDNumber: liID}},
		Visits: []healthcode.Visit{{VisitPerson: healthcode.VisitPerson{Region: "CN-330100", Subject: li.Subject, PersonID: liPID},
			VenueID: n.venue.ID, VenueKind: healthcode.VenueMall, From: at, To: at.Add(time.Hour)}},
		Exposures: []healthcode.Exposure{
			{VisitPerson: local(zhangPID), Degree: healthcode.DegreeClose, CaseRef: "11**************74", VenueID: n.venue.ID,
				From: at.Add(30 * time.Minute), To: at.Add(2 * time.Hour), Overlap: 30 * time.Minute, ExposedAt: at.Add(30 * time.Minute)},
			{VisitPerson: healthcode.VisitPerson{Region: "CN-110000", Subject: []byte{0xab, 0xcd, 0xef, 0x01, 0x02}},
				Degree: healthcode.DegreeCompanion, CaseRef: "11**************74", VenueID: n.venue.ID,
				From: at.Add(80 * time.Minute), To: at.Add(90 * time.Minute), ExposedAt: at.Add(80 * time.Minute)},
		}}
	if err := n.db.CreateTrace(ctx, tr); err != nil {
		t.Fatal(err)
	}
	running := &healthcode.Trace{State: healthcode.JobRunning, CreatedAt: at, Cases: tr.Cases}
	if err := n.db.CreateTrace(ctx, running); err != nil {
		t.Fatal(err)
	}
	n.trace, n.running = tr.ID, running.ID
	return n
}

// accessLog is what the citizen with session auth sees of reads of them.
func (n *traceNode) accessLog(t *testing.T, auth []string) []accessEntryResponse {
	t.Helper()
	w := n.do("GET", "/api/v1/me/access-log", "", auth...)
	wantStatus(t, w, http.StatusOK)
	var log accessLogResponse
	if err := json.Unmarshal(w.Body.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	return log.Entries
}

// TestTraceReportMaskedAndLogged: the HTML report names people of this
// region by masked name and document only, a visitor by region and
// pseudonym, the venue by name; every format needs a purpose and health
// staff; and each read is in the access log of the exposed and the case.
func TestTraceReportMaskedAndLogged(t *testing.T) {
	n := newTraceNode(t)
	path := "/api/v1/traces/" + strconv.FormatInt(n.trace, 10)

	for _, format := range []string{"", "?format=csv", "?format=html"} {
		w := n.do("GET", path+format, "", n.health...)
		wantStatus(t, w, http.StatusBadRequest)
		if e := errorOf(t, w); e.Fields["purpose"] == "" {
			t.Errorf("%q without a purpose: the error does not name purpose: %s", format, w.Body)
		}
	}
	for _, who := range [][]string{n.admin, n.zhang} {
		w := n.do("GET", path+"?format=html&purpose=curious", "", who...)
		wantStatus(t, w, http.StatusForbidden)
	}
	_, err := n.Traces.ReadTrace(context.Background(), &healthcode.Caller{Role: healthcode.RoleAdmin, Name: "ops"}, n.trace, "curious")
	if healthcode.ErrorCode(err) != healthcode.EFORBIDDEN {
		t.Errorf("an admin reads a trace through the service: %v, want forbidden", err)
	}
	if got := n.accessLog(t, n.zhang); len(got) != 0 {
		t.Fatalf("refused reads were logged: %+v", got)
	}

	w := n.do("GET", path+"?format=html&purpose=outbreak+12", "", n.health...)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	if ct, cc := w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"); ct != "text/html; charset=utf-8" || cc != "no-store" {
		t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
	}
	for _, want := range []string{
		`<html lang="en">`, "<h1>Trace " + strconv.FormatInt(n.trace, 10) + ": done</h1>",
		"<caption>Close contacts", `<th scope="col">Name</th>`,
		"<th scope=\"row\">张*丰</th><td>" + idnum.MaskID(zhangID) + "</td>", // the close contact, masked
		"<th scope=\"row\">李*</th><td>" + idnum.MaskID(liID) + "</td>",     // the case of the visit, masked
		"<td>CN-110000 abcdef01…</td>",                                     // the visitor
		"西湖银泰 (" + n.venue.ID + ")",
		"2026-11-20 09:00–10:00", // the case's stay, in China Standard Time
		"<td class=\"num\">30</td>",
		"Companions",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, secret := range []string{"张三丰", zhangID, "李四", liID} {
		if strings.Contains(body, secret) {
			t.Errorf("report shows %q unmasked", secret)
		}
	}
	if strings.Contains(body, "http-equiv") {
		t.Error("a finished trace's report reloads itself")
	}

	what := "trace " + strconv.FormatInt(n.trace, 10)
	for name, auth := range map[string][]string{"exposed": n.zhang, "case": n.li} {
		got := n.accessLog(t, auth)
		if len(got) != 1 || got[0].What != what || got[0].Purpose != "outbreak 12" || got[0].Who != "cdc desk 3" {
			t.Errorf("%s's access log after the read: %+v, want one %q by cdc desk 3", name, got, what)
		}
	}

	w = n.do("GET", path+"?format=csv", "", append([]string{"X-Purpose", "outbreak 12"}, n.health...)...)
	wantStatus(t, w, http.StatusOK)
	if want := ",张*丰," + idnum.MaskID(zhangID) + ",西湖银泰\n"; !strings.Contains(w.Body.String(), want) {
		t.Errorf("csv lacks %q: %s", want, w.Body)
	}
	if got := n.accessLog(t, n.zhang); len(got) != 2 {
		t.Errorf("the CSV read was not logged: %+v", got)
	}
}

// A trace still running renders a page that reloads itself and lists
// nobody, so its read names nobody in the access log.
func TestTraceReportRunning(t *testing.T) {
	n := newTraceNode(t)
	w := n.do("GET", "/api/v1/traces/"+strconv.FormatInt(n.running, 10)+"?format=html&purpose=outbreak+12", "", n.health...)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	for _, want := range []string{`<meta http-equiv="refresh" content="2">`, "0 of 1 cases traced so far — this page reloads every 2 seconds"} {
		if !strings.Contains(body, want) {
			t.Errorf("running report lacks %q: %s", want, body)
		}
	}
	if strings.Contains(body, "<table") {
		t.Errorf("running report shows tables: %s", body)
	}
}

// BenchmarkTraceReportHTML renders a 100,000-exposure report.
func BenchmarkTraceReportHTML(b *testing.B) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	rep := &healthcode.TraceReport{Trace: &healthcode.Trace{ID: 1, State: healthcode.JobDone, CreatedAt: at},
		People: map[int64]healthcode.MaskedPerson{}, VenueNames: map[string]string{}}
	degrees := []string{healthcode.DegreeClose, healthcode.DegreeSecondary, healthcode.DegreeCompanion}
	for i := range 100_000 {
		id := int64(i + 1)
		venue := "V" + strconv.Itoa(i%500)
		rep.People[id] = healthcode.MaskedPerson{Name: "张*丰", IDNumber: "33**************12"}
		rep.VenueNames[venue] = "场所 " + venue
		rep.Exposures = append(rep.Exposures, healthcode.Exposure{VisitPerson: healthcode.VisitPerson{Region: "CN-330100", PersonID: id},
			Degree: degrees[i%3], CaseRef: "33**********12", VenueID: venue, From: at, To: at.Add(time.Hour),
			Overlap: 20 * time.Minute, ExposedAt: at})
	}
	ts := newTestServer(b)
	for b.Loop() {
		w := httptest.NewRecorder()
		ts.writeTraceHTML(w, httptest.NewRequest("GET", "/", nil), rep)
	}
}

// A name typed by a venue operator never runs as a spreadsheet formula.
func TestCSVText(t *testing.T) {
	for in, want := range map[string]string{
		"西湖银泰": "西湖银泰", "": "", "=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "-2": "'-2",
		"@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "a=b": "a=b",
	} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}
