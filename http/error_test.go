package http

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/healthcode/healthcode"
)

func TestErrorCodesMapToStatus(t *testing.T) {
	tests := []struct {
		code   string
		status int
	}{
		{healthcode.EINVALID, 400},
		{healthcode.EUNAUTHORIZED, 401},
		{healthcode.EFORBIDDEN, 403},
		{healthcode.ENOTFOUND, 404},
		{healthcode.ECONFLICT, 409},
		{healthcode.ETOOLARGE, 413},
		{healthcode.ELOCKED, 423},
		{healthcode.ERATELIMIT, 429},
		{healthcode.EUNAVAILABLE, 503},
		{healthcode.EINTERNAL, 500},
		{"something_new", 500},
	}
	ts := newTestServer(t)
	for _, tt := range tests {
		ts.citizens.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) {
			return nil, healthcode.Errorf(tt.code, "because")
		}
		w := ts.do("GET", "/api/v1/me/status", "", asCitizen...)
		if w.Code != tt.status {
			t.Errorf("%s: status %d, want %d", tt.code, w.Code, tt.status)
		}
		if e := errorOf(t, w); tt.status != 500 && (e.Code != tt.code || e.Message != "because") {
			t.Errorf("%s: error %+v", tt.code, e)
		}
	}
}

func TestServiceFieldsPassThrough(t *testing.T) {
	ts := newTestServer(t)
	ts.citizens.SaveProfileFn = func(ctx context.Context, id int64, p *healthcode.Profile) (*healthcode.Profile, error) {
		var fe healthcode.FieldErrors
		fe.Add("id_number", "check digit does not match")
		fe.Add("conditions[1]", "too long")
		return nil, fe.Err()
	}
	w := ts.do("PUT", "/api/v1/me/profile", `{"id_number":"x"}`, asCitizen...)
	wantStatus(t, w, http.StatusBadRequest)
	e := errorOf(t, w)
	if e.Code != "invalid" || e.Fields["id_number"] != "check digit does not match" || e.Fields["conditions[1]"] != "too long" {
		t.Errorf("error %+v", e)
	}
}

func TestInternalErrorIsHiddenAndLogged(t *testing.T) {
	ts := newTestServer(t)
	ts.citizens.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) {
		return nil, healthcode.Internal(errors.New("disk on fire"), "load status")
	}
	w := ts.do("GET", "/api/v1/me/status", "", asCitizen...)
	wantStatus(t, w, http.StatusInternalServerError)
	if e := errorOf(t, w); e.Message != "internal error" || strings.Contains(w.Body.String(), "fire") {
		t.Errorf("body leaks the cause: %s", w.Body)
	}
	if !strings.Contains(ts.log.String(), "disk on fire") {
		t.Errorf("cause not logged: %s", ts.log)
	}

	// A foreign error is internal too.
	ts.citizens.StatusFn = func(ctx context.Context, id int64) (*healthcode.Status, error) {
		return nil, errors.New("sql: secret table broke")
	}
	w = ts.do("GET", "/api/v1/me/status", "", asCitizen...)
	wantStatus(t, w, http.StatusInternalServerError)
	if strings.Contains(w.Body.String(), "secret") {
		t.Errorf("body leaks the cause: %s", w.Body)
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	ts := newTestServer(t)
	ts.auth.RequestOTPFn = func(ctx context.Context, phone, addr string) (*healthcode.OTPSent, error) {
		return nil, &healthcode.Error{Code: healthcode.ERATELIMIT, Message: "too many requests: try again in 42 seconds",
			Fields: map[string]string{"retry_after": "42"}}
	}
	w := ts.do("POST", "/api/v1/auth/otp", `{"phone":"13800138000"}`)
	wantStatus(t, w, http.StatusTooManyRequests)
	if ra := w.Header().Get("Retry-After"); ra != "42" {
		t.Errorf("Retry-After %q", ra)
	}
}
