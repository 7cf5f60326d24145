package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
