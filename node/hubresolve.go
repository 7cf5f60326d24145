package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// HubResolver resolves, through the hub, the codes of regions this node
// does not trust directly (way 2, docs/federation.md): the hub verifies
// the code against the issuing region and answers a national status it
// signs; the node takes it only under the pinned hub key.
type HubResolver struct {
	URL    string            // the hub's base URL
	Token  string            // this region's peer token at the hub
	HubKey ed25519.PublicKey // pinned: the only key an answer is taken under
	// Region is this node's own: its codes are never sent to the hub.
	Region string
	// Regions are those resolved through the hub; All: every region but
	// this one.
	Regions map[string]bool
	All     bool
	HTTP    *http.Client // nil: a client with DefaultResolveTimeout
	Now     func() time.Time
	Metrics *ResolveMetrics
}

// DefaultResolveTimeout bounds one resolve: the hub gives the region's
// node 1.5 s, and a person waits at the door meanwhile.
const DefaultResolveTimeout = 3 * time.Second

// ParseResolveRegions reads the --resolve-via-hub list: region ids
// separated by commas, or "*" for every region but own. Own is refused:
// a node judges its own codes.
func ParseResolveRegions(s, own string) (regions map[string]bool, all bool, err error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return nil, true, nil
	}
	regions = map[string]bool{}
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
			continue
		case id == "*":
			return nil, false, fmt.Errorf("* (every region) stands alone: %q names regions beside it", s)
		case !healthcode.ValidRegionID(id):
			return nil, false, fmt.Errorf("%q is not a region id (CN, or CN- and six digits)", id)
		case id == own:
			return nil, false, fmt.Errorf("%s is this node's own region: its codes are judged here", id)
		}
		regions[id] = true
	}
	return regions, false, nil
}

// Resolves reports whether codes of region go through the hub.
func (r *HubResolver) Resolves(region string) bool {
	if r == nil || region == r.Region {
		return false
	}
	return r.All || r.Regions[region]
}

// Resolve asks the hub for the national status of code. The answer is
// taken when its signature holds under the pinned hub key, it is about
// this very code (code_sha256) and it is current; a refused code is a
// status too (Valid false). Every failure to get such an answer is
// EUNAVAILABLE: the code is then not trusted at all.
func (r *HubResolver) Resolve(ctx context.Context, code string) (*healthcode.NationalStatus, error) {
	signed, result, err := r.ask(ctx, code)
	if err != nil {
		r.Metrics.resolved(result)
		return nil, err
	}
	s, err := r.check(signed, code)
	if err != nil {
		r.Metrics.resolved(ResolveBadAnswer)
		return nil, err
	}
	if s.Valid {
		r.Metrics.resolved(ResolveValid)
	} else {
		r.Metrics.resolved(ResolveInvalid)
	}
	return s, nil
}

// ask posts code to /hub/v1/resolve and returns the signed status.
func (r *HubResolver) ask(ctx context.Context, code string) (string, string, error) {
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(r.URL, "/")+"/hub/v1/resolve", bytes.NewReader(body))
	if err != nil {
		return "", ResolveUnreachable, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be asked", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.Token)
	client := r.HTTP
	if client == nil {
		client = &http.Client{Timeout: DefaultResolveTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", ResolveUnreachable, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		code, msg := hubError(resp.Body)
		result := ResolveUnreachable
		if resp.StatusCode/100 == 4 {
			// Our token or request: someone must act, retrying will not do.
			result = ResolveRefused
		}
		return "", result, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub did not resolve the code",
			Err: fmt.Errorf("POST /hub/v1/resolve answered %s: %s %s", resp.Status, code, msg)}
	}
	var out struct {
		Signed string `json:"signed"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return "", ResolveUnreachable, &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub's answer was cut short", Err: err}
	}
	return out.Signed, "", nil
}

// check opens the hub's JWS and checks it is about code and current.
func (r *HubResolver) check(signed, code string) (*healthcode.NationalStatus, error) {
	bad := func(format string, args ...any) error {
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub's answer is not to be trusted", Err: fmt.Errorf(format, args...)}
	}
	jws, err := jose.ParseSignedCompact(signed, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, bad("not an EdDSA JWS: %v", err)
	}
	if kid := jws.Signatures[0].Header.KeyID; kid != trust.HubKID(r.HubKey) {
		return nil, bad("signed by key %q, not the pinned hub key %s", kid, trust.HubKID(r.HubKey))
	}
	payload, err := jws.Verify(r.HubKey)
	if err != nil {
		return nil, bad("the signature does not verify under the pinned hub key: %v", err)
	}
	var s healthcode.NationalStatus
	if err := json.Unmarshal(payload, &s); err != nil {
		return nil, bad("not a national status: %v", err)
	}
	sum := sha256.Sum256([]byte(code))
	now := r.now()
	switch {
	case s.Issuer != healthcode.NationalRegion:
		return nil, bad("iss %q, not CN", s.Issuer)
	case s.CodeSHA256 != base64.RawURLEncoding.EncodeToString(sum[:]):
		// A status about another code, replayed or mixed up.
		return nil, bad("the status is about another code")
	case now.Before(s.CheckedAt.Add(-verify.Skew)) || now.After(s.ExpiresAt):
		return nil, bad("the status checked at %s, expiring at %s, is not current at %s", s.CheckedAt, s.ExpiresAt, now)
	case s.Valid && (s.Colour == nil || !s.Colour.Valid() || s.Region == ""):
		return nil, bad("a valid status without a colour or region")
	case !s.Valid && s.Error == "":
		return nil, bad("a refusal without an error")
	}
	return &s, nil
}

func (r *HubResolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
