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

// staffToken makes a staff token as `healthcode token create` does.
func (s *stack) staffToken(t testing.TB, r node.StaffTokenRequest) string {
	t.Helper()
	token, _, err := node.CreateStaffToken(context.Background(), s.DB, r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TestStaffSignIn: a bad token is refused beside the field, in words; a
// citizen's session is no staff token; a role without pages is told so;
// the sign-in page links to the staff's.
func TestStaffSignIn(t *testing.T) {
	s := newStack(t)
	c := s.client(t, browserLangs["en"])
	p := c.get("/signin")
	if !strings.Contains(p.Body, `href="/signin/staff"`) {
		t.Errorf("the sign-in page does not link to the staff sign-in")
	}
	checkPage(t, "en", "/signin/staff", c.get("/signin/staff"), http.StatusOK)

	p = c.post("/signin/staff", url.Values{"token": {"hct_not-a-token"}})
	wantTokenError(t, p, http.StatusUnauthorized, "unknown, revoked or not a staff token")
	if strings.Contains(p.Body, "hct_not-a-token") {
		t.Errorf("the refused token is shown again")
	}
	p = c.post("/signin/staff", url.Values{"token": {""}})
	wantTokenError(t, p, http.StatusBadRequest, "Required")

	provider := s.staffToken(t, node.StaffTokenRequest{Role: healthcode.RoleProvider, Name: "lab", DataKind: "tests"})
	p = c.post("/signin/staff", url.Values{"token": {provider}})
	wantTokenError(t, p, http.StatusForbidden, "no pages")
	if p.Header.Get("Set-Cookie") != "" {
		t.Errorf("a refused sign-in sets a cookie: %q", p.Header.Get("Set-Cookie"))
	}

	// A citizen's session token is not a staff token.
	cz := s.client(t, browserLangs["en"])
	cz.signIn("13800138000")
	u, _ := url.Parse(s.HTTP.URL)
	session := cz.c.Jar.Cookies(u)[0].Value
	p = c.post("/signin/staff", url.Values{"token": {session}})
	wantTokenError(t, p, http.StatusUnauthorized, "not a staff token")

	// In Chinese too.
	zh := s.client(t, browserLangs["zh"])
	p = zh.post("/signin/staff", url.Values{"token": {"hct_x"}})
	checkPage(t, "zh", "POST /signin/staff", p, http.StatusUnauthorized)
	if !strings.Contains(p.Body, "令牌无效") || !strings.Contains(p.Body, `href="/lang/en?next=%2fsignin%2fstaff"`) {
		t.Errorf("Chinese refusal:\n%s", p.Body)
	}
}

func wantTokenError(t *testing.T, p answer, status int, text string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d\n%s", p.Status, status, p.Body)
	}
	msg := between(p.Body, `<p class="field-error" id="err-token">`, "</p>")
	if !strings.Contains(strings.ToLower(msg), strings.ToLower(text)) {
		t.Errorf("message %q, want %q\n%s", msg, text, p.Body)
	}
	input := between(p.Body, `name="token"`, ">")
	if !strings.Contains(input, "err-token") || !strings.Contains(input, `aria-invalid="true"`) {
		t.Errorf("the input does not point at its message: %q", input)
	}
}
