package http

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/healthcode/healthcode"
)

type hubBatchListResponse struct {
	Batches []hubBatchJSON `json:"batches"`
	Next    int64          `json:"next"`
}

type hubBatchJSON struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id"`
	From   string `json:"from"`
	Signed string `json:"signed"`
}

// handleHubBatchList pages the batches to the caller's region by seq.
func (h *HubServer) handleHubBatchList(w http.ResponseWriter, r *http.Request) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		var err error
		if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 {
			h.srv.writeError(w, r, fieldError("since", "must be a seq, 0 or more: the next of the last page"))
			return
		}
	}
	limit, err := intParam(r, "limit", 0, 1, 1000)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	bs, next, err := h.Hub.ListBatches(r.Context(), caller(r), since, limit)
	if err != nil {
		h.srv.writeError(w, r, err)
		return
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	w.Write(appendBatchList(nil, bs, next))
}

// appendBatchList appends the page as hubBatchListResponse encodes, with
// each batch's JWS copied as it is: a page carries up to megabytes of them,
// which encoding/json would scan for characters to escape one by one,
// while a JWS compact serialization (base64url and dots) has none. Anything
// else in signed goes through encoding/json.
func appendBatchList(dst []byte, bs []*healthcode.Batch, next int64) []byte {
	dst = append(dst, `{"batches":[`...)
	for i, b := range bs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"seq":`...)
		dst = strconv.AppendInt(dst, b.Seq, 10)
		dst = append(dst, `,"id":`...)
		dst = appendJSONString(dst, b.ID)
		dst = append(dst, `,"from":`...)
		dst = appendJSONString(dst, b.From)
		dst = append(dst, `,"signed":`...)
		if jwsSafe(b.Signed) {
			dst = append(dst, '"')
			dst = append(dst, b.Signed...)
			dst = append(dst, '"')
		} else {
			dst = appendJSONString(dst, string(b.Signed))
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `],"next":`...)
	dst = strconv.AppendInt(dst, next, 10)
	return append(dst, "}\n"...)
}

func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return append(dst, b...)
}

// jwsSafe reports whether b holds only base64url characters and dots,
// which a JSON string carries unescaped.
func jwsSafe(b []byte) bool {
	for _, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
