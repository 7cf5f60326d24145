package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/qr"
)

// qrModule is the QR's module size in pixels: a code of ~65 modules and
// its quiet zone is ~300 px, which fits a 360-px phone; the style sheet
// scales it without blurring (image-rendering: pixelated).
const qrModule = 4

// refreshBefore is how long before a code expires the page fetches a
// fresh one.
const refreshBefore = 30 * time.Second

// codeData is "my code".
type codeData struct {
	// Missing is what the citizen must do before a code is issued:
	// "profile" or "declaration"; "" when the code is shown.
	Missing        string
	Colour         string // "green", "yellow" or "red"
	ActionRequired bool
	// National is set on the national code's page, Home then naming the
	// region whose code was exchanged; NationalLink on "my code" when the
	// node can get one (it follows a hub).
	National     bool
	Home         string
	NationalLink bool
	// Unavailable says why the national code's page shows no code.
	Unavailable string
	QR          template.URL
	Name        string // masked
	IDMasked    string
	IssuedAt    time.Time
	ExpiresAt   time.Time
	NowMS       int64 // the server's clock, for the page's own
	ExpiresMS   int64
	RefreshIn   int // seconds until the page fetches a fresh code
	Status      *healthcode.Status
	Reasons     []reasonView
}

// reasonView is a reason of a status as a page shows it: the text in the
// page's language and what to do next.
type reasonView struct {
	Code, Text, Detail, Next string
	Colour                   healthcode.Colour
	Action                   bool
	Since                    time.Time
}

func reasonViews(r *request, st *healthcode.Status) []reasonView {
	out := make([]reasonView, 0, len(st.Reasons))
	for _, rs := range st.Reasons {
		text := rs.TextZH
		if r.Lang.lang == "en" {
			text = rs.TextEN
		}
		next := "next.other"
		if r.Lang.Has("next." + rs.Code) {
			next = "next." + rs.Code
		}
		out = append(out, reasonView{Code: rs.Code, Text: text, Detail: rs.Detail, Next: r.Lang.T(next),
			Colour: rs.Colour, Action: rs.Action, Since: rs.Since})
	}
	return out
}

func (h *Handler) handleCode(w http.ResponseWriter, r *request) {
	v := &view{Title: "code.title"}
	if r.URL.Query().Get("declared") == "1" {
		v.Notice = r.Lang.T("declare.saved")
	}
	code, err := h.Citizens.Code(r.Context(), r.PersonID())
	if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
		data := codeData{Missing: "declaration"}
		if _, perr := h.Citizens.Profile(r.Context(), r.PersonID()); healthcode.ErrorCode(perr) == healthcode.ENOTFOUND {
			data.Missing = "profile"
		}
		v.Data = data
		h.render(w, r, http.StatusOK, "code.html", v)
		return
	}
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	data, err := h.codeCard(r, code)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	data.Reasons = reasonViews(r, data.Status)
	data.NationalLink = h.National != nil
	v.Data = data
	h.render(w, r, http.StatusOK, "code.html", v)
}

// codeCard is what the code's card shows of code, a code of the signed-in
// citizen: its QR, colour, holder and clock, and their status.
func (h *Handler) codeCard(r *request, code *healthcode.IssuedCode) (codeData, error) {
	st, err := h.Citizens.Status(r.Context(), r.PersonID())
	if err != nil {
		return codeData{}, err
	}
	p, err := h.Citizens.Profile(r.Context(), r.PersonID())
	if err != nil {
		return codeData{}, err
	}
	png, err := qr.PNG(code.Code, qrModule)
	if err != nil {
		return codeData{}, err
	}
	now := h.Now()
	refresh := int(code.ExpiresAt.Add(-refreshBefore).Sub(now).Seconds())
	if refresh < 5 {
		refresh = 5
	}
	return codeData{
		Colour:         code.Colour.String(),
		ActionRequired: st.ActionRequired,
		QR:             template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		Name:           idnum.MaskName(p.Name),
		IDMasked:       idnum.MaskID(p.IDNumber),
		IssuedAt:       code.IssuedAt,
		ExpiresAt:      code.ExpiresAt,
		NowMS:          now.UnixMilli(),
		ExpiresMS:      code.ExpiresAt.UnixMilli(),
		RefreshIn:      refresh,
		Status:         st,
	}, nil
}
