package http

import (
	"encoding/json"
	"net/http"
)

// Shared header values: assigning them avoids a slice allocation per
// response. Nothing appends to them.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error gets here: the response types are plain.
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	// No Content-Length: net/http sets it for bodies that fit its buffer.
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	w.Write(b)
}
