package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	sent, err := e.auth.RequestOTP(ctx, "+86 138-0013-8000", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sent.DevOTP != "" {
		t.Fatal("dev_otp returned outside dev mode")
	}
	if !sent.ExpiresAt.Equal(e.clock.Now().Add(5 * time.Minute)) {
		t.Fatalf("expires_at = %v, want 5 minutes from now", sent.ExpiresAt)
	}
	code := e.sms.code("13800138000")
	if len(code) != 6 {
		t.Fatalf("sent code %q, want six digits (phone normalised)", code)
	}
	token, sess, err := e.auth.CreateSession(ctx, "13800138000", code, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !sess.ExpiresAt.After(e.clock.Now()) {
		t.Fatal("session already expired")
	}
	// The password works once.
	_, _, err = e.auth.CreateSession(ctx, "13800138000", code, "10.0.0.1")
	wantCode(t, err, healthcode.EUNAUTHORIZED)

	caller, err := e.auth.Authenticate(ctx, token)
	if err != nil || caller.Role != healthcode.RoleCitizen {
		t.Fatalf("Authenticate = %+v, %v", caller, err)
	}
	if err := e.auth.DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err = e.auth.Authenticate(ctx, token)
	wantCode(t, err, healthcode.EUNAUTHORIZED)
}

func TestDevModeReturnsPassword(t *testing.T) {
	e := newEnv(t)
	e.auth.Dev = true
	sent, err := e.auth.RequestOTP(context.Background(), "13800138000", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sent.DevOTP != e.sms.code("13800138000") {
		t.Fatalf("dev_otp %q, sent %q", sent.DevOTP, e.sms.code("13800138000"))
	}
}

func TestPasswordExpiresAfterFiveMinutes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.auth.RequestOTP(ctx, "13800138000", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(5*time.Minute + time.Second)
	_, _, err := e.auth.CreateSession(ctx, "13800138000", e.sms.code("13800138000"), "10.0.0.1")
	wantCode(t, err, healthcode.EUNAUTHORIZED)
}

func TestFiveWrongPasswordsLockThePhone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	phone := "13800138000"
	if _, err := e.auth.RequestOTP(ctx, phone, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	right := e.sms.code(phone)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 4; i++ {
		_, _, err := e.auth.CreateSession(ctx, phone, wrong, "10.0.0.1")
		wantCode(t, err, healthcode.EUNAUTHORIZED)
	}
	_, _, err := e.auth.CreateSession(ctx, phone, wrong, "10.0.0.1")
	wantCode(t, err, healthcode.ELOCKED)
	// Locked: even the right password and a new one are refused.
	_, _, err = e.auth.CreateSession(ctx, phone, right, "10.0.0.1")
	wantCode(t, err, healthcode.ELOCKED)
	e.clock.Add(2 * time.Minute)
	_, err = e.auth.RequestOTP(ctx, phone, "10.0.0.1")
	wantCode(t, err, healthcode.ELOCKED)
	// 15 minutes later the phone signs in again.
	e.clock.Add(14 * time.Minute)
	e.signIn(t, phone)
}

func TestPasswordRequestsAreRateLimited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.auth.RequestOTP(ctx, "13800138000", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	_, err := e.auth.RequestOTP(ctx, "13800138000", "10.0.0.2")
	wantCode(t, err, healthcode.ERATELIMIT)

	// Per phone: at most 5 sends an hour, even a minute apart.
	for i := 0; i < 4; i++ {
		e.clock.Add(61 * time.Second)
		if _, err := e.auth.RequestOTP(ctx, "13800138000", "10.0.0.3"); err != nil {
			t.Fatalf("send %d: %v", i+2, err)
		}
	}
	e.clock.Add(61 * time.Second)
	_, err = e.auth.RequestOTP(ctx, "13800138000", "10.0.0.3")
	wantCode(t, err, healthcode.ERATELIMIT)

	// Per address: one address cannot spray many phones.
	var last error
	for i := 0; i < 15; i++ {
		_, last = e.auth.RequestOTP(ctx, "1390000000"+string(rune('0'+i%10)), "10.9.9.9")
	}
	wantCode(t, last, healthcode.ERATELIMIT)
}

func TestBadSignInInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, phone := range []string{"", "12345", "23800138000", "1380013800a", "138001380001"} {
		_, err := e.auth.RequestOTP(ctx, phone, "10.0.0.1")
		wantCode(t, err, healthcode.EINVALID)
		if healthcode.ErrorFields(err)["phone"] == "" {
			t.Errorf("phone %q: no reason under field phone: %v", phone, err)
		}
	}
	_, _, err := e.auth.CreateSession(ctx, "13800138000", "12a456", "10.0.0.1")
	wantCode(t, err, healthcode.EINVALID)
	if healthcode.ErrorFields(err)["otp"] == "" {
		t.Errorf("no reason under field otp: %v", err)
	}
}

func TestStaffTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token, st, err := node.CreateStaffToken(ctx, e.db, node.StaffTokenRequest{Role: healthcode.RoleCheckpoint, VenueID: "v1", Name: "gate 1"}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.auth.Authenticate(ctx, token)
	if err != nil || c.Role != healthcode.RoleCheckpoint || c.VenueID != "v1" || c.TokenID != st.ID {
		t.Fatalf("Authenticate = %+v, %v", c, err)
	}
	// A peer token of the hub acts for one region.
	peer, _, err := node.CreateStaffToken(ctx, e.db, node.StaffTokenRequest{Role: healthcode.RolePeer, Region: "CN-330100"}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c, err := e.auth.Authenticate(ctx, peer); err != nil || c.Role != healthcode.RolePeer || c.Region != "CN-330100" {
		t.Fatalf("Authenticate(peer) = %+v, %v", c, err)
	}
	if err := e.db.RevokeStaffToken(ctx, st.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// A node keeps a token it found for a few seconds (a checkpoint sends
	// a request per scan); past that, the revocation holds.
	e.clock.Add(6 * time.Second)
	_, err = e.auth.Authenticate(ctx, token)
	wantCode(t, err, healthcode.EUNAUTHORIZED)

	for _, r := range []node.StaffTokenRequest{
		{Role: "boss"},
		{Role: healthcode.RoleCheckpoint},
		{Role: healthcode.RoleProvider},
		{Role: healthcode.RoleProvider, DataKind: "gossip"},
		{Role: healthcode.RoleHealth, VenueID: "v1"},
		{Role: healthcode.RoleHealth, Region: "CN-330100"},
		{Role: healthcode.RolePeer, Region: "330100"},
	} {
		_, _, err := node.CreateStaffToken(ctx, e.db, r, e.clock.Now())
		wantCode(t, err, healthcode.EINVALID)
	}
}
