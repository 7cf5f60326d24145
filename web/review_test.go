package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// TestRecordsWithoutACode: a person without a profile or a declaration has
// no code, and "my records" says so as "my code" does, with the ways to
// one, instead of a green code of no code.
func TestRecordsWithoutACode(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["zh"])
	c.signIn("13800138000")
	p := c.get("/me/records")
	checkPage(t, "zh", "/me/records (no profile)", p, http.StatusOK)
	if strings.Contains(p.Body, "绿码") || !strings.Contains(p.Body, "还没有健康码") ||
		!strings.Contains(p.Body, `href="/me/profile"`) || !strings.Contains(p.Body, `href="/me/declare"`) {
		t.Errorf("no profile: my records do not say there is no code yet:\n%s", p.Body)
	}
	p = c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {"11010519491231002X"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("POST /me/profile: %d\n%s", p.Status, p.Body)
	}
	p = c.get("/me/records")
	if strings.Contains(p.Body, "绿码") || !strings.Contains(p.Body, "请先做一次健康申报") || !strings.Contains(p.Body, `href="/me/declare"`) {
		t.Errorf("no declaration: my records do not say there is no code yet:\n%s", p.Body)
	}
	p = c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("POST /me/declare: %d\n%s", p.Status, p.Body)
	}
	p = c.get("/me/records")
	if !strings.Contains(p.Body, "绿码") || strings.Contains(p.Body, "还没有健康码") {
		t.Errorf("declared: my records do not show the colour:\n%s", p.Body)
	}
}

// TestProfileDerivedFromResidentID: sex and birth date of a resident ID
// are shown, not offered for change; one sent all the same that the number
// contradicts is refused, not saved-and-reverted; and a refused save keeps
// them on the summary card.
func TestProfileDerivedFromResidentID(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["zh"])
	c.signIn("13800138000")
	p := c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {"11010519491231002X"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("POST /me/profile: %d\n%s", p.Status, p.Body)
	}
	p = c.get("/me/profile")
	form := between(p.Body, `action="/me/profile"`, "</form>")
	if strings.Contains(form, `name="sex"`) || strings.Contains(form, `name="birth_date"`) ||
		!strings.Contains(form, "由身份证号得出") || !strings.Contains(form, "1949-12-31") || !strings.Contains(form, "女") {
		t.Errorf("the form offers to change what the resident ID says:\n%s", form)
	}
	// A form that says otherwise is refused beside the field.
	p = c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "sex": {"male"}, "birth_date": {"1950-01-01"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "与身份证号不符") {
		t.Errorf("a contradicting sex and birth date: %d\n%s", p.Status, p.Body)
	}
	// A refused save keeps the summary card whole.
	p = c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "address_division": {"12"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("a bad division: %d\n%s", p.Status, p.Body)
	}
	card := between(p.Body, `<dl class="facts">`, "</dl>")
	if !strings.Contains(card, "性别") || !strings.Contains(card, "1949-12-31") {
		t.Errorf("the refused form's card lacks sex and birth date:\n%s", card)
	}
	p = c.get("/me/profile")
	if !strings.Contains(between(p.Body, `<dl class="facts">`, "</dl>"), "女") {
		t.Errorf("the stored sex changed:\n%s", p.Body)
	}
}

// TestDeclaredPlaceShowsItsLastDay: a place declared to a day is stored to
// the midnight after it and shown to that day, not the next.
func TestDeclaredPlaceShowsItsLastDay(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["zh"])
	c.signIn("13800138000")
	today := time.Now().In(zone)
	from, to := today.AddDate(0, 0, -3).Format(time.DateOnly), today.AddDate(0, 0, -1).Format(time.DateOnly)
	p := c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"},
		"places[0].division": {"330106"}, "places[0].from": {from}, "places[0].to": {to}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("POST /me/declare: %d\n%s", p.Status, p.Body)
	}
	p = c.get("/me/records")
	if want := "330106 " + from + "–" + to; !strings.Contains(p.Body, want) {
		t.Errorf("my records lack %q:\n%s", want, between(p.Body, `id="decl-h"`, "</section>"))
	}
}

// TestDeclarationErrorsAtOnce: a temperature the page cannot read and
// places the service refuses are all named in one answer, and nothing is
// stored.
func TestDeclarationErrorsAtOnce(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["en"])
	c.signIn("13800138000")
	p := c.post("/me/declare", url.Values{"temperature": {"abc"}, "case_contact": {"no"},
		"places[1].division": {"12"}, "places[1].from": {"2020-01-01"}, "places[1].to": {"2020-01-02"},
		"places[2].division": {"330106"}, "places[2].from": {"soon"}, "places[2].to": {"2020-01-02"}})
	wantFieldError(t, p, "temperature", "Enter a number")
	wantFieldError(t, p, "places[1].division", "six-digit division code")
	wantFieldError(t, p, "places[1].to", "last 14 days")
	wantFieldError(t, p, "places[2].from", "date")
	if strings.Contains(p.Body, "unknown symptom") || strings.Contains(p.Body, "symptoms[") {
		t.Errorf("the page names a symptom nobody gave:\n%s", p.Body)
	}
	if p := c.get("/me/records"); !strings.Contains(p.Body, "No declaration yet") {
		t.Errorf("a refused declaration was stored:\n%s", p.Body)
	}
}

// TestTraceRefusesABadCase: a document number no document can have, and a
// period that starts in the future, are refused beside their fields.
func TestTraceRefusesABadCase(t *testing.T) {
	s := newStaffPages(t)
	health := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "西湖区疾控"})
	c := s.staffClient(t, health, browserLangs["zh"])
	p := c.post("/health/traces", url.Values{"id_type": {"resident_id"}, "id_number": {"123"}})
	wantFieldError(t, p, "id_number", "证件号码格式不正确")
	p = c.post("/health/traces", url.Values{"id_type": {"resident_id"}, "id_number": {"110105194912310021"}})
	wantFieldError(t, p, "id_number", "校验位")
	p = c.post("/health/traces", url.Values{"id_type": {"passport"}, "id_number": {"E1234567"}, "from": {"2030-01-01"}})
	wantFieldError(t, p, "from", "将来")
	p = c.post("/health/traces", url.Values{"id_type": {"resident_id"}, "id_number": {"11010519491231002x"}})
	if p.Status != http.StatusSeeOther {
		t.Errorf("a good case: %d\n%s", p.Status, p.Body)
	}
}

// TestStaffLandOnTheirHome: health staff land on the dashboard and admins
// on the admin page, as docs/web.md says, at sign-in and at "/".
func TestStaffLandOnTheirHome(t *testing.T) {
	s := newStaffPages(t)
	for role, home := range map[healthcode.Role]string{healthcode.RoleHealth: "/health", healthcode.RoleAdmin: "/admin"} {
		token := s.staffToken(t, node.StaffTokenRequest{Role: role, Name: "staff " + string(role)})
		c := s.client(t, browserLangs["zh"])
		if p := c.post("/signin/staff", url.Values{"token": {token}}); p.Status != http.StatusSeeOther || p.Location != home {
			t.Errorf("%s signs in to %d %q, want %q", role, p.Status, p.Location, home)
		}
		if p := c.get("/"); p.Location != home {
			t.Errorf("%s: / goes to %q, want %q", role, p.Location, home)
		}
	}
}

// TestStaffPurposeRequired: a queue or a trace opened without a purpose
// says it is required; a decision refused for one keeps what was typed and
// reads nobody again.
func TestStaffPurposeRequired(t *testing.T) {
	s := newStaffPages(t)
	ctx := context.Background()
	health := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "西湖区疾控"})
	cz, personID := s.citizen(t, "13800138000", "11010519491231002X", "zh")
	if p := cz.post("/me/appeals", url.Values{"reason": {"我的核酸是阴性的，请核实"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("POST /me/appeals: %d\n%s", p.Status, p.Body)
	}
	c := s.staffClient(t, health, browserLangs["zh"])
	p := c.get("/health/appeals?purpose=")
	wantFieldError(t, p, "purpose", "必填")

	p = c.get("/health/appeals?purpose=" + url.QueryEscape("申诉审核"))
	appealID := between(p.Body, `action="/health/appeals/`, `"`)
	reads := func() int {
		log, err := s.DB.AccessLog(ctx, personID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(log)
	}
	before := reads()
	p = c.post("/health/appeals/"+appealID, url.Values{"decision": {"reject"}, "reason": {"检测结果为阳性，属实"}, "purpose": {""}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "检测结果为阳性，属实") ||
		!strings.Contains(p.Body, `value="reject" checked`) || !strings.Contains(p.Body, `id="e-`+appealID+`-purpose"`) {
		t.Errorf("a decision refused for its purpose loses its form:\n%s", p.Body)
	}
	if n := reads(); n != before {
		t.Errorf("a refused decision logged %d more reads", n-before)
	}

	traces := c.post("/health/traces", url.Values{"id_type": {"resident_id"}, "id_number": {"11010519491231002X"}})
	if traces.Status != http.StatusSeeOther {
		t.Fatalf("POST /health/traces: %d\n%s", traces.Status, traces.Body)
	}
	s.waitTrace(t, traces.Location)
	p = c.get(traces.Location + "?purpose=")
	wantFieldError(t, p, "purpose", "必填")
}
