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

// requestOTP has a password sent to phone from 10.0.0.1 and returns it
// with a wrong one.
func requestOTP(t *testing.T, e *env, phone string) (right, wrong string) {
	t.Helper()
	if _, err := e.auth.RequestOTP(context.Background(), phone, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	right, wrong = e.sms.code(phone), "000000"
	if right == wrong {
		wrong = "111111"
	}
	return right, wrong
}

func TestFiveWrongPasswordsLockThePhone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	phone := "13800138000"
	right, wrong := requestOTP(t, e, phone)
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

// gateway is an SMS gateway that may be down: then it fails every send
// (after running during, when set), else it passes the send on.
type gateway struct {
	next   node.OTPSender
	down   bool
	calls  int
	during func()
}

func (g *gateway) SendOTP(ctx context.Context, phone, code string, expiresAt time.Time) error {
	g.calls++
	if !g.down {
		return g.next.SendOTP(ctx, phone, code, expiresAt)
	}
	if g.during != nil {
		g.during()
	}
	return healthcode.Errorf(healthcode.EUNAVAILABLE, "the SMS gateway cannot be reached")
}

func (e *env) otpRow(t *testing.T, phone string) healthcode.OTP {
	t.Helper()
	var row healthcode.OTP
	if err := e.db.UpdateOTP(context.Background(), phone, func(o *healthcode.OTP) error { row = *o; return nil }); err != nil {
		t.Fatal(err)
	}
	return row
}

// A send that failed counts against neither of the phone's send limits:
// the person asks again at once, and still has five sends an hour.
func TestFailedSendDoesNotCount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gw := &gateway{next: e.sms, down: true}
	e.auth.Sender = gw
	const phone = "13800138000"
	_, err := e.auth.RequestOTP(ctx, phone, "10.0.0.1")
	wantCode(t, err, healthcode.EUNAVAILABLE)
	if row := e.otpRow(t, phone); row.CodeHash != nil || !row.SentAt.IsZero() || row.SendCount != 0 {
		t.Fatalf("after a failed send the row holds %+v, want nothing sent", row)
	}
	gw.down = false
	if _, err := e.auth.RequestOTP(ctx, phone, "10.0.0.1"); err != nil {
		t.Fatalf("asking again at once after a failed send: %v", err)
	}
	if _, _, err := e.auth.CreateSession(ctx, phone, e.sms.code(phone), "10.0.0.1"); err != nil {
		t.Fatalf("the password sent after the failure: %v", err)
	}
	e.clock.Add(61 * time.Second)
	// Failures between the sends take none of the five an hour (four
	// failures in all: a fifth would use up the phone's failed sends).
	for i := 2; i <= 5; i++ {
		if i > 2 {
			gw.down = true
			_, err := e.auth.RequestOTP(ctx, phone, "10.0.0.2")
			wantCode(t, err, healthcode.EUNAVAILABLE)
			gw.down = false
		}
		if _, err := e.auth.RequestOTP(ctx, phone, "10.0.0.2"); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		e.clock.Add(61 * time.Second)
	}
	if row := e.otpRow(t, phone); row.SendCount != 5 {
		t.Fatalf("SendCount = %d after five sends and four failures, want 5", row.SendCount)
	}
	_, err = e.auth.RequestOTP(ctx, phone, "10.0.0.2")
	wantCode(t, err, healthcode.ERATELIMIT)
}

// The password sent before a failed send still signs in: the failed one
// never reached the person. Wrong tries made while the send was failing
// count against it, and lock the phone at the fifth.
func TestFailedSendKeepsTheLastPassword(t *testing.T) {
	for _, tc := range []struct {
		name          string
		wrongBefore   int // wrong tries against the first password
		wrongDuring   int // while the second send fails
		wantSignIn    bool
		wantLockedNow bool
	}{
		{"no wrong tries", 0, 0, true, false},
		{"some before and during", 2, 2, true, false},
		{"the fifth during", 3, 2, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			gw := &gateway{next: e.sms}
			e.auth.Sender = gw
			const phone = "13800138000"
			first, wrong := requestOTP(t, e, phone)
			for range tc.wrongBefore {
				e.auth.CreateSession(ctx, phone, wrong, "10.0.0.1")
			}
			e.clock.Add(61 * time.Second)
			gw.down = true
			gw.during = func() {
				for range tc.wrongDuring {
					e.auth.CreateSession(ctx, phone, wrong, "10.0.0.1")
				}
			}
			_, err := e.auth.RequestOTP(ctx, phone, "10.0.0.1")
			wantCode(t, err, healthcode.EUNAVAILABLE)
			row := e.otpRow(t, phone)
			if locked := e.clock.Now().Before(row.LockedUntil); locked != tc.wantLockedNow {
				t.Fatalf("locked %v (row %+v), want %v", locked, row, tc.wantLockedNow)
			}
			_, _, err = e.auth.CreateSession(ctx, phone, first, "10.0.0.1")
			if tc.wantSignIn && err != nil {
				t.Fatalf("the first password after the failed send: %v", err)
			}
			if !tc.wantSignIn && healthcode.ErrorCode(err) != healthcode.ELOCKED {
				t.Fatalf("the first password after five wrong tries: %v, want locked", err)
			}
		})
	}
}

// A failing gateway is not asked without end for one phone: five sends
// in a row fail, then one every 12 minutes is tried; the rest are refused
// without reaching it.
func TestFailedSendsAreBounded(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gw := &gateway{next: e.sms, down: true}
	e.auth.Sender = gw
	const phone = "13800138000"
	for i := range node.OTPFailedSendsBurst {
		_, err := e.auth.RequestOTP(ctx, phone, "10.0.0.1")
		wantCode(t, err, healthcode.EUNAVAILABLE)
		e.clock.Add(time.Second)
		if gw.calls != i+1 {
			t.Fatalf("the gateway was asked %d times for %d requests", gw.calls, i+1)
		}
	}
	_, err := e.auth.RequestOTP(ctx, phone, "10.0.0.2")
	wantCode(t, err, healthcode.ERATELIMIT)
	if gw.calls != node.OTPFailedSendsBurst {
		t.Fatalf("the gateway was asked %d times, want %d: the refused request reached it", gw.calls, node.OTPFailedSendsBurst)
	}
	// Another phone is not held back by this one's failures.
	_, err = e.auth.RequestOTP(ctx, "13900139000", "10.0.0.3")
	wantCode(t, err, healthcode.EUNAVAILABLE)

	e.clock.Add(node.OTPFailedSendEvery)
	_, err = e.auth.RequestOTP(ctx, phone, "10.0.0.2")
	wantCode(t, err, healthcode.EUNAVAILABLE)
	_, err = e.auth.RequestOTP(ctx, phone, "10.0.0.2")
	wantCode(t, err, healthcode.ERATELIMIT)
	// Back up: the phone's next try is sent, with its send limits whole.
	gw.down = false
	e.clock.Add(node.OTPFailedSendEvery)
	e.signIn(t, phone)
	if row := e.otpRow(t, phone); row.SendCount != 1 {
		t.Fatalf("SendCount = %d after one send and seven failures, want 1", row.SendCount)
	}
}
