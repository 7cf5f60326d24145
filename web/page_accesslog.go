package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// accessLogPage is how many reads one page of the access log lists.
const accessLogPage = 20

type accessLogData struct {
	Entries    []accessRow
	NextBefore int64 // 0 on the last page
}

type accessRow struct {
	At                 time.Time
	Who, What, Purpose string
}

// who names the reader as the person sees it: staff by their token's
// name, devices and peers by what they are and their name.
func who(r *request, e *healthcode.AuditEntry) string {
	kind := r.Lang.T("role." + string(e.Role))
	if e.Actor == "" {
		return kind
	}
	return kind + " · " + e.Actor
}

func (h *Handler) handleAccessLog(w http.ResponseWriter, r *request) {
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		var err error
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			h.renderError(w, r, http.StatusBadRequest, "error.badpage")
			return
		}
	}
	es, err := h.Audit.AccessLog(r.Context(), r.PersonID(), before, accessLogPage)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	var data accessLogData
	for _, e := range es {
		// What may list several reads: "profile,status".
		var parts []string
		for w := range strings.SplitSeq(e.What, ",") {
			if r.Lang.Has("what." + w) {
				w = r.Lang.T("what." + w)
			} else if id, ok := strings.CutPrefix(w, "trace "); ok && id != "" && strings.Trim(id, "0123456789") == "" {
				w = r.Lang.T("what.trace_n", id) // read by trace N's report
			}
			parts = append(parts, w)
		}
		what := strings.Join(parts, r.Lang.T("list.sep"))
		data.Entries = append(data.Entries, accessRow{At: e.At, Who: who(r, e), What: what, Purpose: e.Purpose})
	}
	if len(es) == accessLogPage {
		data.NextBefore = es[len(es)-1].ID
	}
	h.render(w, r, http.StatusOK, "accesslog.html", &view{Title: "accesslog.title", Data: data})
}
