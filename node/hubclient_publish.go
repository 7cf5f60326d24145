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
// the hub, signed with its current signing key: the hub takes a set only
// from a holder of a key it knows for the region (or, for the first set,
// of a key of that set). A refusal is an error carrying the hub's message.
func (c *HubClient) PublishKeys(ctx context.Context) error {
	now := c.now()
	keys, err := c.Keys.Keys(ctx)
	if err != nil {
		c.Metrics.published(HubFailed)
		return err
	}
	signing := activeKey(keys, now)
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
		return healthcode.Errorf(code, "the hub refused the keys (%s): %s", resp.Status, msg)
	default:
		c.Metrics.published(HubUnreachable)
		_, msg := hubError(resp.Body)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub did not take the keys",
			Err: fmt.Errorf("PUT keys answered %s: %s", resp.Status, msg)}
	}
}

// activeKey returns the newest key that may sign at now (keys come newest
// first), as KeyRing.Signer picks it.
func activeKey(keys []*healthcode.SigningKey, now time.Time) *healthcode.SigningKey {
	for _, k := range keys {
		if k.ActiveAt(now) {
			return k
		}
	}
	return nil
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
