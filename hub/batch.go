package hub

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// maxRecordErrors bounds the records named in one refusal: a batch of
// 5,000 bad rows is refused with the first few, not a 5,000-field answer.
const maxRecordErrors = 20

// signedBatch is a posted batch whose JWS and payload parsed, before its
// signature is checked against the keys the hub holds for its sender.
type signedBatch struct {
	*signedJWS
	batch *healthcode.Batch
}

// batchPayload is the JWS payload of docs/federation.md. The hub reads of
// each record only what routes and names it; the rest is the receiver's.
type batchPayload struct {
	ID       string            `json:"id"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	IssuedAt time.Time         `json:"issued_at"`
	Records  []json.RawMessage `json:"records"`
}

type batchRecord struct {
	Kind string `json:"record_kind"`
	ID   string `json:"id"`
}

// parseBatch reads the JWS compact serialization signed and its payload,
// without checking the signature. Every error is EINVALID.
func parseBatch(signed string, now time.Time) (*signedBatch, error) {
	jws, err := parseJWS(signed)
	if err != nil {
		return nil, err
	}
	payload := jws.payload()
	var p batchPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "signed: the payload is not a batch: " + err.Error(), Err: err}
	}
	if err := p.validate(now); err != nil {
		return nil, err
	}
	// Of the payload, not the JWS: ES256 signs the same content differently
	// each time, and a batch signed again (after a rotation, say) is the
	// same batch.
	sum := sha256.Sum256(payload)
	return &signedBatch{signedJWS: jws, batch: &healthcode.Batch{ID: p.ID, From: p.From, To: p.To, IssuedAt: p.IssuedAt,
		Hash: sum[:], Signed: []byte(signed), ReceivedAt: now}}, nil
}

// validate checks what the hub relies on: who sends to whom, the id that
// makes a resend a duplicate, and that each record is a row of a known
// kind whose id carries the sender's region, so ids of two regions never
// collide at the receiver.
func (p *batchPayload) validate(now time.Time) error {
	var fe healthcode.FieldErrors
	if !ValidBatchID(p.ID) {
		fe.Add("id", "must be 32 lowercase hex digits")
	}
	if !healthcode.ValidRegionID(p.From) {
		fe.Add("from", "must be a region id, e.g. CN-330100")
	}
	switch {
	case !healthcode.ValidRegionID(p.To):
		fe.Add("to", "must be a region id, e.g. CN-440100")
	case p.To == p.From:
		fe.Add("to", "is the sending region: a batch goes to another")
	}
	switch {
	case p.IssuedAt.IsZero():
		fe.Add("issued_at", "required")
	case p.IssuedAt.Sub(now) > Skew:
		// A batch may travel late (the hub down, a retry), never early.
		fe.Add("issued_at", fmt.Sprintf("is more than %v ahead of the hub's clock (%s)", Skew, now.UTC().Format(time.RFC3339)))
	}
	switch n := len(p.Records); {
	case n == 0:
		fe.Add("records", "at least one record")
	case n > healthcode.MaxBatchRecords:
		fe.Add("records", fmt.Sprintf("at most %d records a batch, not %d", healthcode.MaxBatchRecords, n))
	}
	prefix := p.From + "/"
	bad := 0
	for i, raw := range p.Records {
		if bad == maxRecordErrors || len(p.Records) > healthcode.MaxBatchRecords {
			break
		}
		at := fmt.Sprintf("records[%d]", i)
		var r batchRecord
		if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) || json.Unmarshal(raw, &r) != nil {
			fe.Add(at, "must be an object whose kind and id are strings")
			bad++
			continue
		}
		if !healthcode.ValidRecordKind(r.Kind) {
			fe.Add(at+".kind", "must be one of "+strings.Join(healthcode.RecordKinds, ", "))
			bad++
		}
		if len(r.ID) <= len(prefix) || !strings.HasPrefix(r.ID, prefix) {
			fe.Add(at+".id", "must be the sending region, a slash and the record's id: "+prefix+"…")
			bad++
		}
	}
	return fe.Err()
}

// ValidBatchID reports whether id is 32 lowercase hex digits, as a sender
// makes it from 16 random bytes.
func ValidBatchID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// verify checks the signature against the keys the hub holds for the
// sender: the header's kid must be one of them, not revoked and valid at
// the batch's issued_at.
func (s *signedBatch) verify(held []*healthcode.RegionKey) error {
	signer := s.heldSigner(held)
	if signer == nil {
		return healthcode.Errorf(healthcode.EFORBIDDEN, "the batch must be signed by a key the hub holds for %s, not revoked: kid %s is not one",
			s.batch.From, s.kidString())
	}
	if !signer.ValidAt(s.batch.IssuedAt) {
		return healthcode.Errorf(healthcode.EFORBIDDEN, "key %s of %s is not valid at the batch's issued_at %s",
			s.kidString(), s.batch.From, s.batch.IssuedAt.UTC().Format(time.RFC3339))
	}
	return s.verifyBy(signer, "the batch")
}
