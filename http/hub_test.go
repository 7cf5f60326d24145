package http

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/storetest"
	"github.com/healthcode/healthcode/trust"
)

// hubEnv is a hub served over httptest, on the backend under test, with a
// peer token of CN-330100 and an admin token.
type hubEnv struct {
	srv   *HubServer
	hub   *hub.Registry
	peer  string
	admin string
	gz    string // CN-440100's peer token, once gzSigner registered it
}

func newHubEnv(t *testing.T) *hubEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpenDB(t)
	g := hub.New(db)
	peer, err := g.AddRegion(ctx, &healthcode.Region{ID: "CN-330100", Name: "杭州市", Mode: healthcode.ModeLocal}, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin, _, err := node.CreateStaffToken(ctx, db, node.StaffTokenRequest{Role: healthcode.RoleAdmin, Name: "ops"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHubServer()
	srv.Hub, srv.National, srv.Auth, srv.Ready = g, g, node.NewAuthService(db, storetest.TestBox(t), nil), db.Ping
	return &hubEnv{srv: srv, hub: g, peer: peer, admin: admin}
}

func (e *hubEnv) do(method, path, body string, header ...string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, r)
	return w
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func putBody(signed string) string {
	b, _ := json.Marshal(map[string]string{"signed": signed})
	return string(b)
}

func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error answer %q is not the JSON error shape: %v", w.Body, err)
	}
	return body.Error.Code
}

func TestHubTrustAndKey(t *testing.T) {
	e := newHubEnv(t)
	w := e.do("GET", "/hub/v1/key", "")
	if w.Code != 200 {
		t.Fatalf("GET /hub/v1/key: %d %s", w.Code, w.Body)
	}
	var key hubKeyResponse
	if err := json.Unmarshal(w.Body.Bytes(), &key); err != nil {
		t.Fatal(err)
	}
	pub, err := base64.StdEncoding.DecodeString(key.PublicKey)
	if err != nil || len(pub) != 32 || key.KID != trust.HubKID(pub) {
		t.Fatalf("key answer %+v", key)
	}

	w = e.do("GET", "/hub/v1/trust", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/jose" {
		t.Fatalf("GET /hub/v1/trust: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	l, err := trust.Parse(w.Body.Bytes(), pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Regions) != 2 || l.Regions[0].ID != "CN" || l.Regions[1].ID != "CN-330100" {
		t.Fatalf("list %+v", l)
	}
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	tests := []struct {
		ifNoneMatch string
		want        int
	}{
		{etag, http.StatusNotModified},
		{`"other", ` + etag, http.StatusNotModified},
		{"W/" + etag, http.StatusNotModified},
		{"*", http.StatusNotModified},
		{`"other"`, http.StatusOK},
	}
	for _, tt := range tests {
		w := e.do("GET", "/hub/v1/trust", "", "If-None-Match", tt.ifNoneMatch)
		if w.Code != tt.want {
			t.Errorf("If-None-Match %s: %d, want %d", tt.ifNoneMatch, w.Code, tt.want)
		}
		if w.Code == http.StatusNotModified && (w.Body.Len() != 0 || w.Header().Get("ETag") != etag) {
			t.Errorf("304 with body %q, ETag %q", w.Body, w.Header().Get("ETag"))
		}
	}
}

func TestHubKeysPut(t *testing.T) {
	e := newHubEnv(t)
	k := hubtest.NewKey(t, healthcode.AlgEdDSA)
	stranger := hubtest.NewKey(t, healthcode.AlgEdDSA)
	set := func(region string, at time.Time, keys ...*hubtest.Key) hubtest.KeySet {
		s := hubtest.KeySet{Region: region, IssuedAt: at}
		for _, k := range keys {
			s.Keys = append(s.Keys, k.Entry(at, time.Time{}, false))
		}
		return s
	}
	now := time.Now().UTC()
	first := hubtest.Sign(t, k, set("CN-330100", now, k))
	tests := []struct {
		name   string
		path   string
		body   string
		auth   []string
		status int
		code   string
	}{
		{"no token", "/hub/v1/regions/CN-330100/keys", putBody(first), nil, 401, healthcode.EUNAUTHORIZED},
		{"body not JSON", "/hub/v1/regions/CN-330100/keys", "signed", bearer(e.peer), 400, healthcode.EINVALID},
		{"no signed", "/hub/v1/regions/CN-330100/keys", `{}`, bearer(e.peer), 400, healthcode.EINVALID},
		{"unknown field", "/hub/v1/regions/CN-330100/keys", `{"signed":"x","keys":[]}`, bearer(e.peer), 400, healthcode.EINVALID},
		{"another region's path", "/hub/v1/regions/CN-440100/keys", putBody(hubtest.Sign(t, k, set("CN-440100", now, k))), bearer(e.peer), 403, healthcode.EFORBIDDEN},
		{"self-signed by a stranger", "/hub/v1/regions/CN-330100/keys", putBody(hubtest.Sign(t, stranger, set("CN-330100", now, k))), bearer(e.peer), 403, healthcode.EFORBIDDEN},
		{"stale", "/hub/v1/regions/CN-330100/keys", putBody(hubtest.Sign(t, k, set("CN-330100", now.Add(-time.Hour), k))), bearer(e.peer), 409, healthcode.ECONFLICT},
		{"first set", "/hub/v1/regions/CN-330100/keys", putBody(first), bearer(e.peer), 200, ""},
		{"replayed", "/hub/v1/regions/CN-330100/keys", putBody(first), bearer(e.peer), 409, healthcode.ECONFLICT},
		{"admin, unknown region", "/hub/v1/regions/CN-999999/keys", putBody(hubtest.Sign(t, k, set("CN-999999", now, k))), bearer(e.admin), 404, healthcode.ENOTFOUND},
		{"admin, next set", "/hub/v1/regions/CN-330100/keys", putBody(hubtest.Sign(t, k, set("CN-330100", now.Add(time.Second), k, stranger))), bearer(e.admin), 200, ""},
	}
	for _, tt := range tests {
		w := e.do("PUT", tt.path, tt.body, tt.auth...)
		if w.Code != tt.status {
			t.Fatalf("%s: %d %s, want %d", tt.name, w.Code, w.Body, tt.status)
		}
		if tt.code != "" {
			if got := errorCode(t, w); got != tt.code {
				t.Fatalf("%s: code %q, want %q", tt.name, got, tt.code)
			}
		}
	}
	var res hubKeysResponse
	w := e.do("PUT", "/hub/v1/regions/CN-330100/keys", putBody(hubtest.Sign(t, k, set("CN-330100", now.Add(2*time.Second), k))), bearer(e.peer)...)
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 200 || res.Keys != 2 {
		t.Fatalf("PUT: %d %s, want {\"keys\":2}", w.Code, w.Body)
	}
}

// A refused request's log line says why and who asked, so that an
// operator can tell a misconfigured node from an attack: the error's
// code, the role, the peer token's region, and for a refusal of
// credentials or role, the client's address.
func TestHubRefusalLogged(t *testing.T) {
	e := newHubEnv(t)
	var log bytes.Buffer
	e.srv.Logger = slog.New(slog.NewTextHandler(&log, nil))
	k := hubtest.NewKey(t, healthcode.AlgEdDSA)
	now := time.Now().UTC()
	other := putBody(hubtest.Sign(t, k, hubtest.KeySet{Region: "CN-440100", IssuedAt: now, Keys: []trust.Key{k.Entry(now, time.Time{}, false)}}))
	tests := []struct {
		name string
		auth []string
		want []string
		not  []string
	}{
		{"another region's keys", bearer(e.peer), []string{"status=403", "code=forbidden", "role=peer", "acting_region=CN-330100", "client=192.0.2.1"}, nil},
		{"no token", nil, []string{"status=401", "code=unauthorized", "client=192.0.2.1"}, []string{"role="}},
	}
	for _, tt := range tests {
		log.Reset()
		e.do("PUT", "/hub/v1/regions/CN-440100/keys", other, tt.auth...)
		line := log.String()
		for _, w := range tt.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: log %q lacks %s", tt.name, line, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(line, n) {
				t.Errorf("%s: log %q holds %s", tt.name, line, n)
			}
		}
	}
}

func TestHubHealthzAndMetrics(t *testing.T) {
	e := newHubEnv(t)
	if w := e.do("GET", "/healthz", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"ok"`) {
		t.Fatalf("healthz: %d %s", w.Code, w.Body)
	}
	e.do("GET", "/hub/v1/trust", "")
	if w := e.do("GET", "/metrics", "", bearer(e.peer)...); w.Code != 403 {
		t.Fatalf("metrics for a peer: %d", w.Code)
	}
	w := e.do("GET", "/metrics", "", bearer(e.admin)...)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `healthcode_http_requests_total{code="200",method="GET",route="GET /hub/v1/trust"} 1`) {
		t.Fatalf("metrics: %d %s", w.Code, w.Body)
	}
	// The node's routes are not the hub's.
	if w := e.do("GET", "/api/v1/trust", ""); w.Code != 404 || errorCode(t, w) != healthcode.ENOTFOUND {
		t.Fatalf("a node route on the hub: %d %s", w.Code, w.Body)
	}
}
