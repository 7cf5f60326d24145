package node

import (
	"encoding/json"

	"github.com/healthcode/healthcode/jsonscan"
)

// A page of the hub carries megabytes of batches, and each batch thousands
// of records, which encoding/json reads a byte at a time, a record into a
// map by reflection. The hub and the senders write them in a plain form
// that jsonscan reads in one pass; anything else goes to encoding/json as
// before. FuzzSplitRecord and FuzzDecodeBatchPage hold these to it.

// splitRecord cuts a record, a JSON object whose values are strings,
// numbers, true, false or null under keys without escapes, into its
// members, as json.Unmarshal into a map[string]json.RawMessage would (the
// last of a repeated key wins; values keep their bytes). ok is false for
// anything else: the caller decodes it with encoding/json.
func splitRecord(b []byte) (fields map[string]json.RawMessage, ok bool) {
	s := jsonscan.Scanner{B: b}
	fields = make(map[string]json.RawMessage, 12)
	ok = s.Members(func(key string, value []byte) { fields[key] = value })
	if !ok || !s.End() {
		return nil, false
	}
	return fields, true
}

// decodeBatchPage reads a page of GET /hub/v1/batches in the hub's own
// form, {"batches":[{"seq":N,"id":"…","from":"…","signed":"…"},…],"next":N},
// as json.Decoder would into a list of listedInboxBatch. ok is false for
// anything else.
func decodeBatchPage(b []byte) (page []listedInboxBatch, ok bool) {
	s := jsonscan.Scanner{B: b}
	ok = s.Object(pageFields, func(name string) {
		switch name {
		case "batches":
			page = readBatches(&s)
		case "next":
			s.Int()
		}
	})
	if !ok || !s.End() || page == nil {
		return nil, false
	}
	return page, true
}

var (
	pageFields  = []string{"batches", "next"}
	batchFields = []string{"seq", "id", "from", "signed"}
)

// readBatches reads the page's array of batches (never null: that is left
// to encoding/json).
func readBatches(s *jsonscan.Scanner) []listedInboxBatch {
	page := []listedInboxBatch{}
	if !s.Array(func() bool {
		var lb listedInboxBatch
		ok := s.Object(batchFields, func(name string) {
			switch name {
			case "seq":
				lb.Seq = s.Int()
			case "id":
				lb.ID = s.Str()
			case "from":
				lb.From = s.Str()
			case "signed":
				lb.Signed = s.Str()
			}
		})
		page = append(page, lb)
		return ok
	}) {
		s.Bad = true
		return nil
	}
	return page
}
