package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// The second review's findings, each with the test that found it fixed.

// TestTablesTakeTheirWidth: short cells (dates, roles, counts, a trace's
// stay and overlap) stay on one line, a table that must scroll sideways
// shows that it does, and the dashboard's colour history is as wide as
// its columns, not a third of the page with its last columns hidden.
func TestTablesTakeTheirWidth(t *testing.T) {
	css := func(name string) string {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	rule := func(sheet, selector string) string {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(selector) + ` \{([^}]*)\}`).FindStringSubmatch(sheet)
		if m == nil {
			t.Errorf("no rule %s", selector)
			return ""
		}
		return m[1]
	}
	app, staff := css("app.css"), css("staff.css")
	if r := rule(app, ".nowrap"); !strings.Contains(r, "white-space: nowrap") {
		t.Errorf(".nowrap is {%s}", r)
	}
	if r := rule(app, "th"); !strings.Contains(r, "white-space: nowrap") {
		t.Errorf("th is {%s}: a header breaks one character a line", r)
	}
	// The scroll shadows: covers that scroll with the table over shadows
	// that stay at the box's edges.
	if r := rule(app, ".table-wrap"); !strings.Contains(r, "overflow-x: auto") || strings.Count(r, "no-repeat local") != 2 || strings.Count(r, "no-repeat scroll") != 2 {
		t.Errorf(".table-wrap shows no sign of more to scroll: {%s}", r)
	}
	if strings.Contains(staff, "3fr 2fr") || !strings.Contains(rule(staff, ".history .table-wrap"), "flex: 0 1 auto") {
		t.Errorf("the colour history's table is squeezed beside the chart:\n%s", staff)
	}

	s := newStaffPages(t)
	admin := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "运维"})
	p := s.staffClient(t, admin, browserLangs["zh"]).get("/admin")
	checkPage(t, "zh", "/admin", p, http.StatusOK)
	if !strings.Contains(p.Body, `<td class="nowrap">管理员</td>`) {
		t.Errorf("the role may break one character a line:\n%s", between(p.Body, "<tbody>", "</tbody>"))
	}
	trace, err := templateFS.ReadFile("templates/trace.html")
	if err != nil {
		t.Fatal(err)
	}
	row := between(string(trace), "{{range .Exposures}}", "{{end}}")
	for _, cell := range []string{`"health.degree." .Degree`, ".Name", ".IDNumber", "{{time .From}}", ".Overlap"} {
		if !regexp.MustCompile(`<td class="nowrap">[^<]*` + regexp.QuoteMeta(cell)).MatchString(row) {
			t.Errorf("the trace's cell %s may wrap: %s", cell, row)
		}
	}
}

// TestVenuePageSaysTheWholePolicy: the venue's page says what it admits
// as its checkpoint does, "no action required" included.
func TestVenuePageSaysTheWholePolicy(t *testing.T) {
	s := newStaffPages(t)
	v := s.venue(t, "银泰百货", 200)
	operator := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleVenue, Name: "银泰前台", VenueID: v.ID})
	door := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleCheckpoint, Name: "东门", VenueID: v.ID})
	for lang, want := range map[string]string{"zh": "绿码、无待办防疫要求", "en": "Green code, no action required"} {
		p := s.staffClient(t, operator, browserLangs[lang]).get("/venues/" + v.ID)
		checkPage(t, lang, "/venues/{id}", p, http.StatusOK)
		if !strings.Contains(p.Body, "<dd>"+want+"</dd>") {
			t.Errorf("%s: the venue page's policy is not %q:\n%s", lang, want, between(p.Body, `<dl class="facts">`, "</dl>"))
		}
		p = s.staffClient(t, door, browserLangs[lang]).get("/checkpoint")
		if !strings.Contains(p.Body, want) {
			t.Errorf("%s: the checkpoint's policy is not %q:\n%s", lang, want, between(p.Body, `class="cp-policy"`, "</p>"))
		}
	}
}

// TestRetryAfterIsSaid: a password asked for again too soon and a phone
// locked after wrong passwords say how long to wait, in both languages.
func TestRetryAfterIsSaid(t *testing.T) {
	s := newStack(t)
	for i, tt := range []struct{ lang, soon, locked string }{
		{"zh", `操作太频繁。请 (59|60) 秒后再试。`, `该手机号已暂时锁定。请约 15 分钟后再试。`},
		{"en", `Too many attempts. Try again in (59|60) seconds.`, `this phone is locked for now. Try again in about 15 minutes.`},
	} {
		phone := "1380013800" + strconv.Itoa(i)
		c := s.client(t, browserLangs[tt.lang])
		if p := c.post("/signin/otp", url.Values{"phone": {phone}}); p.Status != http.StatusOK {
			t.Fatalf("POST /signin/otp: %d\n%s", p.Status, p.Body)
		}
		p := c.post("/signin/otp", url.Values{"phone": {phone}})
		if p.Status != http.StatusTooManyRequests || !regexp.MustCompile(tt.soon).MatchString(p.Body) {
			t.Errorf("%s: a password asked for again at once: %d, want %q:\n%s", tt.lang, p.Status, tt.soon, p.Body)
		}
		for range 5 {
			p = c.post("/signin", url.Values{"phone": {phone}, "otp": {"000000"}})
		}
		if p.Status != http.StatusLocked || !strings.Contains(p.Body, tt.locked) {
			t.Errorf("%s: the fifth wrong password: %d, want %q:\n%s", tt.lang, p.Status, tt.locked, p.Body)
		}
	}
}

// TestJobSaysWhereItCameFrom: a job's page says its reason in words and
// links to the page it came from, only when the viewer may open it (an
// admin may follow a job but opens no import page).
func TestJobSaysWhereItCameFrom(t *testing.T) {
	s := newStaffPages(t)
	health := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "cdc"}), browserLangs["zh"])
	admin := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "ops"}), browserLangs["en"])
	for _, tt := range []struct {
		reason, zh, en, link string
	}{
		{"import tests", "导入数据：核酸检测", "Data imported: ", "/health/imports"},
		{"risk areas changed", "风险地区已更改", "Risk areas changed", "/health/risk-areas"},
		{"trace 7 applied", "流调 7 已转为密接记录", "Trace 7 recorded as contacts", "/health/traces/7"},
		{"schedule", "定时重新评估", "Scheduled re-evaluation", ""},
		{"import nonsense", "import nonsense", "import nonsense", ""},
	} {
		job, err := s.Recompute.Recompute(context.Background(), tt.reason)
		if err != nil {
			t.Fatal(err)
		}
		// Ended before the next is asked for: a job still queued would be
		// answered for it, with its own reason.
		waitJob(t, s, job.ID)
		path := "/health/jobs/" + strconv.FormatInt(job.ID, 10)
		p := health.get(path)
		checkPage(t, "zh", path, p, http.StatusOK)
		links := between(p.Body, `<p class="links">`, "</p>")
		if !strings.Contains(p.Body, "<dd>"+tt.zh+"</dd>") {
			t.Errorf("%q: the reason is not %q:\n%s", tt.reason, tt.zh, between(p.Body, `<dl class="facts">`, "</dl>"))
		}
		for _, other := range []string{"/health/imports", "/health/risk-areas", "/health/traces/"} {
			if want := tt.link != "" && strings.HasPrefix(tt.link, other); strings.Contains(links, `href="`+other) != want {
				t.Errorf("%q: health staff's links %s, want %q", tt.reason, links, tt.link)
			}
		}
		if tt.link != "" && !strings.Contains(links, `href="`+tt.link+`"`) {
			t.Errorf("%q: no link to %s: %s", tt.reason, tt.link, links)
		}
		p = admin.get(path)
		checkPage(t, "en", path, p, http.StatusOK)
		if links := between(p.Body, `<p class="links">`, "</p>"); strings.Contains(links, `href="/health/`) || !strings.Contains(p.Body, "<dd>"+tt.en) {
			t.Errorf("%q: an admin's job page: links %s, want the reason %q", tt.reason, links, tt.en)
		}
		for _, l := range regexp.MustCompile(`href="(/[^"]*)"`).FindAllStringSubmatch(between(p.Body, "<main", "</main>"), -1) {
			if q := admin.get(l[1]); q.Status != http.StatusOK {
				t.Errorf("%q: an admin's job page links to %s, answered %d", tt.reason, l[1], q.Status)
			}
		}
	}
}

// TestCheckinDenialSaysWhatToDo: the next step of a denied check-in fits
// its reasons: a missing test says to get one (not to look at a green
// code, which does not mention the venue's test rule); a colour the venue
// does not admit points at "my code", with a link.
func TestCheckinDenialSaysWhatToDo(t *testing.T) {
	s := newCheckinStack(t)
	c := s.client(t, browserLangs["zh"])
	c.signIn("13800138000")
	c.post("/me/profile", url.Values{"name": {"张三丰"}, "id_type": {"resident_id"}, "id_number": {"11010519491231002X"}})
	c.post("/me/declare", url.Values{"temperature": {"36.6"}, "case_contact": {"no"}})

	p := c.post("/me/checkin", url.Values{"place_code": {s.StationCode}})
	checkPage(t, "zh", "POST /me/checkin (station)", p, http.StatusOK)
	result := between(p.Body, `id="ci-result"`, "</section>")
	if !strings.Contains(result, "请先做核酸检测") || strings.Contains(result, "我的健康码") || strings.Contains(result, `href="/me/code"`) {
		t.Errorf("a denial for want of a test does not say to get one:\n%s", result)
	}

	s.positiveTest(t, "11010519491231002X")
	p = c.post("/me/checkin", url.Values{"place_code": {s.MallCode}})
	result = between(p.Body, `id="ci-result"`, "</section>")
	if !strings.Contains(result, "ci-deny") && !strings.Contains(p.Body, "ci-deny") {
		t.Fatalf("a red code is not denied at the mall:\n%s", result)
	}
	if !strings.Contains(result, "请查看“我的健康码”了解原因") || !strings.Contains(result, `href="/me/code"`) || strings.Contains(result, "核酸检测，取得") {
		t.Errorf("a denial for the colour does not point at my code:\n%s", result)
	}
}

// TestServiceMessagesInChinese: the services' English messages and field
// reasons a staff page meets are shown in the page's language, no English
// left (but the codes and formats one types, such as CN- or YYYY-MM-DD).
func TestServiceMessagesInChinese(t *testing.T) {
	s := newStaffPages(t)
	ctx := context.Background()
	health := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleHealth, Name: "西湖区疾控"}), browserLangs["zh"])
	admin := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "运维"}), browserLangs["zh"])
	v, other := s.venue(t, "银泰百货", 200), s.venue(t, "西湖文化广场", 0)
	operator := s.staffClient(t, s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleVenue, Name: "银泰前台", VenueID: v.ID}), browserLangs["zh"])

	// The words a message may keep: what one types.
	english := regexp.MustCompile(`[A-Za-z]{2,}`)
	typed := map[string]bool{"CN": true, "YYYY": true, "MM": true, "DD": true, "RFC": true, "high": true, "medium": true, "low": true}
	noEnglish := func(what, msg, want string) {
		t.Helper()
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want %q", what, msg, want)
		}
		for _, w := range english.FindAllString(msg, -1) {
			if !typed[w] {
				t.Errorf("%s: English %q left in %q", what, w, msg)
			}
		}
	}
	// text is the words of the page's messages: the one on top and those
	// beside fields, without markup.
	tags := regexp.MustCompile(`<[^>]*>`)
	text := func(p answer) string {
		var msgs []string
		for _, m := range regexp.MustCompile(`(?s)<p class="(?:error|field-error)"[^>]*>(.*?)</p>`).FindAllStringSubmatch(p.Body, -1) {
			msgs = append(msgs, tags.ReplaceAllString(m[1], ""))
		}
		return strings.Join(msgs, " | ")
	}

	p := health.post("/health/persons", url.Values{"id_type": {"resident_id"}, "id_number": {"11010519491231002X"}, "purpose": {"核查"}})
	noEnglish("a person nobody has", text(p), "没有登记持此证件的人员")
	for path, want := range map[string]string{"/health/jobs/999": "找不到该任务", "/health/traces/999?purpose=" + url.QueryEscape("核查"): "找不到该流调"} {
		p = health.get(path)
		if p.Status != http.StatusNotFound {
			t.Errorf("%s: %d", path, p.Status)
		}
		noEnglish(path, text(p), want)
	}
	p = operator.get("/venues/" + other.ID)
	noEnglish("another venue", text(p), "此令牌属于另一个场所")

	for _, tt := range []struct {
		form        url.Values
		field, want string
	}{
		{url.Values{"role": {"venue"}, "name": {"前台"}}, "venue", "必须填写场所编号"},
		{url.Values{"role": {"checkpoint"}, "name": {"东门"}}, "venue", "必须填写场所编号"},
		{url.Values{"role": {"health"}, "name": {"疾控"}, "venue": {v.ID}}, "venue", "请留空"},
		{url.Values{"role": {"provider"}, "name": {"实验室"}}, "kind", "须选择一类数据"},
		{url.Values{"role": {"org"}, "name": {"学校"}}, "org", "必须填写所管理的组织编号"},
		{url.Values{"role": {"peer"}, "name": {"上海"}, "region": {"SH"}}, "region", "6 位行政区划代码"},
	} {
		p = admin.post("/admin/tokens", tt.form)
		if !strings.Contains(p.Body, `id="err-`+tt.field+`"`) {
			t.Errorf("token %v: no message beside %s", tt.form, tt.field)
		}
		noEnglish(fmt.Sprint("token ", tt.form), text(p), tt.want)
	}

	for _, tt := range []struct{ areas, want string }{
		{"330106,文三路街道,high,soon,\n", "第 1 行：开始时间应为日期"},
		{"330106,文三路街道,high,2026-11-20,later\n", "第 1 行：结束时间应为"},
		{"330106,文三路街道\n", "第 1 行：应为"},
		{"330106,文三路街道,severe,2026-11-20,\n", "第 1 个地区的等级：须为"},
		{"330106,文三路街道,high,2026-11-20,2026-11-19\n", "第 1 个地区的结束：须晚于开始时间"},
		{"330106,文三路街道,high,2026-11-20,\n3301,x,high,2026-11-20,\n", "第 2 个地区的地区代码"},
	} {
		p = health.post("/health/risk-areas", url.Values{"areas": {tt.areas}})
		noEnglish(tt.areas, text(p), tt.want)
	}

	// A decision that ends in the past.
	cz, personID := s.citizen(t, "13800138000", "11010519491231002X", "zh")
	if p := cz.post("/me/appeals", url.Values{"reason": {"我的核酸是阴性的，请核实"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("POST /me/appeals: %d\n%s", p.Status, p.Body)
	}
	p = health.get("/health/appeals?purpose=" + url.QueryEscape("申诉审核"))
	appealID := between(p.Body, `action="/health/appeals/`, `"`)
	p = health.post("/health/appeals/"+appealID, url.Values{"decision": {"accept"}, "colour": {"green"}, "until": {"2020-01-01"},
		"reason": {"复核为阴性"}, "purpose": {"申诉审核"}})
	noEnglish("an appeal's end in the past", text(p), "须为将来的时间")

	// A read by a trace's report, in the person's access log.
	staff := &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 1, Name: "西湖区疾控"}
	if err := s.Audit.Record(ctx, staff, personID, "trace 5", "流调"); err != nil {
		t.Fatal(err)
	}
	p = cz.get("/me/access-log")
	if body := between(p.Body, "<tbody>", "</tbody>"); !strings.Contains(body, "流调 5") || strings.Contains(body, "trace 5") {
		t.Errorf("the access log shows a trace's read as %s", body)
	}
}

// TestStaffSignInSaysWhereTokensComeFrom: the hint names the admin's page
// that makes tokens, not a venue's device page that does not exist.
func TestStaffSignInSaysWhereTokensComeFrom(t *testing.T) {
	s := newStack(t)
	for lang, want := range map[string]string{"zh": "“系统管理”页", "en": "Administration page"} {
		p := s.client(t, browserLangs[lang]).get("/signin/staff")
		checkPage(t, lang, "/signin/staff", p, http.StatusOK)
		if !strings.Contains(p.Body, want) || strings.Contains(p.Body, "设备管理") || strings.Contains(p.Body, "device page") {
			t.Errorf("%s: the staff sign-in does not say tokens come from the admin's page:\n%s", lang, between(p.Body, "<main", "</main>"))
		}
	}
}
