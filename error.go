package healthcode

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Machine-readable error codes. The HTTP layer maps each to a status.
const (
	EINVALID      = "invalid"      // 400: bad input, see Fields
	EUNAUTHORIZED = "unauthorized" // 401: no or unknown credentials
	EFORBIDDEN    = "forbidden"    // 403: known caller, wrong role
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409
	ETOOLARGE     = "too_large"    // 413
	ELOCKED       = "locked"       // 423: e.g. a phone locked after wrong passwords
	ERATELIMIT    = "rate_limited" // 429
	EUNAVAILABLE  = "unavailable"  // 503
	EINTERNAL     = "internal"     // 500
)

// Error is the project's error. Message is safe to show to a client; Err
// keeps the internal cause for the log and is never sent out.
type Error struct {
	Code    string
	Message string
	// Fields names each offending input field with the reason, for EINVALID.
	Fields map[string]string
	Err    error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure: the client sees a generic message,
// the log sees the cause.
func Internal(err error, what string) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: fmt.Errorf("%s: %w", what, err)}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the per-field reasons of an EINVALID error.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// FieldErrors collects per-field validation failures.
// The zero value is ready to use.
type FieldErrors map[string]string

// Add records reason for field, keeping the first reason given.
func (f *FieldErrors) Add(field, reason string) {
	if *f == nil {
		*f = FieldErrors{}
	}
	if _, ok := (*f)[field]; !ok {
		(*f)[field] = reason
	}
}

// Err returns nil when nothing was added, an EINVALID *Error otherwise.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	msg := "invalid input"
	if len(f) == 1 {
		for k, v := range f {
			msg = k + ": " + v
		}
	}
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string(f)}
}

// Clip cuts s to at most n bytes, on a character boundary, with "…" after
// it when it was cut: for what a message quotes of input or of another
// party's answer, which may be any size.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
