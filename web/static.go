package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Static assets are embedded and served under content-hashed names
// (app.css as /static/app.3f2a9c1e.css): a name never changes content, so
// browsers keep it for a year, and a new build's pages name new files.
//
//go:embed static
var staticFS embed.FS

type asset struct {
	body        []byte
	contentType string
}

var (
	assetURL = map[string]string{} // "app.css" → "/static/app.3f2a9c1e.css"
	assets   = map[string]asset{}  // "app.3f2a9c1e.css" → the file
)

func init() {
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		assetURL[name] = "/static/" + hashed
		assets[hashed] = asset{body: b, contentType: ct}
		return nil
	})
	if err != nil {
		panic(err)
	}
}

// staticURL returns the hashed URL of an asset; a name with no asset is a
// programming error the render tests catch.
func staticURL(name string) string {
	if u, ok := assetURL[name]; ok {
		return u
	}
	panic("web: no static asset " + name)
}

var immutable = []string{"public, max-age=31536000, immutable"}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("name")]
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h["Cache-Control"] = immutable
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(a.body)
}
