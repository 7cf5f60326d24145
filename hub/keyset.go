package hub

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// signedKeySet is an uploaded key set whose JWS parsed, before its
// signature is checked: the key to check it with depends on what the hub
// holds, which MergeKeys reads under the region's lock.
type signedKeySet struct {
	*signedJWS
	set *healthcode.KeySet
}

// keySetPayload is the JWS payload of docs/federation.md. The key fields
// are text so that a bad one is named with its place.
type keySetPayload struct {
	Region   string    `json:"region"`
	IssuedAt time.Time `json:"issued_at"`
	Keys     []wireKey `json:"keys"`
}

type wireKey struct {
	KID       string    `json:"kid"`
	Alg       string    `json:"alg"`
	PublicKey string    `json:"public_key"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Revoked   bool      `json:"revoked"`
}

// parseKeySet reads the JWS compact serialization signed and its payload,
// without checking the signature. Every error is EINVALID.
func parseKeySet(signed string, now time.Time) (*signedKeySet, error) {
	jws, err := parseJWS(signed)
	if err != nil {
		return nil, err
	}
	var p keySetPayload
	if err := json.Unmarshal(jws.payload(), &p); err != nil {
		return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "signed: the payload is not a key set: " + err.Error(), Err: err}
	}
	set, err := p.keySet(now)
	if err != nil {
		return nil, err
	}
	return &signedKeySet{signedJWS: jws, set: set}, nil
}

// keySet validates the payload the way trust.Parse validates a list, so a
// set the hub accepts can never make its trust list unreadable.
func (p *keySetPayload) keySet(now time.Time) (*healthcode.KeySet, error) {
	var fe healthcode.FieldErrors
	if p.Region == "" {
		fe.Add("region", "required")
	}
	if p.IssuedAt.IsZero() {
		fe.Add("issued_at", "required")
	}
	if len(p.Keys) == 0 {
		fe.Add("keys", "at least one key")
	}
	set := &healthcode.KeySet{Region: p.Region, IssuedAt: p.IssuedAt, Keys: make([]*healthcode.RegionKey, 0, len(p.Keys))}
	seen := map[string]bool{}
	for i, w := range p.Keys {
		at := fmt.Sprintf("keys[%d]", i)
		k := &healthcode.RegionKey{Region: p.Region, Alg: w.Alg, NotBefore: w.NotBefore, NotAfter: w.NotAfter, Revoked: w.Revoked, AddedAt: now}
		var err error
		if k.KID, err = base64.StdEncoding.DecodeString(w.KID); err != nil || len(k.KID) == 0 {
			fe.Add(at+".kid", "must be non-empty standard base64")
			continue
		}
		if w.Alg != healthcode.AlgEdDSA && w.Alg != healthcode.AlgES256 {
			fe.Add(at+".alg", "must be EdDSA or ES256")
			continue
		}
		if k.PublicKey, err = base64.StdEncoding.DecodeString(w.PublicKey); err != nil || len(k.PublicKey) == 0 {
			fe.Add(at+".public_key", "must be non-empty standard base64")
			continue
		}
		if _, err := hcode.ParsePublicKey(w.Alg, k.PublicKey); err != nil {
			fe.Add(at+".public_key", healthcode.ErrorMessage(err))
			continue
		}
		// A verifier finds a code's key by kid: one under another kid
		// would never verify anything.
		if !bytes.Equal(k.KID, hcode.KID(w.Alg, k.PublicKey)) {
			fe.Add(at+".kid", "is not the key id of public_key (the first 8 bytes of its SHA-256)")
		}
		if seen[string(k.KID)] {
			fe.Add(at+".kid", "appears twice")
		}
		seen[string(k.KID)] = true
		if !k.NotBefore.IsZero() && !k.NotAfter.IsZero() && k.NotAfter.Before(k.NotBefore) {
			fe.Add(at+".not_after", "is before not_before")
		}
		set.Keys = append(set.Keys, k)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return set, nil
}

// verify checks the signature with the keys that may sign the set: while
// the hub holds no unrevoked key of the region, a key of the set itself
// (the region proves it holds it); once it does, one of those only.
func (s *signedKeySet) verify(held []*healthcode.RegionKey) error {
	heldByKID := map[string]*healthcode.RegionKey{}
	active := false
	for _, k := range held {
		heldByKID[string(k.KID)] = k
		active = active || !k.Revoked
	}
	var fe healthcode.FieldErrors
	for i, k := range s.set.Keys {
		if h := heldByKID[string(k.KID)]; h != nil && (h.Alg != k.Alg || !bytes.Equal(h.PublicKey, k.PublicKey)) {
			fe.Add(fmt.Sprintf("keys[%d].public_key", i), "differs from the key the hub holds under this kid")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}

	var signer *healthcode.RegionKey
	if active {
		if signer = s.heldSigner(held); signer == nil {
			return healthcode.Errorf(healthcode.EFORBIDDEN, "the key set must be signed by a key the hub holds for %s, not revoked: kid %s is not one",
				s.set.Region, s.kidString())
		}
	} else {
		for _, k := range s.set.Keys {
			if bytes.Equal(k.KID, s.kid) && !k.Revoked && heldByKID[string(k.KID)] == nil {
				signer = k
			}
		}
		if signer == nil {
			return healthcode.Errorf(healthcode.EFORBIDDEN, "the first key set of %s must be signed by one of its own keys, not revoked: kid %s is not one",
				s.set.Region, s.kidString())
		}
	}
	return s.verifyBy(signer, "the key set")
}
