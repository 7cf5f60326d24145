package web

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/healthcode/healthcode"
)

// maxImportBytes bounds a file uploaded through the page, as the API's
// records upload is bounded; parts over importMemory wait on disk.
const (
	maxImportBytes = 256 << 20
	importMemory   = 8 << 20
)

// importErrorsShown is how many rejected rows the summary lists.
const importErrorsShown = 200

type importsData struct {
	Kinds   []string
	Summary *healthcode.ImportSummary
	File    string
	Errors  []healthcode.RowError // the first importErrorsShown
	More    int64                 // rejected rows not listed
}

func newImportsData() importsData { return importsData{Kinds: healthcode.RecordKinds} }

// handleImports shows the upload form of record files.
func (h *Handler) handleImports(w http.ResponseWriter, r *request) {
	h.render(w, r, http.StatusOK, "imports.html", &view{Title: "health.imports_title",
		Form: url.Values{"kind": {healthcode.KindTests}, "format": {"auto"}}, Data: newImportsData()})
}

// handleImportSubmit imports an uploaded file through the ImportService
// as the signed-in health staff (the recompute job is theirs) and shows
// its summary: rows accepted and rejected by line, and the job's link.
func (h *Handler) handleImportSubmit(w http.ResponseWriter, r *request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	v := &view{Title: "health.imports_title", Form: url.Values{}}
	data := newImportsData()
	fail := func(status int, field, key string) {
		v.Errors = map[string]string{field: r.Lang.T(key)}
		v.Data = data
		h.render(w, r, status, "imports.html", v)
	}
	if err := r.ParseMultipartForm(importMemory); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			fail(http.StatusRequestEntityTooLarge, "file", "health.err_too_large")
			return
		}
		fail(http.StatusBadRequest, "file", "health.err_file")
		return
	}
	defer r.MultipartForm.RemoveAll()
	kind, format := r.PostForm.Get("kind"), r.PostForm.Get("format")
	v.Form.Set("kind", kind)
	v.Form.Set("format", format)
	if !healthcode.ValidRecordKind(kind) {
		fail(http.StatusBadRequest, "kind", "fielderr.required")
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		fail(http.StatusBadRequest, "file", "health.err_file")
		return
	}
	defer f.Close()
	data.File = fh.Filename
	switch format {
	case healthcode.FormatCSV, healthcode.FormatNDJSON:
	case "auto", "":
		switch strings.ToLower(path.Ext(fh.Filename)) {
		case ".csv":
			format = healthcode.FormatCSV
		case ".ndjson", ".jsonl", ".json":
			format = healthcode.FormatNDJSON
		default:
			fail(http.StatusBadRequest, "format", "health.err_format")
			return
		}
	default:
		fail(http.StatusBadRequest, "format", "health.err_format")
		return
	}
	ctx := healthcode.NewContextWithCaller(r.Context(), r.Caller)
	sum, err := h.Imports.Import(ctx, kind, format, f)
	if err != nil {
		if healthcode.ErrorCode(err) == healthcode.EINVALID {
			// A malformed file: refused whole, the reason beside the file.
			v.Errors = map[string]string{"file": healthcode.ErrorMessage(err)}
			v.Data = data
			h.render(w, r, http.StatusBadRequest, "imports.html", v)
			return
		}
		h.formError(w, r, v, err, "file", "imports.html", data)
		return
	}
	data.Summary = sum
	data.Errors = sum.Errors
	if len(data.Errors) > importErrorsShown {
		data.Errors, data.More = data.Errors[:importErrorsShown], int64(len(sum.Errors)-importErrorsShown)
	}
	v.Notice = r.Lang.T("health.imported", fh.Filename)
	v.Data = data
	h.render(w, r, http.StatusOK, "imports.html", v)
}
