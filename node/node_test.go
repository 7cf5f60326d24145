package node_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
	"github.com/healthcode/healthcode/storetest"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// clock is a settable time source shared by the services under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// capture remembers the last password sent to each phone.
type capture struct {
	mu   sync.Mutex
	last map[string]string
}

func (c *capture) SendOTP(_ context.Context, phone, code string, _ time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]string{}
	}
	c.last[phone] = code
	return nil
}

func (c *capture) code(phone string) string { c.mu.Lock(); defer c.mu.Unlock(); return c.last[phone] }

// env is a node's services over a fresh store of the backend under test.
type env struct {
	db       *sqlstore.DB
	clock    *clock
	sms      *capture
	auth     *node.AuthService
	citizens *node.CitizenService
	keys     *node.KeyRing
	trust    *node.TrustDocument
}

const region = "CN-330100"

func newEnv(t testing.TB) *env {
	t.Helper()
	db := storetest.MustOpenDB(t)
	c := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	sms := &capture{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	auth := node.NewAuthService(db, storetest.TestBox(t), sms)
	auth.Now, auth.Logger = c.Now, logger
	keys := node.NewKeyRing(db)
	keys.Now = c.Now
	if err := keys.Ensure(context.Background(), healthcode.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	policy := status.DefaultPolicy()
	citizens := &node.CitizenService{Store: db, Policy: policy, Keys: keys, Region: region, Now: c.Now, Logger: logger}
	trust := &node.TrustDocument{Keys: keys, Region: region, RegionName: "杭州市", CodeLifetime: policy.CodeLifetime(), Now: c.Now}
	return &env{db: db, clock: c, sms: sms, auth: auth, citizens: citizens, keys: keys, trust: trust}
}

// signIn signs phone in and returns its person id.
func (e *env) signIn(t testing.TB, phone string) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := e.auth.RequestOTP(ctx, phone, "127.0.0.1"); err != nil {
		t.Fatalf("RequestOTP: %v", err)
	}
	token, _, err := e.auth.CreateSession(ctx, phone, e.sms.code(phone), "127.0.0.1")
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	caller, err := e.auth.Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if caller.Role != healthcode.RoleCitizen || caller.PersonID == 0 {
		t.Fatalf("caller = %+v, want a citizen", caller)
	}
	return caller.PersonID
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := healthcode.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// verify checks code offline against the node's own trust list, as a
// scanner would after fetching GET /api/v1/trust.
func (e *env) verify(t testing.TB, code string, at time.Time) verify.Verdict {
	t.Helper()
	doc, err := e.trust.JSON(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	list, err := trust.Parse(doc, nil)
	if err != nil {
		t.Fatalf("the node's trust list does not parse: %v", err)
	}
	v, err := verify.NewVerifier(list)
	if err != nil {
		t.Fatal(err)
	}
	return v.Verify(code, at)
}

// readyCitizen signs a citizen in, saves a valid profile and declares no
// symptoms: a person who can be issued a code.
func (e *env) readyCitizen(t testing.TB) int64 {
	t.Helper()
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	if _, err := e.citizens.SaveProfile(ctx, id, validProfile()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.citizens.Declare(ctx, id, &healthcode.Declaration{CaseContact: "no"}); err != nil {
		t.Fatal(err)
	}
	return id
}
