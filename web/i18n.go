package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The message catalogs: one flat JSON object of key → text per language.
// Both hold the same keys (TestCatalogs fails otherwise). A text may hold
// fmt verbs filled by the arguments of the template's t call.
//
//go:embed i18n/*.json
var catalogFS embed.FS

// Languages, the default first.
var languages = []string{"zh", "en"}

const defaultLang = "zh"

// langCookie remembers the language chosen with the switch.
const langCookie = "lang"

// catalog is one language's messages.
type catalog struct {
	lang string
	msgs map[string]string
}

var catalogs = mustLoadCatalogs()

func mustLoadCatalogs() map[string]*catalog {
	cs := map[string]*catalog{}
	for _, lang := range languages {
		b, err := catalogFS.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		c := &catalog{lang: lang}
		if err := json.Unmarshal(b, &c.msgs); err != nil {
			panic(fmt.Sprintf("web: i18n/%s.json: %v", lang, err))
		}
		cs[lang] = c
	}
	return cs
}

// missingKeys counts keys asked of a catalog that it lacks, by
// "lang:key"; the tests fail on any.
var missingKeys sync.Map

// T returns the message of key, formatted with args when there are any. A
// missing key is shown as ⟦key⟧ and remembered, never a blank.
func (c *catalog) T(key string, args ...any) string {
	m, ok := c.msgs[key]
	if !ok {
		missingKeys.Store(c.lang+":"+key, true)
		return "⟦" + key + "⟧"
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Has reports whether the catalog holds key.
func (c *catalog) Has(key string) bool { _, ok := c.msgs[key]; return ok }

// language picks the page's language: the lang cookie set by the switch,
// else the best of Accept-Language, else Chinese.
func language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(languages, c.Value) {
		return c.Value
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// fromAcceptLanguage returns the supported language of highest quality in
// an Accept-Language header (the first listed among equals), else the
// default.
func fromAcceptLanguage(h string) string {
	best, bestQ := defaultLang, 0.0
	for part := range strings.SplitSeq(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if slices.Contains(languages, primary) && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}
