package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// typicalStatus is a yellow code with two reasons and a test: what most
// stored statuses look like. Its times carry nanoseconds and a zone, which
// the store drops.
func typicalStatus() *healthcode.Status {
	at := time.Date(2022, 4, 1, 9, 30, 15, 123456789, time.FixedZone("CST", 8*3600))
	return &healthcode.Status{
		Colour: healthcode.Yellow, ActionRequired: true,
		Reasons: []healthcode.Reason{
			{Code: "declared_fever", Colour: healthcode.Yellow, Action: true, TextZH: "申报发热", TextEN: "declared a fever", Since: at.Add(-time.Hour)},
			{Code: "appeal_accepted", Colour: healthcode.Green, TextZH: "申诉已通过", TextEN: "appeal accepted", Since: at, Detail: "test done elsewhere"},
		},
		Since:         at.Add(-time.Hour),
		ReevaluateAt:  at.Add(72 * time.Hour),
		LatestTest:    &healthcode.TestSummary{SampledAt: at.Add(-50 * time.Hour), Result: healthcode.Positive},
		Doses:         3,
		PolicyVersion: "CN-default-1",
		EvaluatedAt:   at,
		Declared:      true,
	}
}

var statusCases = []struct {
	name string
	s    *healthcode.Status
}{
	{"full", typicalStatus()},
	{"zero times", &healthcode.Status{Colour: healthcode.Red, Reasons: []healthcode.Reason{{Code: "case", Colour: healthcode.Red}},
		LatestTest: &healthcode.TestSummary{Result: healthcode.Negative}}},
	{"nil reasons and test", &healthcode.Status{PolicyVersion: "v", EvaluatedAt: time.Unix(1_650_000_000, 1).UTC()}},
	{"empty reasons", &healthcode.Status{Reasons: []healthcode.Reason{}, Declared: true}},
	{"zero status", &healthcode.Status{}},
}

// jsonRoundTrip is what the store gave back when it kept JSON.
func jsonRoundTrip(t testing.TB, s *healthcode.Status) *healthcode.Status {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got healthcode.Status
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	normaliseStatus(&got)
	return &got
}

// A status comes back from CBOR exactly as it came back from JSON: UTC,
// microseconds, zero times zero, nil stays nil and empty stays empty. That
// is more than sameStatus (node/recompute.go) asks of a stored status.
func TestStatusCodecRoundTrip(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := marshalStatus(tc.s)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] == '{' {
				t.Fatalf("CBOR status begins with '{': % x", b)
			}
			var got healthcode.Status
			if err := unmarshalStatus(b, &got); err != nil {
				t.Fatal(err)
			}
			if want := jsonRoundTrip(t, tc.s); !reflect.DeepEqual(&got, want) {
				t.Fatalf("CBOR round trip =\n%+v\nJSON round trip =\n%+v", got, *want)
			}
			if (got.Reasons == nil) != (tc.s.Reasons == nil) || (got.LatestTest == nil) != (tc.s.LatestTest == nil) {
				t.Fatalf("nil-ness changed: %+v", got)
			}
			for _, at := range []time.Time{got.Since, got.ReevaluateAt, got.EvaluatedAt} {
				if at.IsZero() && at != (time.Time{}) {
					t.Fatalf("zero time came back as %#v", at)
				}
			}
		})
	}
}

// Rows written before CBOR hold JSON and still read.
func TestStatusCodecReadsJSON(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.s)
			if err != nil {
				t.Fatal(err)
			}
			var got healthcode.Status
			if err := unmarshalStatus(b, &got); err != nil {
				t.Fatal(err)
			}
			if want := jsonRoundTrip(t, tc.s); !reflect.DeepEqual(&got, want) {
				t.Fatalf("read %s as\n%+v\nwant\n%+v", b, got, *want)
			}
		})
	}
}

func TestStatusCodecRefusesGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0xff}, []byte(`{"colour":`), {0xa1, 0x01}} {
		var s healthcode.Status
		if err := unmarshalStatus(b, &s); healthcode.ErrorCode(err) != healthcode.EINTERNAL {
			t.Errorf("unmarshalStatus(% x) = %v, want an internal error", b, err)
		}
	}
}

// A field added to the domain types must be added to the mirrors too, or
// the store would silently drop it.
func TestStatusMirrorsHaveEveryField(t *testing.T) {
	for _, p := range [][2]reflect.Type{
		{reflect.TypeFor[healthcode.Status](), reflect.TypeFor[storedStatus]()},
		{reflect.TypeFor[healthcode.Reason](), reflect.TypeFor[storedReason]()},
		{reflect.TypeFor[healthcode.TestSummary](), reflect.TypeFor[storedTest]()},
	} {
		for i := range p[0].NumField() {
			if _, ok := p[1].FieldByName(p[0].Field(i).Name); !ok {
				t.Errorf("%v has no field %s of %v", p[1], p[0].Field(i).Name, p[0])
			}
		}
		if p[0].NumField() != p[1].NumField() {
			t.Errorf("%v has %d fields, %v %d", p[1], p[1].NumField(), p[0], p[0].NumField())
		}
	}
}

// BenchmarkStatusCodec compares JSON and CBOR on a typical status:
//
//	go test ./sqlstore -run '^$' -bench StatusCodec -benchmem -benchtime 2000x
func BenchmarkStatusCodec(b *testing.B) {
	s := typicalStatus()
	js, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	cb, err := marshalStatus(s)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"json", js}, {"cbor", cb}} {
		b.Run("decode/"+c.name, func(b *testing.B) {
			for b.Loop() {
				var got healthcode.Status
				if err := unmarshalStatus(c.raw, &got); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(c.raw)), "bytes") // after the loop, which clears metrics
		})
	}
	b.Run("encode/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := toJSON(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/cbor", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshalStatus(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
