package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/idnum"
)

// The setup of a load run talks to the node with net/http: it is a few
// dozen requests, outside the measured time.

// loadCitizen is one citizen the tool signed in.
type loadCitizen struct {
	phone   string
	token   string
	code    string
	expires time.Time
	region  string // the code's issuer, e.g. CN-330100
	subject []byte // the code's 16-byte pseudonym
}

// loadFixture is what the setup made.
type loadFixture struct {
	api         *apiClient
	citizens    []*loadCitizen
	venueID     string
	deviceToken string
	// scanReqs holds, per citizen, the POST /api/v1/scans requests with its
	// current code, direction in and out; refreshed before codes expire.
	scanReqs atomic.Pointer[[][2][]byte]
	codesAt  time.Time // when the codes of scanReqs were fetched
	// seq is the last offline sequence number the device used.
	seq atomic.Int64
}

// apiClient makes the setup's JSON calls.
type apiClient struct {
	base string // http://host:port
	http *http.Client
}

// apiError is a non-2xx answer.
type apiError struct {
	Method, Path string
	Status       int
	Code, Msg    string
	RetryAfter   time.Duration
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Msg)
}

// call sends body as JSON (nil for none) and decodes a 2xx answer into out.
func (a *apiClient) call(ctx context.Context, method, path, token string, body, out any, header ...string) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &apiError{Method: method, Path: path, Status: resp.StatusCode}
		var eb struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(raw, &eb) == nil && eb.Error.Code != "" {
			e.Code, e.Msg = eb.Error.Code, eb.Error.Message
		} else {
			e.Msg = strings.TrimSpace(string(raw))
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %v in %.200q", method, path, err, raw)
		}
	}
	return nil
}

// loadPhone is the phone of the i-th citizen: 13900000000, 13900000001, …
func loadPhone(i int) string { return fmt.Sprintf("139%08d", i) }

// loadResidentID is a valid resident ID for the i-th citizen: Hangzhou's
// Shangcheng district, born on a day from 1980-01-01 on, with its check
// character. Distinct for i below 1,000,000.
func loadResidentID(i int) string {
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
	d := fmt.Sprintf("330102%s%03d", birth.Format("20060102"), i%1000)
	return d + string(idnum.CheckCharacter(d))
}

func setupLoad(ctx context.Context, cfg *loadConfig, stderr io.Writer) (*loadFixture, error) {
	fx := &loadFixture{api: &apiClient{base: "http://" + cfg.host, http: &http.Client{Timeout: cfg.Timeout}}}
	// Dial the checked address whatever the Host says.
	fx.api.http.Transport = &http.Transport{DialContext: dialAddr(cfg.addr), MaxIdleConnsPerHost: 4}
	defer fx.api.http.CloseIdleConnections()
	for i := 0; i < cfg.Citizens; i++ {
		c, err := fx.signIn(ctx, i, stderr)
		if err != nil {
			return nil, fmt.Errorf("citizen %d: %w", i, err)
		}
		fx.citizens = append(fx.citizens, c)
	}
	fx.codesAt = time.Now()
	fx.buildScanReqs(cfg.host)
	needsVenue := cfg.Mode != "codes"
	if needsVenue {
		var v struct{ ID string }
		division := strings.TrimPrefix(fx.citizens[0].region, "CN-")
		err := fx.api.call(ctx, "POST", "/api/v1/venues", cfg.Token, map[string]any{
			"name": "healthcode loadtest", "kind": "other", "division": division,
			"address": "load test on " + cfg.host, "capacity": 0}, &v)
		if err != nil {
			return nil, fmt.Errorf("venue: %w", err)
		}
		var d struct{ Token string }
		err = fx.api.call(ctx, "POST", "/api/v1/venues/"+v.ID+"/devices", cfg.Token,
			map[string]any{"name": "loadtest " + time.Now().UTC().Format(time.RFC3339)}, &d)
		if err != nil {
			return nil, fmt.Errorf("checkpoint device: %w", err)
		}
		if v.ID == "" || d.Token == "" {
			return nil, fmt.Errorf("venue %q and device token: one is missing in the answers", v.ID)
		}
		fx.venueID, fx.deviceToken = v.ID, d.Token
		fx.buildScanReqs(cfg.host)
	}
	return fx, nil
}

// signIn signs the i-th citizen in with the dev one-time password, saves a
// profile and a declaration, and fetches a code.
func (fx *loadFixture) signIn(ctx context.Context, i int, stderr io.Writer) (*loadCitizen, error) {
	c := &loadCitizen{phone: loadPhone(i)}
	var otp struct {
		DevOTP string `json:"dev_otp"`
	}
	for {
		err := fx.api.call(ctx, "POST", "/api/v1/auth/otp", "", map[string]string{"phone": c.phone}, &otp)
		if e, ok := err.(*apiError); ok && e.Status == http.StatusTooManyRequests {
			wait := max(e.RetryAfter, time.Second)
			fmt.Fprintf(stderr, "loadtest: the node allows 10 one-time passwords a minute per address: waiting %s\n", wait)
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if otp.DevOTP == "" {
		return nil, fmt.Errorf("no dev_otp in the answer: the node must run with --dev")
	}
	var sess struct{ Token string }
	if err := fx.api.call(ctx, "POST", "/api/v1/auth/session", "", map[string]string{"phone": c.phone, "otp": otp.DevOTP}, &sess); err != nil {
		return nil, err
	}
	c.token = sess.Token
	profile := map[string]string{"name": "压测" + strconv.Itoa(i), "id_type": "resident_id", "id_number": loadResidentID(i)}
	if err := fx.api.call(ctx, "PUT", "/api/v1/me/profile", c.token, profile, nil); err != nil {
		return nil, err
	}
	if err := fx.api.call(ctx, "POST", "/api/v1/me/declarations", c.token, map[string]string{"case_contact": "no"}, nil); err != nil {
		return nil, err
	}
	if err := fx.fetchCode(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (fx *loadFixture) fetchCode(ctx context.Context, c *loadCitizen) error {
	var code struct {
		Code, Colour string
		ExpiresAt    time.Time `json:"expires_at"`
	}
	if err := fx.api.call(ctx, "GET", "/api/v1/me/code", c.token, nil, &code); err != nil {
		return err
	}
	p, err := hcode.ParseHealth(code.Code)
	if err != nil {
		return fmt.Errorf("the code the node issued does not parse: %v", err)
	}
	if code.Colour != "green" {
		return fmt.Errorf("citizen %s has a %s code, not green", c.phone, code.Colour)
	}
	c.code, c.expires, c.region, c.subject = code.Code, code.ExpiresAt, p.Health.Issuer, p.Health.Subject
	return nil
}

// refreshCodes fetches a new code for every citizen and rebuilds the scan
// requests. Codes live 5 minutes; a run of several modes lasts longer.
func (fx *loadFixture) refreshCodes(ctx context.Context, host string) error {
	for _, c := range fx.citizens {
		if err := fx.fetchCode(ctx, c); err != nil {
			return err
		}
	}
	fx.codesAt = time.Now()
	fx.buildScanReqs(host)
	return nil
}

// codesValidFor is how long the oldest code still lives.
func (fx *loadFixture) codesValidFor(now time.Time) time.Duration {
	d := time.Duration(1<<63 - 1)
	for _, c := range fx.citizens {
		d = min(d, c.expires.Sub(now))
	}
	return d
}

func (fx *loadFixture) buildScanReqs(host string) {
	reqs := make([][2][]byte, len(fx.citizens))
	for i, c := range fx.citizens {
		for j, dir := range [2]string{"in", "out"} {
			body, _ := json.Marshal(map[string]string{"code": c.code, "direction": dir})
			reqs[i][j] = buildRequest("POST", host, "/api/v1/scans", fx.deviceToken, body)
		}
	}
	fx.scanReqs.Store(&reqs)
}
