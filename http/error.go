package http

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/healthcode/healthcode"
)

// statusOf maps each error code to its HTTP status.
var statusOf = map[string]int{
	healthcode.EINVALID:      http.StatusBadRequest,
	healthcode.EUNAUTHORIZED: http.StatusUnauthorized,
	healthcode.EFORBIDDEN:    http.StatusForbidden,
	healthcode.ENOTFOUND:     http.StatusNotFound,
	healthcode.ECONFLICT:     http.StatusConflict,
	healthcode.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	healthcode.ELOCKED:       http.StatusLocked,
	healthcode.ERATELIMIT:    http.StatusTooManyRequests,
	healthcode.EUNAVAILABLE:  http.StatusServiceUnavailable,
	healthcode.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for an error code; unknown codes are
// internal errors.
func ErrorStatus(code string) int {
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// writeError answers err as {"error": {...}}. Internal errors are logged
// with their cause and reach the client only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := healthcode.ErrorCode(err)
	status := ErrorStatus(code)
	body := errorJSON{Code: code, Message: healthcode.ErrorMessage(err), Fields: healthcode.ErrorFields(err)}
	noteError(w, code)
	if status == http.StatusInternalServerError {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("method", r.Method), slog.String("route", r.Pattern), slog.String("error", err.Error()))
		body = errorJSON{Code: healthcode.EINTERNAL, Message: "internal error"}
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="healthcode"`)
	case http.StatusTooManyRequests, http.StatusLocked:
		// The services name the wait in seconds in Fields["retry_after"].
		if secs, err := strconv.Atoi(body.Fields["retry_after"]); err == nil && secs > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	}
	writeJSON(w, status, errorBody{Error: body})
}
