package http

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/healthcode/healthcode"
)

// maxRecordsBytes bounds one file of records sent over HTTP: far above the
// 64 KiB of a JSON request, enough for a lab's daily million rows.
var maxRecordsBytes int64 = 256 << 20

// recordFormats maps the accepted content types to import formats.
var recordFormats = map[string]string{
	"text/csv":             healthcode.FormatCSV,
	"application/x-ndjson": healthcode.FormatNDJSON,
	"application/ndjson":   healthcode.FormatNDJSON,
}

// uploadFormat is the import format of r's Content-Type; an unsupported
// one is answered 415 and ok is false.
func uploadFormat(w http.ResponseWriter, r *http.Request) (format string, ok bool) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if format, ok = recordFormats[mediaType]; !ok {
		writeJSON(w, http.StatusUnsupportedMediaType, errorBody{Error: errorJSON{Code: healthcode.EINVALID,
			Message: "Content-Type must be text/csv or application/x-ndjson"}})
	}
	return format, ok
}

// handleRecordsPost imports a file of records of one kind: a provider token
// sends its own kind only, a health token any kind. The body is spooled to
// a temporary file first, so a slow upload never holds the store's
// transaction open, and a body over the limit is refused before anything
// is read.
func (s *Server) handleRecordsPost(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !healthcode.ValidRecordKind(kind) {
		s.writeError(w, r, healthcode.Errorf(healthcode.ENOTFOUND, "unknown record kind %q: tests, vaccinations, cases, contacts, quarantines or travel", kind))
		return
	}
	if c := caller(r); c.Role == healthcode.RoleProvider && c.DataKind != kind {
		s.writeError(w, r, healthcode.Errorf(healthcode.EFORBIDDEN, "this provider token sends %s only", c.DataKind))
		return
	}
	format, ok := uploadFormat(w, r)
	if !ok {
		return
	}
	f, err := spool(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	sum, err := s.Imports.Import(r.Context(), kind, format, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// recordsUploadTime bounds one records upload and its import.
const recordsUploadTime = 15 * time.Minute

// spool copies the request body to a temporary file and rewinds it.
func spool(w http.ResponseWriter, r *http.Request) (*os.File, error) {
	f, err := os.CreateTemp("", "healthcode-records-*")
	if err != nil {
		return nil, healthcode.Internal(err, "spool records")
	}
	// A records file may be far larger than any JSON body: give its upload
	// and the import that follows more than the server's usual deadlines.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(recordsUploadTime))
	rc.SetWriteDeadline(time.Now().Add(recordsUploadTime))
	_, err = io.Copy(f, http.MaxBytesReader(w, r.Body, maxRecordsBytes))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, healthcode.Errorf(healthcode.ETOOLARGE, "the file is larger than %d MiB: split it", maxRecordsBytes>>20)
		}
		return nil, healthcode.Errorf(healthcode.EINVALID, "cannot read request body")
	}
	return f, nil
}
