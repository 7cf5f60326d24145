package node

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
)

// hubKeySet is the signed payload of PUT /hub/v1/regions/{id}/keys.
type hubKeySet struct {
	Region   string      `json:"region"`
	IssuedAt time.Time   `json:"issued_at"`
	Keys     []trust.Key `json:"keys"` // as in the trust list
}

// PublishKeys sends the node's published keys, revoked ones included, to
// the hub, signed with its current signing key, or after a rotation with a
// key the hub holds (see publishingKey). A refusal is an error carrying the
// hub's message.
func (c *HubClient) PublishKeys(ctx context.Context) error {
	now := c.now()
	keys, err := c.Keys.Keys(ctx)
	if err != nil {
		c.Metrics.published(HubFailed)
		return err
	}
	signing := c.publishingKey(keys, now)
	if signing == nil {
		c.Metrics.published(HubFailed)
		return healthcode.Errorf(healthcode.EUNAVAILABLE, "no signing key is valid now: run `healthcode keys rotate`")
	}
	published := trustKeys(Published(keys, now, c.CodeLifetime))
	payload, err := json.Marshal(hubKeySet{Region: c.Region, IssuedAt: now.UTC(), Keys: published})
	if err != nil {
		c.Metrics.published(HubFailed)
		return healthcode.Internal(err, "marshal key set")
	}
	signed, err := signJWS(signing, payload)
	if err != nil {
		c.Metrics.published(HubFailed)
		return err
	}
	body, _ := json.Marshal(map[string]string{"signed": signed})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut,
		c.endpoint("/hub/v1/regions/"+url.PathEscape(c.Region)+"/keys"), bytes.NewReader(body))
	if err != nil {
		c.Metrics.published(HubFailed)
		return healthcode.Internal(err, "hub keys request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.client().Do(req)
	if err != nil {
		c.Metrics.published(HubUnreachable)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		var out struct {
			Keys int `json:"keys"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&out)
		c.Metrics.published(HubOK)
		c.log().DebugContext(ctx, "hub: keys published", "sent", len(published), "held", out.Keys)
		return nil
	case resp.StatusCode/100 == 4:
		// Trying again will not help until someone acts: say what the hub said.
		c.Metrics.published(HubRefused)
		code, msg := hubError(resp.Body)
		if code == "" {
			code = healthcode.EINVALID
		}
		return healthcode.Errorf(code, "the hub refused the keys (%s): %s%s", resp.Status, msg, tokenHint(resp.StatusCode))
	default:
		c.Metrics.published(HubUnreachable)
		_, msg := hubError(resp.Body)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub did not take the keys",
			Err: fmt.Errorf("PUT keys answered %s: %s", resp.Status, msg)}
	}
}

// publishingKey picks the key that signs a key set. The hub takes a set
// signed by a key it holds for the region, not revoked there, or, while it
// holds none, by a key of the set; so the current signing key (the newest
// active one, as KeyRing.Signer picks it) signs unless the hub's list shows
// it does not hold that key: just after a rotation, the newest key the hub
// holds signs instead, and the next set, once the hub lists the new key, is
// signed by that. When the only key the hub holds is one this node revoked,
// it signs the set that revokes it: there is no other way to tell the hub
// short of its admin.
func (c *HubClient) publishingKey(keys []*healthcode.SigningKey, now time.Time) *healthcode.SigningKey {
	var current *healthcode.SigningKey
	for _, k := range keys { // newest first
		if k.ActiveAt(now) {
			current = k
			break
		}
	}
	held := c.heldByHub()
	if held == nil || (current != nil && held(current)) {
		return current
	}
	for _, k := range keys {
		if !k.Revoked && held(k) {
			return k
		}
	}
	for _, k := range keys {
		if held(k) {
			return k
		}
	}
	return current
}

// heldByHub returns whether the hub's list shows a key of this region, not
// revoked there; nil when the list shows none (no list yet, or the hub
// waits for the region's first set).
func (c *HubClient) heldByHub() func(*healthcode.SigningKey) bool {
	l := c.List()
	if l == nil {
		return nil
	}
	r := l.Region(c.Region)
	if r == nil || !slices.ContainsFunc(r.Keys, func(k trust.Key) bool { return !k.Revoked }) {
		return nil
	}
	return func(sk *healthcode.SigningKey) bool {
		return slices.ContainsFunc(r.Keys, func(k trust.Key) bool {
			return !k.Revoked && bytes.Equal(k.KID, sk.KID) && k.Alg == sk.Alg && bytes.Equal(k.PublicKey, sk.PublicKey)
		})
	}
}

// signJWS signs payload with k as a JWS compact serialization, k's kid in
// the header in the trust list's encoding (standard base64).
func signJWS(k *healthcode.SigningKey, payload []byte) (string, error) {
	priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		return "", healthcode.Internal(err, "load signing key")
	}
	var alg jose.SignatureAlgorithm
	switch k.Alg {
	case healthcode.AlgEdDSA:
		alg = jose.EdDSA
	case healthcode.AlgES256:
		alg = jose.ES256
	default:
		return "", healthcode.Errorf(healthcode.EINTERNAL, "signing key %d has unknown algorithm %q", k.ID, k.Alg)
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", base64.StdEncoding.EncodeToString(k.KID))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: priv}, opts)
	if err != nil {
		return "", healthcode.Internal(err, "key set signer")
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", healthcode.Internal(err, "sign key set")
	}
	return obj.CompactSerialize()
}

// hubError reads the hub's {"error":{"code","message"}}, or the start of
// whatever else it answered.
func hubError(body io.Reader) (code, message string) {
	data, _ := io.ReadAll(io.LimitReader(body, 4096))
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
		return e.Error.Code, e.Error.Message
	}
	if len(data) > 200 {
		data = data[:200]
	}
	return "", string(bytes.TrimSpace(data))
}
