package http

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// encoding/json reports a wrong type by byte offset and an unknown field by
// name only; these helpers walk the document again to find the full path
// (`places[0].from`), the way the services name fields. They run only on
// the error path.

// pathFrame is one open container while walking a document.
type pathFrame struct {
	array   bool
	index   int
	key     string
	wantKey bool
}

// walkJSON calls visit for each value and each object key in document
// order, with the path of that value or key and the offset where its token
// ends. It stops when visit returns true and returns that path.
func walkJSON(data []byte, visit func(path string, isKey bool, tok json.Token, end int64) bool) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []pathFrame
	next := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			next()
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			p := pathString(stack)
			if visit(p, true, tok, dec.InputOffset()) {
				return p
			}
			continue
		}
		p := pathString(stack)
		if visit(p, false, tok, dec.InputOffset()) {
			return p
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, pathFrame{array: d == '[', wantKey: d == '{'})
			continue
		}
		next()
	}
}

// valuePathAt returns the path of the value whose token ends at or just
// after offset.
func valuePathAt(data []byte, offset int64) string {
	return walkJSON(data, func(_ string, isKey bool, _ json.Token, end int64) bool {
		return !isKey && end >= offset
	})
}

// keyPath returns the path of the first object key named name, or name.
func keyPath(data []byte, name string) string {
	p := walkJSON(data, func(_ string, isKey bool, tok json.Token, _ int64) bool {
		return isKey && tok == name
	})
	if p == "" {
		return name
	}
	return p
}

func pathString(stack []pathFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.index))
			b.WriteByte(']')
			continue
		}
		if f.wantKey {
			break // between keys: the object itself
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(f.key)
	}
	return b.String()
}
