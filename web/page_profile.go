package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// profileData is the profile page's own. The document number is never
// written back into the form: the page shows it masked, and a form left
// with it blank keeps the stored one.
type profileData struct {
	Saved    bool   // a profile is stored
	IDMasked string // the stored document number, masked
	Phone    string // masked
	Sex      string
	Birth    string
	// Derived is set when the stored document is a resident ID and the
	// form keeps that type: sex and birth date are read from the number,
	// so the form shows them and offers no field to change them.
	Derived bool
	IDTypes []healthcode.IDType
}

// derived reports whether the sex and birth date of a profile of type t
// are read from its number, which is so of a resident ID only.
func derived(t healthcode.IDType) bool { return t == healthcode.IDResident }

func (h *Handler) handleProfile(w http.ResponseWriter, r *request) {
	p, err := h.Citizens.Profile(r.Context(), r.PersonID())
	if err != nil && healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		h.renderErr(w, r, err)
		return
	}
	form := url.Values{}
	data := profileData{IDTypes: healthcode.IDTypes}
	if p != nil {
		data.Saved, data.IDMasked, data.Phone, data.Sex, data.Birth = true, idnum.MaskID(p.IDNumber), idnum.MaskPhone(p.Phone), p.Sex, p.BirthDate
		data.Derived = derived(p.IDType)
		form.Set("name", p.Name)
		form.Set("id_type", string(p.IDType))
		form.Set("sex", p.Sex)
		form.Set("birth_date", p.BirthDate)
		form.Set("nationality", p.Nationality)
		form.Set("address", p.Address)
		form.Set("address_division", p.AddressDivision)
		form.Set("household_division", p.HouseholdDivision)
		form.Set("conditions", strings.Join(p.Conditions, "\n"))
	}
	v := &view{Title: "profile.title", Form: form, Data: data}
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = r.Lang.T("profile.saved")
	}
	h.render(w, r, http.StatusOK, "profile.html", v)
}

func (h *Handler) handleProfileSubmit(w http.ResponseWriter, r *request) {
	r.ParseForm()
	f := r.PostForm
	p := &healthcode.Profile{
		Name:              f.Get("name"),
		IDType:            healthcode.IDType(f.Get("id_type")),
		IDNumber:          strings.TrimSpace(f.Get("id_number")),
		Sex:               f.Get("sex"),
		BirthDate:         f.Get("birth_date"),
		Nationality:       strings.ToUpper(strings.TrimSpace(f.Get("nationality"))),
		Address:           f.Get("address"),
		AddressDivision:   strings.TrimSpace(f.Get("address_division")),
		HouseholdDivision: strings.TrimSpace(f.Get("household_division")),
	}
	for line := range strings.SplitSeq(f.Get("conditions"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			p.Conditions = append(p.Conditions, line)
		}
	}
	data := profileData{IDTypes: healthcode.IDTypes}
	old, err := h.Citizens.Profile(r.Context(), r.PersonID())
	switch {
	case err == nil:
		data.Saved, data.IDMasked, data.Phone, data.Sex, data.Birth = true, idnum.MaskID(old.IDNumber), idnum.MaskPhone(old.Phone), old.Sex, old.BirthDate
		data.Derived = derived(old.IDType) && p.IDType == old.IDType
		p.Phone = old.Phone
		// A blank number keeps the stored one, for the same document type.
		if p.IDNumber == "" && p.IDType == old.IDType {
			p.IDNumber = old.IDNumber
		}
	case healthcode.ErrorCode(err) != healthcode.ENOTFOUND:
		h.renderErr(w, r, err)
		return
	}
	// Sex and birth date of a resident ID are read from the number: the
	// form then has no field for them and sends none, and the service
	// derives them. One sent all the same (a form of a first profile, or
	// made by hand) that the number contradicts is refused by the
	// service beside its field, never silently replaced.
	if _, err := h.Citizens.SaveProfile(r.Context(), r.PersonID(), p); err != nil {
		h.formError(w, r, &view{Title: "profile.title", Form: f}, err, "", "profile.html", data)
		return
	}
	h.redirect(w, r.Request, "/me/profile?saved=1")
}
