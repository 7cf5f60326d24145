package sqlstore

import (
	"encoding/json"

	"github.com/fxamacker/cbor/v2"

	"github.com/healthcode/healthcode"
)

// A stored status (statuses.status) is CBOR: the bulk recompute decodes
// and encodes every status it takes, and JSON cost it seconds of CPU a
// million. The mirror types below give the fields short integer keys and
// the times as unix microseconds (0 for the zero time, as in every other
// column), keeping the cbor tags out of the domain types.

type storedStatus struct {
	Colour         int64 `cbor:"1,keyasint,omitempty"`
	ActionRequired bool  `cbor:"2,keyasint,omitempty"`
	// Not omitempty: a nil list is written as null and an empty one as an
	// empty array, so both come back as they were, as with JSON.
	Reasons       []storedReason `cbor:"3,keyasint"`
	Since         int64          `cbor:"4,keyasint,omitempty"`
	ReevaluateAt  int64          `cbor:"5,keyasint,omitempty"`
	LatestTest    *storedTest    `cbor:"6,keyasint,omitempty"`
	Doses         int64          `cbor:"7,keyasint,omitempty"`
	PolicyVersion string         `cbor:"8,keyasint,omitempty"`
	EvaluatedAt   int64          `cbor:"9,keyasint,omitempty"`
	Declared      bool           `cbor:"10,keyasint,omitempty"`
}

type storedReason struct {
	Code   string `cbor:"1,keyasint,omitempty"`
	Colour int64  `cbor:"2,keyasint,omitempty"`
	Action bool   `cbor:"3,keyasint,omitempty"`
	TextZH string `cbor:"4,keyasint,omitempty"`
	TextEN string `cbor:"5,keyasint,omitempty"`
	Since  int64  `cbor:"6,keyasint,omitempty"`
	Detail string `cbor:"7,keyasint,omitempty"`
}

type storedTest struct {
	SampledAt int64 `cbor:"1,keyasint,omitempty"`
	Result    int64 `cbor:"2,keyasint,omitempty"`
}

// The modes are built once: building one is far dearer than a status.
var statusEnc, statusDec = statusModes()

func statusModes() (cbor.EncMode, cbor.DecMode) {
	enc, err := cbor.EncOptions{NilContainers: cbor.NilContainerAsNull}.EncMode()
	if err != nil {
		panic(err)
	}
	dec, err := cbor.DecOptions{}.DecMode()
	if err != nil {
		panic(err)
	}
	return enc, dec
}

// marshalStatus encodes s for statuses.status.
func marshalStatus(s *healthcode.Status) ([]byte, error) {
	st := storedStatus{
		Colour: int64(s.Colour), ActionRequired: s.ActionRequired,
		Since: micros(s.Since), ReevaluateAt: micros(s.ReevaluateAt),
		Doses: int64(s.Doses), PolicyVersion: s.PolicyVersion,
		EvaluatedAt: micros(s.EvaluatedAt), Declared: s.Declared,
	}
	if s.Reasons != nil {
		st.Reasons = make([]storedReason, len(s.Reasons))
		for i, r := range s.Reasons {
			st.Reasons[i] = storedReason{Code: r.Code, Colour: int64(r.Colour), Action: r.Action,
				TextZH: r.TextZH, TextEN: r.TextEN, Since: micros(r.Since), Detail: r.Detail}
		}
	}
	if t := s.LatestTest; t != nil {
		st.LatestTest = &storedTest{SampledAt: micros(t.SampledAt), Result: int64(t.Result)}
	}
	b, err := statusEnc.Marshal(&st)
	if err != nil {
		return nil, healthcode.Internal(err, "encode status")
	}
	return b, nil
}

// unmarshalStatus decodes a stored status into s, times in UTC at
// microsecond precision.
func unmarshalStatus(b []byte, s *healthcode.Status) error {
	// Rows written before the switch to CBOR hold JSON and are read as
	// they are, so an existing database needs no rewrite; each becomes
	// CBOR when its status next changes. A CBOR status is a map (first
	// byte 0xa0-0xbf), never '{' (0x7b, a text string's head).
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, s); err != nil {
			return healthcode.Internal(err, "decode json status")
		}
		normaliseStatus(s)
		return nil
	}
	var st storedStatus
	if err := statusDec.Unmarshal(b, &st); err != nil {
		return healthcode.Internal(err, "decode status")
	}
	*s = healthcode.Status{
		Colour: healthcode.Colour(st.Colour), ActionRequired: st.ActionRequired,
		Since: fromMicros(st.Since), ReevaluateAt: fromMicros(st.ReevaluateAt),
		Doses: int(st.Doses), PolicyVersion: st.PolicyVersion,
		EvaluatedAt: fromMicros(st.EvaluatedAt), Declared: st.Declared,
	}
	if st.Reasons != nil {
		s.Reasons = make([]healthcode.Reason, len(st.Reasons))
		for i, r := range st.Reasons {
			s.Reasons[i] = healthcode.Reason{Code: r.Code, Colour: healthcode.Colour(r.Colour), Action: r.Action,
				TextZH: r.TextZH, TextEN: r.TextEN, Since: fromMicros(r.Since), Detail: r.Detail}
		}
	}
	if t := st.LatestTest; t != nil {
		s.LatestTest = &healthcode.TestSummary{SampledAt: fromMicros(t.SampledAt), Result: healthcode.TestResult(t.Result)}
	}
	return nil
}
