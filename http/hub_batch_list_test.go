package http

import (
	"encoding/json"
	"testing"

	"github.com/healthcode/healthcode"
)

// TestAppendBatchListMatchesEncodingJSON: the page written by hand is
// byte for byte what encoding/json writes of hubBatchListResponse, for a
// JWS copied as it is and for anything that needs escaping.
func TestAppendBatchListMatchesEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		bs   []*healthcode.Batch
	}{
		{"empty page", nil},
		{"JWS compact", []*healthcode.Batch{
			{Seq: 1, ID: "0123456789abcdef0123456789abcdef", From: "CN-440100", Signed: []byte("eyJhbGciOiJFZERTQSJ9.eyJpZCI6IngifQ.c2ln-_")},
			{Seq: 42, ID: "ffffffffffffffffffffffffffffffff", From: "CN-330100", Signed: []byte("a.b.c")},
		}},
		{"needs escaping", []*healthcode.Batch{
			{Seq: 7, ID: `"quoted"`, From: "杭州\\", Signed: []byte("a\"b\\c\n<d>&\u2028é\x01")},
		}},
		{"empty JWS", []*healthcode.Batch{{Seq: 3, ID: "x", From: "y"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := hubBatchListResponse{Batches: make([]hubBatchJSON, 0, len(tc.bs)), Next: 99}
			for _, b := range tc.bs {
				resp.Batches = append(resp.Batches, hubBatchJSON{Seq: b.Seq, ID: b.ID, From: b.From, Signed: string(b.Signed)})
			}
			want, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			if got := appendBatchList(nil, tc.bs, 99); string(got) != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}
