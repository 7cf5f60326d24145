package http

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
)

// The OpenAPI document is kept in parts, one per area of the API: base.json
// holds the info, the shared components and the citizen routes; every other
// openapi/*.json adds its own "paths" and "components.schemas". They are
// merged once at start; a test keeps the result in step with the route
// table.
//
//go:embed openapi/*.json
var openAPIParts embed.FS

var openAPI = mustMergeOpenAPI(openAPIParts)

func mustMergeOpenAPI(parts fs.FS) []byte {
	doc, err := mergeOpenAPI(parts)
	if err != nil {
		panic(err)
	}
	return doc
}

func mergeOpenAPI(parts fs.FS) ([]byte, error) {
	var doc map[string]any
	names, err := fs.Glob(parts, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		raw, err := fs.ReadFile(parts, name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if name == "openapi/base.json" {
			if doc != nil {
				part = mergeInto(part, doc, name)
			}
			doc = part
			continue
		}
		if doc == nil {
			doc = map[string]any{}
		}
		doc = mergeInto(doc, part, name)
	}
	return json.Marshal(doc)
}

// mergeInto adds part's paths and component schemas to doc; a path or
// schema defined twice is a programming error.
func mergeInto(doc, part map[string]any, name string) map[string]any {
	for _, section := range []string{"paths", "components.schemas", "components.responses", "components.parameters"} {
		dst, src := sub(doc, section), sub(part, section)
		for k, v := range src {
			if _, dup := dst[k]; dup {
				panic(fmt.Sprintf("openapi: %s defines %s %q twice", name, section, k))
			}
			dst[k] = v
		}
	}
	return doc
}

// sub returns the object at a dotted path, making it when missing.
func sub(m map[string]any, path string) map[string]any {
	for len(path) > 0 {
		key := path
		rest := ""
		for i := 0; i < len(path); i++ {
			if path[i] == '.' {
				key, rest = path[:i], path[i+1:]
				break
			}
		}
		next, ok := m[key].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[key] = next
		}
		m, path = next, rest
	}
	return m
}

func handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	w.Write(openAPI)
}
