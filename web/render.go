package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	hchttp "github.com/healthcode/healthcode/http"
)

// Each page is templates/NAME.html, which defines "content" (and may
// define "head" and "script"), rendered inside templates/layout.html;
// templates/parts.html holds blocks several pages share.
//
//go:embed templates
var templateFS embed.FS

// zone is the region's time zone: every region is in China Standard Time.
var zone = time.FixedZone("CST", 8*60*60)

// templates holds every page parsed with the layout, once per language:
// the t function of a set speaks its language.
var templates = mustParseTemplates()

func templateFuncs(c *catalog) template.FuncMap {
	return template.FuncMap{
		"t":      c.T,
		"static": staticURL,
		// url is a path of the pages as a link, form or script names it:
		// under the handler's Base (pageTemplates binds both per handler).
		"url":   func(p string) string { return p },
		"field": newField,
		"inc":   func(i int) int { return i + 1 },
		// celsius shows a temperature the person may not have given.
		"celsius": func(v *float64) string {
			if v == nil {
				return "—"
			}
			return strconv.FormatFloat(*v, 'f', 1, 64) + " °C"
		},
		"time": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(zone).Format("2006-01-02 15:04")
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(zone).Format(time.DateOnly)
		},
		// lastday is the last day of a stay whose end is exclusive: a
		// declared place ends at the midnight after its last day (see
		// declarationOf), which is the day before.
		"lastday": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return lastDay(t).Format(time.DateOnly)
		},
		"iso": func(t time.Time) string { return t.Format(time.RFC3339) },
	}
}

func mustParseTemplates() map[string]map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	sets := map[string]map[string]*template.Template{}
	for _, lang := range languages {
		sets[lang] = map[string]*template.Template{}
		for _, n := range names {
			name := path.Base(n)
			if name == "layout.html" || name == "parts.html" {
				continue
			}
			t := template.New(name).Funcs(templateFuncs(catalogs[lang]))
			sets[lang][name] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/parts.html", n))
		}
	}
	return sets
}

// pageTemplates returns the page templates for pages served under base
// ("" at the root, "/regions/CN-650100" for a region the hub hosts): clones
// of the parsed sets (templates, never executed themselves) whose url and
// static put base in front of every path. A Handler makes its own once.
func pageTemplates(base string) map[string]map[string]*template.Template {
	funcs := template.FuncMap{
		"url":    func(p string) string { return base + p },
		"static": func(name string) string { return base + staticURL(name) },
	}
	sets := make(map[string]map[string]*template.Template, len(templates))
	for lang, set := range templates {
		sets[lang] = make(map[string]*template.Template, len(set))
		for name, t := range set {
			c := template.Must(t.Clone())
			sets[lang][name] = c.Funcs(funcs)
		}
	}
	return sets
}

// view is what the layout and a page's template see. Data is the page's
// own; Errors names each field with its message, Form holds what was
// posted, so a refused form comes back filled in.
type view struct {
	Lang      string
	Title     string // catalog key of the page's title
	Path      string // of this page, for the language switch to return to
	Nav       []navLink
	Caller    *healthcode.Caller
	Dev       bool
	Error     string // a message about the whole form, shown on top
	Notice    string // a success message
	Errors    map[string]string
	Form      url.Values
	Data      any
	OtherLang string // the language the switch offers
	// RegionName names the region in the header, on pages a hub serves
	// for a region it hosts; "" on a node's own.
	RegionName string
	// StaffSignIn offers the staff sign-in (not on a hosted region's pages).
	StaffSignIn bool
}

// Err returns the message of field, "" when it has none.
func (v *view) Err(field string) string { return v.Errors[field] }

// ErrID is the id of field's message, for aria-describedby.
func (v *view) ErrID(field string) string {
	return "err-" + strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-").Replace(field)
}

// Invalid marks an input whose field has a message: aria-invalid and the
// message as its description.
func (v *view) Invalid(field string) template.HTMLAttr {
	if v.Errors[field] == "" {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(v.ErrID(field)) + `"`)
}

// Val returns the posted value of field.
func (v *view) Val(field string) string { return v.Form.Get(field) }

// Checked tells whether field was posted with value (checkboxes, radios).
func (v *view) Checked(field, value string) bool {
	for _, x := range v.Form[field] {
		if x == value {
			return true
		}
	}
	return false
}

// render writes the page name with the layout, in r's language.
func (h *Handler) render(w http.ResponseWriter, r *request, status int, name string, v *view) {
	v.Lang = r.Lang.lang
	v.OtherLang = "en"
	if v.Lang == "en" {
		v.OtherLang = "zh"
	}
	v.Path = r.URL.Path
	switch {
	case r.Method == http.MethodGet && r.URL.RawQuery != "":
		v.Path += "?" + r.URL.RawQuery
	case r.Method != http.MethodGet && v.Path == "/signin/staff":
		// The staff sign-in posts to its own page's path.
	case r.Method != http.MethodGet && strings.HasPrefix(v.Path, "/signin"):
		// A form's answer: the switch returns to the form's page. The
		// other forms post to their own page's path.
		v.Path = "/signin"
	}
	v.Caller, v.Dev = r.Caller, h.Dev
	v.RegionName, v.StaffSignIn = h.RegionName, !h.CitizenOnly
	v.Nav = h.nav(r)
	t := h.templates[v.Lang][name]
	if t == nil {
		panic("web: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.Logger.LogAttrs(r.Context(), slog.LevelError, "render page", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows the error page with the message of key.
func (h *Handler) renderError(w http.ResponseWriter, r *request, status int, key string) {
	h.render(w, r, status, "error.html", &view{Title: "error.title", Error: r.Lang.T(key)})
}

// pathID is the page's {id}, a positive number; for anything else it
// shows the not-found page and ok is false.
func (h *Handler) pathID(w http.ResponseWriter, r *request) (id int64, ok bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.renderError(w, r, http.StatusNotFound, "error.notfound")
		return 0, false
	}
	return id, true
}

// renderErr shows the error page for a service error.
func (h *Handler) renderErr(w http.ResponseWriter, r *request, err error) {
	// The API's mapping, so a page and its API answer alike.
	status := hchttp.ErrorStatus(healthcode.ErrorCode(err))
	h.render(w, r, status, "error.html", &view{Title: "error.title", Error: h.message(r, err)})
}

// message is the text shown for a service error that names no field. An
// internal error is logged and shown as such, never with its cause.
func (h *Handler) message(r *request, err error) string {
	code := healthcode.ErrorCode(err)
	if code == healthcode.EINTERNAL {
		h.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error", slog.String("path", r.Pattern), slog.String("error", err.Error()))
		return r.Lang.T("errcode.internal")
	}
	msg := healthcode.ErrorMessage(err)
	if key, ok := messageKeys[msg]; ok {
		return r.Lang.T(key)
	}
	if code == healthcode.ENOTFOUND && strings.HasSuffix(msg, " not found") {
		return r.Lang.T("errmsg.not_found")
	}
	if key := "errcode." + code; r.Lang.Has(key) {
		if code == healthcode.ERATELIMIT || code == healthcode.ELOCKED {
			return r.Lang.T("errcode.and_wait", r.Lang.T(key), retryAfter(r, err))
		}
		return r.Lang.T(key)
	}
	return msg
}

// messageKeys are the services' whole messages (of errors that name no
// field) the pages translate.
var messageKeys = map[string]string{
	"no registered person holds this document": "errmsg.no_person",
	"job not found":                 "errmsg.job_not_found",
	"trace not found":               "errmsg.trace_not_found",
	"this token runs another venue": "errmsg.other_venue",
}

// retryAfter says when to try again after a rate limit or a lock: in
// seconds, or in about so many minutes from two minutes on, as the service
// names the wait in Fields["retry_after"]; "later" when it names none.
func retryAfter(r *request, err error) string {
	var e *healthcode.Error
	secs := 0
	if errors.As(err, &e) {
		secs, _ = strconv.Atoi(e.Fields["retry_after"])
	}
	switch {
	case secs <= 0:
		return r.Lang.T("errcode.retry_later")
	case secs == 1:
		return r.Lang.T("errcode.retry_one_second")
	case secs < 120:
		return r.Lang.T("errcode.retry_seconds", secs)
	default:
		return r.Lang.T("errcode.retry_minutes", (secs+30)/60)
	}
}

// fieldErrors translates the per-field reasons of a service's EINVALID
// error; a reason the catalogs do not know is shown as the service gave it
// (in English). ok is false when err names no field.
func (h *Handler) fieldErrors(r *request, err error) (fields map[string]string, ok bool) {
	var e *healthcode.Error
	if !errors.As(err, &e) || e.Code != healthcode.EINVALID || len(e.Fields) == 0 {
		return nil, false
	}
	fields = make(map[string]string, len(e.Fields))
	for f, reason := range e.Fields {
		reason = strings.TrimPrefix(reason, healthcode.EINVALID+": ")
		if key, ok := reasonKeys[reason]; ok {
			reason = r.Lang.T(key)
		}
		fields[f] = reason
	}
	return fields, true
}

// reason translates a field reason of a service (or of package idnum) as
// fieldErrors does, or gives the text of fallback for one the catalogs do
// not know.
func (h *Handler) reason(r *request, reason, fallback string) string {
	reason = strings.TrimPrefix(reason, healthcode.EINVALID+": ")
	if key, ok := reasonKeys[reason]; ok {
		return r.Lang.T(key)
	}
	return r.Lang.T(fallback)
}

// reasonKeys are the services' field reasons the pages translate.
var reasonKeys = map[string]string{
	"required": "fielderr.required",
	// The admin's token form (node.StaffTokenRequest).
	"required for the venue role":                           "fielderr.venue_role",
	"required for the checkpoint role":                      "fielderr.venue_role",
	"only venue and checkpoint tokens are bound to a venue": "fielderr.venue_only",
	"a provider token sends one data kind: tests, vaccinations, cases, contacts, quarantines or travel": "fielderr.provider_kind",
	"required for the org role: the organisation the token manages":                                     "fielderr.org_role",
	"must be CN or CN- and a six-digit division code":                                                   "fielderr.region",
	// An appeal's decision; the risk areas (with "required").
	"must be in the future":                                          "fielderr.in_future",
	"must be high, medium or low":                                    "fielderr.level",
	"must be after from":                                             "fielderr.after_from",
	"must be at most 100 characters":                                 "fielderr.long",
	"must be a mainland mobile number of 11 digits starting with 1":  "fielderr.phone",
	"must be six digits":                                             "fielderr.otp",
	"must be a six-digit GB/T 2260 division code":                    "fielderr.division",
	"must not be in the future":                                      "fielderr.future",
	"must not be before from":                                        "fielderr.to_before_from",
	"must be within the last 14 days":                                "fielderr.last14",
	"must be between 34.0 and 43.0 °C":                               "fielderr.temperature",
	"required: yes, no or unsure":                                    "fielderr.required",
	"must be a date YYYY-MM-DD":                                      "fielderr.date",
	"does not match the resident ID":                                 "fielderr.mismatch",
	"must be an ISO 3166-1 alpha-3 code such as CHN":                 "fielderr.nationality",
	"must not contain control characters":                            "fielderr.control",
	"at most 64 characters":                                          "fielderr.long",
	"at most 200 characters":                                         "fielderr.long",
	"must be 1 to 100 printable characters":                          "fielderr.long",
	"at most 100 printable characters":                               "fielderr.long",
	"must be an RFC 3339 time or a YYYY-MM-DD date":                  "fielderr.date",
	"must be a number in °C, e.g. 36.6":                              "fielderr.number",
	"must be 5 to 500 characters":                                    "fielderr.appeal_length",
	"is required":                                                    "fielderr.required",
	"must be 5 to 17 letters or digits":                              "fielderr.id_number",
	"must be H or M followed by 8 or 10 digits":                      "fielderr.id_number",
	"must be 8 or 10 digits":                                         "fielderr.id_number",
	"must be 15 letters or digits, or 18 characters starting with 9": "fielderr.id_number",
	"must be 18 characters":                                          "fielderr.id_number",
	"must be 17 digits and a check character":                        "fielderr.id_number",
	"division code is not valid":                                     "fielderr.id_number",
	"birth date is not a real date":                                  "fielderr.id_number",
	"birth date is before 1900":                                      "fielderr.id_number",
	"birth date is in the future":                                    "fielderr.id_number",
	"check character does not match":                                 "fielderr.id_check",
	"must be one of resident_id, passport, hk_macao_permit, taiwan_permit, foreign_permanent_resident": "fielderr.required",
}

// lastDay is the day, in the pages' zone, an end-exclusive end falls on
// when it is not a midnight, or the day before one that is: 2026-11-23
// 00:00 ends a stay whose last day is 2026-11-22.
func lastDay(end time.Time) time.Time {
	t := end.In(zone)
	if y, m, d := t.Date(); t.Equal(time.Date(y, m, d, 0, 0, 0, 0, zone)) {
		return t.AddDate(0, 0, -1)
	}
	return t
}
