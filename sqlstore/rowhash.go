package sqlstore

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/healthcode/healthcode"
)

// A row hash fingerprints a record as the provider sent it (every field but
// the node's own ids and times), so that a row sent again is known for a
// duplicate without comparing column by column. It is stored in row_hash.

type rowHasher struct{ buf []byte }

func (h *rowHasher) reset(kind string) *rowHasher {
	h.buf = append(h.buf[:0], kind...)
	return h
}

func (h *rowHasher) bytes(b []byte) *rowHasher {
	h.buf = append(h.buf, '|')
	h.buf = hex.AppendEncode(h.buf, b)
	return h
}

func (h *rowHasher) str(s string) *rowHasher {
	h.buf = append(h.buf, '|')
	h.buf = strconv.AppendQuote(h.buf, s)
	return h
}

func (h *rowHasher) int(v int64) *rowHasher {
	h.buf = append(h.buf, '|')
	h.buf = strconv.AppendInt(h.buf, v, 10)
	return h
}

func (h *rowHasher) bool(v bool) *rowHasher {
	if v {
		return h.int(1)
	}
	return h.int(0)
}

// sum returns the first 128 bits of SHA-256 in hex.
func (h *rowHasher) sum() string {
	s := sha256.Sum256(h.buf)
	return hex.EncodeToString(s[:16])
}

func (h *rowHasher) test(r *healthcode.Test) string {
	return h.reset("test").bytes(r.PersonKey).int(micros(r.SampledAt)).int(micros(r.ReportedAt)).
		int(int64(r.Result)).str(testMethod(r)).bool(r.Pooled).str(r.Lab).str(r.ExternalID).sum()
}

func (h *rowHasher) vaccination(r *healthcode.Vaccination) string {
	return h.reset("vaccination").bytes(r.PersonKey).int(micros(r.At)).int(int64(r.Dose)).
		str(r.Product).str(r.ExternalID).sum()
}

func (h *rowHasher) kase(r *healthcode.Case) string {
	return h.reset("case").bytes(r.PersonKey).int(micros(r.DiagnosedAt)).str(string(r.Kind)).
		str(caseStatus(r)).str(r.ExternalID).sum()
}

func (h *rowHasher) contact(r *healthcode.Contact) string {
	return h.reset("contact").bytes(r.PersonKey).int(micros(r.ExposedAt)).str(string(r.Kind)).
		str(r.CaseID).str(r.ExternalID).sum()
}

func (h *rowHasher) quarantine(r *healthcode.Quarantine) string {
	return h.reset("quarantine").bytes(r.PersonKey).int(micros(r.From)).int(micros(r.Until)).
		str(string(r.Kind)).str(r.ExternalID).sum()
}

func (h *rowHasher) travel(r *healthcode.Travel) string {
	return h.reset("travel").bytes(r.PersonKey).int(micros(r.From)).int(micros(r.To)).
		str(r.Division).str(r.ExternalID).sum()
}

// testMethod is the stored method: PCR unless said otherwise.
func testMethod(r *healthcode.Test) string {
	if r.Method == "" {
		return healthcode.MethodPCR
	}
	return r.Method
}

// caseStatus is the stored status: active unless said otherwise.
func caseStatus(r *healthcode.Case) string {
	if r.Status == "" {
		return string(healthcode.CaseActive)
	}
	return string(r.Status)
}
