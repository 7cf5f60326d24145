package http

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// meRoutes are the citizen routes with a body that passes decoding, so
// that only the caller decides the outcome.
var meRoutes = []struct{ method, path, body string }{
	{"GET", "/api/v1/me/profile", ""},
	{"PUT", "/api/v1/me/profile", `{"name":"张三"}`},
	{"POST", "/api/v1/me/declarations", `{"temperature":36.5}`},
	{"GET", "/api/v1/me/declarations", ""},
	{"GET", "/api/v1/me/status", ""},
	{"GET", "/api/v1/me/records", ""},
	{"GET", "/api/v1/me/code", ""},
	{"GET", "/api/v1/me/code.png", ""},
	{"GET", "/api/v1/me/code.svg", ""},
	{"DELETE", "/api/v1/auth/session", ""},
}

// okCitizens makes every CitizenService method succeed.
func okCitizens(ts *testServer) {
	c := ts.citizens
	profile := func(ctx context.Context, id int64) (*healthcode.Profile, error) {
		return &healthcode.Profile{PersonID: id, Name: "张三"}, nil
	}
	c.ProfileFn = profile
	c.SaveProfileFn = func(ctx context.Context, id int64, p *healthcode.Profile) (*healthcode.Profile, error) {
		return profile(ctx, id)
	}
	c.DeclareFn = func(ctx context.Context, id int64, d *healthcode.Declaration) (*healthcode.Declaration, *healthcode.Status, error) {
		return d, &healthcode.Status{}, nil
	}
	c.DeclarationsFn = func(ctx context.Context, id int64, limit int) ([]*healthcode.Declaration, error) { return nil, nil }
	c.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) { return &healthcode.Status{}, nil }
	c.RecordsFn = func(ctx context.Context, id int64) (*healthcode.OwnRecords, error) {
		return &healthcode.OwnRecords{}, nil
	}
	ts.auth.DeleteSessionFn = func(ctx context.Context, token string) error { return nil }
}

func TestMeRoutesRequireCitizen(t *testing.T) {
	ts := newTestServer(t)
	okCitizens(ts)
	for _, rt := range meRoutes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			w := ts.do(rt.method, rt.path, rt.body)
			wantStatus(t, w, http.StatusUnauthorized)
			if errorOf(t, w).Code != healthcode.EUNAUTHORIZED {
				t.Errorf("code %s", errorOf(t, w).Code)
			}
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
			}

			w = ts.do(rt.method, rt.path, rt.body, "Authorization", "Bearer nonsense")
			wantStatus(t, w, http.StatusUnauthorized)

			w = ts.do(rt.method, rt.path, rt.body, "Authorization", "Bearer "+staffToken)
			wantStatus(t, w, http.StatusForbidden)

			w = ts.do(rt.method, rt.path, rt.body, asCitizen...)
			if w.Code >= 300 {
				t.Fatalf("citizen got %d: %s", w.Code, w.Body)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
		})
	}
}

func TestCookieAuthenticatesLikeBearer(t *testing.T) {
	ts := newTestServer(t)
	var got int64
	ts.citizens.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) {
		got = healthcode.CallerFromContext(ctx).PersonID
		return &healthcode.Status{}, nil
	}
	w := ts.do("GET", "/api/v1/me/status", "", "Cookie", "hc_session="+citizenToken)
	wantStatus(t, w, http.StatusOK)
	if got != personID {
		t.Errorf("service called for person %d, want %d", got, personID)
	}
	w = ts.do("GET", "/api/v1/me/status", "", "Cookie", "hc_session=stale")
	wantStatus(t, w, http.StatusUnauthorized)
}

func TestCSRFForCookieOnly(t *testing.T) {
	ts := newTestServer(t)
	okCitizens(ts)
	body := `{"name":"张三"}`
	cookie := "hc_session=" + citizenToken

	w := ts.do("PUT", "/api/v1/me/profile", body, "Cookie", cookie, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, w, http.StatusForbidden)
	w = ts.do("PUT", "/api/v1/me/profile", body, "Cookie", cookie, "Origin", "https://evil.example")
	wantStatus(t, w, http.StatusForbidden)

	w = ts.do("PUT", "/api/v1/me/profile", body, "Cookie", cookie, "Sec-Fetch-Site", "same-origin")
	wantStatus(t, w, http.StatusOK)
	w = ts.do("PUT", "/api/v1/me/profile", body, "Cookie", cookie, "Origin", "http://example.com")
	wantStatus(t, w, http.StatusOK) // httptest's Host is example.com

	// A cross-site GET is harmless (it only reads), and a bearer token is
	// never sent by the browser on its own.
	w = ts.do("GET", "/api/v1/me/profile", "", "Cookie", cookie, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, w, http.StatusOK)
	w = ts.do("PUT", "/api/v1/me/profile", body, append([]string{"Sec-Fetch-Site", "cross-site"}, asCitizen...)...)
	wantStatus(t, w, http.StatusOK)
}

func TestOTPRequest(t *testing.T) {
	ts := newTestServer(t)
	var gotPhone, gotAddr string
	ts.auth.RequestOTPFn = func(ctx context.Context, phone, addr string) (*healthcode.OTPSent, error) {
		gotPhone, gotAddr = phone, addr
		return &healthcode.OTPSent{ExpiresAt: testTime, DevOTP: "123456"}, nil
	}
	w := ts.do("POST", "/api/v1/auth/otp", `{"phone":"13800138000"}`, "X-Forwarded-For", "203.0.113.9")
	wantStatus(t, w, http.StatusOK)
	m := decodeBody(t, w)
	if m["expires_at"] != "2026-11-20T08:00:00Z" {
		t.Errorf("expires_at %v", m["expires_at"])
	}
	if _, ok := m["dev_otp"]; ok {
		t.Errorf("dev_otp answered outside dev mode")
	}
	if gotPhone != "13800138000" || gotAddr != "192.0.2.1" {
		t.Errorf("service got phone %q addr %q; X-Forwarded-For must be ignored without TrustProxy", gotPhone, gotAddr)
	}

	ts.Dev, ts.TrustProxy = true, true
	w = ts.do("POST", "/api/v1/auth/otp", `{"phone":"13800138000"}`, "X-Forwarded-For", "203.0.113.9, 10.0.0.1")
	if m := decodeBody(t, w); m["dev_otp"] != "123456" {
		t.Errorf("dev_otp %v in dev mode", m["dev_otp"])
	}
	if gotAddr != "203.0.113.9" {
		t.Errorf("client addr %q with TrustProxy", gotAddr)
	}
}

func TestSessionCreate(t *testing.T) {
	for _, secure := range []bool{false, true} {
		ts := newTestServer(t)
		ts.SecureCookies = secure
		expires := testTime.Add(30 * 24 * time.Hour)
		ts.auth.CreateSessionFn = func(ctx context.Context, phone, otp, addr string) (string, *healthcode.Session, error) {
			if phone != "13800138000" || otp != "123456" {
				return "", nil, healthcode.Errorf(healthcode.EUNAUTHORIZED, "wrong password")
			}
			return "tok", &healthcode.Session{PersonID: personID, ExpiresAt: expires}, nil
		}
		w := ts.do("POST", "/api/v1/auth/session", `{"phone":"13800138000","otp":"123456"}`)
		wantStatus(t, w, http.StatusCreated)
		if m := decodeBody(t, w); m["token"] != "tok" || m["expires_at"] == nil {
			t.Errorf("body %v", m)
		}
		res := w.Result()
		if len(res.Cookies()) != 1 {
			t.Fatalf("cookies %v", res.Cookies())
		}
		c := res.Cookies()[0]
		if c.Name != "hc_session" || c.Value != "tok" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
			c.Path != "/" || c.Secure != secure || !c.Expires.Equal(expires) {
			t.Errorf("cookie %+v (secure=%v)", c, secure)
		}

		w = ts.do("POST", "/api/v1/auth/session", `{"phone":"13800138000","otp":"000000"}`)
		wantStatus(t, w, http.StatusUnauthorized)
	}
}

func TestSessionDelete(t *testing.T) {
	ts := newTestServer(t)
	var deleted string
	ts.auth.DeleteSessionFn = func(ctx context.Context, token string) error { deleted = token; return nil }
	w := ts.do("DELETE", "/api/v1/auth/session", "", "Cookie", "hc_session="+citizenToken, "Sec-Fetch-Site", "same-origin")
	wantStatus(t, w, http.StatusNoContent)
	if deleted != citizenToken {
		t.Errorf("deleted %q", deleted)
	}
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != "hc_session" || c[0].MaxAge >= 0 {
		t.Errorf("cookie not cleared: %v", c)
	}
}
