package trust

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// splitList reads a list's JSON as json.Unmarshal into a wireList would,
// but cuts the regions array into each region's text with a scan of its
// own rather than encoding/json's two passes (validation, then decoding)
// over the whole half megabyte of 400 regions; the regions are cut in the
// same pass that finds where their array ends. Its fields other than the
// regions are decoded, and its unknown fields validated, by encoding/json.
// The regions' texts are not validated here: each is decoded by
// encoding/json later, or was, byte for byte, in the list before (see
// Reader).
func splitList(b []byte) (*wireList, error) {
	w := &wireList{}
	i := skipSpace(b, 0)
	if string(bytes.TrimRight(b[i:], " \t\r\n")) == "null" {
		return w, nil // as json.Unmarshal takes it: nothing set
	}
	if i == len(b) || b[i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			keyEnd, err := endOfValue(b, i)
			if err != nil || b[i] != '"' {
				return nil, errors.New("an object key is not a string")
			}
			var key string
			if err := json.Unmarshal(b[i:keyEnd], &key); err != nil {
				return nil, err
			}
			i = skipSpace(b, keyEnd)
			if i == len(b) || b[i] != ':' {
				return nil, errors.New("a key has no colon after it")
			}
			i = skipSpace(b, i+1)
			var end int
			if strings.EqualFold(key, "regions") {
				w.Regions, end, err = splitArray(b, i)
			} else if end, err = endOfValue(b, i); err == nil {
				err = w.field(key, b[i:end])
			}
			if err != nil {
				return nil, err
			}
			i = skipSpace(b, end)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return nil, errors.New("the object is not closed")
		}
	}
	if skipSpace(b, i) != len(b) {
		return nil, errors.New("text after the object")
	}
	return w, nil
}

// field sets the field named key (matched as encoding/json does, ignoring
// case) from its text; the regions are splitArray's.
func (w *wireList) field(key string, raw []byte) error {
	switch {
	case strings.EqualFold(key, "version"):
		return json.Unmarshal(raw, &w.Version)
	case strings.EqualFold(key, "issued_at"):
		return json.Unmarshal(raw, &w.IssuedAt)
	case strings.EqualFold(key, "issuer"):
		return json.Unmarshal(raw, &w.Issuer)
	}
	if !json.Valid(raw) {
		return errors.New("a field's value is not valid JSON")
	}
	return nil
}

// splitArray cuts the array whose text starts at b[i] into its elements'
// texts and returns where it ends; null is none.
func splitArray(b []byte, i int) ([]json.RawMessage, int, error) {
	if i < len(b) && b[i] != '[' {
		end, err := endOfValue(b, i)
		if err == nil && string(b[i:end]) == "null" {
			return nil, end, nil
		}
		return nil, 0, errors.New("regions is not an array")
	}
	out := []json.RawMessage{}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, i + 1, nil
	}
	for {
		end, err := endOfValue(b, i)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, json.RawMessage(b[i:end]))
		i = skipSpace(b, end)
		switch {
		case i < len(b) && b[i] == ',':
			i = skipSpace(b, i+1)
		case i < len(b) && b[i] == ']':
			return out, i + 1, nil
		default:
			return nil, 0, errors.New("the regions array is not well formed")
		}
	}
}

// endOfValue returns where the JSON value starting at b[i] ends: a string,
// an object or array (brackets counted, strings skipped), or a literal
// up to the next delimiter. The value's own syntax is left to its decoder.
func endOfValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("a value is missing")
	}
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := endOfString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("an object or array is not closed")
	case ',', ':', '}', ']':
		return 0, errors.New("a value is missing")
	}
	j := i
	for j < len(b) && !strings.ContainsRune(",:{}[]\" \t\r\n", rune(b[j])) {
		j++
	}
	return j, nil
}

// endOfString returns the index after the string starting at b[i]. It
// jumps from quote to quote (bytes.IndexByte, vectorised): most of a list
// is in strings, keys above all. A quote ends the string unless an odd
// number of backslashes comes right before it.
func endOfString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		j += k
		escapes := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			escapes++
		}
		if escapes%2 == 0 {
			return j + 1, nil
		}
	}
	return 0, errors.New("a string is not closed")
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
