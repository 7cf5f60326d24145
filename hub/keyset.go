package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/trust"
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
	Region   string          `json:"region"`
	IssuedAt time.Time       `json:"issued_at"`
	Keys     []trust.WireKey `json:"keys"`
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
		tk, ok := w.Key(&fe, at)
		if !ok {
			continue
		}
		k := &healthcode.RegionKey{Region: p.Region, KID: tk.KID, Alg: tk.Alg, PublicKey: tk.PublicKey, NotBefore: tk.NotBefore,
			NotAfter: tk.NotAfter, Revoked: tk.Revoked, AddedAt: now}
		// A verifier finds a code's key by kid: one under another kid
		// would never verify anything.
		if !bytes.Equal(k.KID, hcode.KID(w.Alg, k.PublicKey)) {
			fe.Add(at+".kid", "is not the key id of public_key (the first 8 bytes of its SHA-256)")
		}
		if seen[string(k.KID)] {
			fe.Add(at+".kid", "appears twice")
		}
		seen[string(k.KID)] = true
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
