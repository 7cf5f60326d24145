package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/healthcode/healthcode"
)

// maxBodyBytes bounds every JSON request body.
const maxBodyBytes = 64 << 10

// decodeJSON reads r's body into v strictly: one JSON object, at most
// maxBodyBytes, no unknown fields, no trailing data. Errors name the
// offending field the way the services do (`places[0].from`).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeJSONUpTo(w, r, v, maxBodyBytes)
}

// decodeJSONUpTo is decodeJSON with a body limit of its own, for uploads.
func decodeJSONUpTo(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return healthcode.Errorf(healthcode.ETOOLARGE, "request body is larger than %d KiB", limit>>10)
		}
		return healthcode.Errorf(healthcode.EINVALID, "cannot read request body")
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return healthcode.Errorf(healthcode.EINVALID, "request body is empty: send a JSON object")
	}
	if trimmed[0] != '{' {
		return healthcode.Errorf(healthcode.EINVALID, "request body must be a JSON object")
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return healthcode.Errorf(healthcode.EINVALID,
			"unexpected data after the JSON object at byte offset %d", dec.InputOffset())
	}
	return nil
}

// decodeError turns an encoding/json error into an EINVALID *Error.
func decodeError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the bad byte itself; report where it is (0-based).
		return healthcode.Errorf(healthcode.EINVALID, "malformed JSON at byte offset %d: %s", max(syntax.Offset-1, 0), strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return healthcode.Errorf(healthcode.EINVALID, "malformed JSON at byte offset %d: unexpected end of input", len(data))
	case errors.As(err, &typ):
		field := valuePathAt(data, typ.Offset)
		if field == "" {
			field = typ.Field
		}
		return fieldError(field, "must be "+jsonTypeName(typ.Type))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		return fieldError(keyPath(data, name), "unknown field")
	}
	return healthcode.Errorf(healthcode.EINVALID, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// fieldError is an EINVALID error about one field.
func fieldError(field, reason string) error {
	var fe healthcode.FieldErrors
	fe.Add(field, reason)
	return fe.Err()
}

// jsonTypeName says what JSON value a Go type expects.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return fmt.Sprintf("a %s", t.Kind())
}
