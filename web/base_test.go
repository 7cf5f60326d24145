package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestTemplatesNamePathsThroughURL: no template writes a path of the site
// as a literal (href="/me/code"); each goes through url (or static), which
// puts the Handler's Base in front, so the pages a hub serves for a region
// it hosts link, post and load under /regions/{id}/ only.
func TestTemplatesNamePathsThroughURL(t *testing.T) {
	literal := regexp.MustCompile(`(?:href|action|src|data-url)="/`)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, n := range names {
		b, err := templateFS.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllIndex(b, -1) {
			t.Errorf("%s: a literal path %q: write {{url \"/…\"}}", n, b[m[0]:min(len(b), m[1]+30)])
		}
	}
}
