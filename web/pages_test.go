package web

import (
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/status"
)

// Accept-Language headers of a Chinese and an English browser.
var browserLangs = map[string]string{"zh": "zh-CN,zh;q=0.9,en;q=0.8", "en": "en-GB,en;q=0.9"}

func TestCatalogsHoldTheSameKeys(t *testing.T) {
	zh, en := catalogs["zh"].msgs, catalogs["en"].msgs
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh.json lacks %q", k)
		}
	}
	for lang, c := range catalogs {
		for k, v := range c.msgs {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
		}
	}
}

// wantNoMissingKeys fails on every catalog key a page asked for that its
// catalog lacks (missingKeys, cleared when the test began).
func wantNoMissingKeys(t *testing.T) {
	t.Helper()
	missingKeys.Range(func(k, _ any) bool {
		t.Errorf("missing message %s", k)
		return true
	})
}

// TestEveryKeyUsedIsInTheCatalogs reads every key a template, the Go code
// or an enumeration (colours, symptoms, reasons…) can ask for, and fails
// on one that either catalog lacks.
func TestEveryKeyUsedIsInTheCatalogs(t *testing.T) {
	used := map[string]string{} // key → where
	// Templates: t "key", field … "label.key" … "hint=key".
	for _, set := range templates["zh"] {
		for _, tmpl := range set.Templates() {
			if tmpl.Tree == nil {
				continue
			}
			walk(tmpl.Tree.Root, func(cmd *parse.CommandNode) {
				id, ok := cmd.Args[0].(*parse.IdentifierNode)
				if !ok {
					return
				}
				str := func(i int) string {
					if i < len(cmd.Args) {
						if s, ok := cmd.Args[i].(*parse.StringNode); ok {
							return s.Text
						}
					}
					return ""
				}
				switch id.Ident {
				case "t":
					if k := str(1); k != "" {
						used[k] = tmpl.Name()
					}
				case "field":
					if k := str(3); k != "" {
						used[k] = tmpl.Name()
					}
					for i := 5; i < len(cmd.Args); i++ {
						if h, ok := strings.CutPrefix(str(i), "hint="); ok {
							used[h] = tmpl.Name()
						}
					}
				}
			})
		}
	}
	// Go code: every quoted literal in a catalog namespace.
	literal := regexp.MustCompile(`"((?:app|lang|nav|error|errcode|fielderr|signin|profile|declare|code|records|accesslog|appeals|next|list|checkin)\.[a-z0-9_.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if ext := filepath.Ext(m[1]); ext != ".html" && ext != ".js" && ext != ".css" && ext != ".svg" {
				used[m[1]] = f
			}
		}
	}
	// Keys made from values at run time.
	for _, c := range []string{"green", "yellow", "red"} {
		used["colour."+c], used["colour_other."+c], used["mark."+c], used["next.colour."+c] = "colour", "colour", "colour", "colour"
	}
	for _, s := range healthcode.Symptoms {
		used["symptom."+string(s)] = "symptoms"
	}
	for _, c := range []string{healthcode.ContactYes, healthcode.ContactNo, healthcode.ContactUnsure} {
		used["contact."+c] = "contacts"
	}
	for _, it := range healthcode.IDTypes {
		used["idtype."+string(it)] = "id types"
	}
	for _, r := range append(slices.Clone(healthcode.StaffRoles), healthcode.RoleCitizen) {
		used["role."+string(r)] = "roles"
	}
	for _, w := range []string{healthcode.ReadStatus, healthcode.ReadProfile, healthcode.ReadAppeal, "org_member"} {
		used["what."+w] = "audit reads"
	}
	for _, s := range []healthcode.AppealState{healthcode.AppealPending, healthcode.AppealAccepted, healthcode.AppealRejected} {
		used["appeal."+string(s)] = "appeal states"
	}
	for _, code := range status.Codes() {
		used["next."+code] = "reason codes"
	}
	used["result.0"], used["result.1"], used["sex.male"], used["sex.female"] = "results", "results", "sex", "sex"
	// My records: the kinds of the person's own records.
	for _, k := range []string{healthcode.MethodPCR, healthcode.MethodAntigen} {
		used["records.method."+k] = "test methods"
	}
	for _, k := range []healthcode.CaseKind{healthcode.CaseConfirmed, healthcode.CaseSuspected, healthcode.CaseAsymptomatic} {
		used["records.case."+string(k)] = "case kinds"
	}
	for _, k := range []healthcode.CaseStatus{healthcode.CaseActive, healthcode.CaseRecovered, healthcode.CaseDismissed} {
		used["records.case_status."+string(k)] = "case states"
	}
	for _, k := range []healthcode.ContactKind{healthcode.ContactClose, healthcode.ContactSecondary, healthcode.ContactCompanion} {
		used["records.contact."+string(k)] = "contact degrees"
	}
	for _, k := range []healthcode.QuarantineKind{healthcode.QuarantineCentralised, healthcode.QuarantineHome, healthcode.QuarantineHomeMonitoring} {
		used["records.quarantine."+string(k)] = "quarantine kinds"
	}
	for _, k := range healthcode.DrugClasses {
		used["records.drug."+k] = "drug classes"
	}
	for key := range maps.Keys(reasonKeys) {
		used[reasonKeys[key]] = "reasonKeys"
	}
	for _, p := range (&Handler{}).pages() {
		if p.nav != "" {
			used[p.nav] = p.pattern
		}
	}
	if len(used) < 100 {
		t.Fatalf("only %d keys found: the scan is broken", len(used))
	}
	for k, where := range used {
		for _, lang := range languages {
			if !catalogs[lang].Has(k) {
				t.Errorf("%s.json lacks %q (used by %s)", lang, k, where)
			}
		}
	}
}

func walk(n parse.Node, fn func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, fn)
		}
	case *parse.ActionNode:
		walk(n.Pipe, fn)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walk(c, fn)
		}
	case *parse.CommandNode:
		fn(n)
		for _, a := range n.Args {
			walk(a, fn)
		}
	case *parse.IfNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.RangeNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.WithNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.TemplateNode:
		walk(n.Pipe, fn)
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                        "zh",
		"en-US,en;q=0.9":          "en",
		"zh-CN,zh;q=0.9,en;q=0.8": "zh",
		"fr-FR,en;q=0.5,zh;q=0.4": "en",
		"de,zh-TW;q=0.7,en;q=0.6": "zh",
		"en;q=0.2,zh;q=0.8":       "zh",
		"fr":                      "zh",
		"en;q=bad":                "zh",
	} {
		if got := fromAcceptLanguage(h); got != want {
			t.Errorf("%q: %s, want %s", h, got, want)
		}
	}
}

// checkPage fails on an answer that is not a whole page in lang: a
// missing key, the wrong language, no CSP.
func checkPage(t *testing.T, lang, path string, p answer, wantStatus int) {
	t.Helper()
	if p.Status != wantStatus {
		t.Fatalf("%s %s: status %d, want %d\n%s", lang, path, p.Status, wantStatus, p.Body)
	}
	if strings.Contains(p.Body, "⟦") {
		t.Errorf("%s %s: a message is missing:\n%s", lang, path, p.Body)
	}
	// A value the template formatted wrongly (fmt's "%!f(…)") is as bad.
	if strings.Contains(p.Body, "%!") {
		t.Errorf("%s %s: a value is shown as a format error:\n%s", lang, path, p.Body)
	}
	htmlLang := map[string]string{"zh": `<html lang="zh-CN">`, "en": `<html lang="en">`}[lang]
	if !strings.Contains(p.Body, htmlLang) {
		t.Errorf("%s %s: not in %s", lang, path, lang)
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("%s %s: CSP %q", lang, path, csp)
	}
	for _, ext := range []string{"http://", "https://", "//cdn"} {
		if i := strings.Index(p.Body, ext); i >= 0 {
			t.Errorf("%s %s: external reference %q", lang, path, p.Body[i:min(len(p.Body), i+60)])
		}
	}
}

// TestEveryPageRendersInBothLanguages walks a citizen through every page
// in Chinese and in English, on the test's store: signed out, before a
// profile, with a profile, declared, read by staff, appealing.
func TestEveryPageRendersInBothLanguages(t *testing.T) {
	missingKeys.Clear()
	s := newStack(t)
	ctx := context.Background()
	for i, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			c := s.client(t, browserLangs[lang])
			checkPage(t, lang, "/signin", c.get("/signin"), http.StatusOK)
			checkPage(t, lang, "/nothing", c.get("/nothing"), http.StatusNotFound)
			if p := c.get("/me/code"); p.Status != http.StatusSeeOther || p.Location != "/signin?next=%2Fme%2Fcode" {
				t.Fatalf("signed out /me/code: %d %q", p.Status, p.Location)
			}
			phone := []string{"13800138000", "13900139000"}[i]
			c.signIn(phone)
			p := c.get("/me/code")
			checkPage(t, lang, "/me/code (no profile)", p, http.StatusOK)
			if !strings.Contains(p.Body, `href="/me/profile"`) {
				t.Errorf("no way to the profile from a code page without one")
			}
			checkPage(t, lang, "/me/profile", c.get("/me/profile"), http.StatusOK)
			id := []string{"11010519491231002X", "33010619900101123X"}[i]
			p = c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {id}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("POST /me/profile: %d\n%s", p.Status, p.Body)
			}
			p = c.get("/me/profile?saved=1")
			checkPage(t, lang, "/me/profile?saved=1", p, http.StatusOK)
			if strings.Contains(p.Body, id) || !strings.Contains(p.Body, id[:2]+"**************"+id[16:]) {
				t.Errorf("profile does not show the document number masked:\n%s", p.Body)
			}
			checkPage(t, lang, "/me/code (no declaration)", c.get("/me/code"), http.StatusOK)
			checkPage(t, lang, "/me/declare", c.get("/me/declare"), http.StatusOK)
			p = c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}})
			if p.Status != http.StatusSeeOther || p.Location != "/me/code?declared=1" {
				t.Fatalf("POST /me/declare: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			p = c.get("/me/code?declared=1")
			checkPage(t, lang, "/me/code", p, http.StatusOK)
			word := map[string]string{"zh": "绿码", "en": "Green code"}[lang]
			if !strings.Contains(p.Body, `class="code code-green"`) || !strings.Contains(p.Body, word) ||
				!strings.Contains(p.Body, "data:image/png;base64,") || !strings.Contains(p.Body, "张*丰") {
				t.Errorf("my code is not a green code with its words, QR and masked name:\n%s", p.Body)
			}

			// A staff read, for the access log.
			personID, err := s.DB.FindPersonByIDNumber(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			staff := &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 1, Name: "cdc-1"}
			if err := s.Audit.Record(ctx, staff, personID, healthcode.ReadProfile+","+healthcode.ReadStatus, "outbreak 12"); err != nil {
				t.Fatal(err)
			}
			checkPage(t, lang, "/me/records (none)", c.get("/me/records"), http.StatusOK)
			addOwnRecords(t, s.DB, id)
			p = c.get("/me/records")
			checkPage(t, lang, "/me/records", p, http.StatusOK)
			wantRecords(t, lang, p.Body)
			p = c.get("/me/access-log")
			checkPage(t, lang, "/me/access-log", p, http.StatusOK)
			if !strings.Contains(p.Body, "cdc-1") || !strings.Contains(p.Body, "outbreak 12") {
				t.Errorf("the access log does not show the read:\n%s", p.Body)
			}
			checkPage(t, lang, "/me/appeals", c.get("/me/appeals"), http.StatusOK)
			p = c.post("/me/appeals", url.Values{"reason": {"我昨天的核酸是阴性的"}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("POST /me/appeals: %d\n%s", p.Status, p.Body)
			}
			p = c.get("/me/appeals?filed=1")
			checkPage(t, lang, "/me/appeals?filed=1", p, http.StatusOK)
			if !strings.Contains(p.Body, "我昨天的核酸是阴性的") {
				t.Errorf("the appeal is not listed")
			}
			// Signed in, every page of the navigation is linked.
			for _, path := range []string{"/me/code", "/me/declare", "/me/records", "/me/access-log", "/me/appeals", "/me/profile"} {
				if !strings.Contains(p.Body, `href="`+path+`"`) {
					t.Errorf("navigation lacks %s", path)
				}
			}
			p = c.post("/signout", url.Values{})
			if p.Status != http.StatusSeeOther || p.Location != "/signin" {
				t.Fatalf("POST /signout: %d %q", p.Status, p.Location)
			}
			if p := c.get("/me/records"); p.Status != http.StatusSeeOther {
				t.Errorf("after sign-out /me/records: %d", p.Status)
			}
		})
	}
	wantNoMissingKeys(t)
}

func TestLanguageSwitch(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["zh"])
	p := c.get("/lang/en?next=/signin")
	if p.Status != http.StatusSeeOther || p.Location != "/signin" {
		t.Fatalf("switch: %d %q", p.Status, p.Location)
	}
	checkPage(t, "en", "/signin after the switch", c.get("/signin"), http.StatusOK)
	if p := c.get("/lang/en?next=//evil.example/"); p.Location != "/" {
		t.Errorf("switch leaves the site: %q", p.Location)
	}
	if p := c.get("/lang/fr"); p.Status != http.StatusNotFound {
		t.Errorf("/lang/fr: %d", p.Status)
	}
}

// TestErrorsStandBesideTheirField posts bad forms and finds each message
// next to its input, which points at it.
func TestErrorsStandBesideTheirField(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["en"])
	p := c.post("/signin/otp", url.Values{"phone": {"12345"}})
	wantFieldError(t, p, "phone", "Enter a mainland mobile number")
	c.signIn("13800138000")

	p = c.post("/me/profile", url.Values{"name": {""}, "id_type": {"resident_id"}, "id_number": {"110105194912310021"}})
	wantFieldError(t, p, "name", "Required.")
	wantFieldError(t, p, "id_number", "check character does not match")

	p = c.post("/me/declare", url.Values{"temperature": {"hot"}, "case_contact": {"no"}})
	wantFieldError(t, p, "temperature", "Enter a number")
	p = c.post("/me/declare", url.Values{"temperature": {"36.5"}, "case_contact": {"no"},
		"places[1].division": {"12"}, "places[1].from": {"2020-01-01"}, "places[1].to": {"2020-01-02"}})
	wantFieldError(t, p, "places[1].division", "six-digit division code")
	wantFieldError(t, p, "places[1].to", "last 14 days")
	if !strings.Contains(p.Body, `value="12"`) {
		t.Errorf("the refused form is not filled in again")
	}
	p = c.post("/me/appeals", url.Values{"reason": {"no"}})
	wantFieldError(t, p, "reason", "5 to 500 characters")
}

func wantFieldError(t *testing.T, p answer, field, text string) {
	t.Helper()
	if p.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400\n%s", p.Status, p.Body)
	}
	v := &view{}
	errID := v.ErrID(field)
	msg := between(p.Body, `<p class="field-error" id="`+errID+`">`, "</p>")
	if !strings.Contains(strings.ToLower(msg), strings.ToLower(text)) {
		t.Errorf("%s: message %q, want %q\n%s", field, msg, text, p.Body)
	}
	// The input names its message.
	input := between(p.Body, `name="`+field+`"`, ">")
	if field != "reason" && (!strings.Contains(input, errID) || !strings.Contains(input, `aria-invalid="true"`)) {
		t.Errorf("%s: the input does not point at its message: %q", field, input)
	}
}

func TestCrossSiteFormIsRefused(t *testing.T) {
	s := newStack(t)
	req, _ := http.NewRequest("POST", s.HTTP.URL+"/signin/otp", strings.NewReader("phone=13800138000"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", resp.StatusCode)
	}
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	s := newStack(t)
	c := s.client(t, "")
	for name, u := range assetURL {
		if !regexp.MustCompile(`^/static/[a-z]+\.[0-9a-f]{8}\.[a-z]+$`).MatchString(u) {
			t.Errorf("%s: URL %s", name, u)
		}
		p := c.get(u)
		if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d %q", u, p.Status, p.Header.Get("Cache-Control"))
		}
	}
	if p := c.get("/static/app.00000000.css"); p.Status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", p.Status)
	}
	// The embedded files are all there is.
	n := 0
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if n != len(assetURL) {
		t.Errorf("%d files, %d URLs", n, len(assetURL))
	}
}

// TestAPIStaysJSON: with the pages mounted, the API still answers its
// unmatched routes and wrong methods in JSON.
func TestAPIStaysJSON(t *testing.T) {
	s := newStack(t)
	c := s.client(t, "")
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/v1/nothing", 404, "not_found"},
		{"PATCH", "/api/v1/me/code", 405, "method_not_allowed"},
	} {
		p := c.do(tc.method, tc.path, nil)
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if p.Status != tc.status || json.Unmarshal([]byte(p.Body), &e) != nil || e.Error.Code != tc.code {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, p.Status, p.Body)
		}
	}
	if p := c.get("/healthz"); p.Status != http.StatusOK {
		t.Errorf("/healthz: %d", p.Status)
	}
}
