package hubtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Batch is the payload of a batch (docs/federation.md, way 1). Records
// are anything that marshals, so a test can send a bad one.
type Batch struct {
	ID       string    `json:"id"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	IssuedAt time.Time `json:"issued_at"`
	Records  []any     `json:"records"`
}

// NewBatch returns a batch from → to issued at issued, with a random id and
// n contact records whose ids carry from.
func NewBatch(from, to string, issued time.Time, n int) Batch {
	b := Batch{ID: BatchID(), From: from, To: to, IssuedAt: issued, Records: make([]any, n)}
	for i := range b.Records {
		b.Records[i] = map[string]any{"record_kind": "contacts", "id": fmt.Sprintf("%s/trace-1-%d", from, i),
			"subject": fmt.Sprintf("%032x", i), "contact_of": "CN-330100/case-1", "exposed_at": issued.Add(-time.Hour)}
	}
	return b
}

// BatchID returns a random batch id: 32 lowercase hex digits.
func BatchID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
