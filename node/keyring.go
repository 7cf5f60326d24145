package node

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// Key timing. A node re-reads the keys at most KeyCacheFor after another
// node rotated them; the old key stays valid for signing RotationGrace after
// the rotation, which is longer, so a code signed from a stale cache still
// verifies (its key was valid at iat).
const (
	KeyCacheFor   = 30 * time.Second
	RotationGrace = 2 * KeyCacheFor
)

// KeyRing holds the node's signing keys, read from the store and cached.
type KeyRing struct {
	Store healthcode.KeyStore
	Now   func() time.Time

	mu      sync.Mutex
	keys    []*healthcode.SigningKey
	signers map[int64]*hcode.Signer
	loaded  time.Time
}

// NewKeyRing returns a KeyRing over store.
func NewKeyRing(store healthcode.KeyStore) *KeyRing {
	return &KeyRing{Store: store, Now: time.Now}
}

// Ensure makes a key with alg when no key can sign now: on a node's first start.
func (r *KeyRing) Ensure(ctx context.Context, alg string) error {
	now := r.Now()
	keys, err := r.reload(ctx, now)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ActiveAt(now) {
			return nil
		}
	}
	if _, err = r.create(ctx, alg, now); err != nil {
		return err
	}
	_, err = r.reload(ctx, now)
	return err
}

// Rotate adds a new key that signs from now on; every key that could sign
// until now keeps its validity for RotationGrace more, and stays in the
// trust list until the codes it signed have expired.
func (r *KeyRing) Rotate(ctx context.Context, alg string) (*healthcode.SigningKey, error) {
	return r.RotateAfter(ctx, alg, 0)
}

// RotateAfter is Rotate with the new key signing only lead from now: it is
// in the trust list at once, so verifiers that fetch the list less often
// than codes are issued hold it before the first code it signs (the hub's
// national keys). The keys that sign now go on until then, and
// RotationGrace more.
func (r *KeyRing) RotateAfter(ctx context.Context, alg string, lead time.Duration) (*healthcode.SigningKey, error) {
	if lead < 0 {
		return nil, healthcode.Errorf(healthcode.EINVALID, "lead: must not be negative")
	}
	now := r.Now()
	keys, err := r.reload(ctx, now)
	if err != nil {
		return nil, err
	}
	from := now.Add(lead)
	nk, err := r.create(ctx, alg, from)
	if err != nil {
		return nil, err
	}
	end := from.Add(RotationGrace)
	for _, k := range keys {
		// Every key that could sign past end stops there: the one signing
		// now, and one still to come from an earlier rotation, which the
		// new key (the newest, so the one that signs) supersedes.
		if k.Revoked || (!k.NotAfter.IsZero() && !k.NotAfter.After(end)) {
			continue
		}
		k.NotAfter = end
		if k.NotAfter.Before(k.NotBefore) {
			k.NotAfter = k.NotBefore // it never signs; the bounds must stay ordered
		}
		if err := r.Store.UpdateSigningKey(ctx, k); err != nil {
			return nil, err
		}
	}
	_, err = r.reload(ctx, now)
	return nk, err
}

// Revoke marks the key with kid revoked: codes it signed stop verifying.
func (r *KeyRing) Revoke(ctx context.Context, id int64) error {
	keys, err := r.reload(ctx, r.Now())
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ID == id {
			k.Revoked = true
			if err := r.Store.UpdateSigningKey(ctx, k); err != nil {
				return err
			}
			_, err = r.reload(ctx, r.Now())
			return err
		}
	}
	return healthcode.Errorf(healthcode.ENOTFOUND, "no signing key with id %d", id)
}

func (r *KeyRing) create(ctx context.Context, alg string, now time.Time) (*healthcode.SigningKey, error) {
	if alg != healthcode.AlgEdDSA && alg != healthcode.AlgES256 {
		return nil, healthcode.Errorf(healthcode.EINVALID, "alg: must be EdDSA or ES256")
	}
	pub, priv, err := hcode.GenerateKey(alg)
	if err != nil {
		return nil, healthcode.Internal(err, "generate key")
	}
	k := &healthcode.SigningKey{KID: hcode.KID(alg, pub), Alg: alg, PublicKey: pub, PrivateKey: priv,
		NotBefore: now.Truncate(time.Second), CreatedAt: now}
	if err := r.Store.CreateSigningKey(ctx, k); err != nil {
		return nil, err
	}
	return k, nil
}

// Keys returns every key, newest first, from the cache.
func (r *KeyRing) Keys(ctx context.Context) ([]*healthcode.SigningKey, error) {
	now := r.Now()
	r.mu.Lock()
	keys, fresh := r.keys, now.Sub(r.loaded) < KeyCacheFor
	r.mu.Unlock()
	if fresh {
		return keys, nil
	}
	return r.reload(ctx, now)
}

// Signer returns the signer of the newest key that may sign at now.
func (r *KeyRing) Signer(ctx context.Context, now time.Time) (*hcode.Signer, error) {
	keys, err := r.Keys(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		if k.ActiveAt(now) {
			if s := r.signers[k.ID]; s != nil {
				return s, nil
			}
		}
	}
	return nil, healthcode.Errorf(healthcode.EUNAVAILABLE, "no signing key is valid now: run `healthcode keys rotate`")
}

func (r *KeyRing) reload(ctx context.Context, now time.Time) ([]*healthcode.SigningKey, error) {
	keys, err := r.Store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	signers := make(map[int64]*hcode.Signer, len(keys))
	for _, k := range keys {
		if k.Revoked {
			continue
		}
		s, err := hcode.NewSigner(k.Alg, k.PrivateKey)
		if err != nil {
			return nil, healthcode.Internal(fmt.Errorf("key %d: %w", k.ID, err), "load signing key")
		}
		signers[k.ID] = s
	}
	r.mu.Lock()
	r.keys, r.signers, r.loaded = keys, signers, now
	r.mu.Unlock()
	return keys, nil
}

// Published returns the keys the trust list carries at now: every key but
// those whose last code has expired (NotAfter + the longest code lifetime
// + the verifier's clock skew).
func Published(keys []*healthcode.SigningKey, now time.Time, codeLifetime time.Duration) []*healthcode.SigningKey {
	var out []*healthcode.SigningKey
	for _, k := range keys {
		if !k.NotAfter.IsZero() && now.After(k.NotAfter.Add(codeLifetime+5*time.Minute)) {
			continue
		}
		out = append(out, k)
	}
	return out
}
