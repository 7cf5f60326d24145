package node

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/healthcode/healthcode/hcode"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

// maxReceivedRecords bounds the records of a batch (docs/federation.md).
const maxReceivedRecords = 5000

// receivedBatch is the signed payload of a batch.
type receivedBatch struct {
	ID       string            `json:"id"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	IssuedAt time.Time         `json:"issued_at"`
	Records  []json.RawMessage `json:"records"`
}

// Reasons a batch is refused, besides verify's for its key (UnknownRegion,
// UnknownKID, BadSignature, KeyRevoked, KeyNotValidAtIAT).
const (
	batchMalformed    = "malformed"    // not a JWS, or a payload that is no batch
	batchWrongSender  = "wrong_sender" // from is not the region the hub listed it under
	batchMisaddressed = "misaddressed" // to is another region
)

// batchRefusal is why a batch is not applied.
type batchRefusal struct {
	reason  string
	message string
}

// listMayLag reports whether a newer trust list might verify the batch.
func (r *batchRefusal) listMayLag() bool {
	return r.reason == verify.UnknownRegion || r.reason == verify.UnknownKID
}

func refuseBatch(reason, format string, args ...any) *batchRefusal {
	return &batchRefusal{reason: reason, message: fmt.Sprintf(format, args...)}
}

// verifyBatch checks b as docs/federation.md says, without trusting the
// hub: signed by a key the trust list holds for the sending region, under
// the kid of the header, not revoked and valid at the batch's issued_at;
// sent by the region the hub listed it under, to region.
func verifyBatch(list *trust.List, b listedInboxBatch, region string) (*receivedBatch, *batchRefusal) {
	jws, err := jose.ParseSignedCompact(b.Signed, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, refuseBatch(batchMalformed, "not a JWS compact serialization with one EdDSA or ES256 signature")
	}
	h := jws.Signatures[0].Header
	kid, err := base64.StdEncoding.DecodeString(h.KeyID)
	if err != nil || len(kid) == 0 {
		return nil, refuseBatch(batchMalformed, "the JWS header's kid is not standard base64")
	}
	var p receivedBatch
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &p); err != nil {
		return nil, refuseBatch(batchMalformed, "the payload is not a batch: %v", err)
	}
	if p.From != b.From {
		return nil, refuseBatch(batchWrongSender, "signed as from %q but listed by the hub as from %q", p.From, b.From)
	}
	if no := checkBatchKey(list, p.From, kid, h.Algorithm, p.IssuedAt, jws); no != nil {
		return nil, no
	}
	// The content is authentic from here on.
	switch {
	case p.To != region:
		return nil, refuseBatch(batchMisaddressed, "addressed to %q, not to this region %s", p.To, region)
	case p.ID != b.ID:
		return nil, refuseBatch(batchMalformed, "signed as batch %q but listed by the hub as %q", p.ID, b.ID)
	case !validBatchID(p.ID):
		return nil, refuseBatch(batchMalformed, "id %q is not 32 hex digits", p.ID)
	case p.IssuedAt.IsZero():
		return nil, refuseBatch(batchMalformed, "issued_at is missing")
	case len(p.Records) > maxReceivedRecords:
		return nil, refuseBatch(batchMalformed, "%d records, more than %d", len(p.Records), maxReceivedRecords)
	}
	return &p, nil
}

// checkBatchKey verifies the signature with the keys of region under kid,
// as verify does a code's: nil when a usable key verifies it, else the
// most telling reason (several keys may share a kid).
func checkBatchKey(list *trust.List, region string, kid []byte, alg string, issuedAt time.Time, jws *jose.JSONWebSignature) *batchRefusal {
	if list.Region(region) == nil {
		return refuseBatch(verify.UnknownRegion, "region %s is not in the trust list", region)
	}
	keys := list.Keys(region, kid)
	if len(keys) == 0 {
		return refuseBatch(verify.UnknownKID, "region %s has no key with kid %s", region, base64.StdEncoding.EncodeToString(kid))
	}
	no := refuseBatch(verify.BadSignature, "the signature does not verify under a key of %s with kid %s", region, base64.StdEncoding.EncodeToString(kid))
	for _, k := range keys {
		if k.Alg != alg {
			continue
		}
		pub, err := hcode.ParsePublicKey(k.Alg, k.PublicKey)
		if err != nil {
			continue
		}
		if _, err := jws.Verify(pub); err != nil {
			continue
		}
		switch {
		case k.Revoked:
			if no.reason == verify.BadSignature {
				no = refuseBatch(verify.KeyRevoked, "the signing key of %s is revoked", region)
			}
		case !k.ValidAt(issuedAt):
			no = refuseBatch(verify.KeyNotValidAtIAT, "the signing key of %s was not valid at issued_at %s", region, issuedAt.Format(time.RFC3339))
		default:
			return nil
		}
	}
	return no
}

// batchID reports whether id is 32 hex digits.
func validBatchID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
