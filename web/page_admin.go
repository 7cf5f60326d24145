package web

import (
	"encoding/hex"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/trust"
)

type tokenRow struct {
	T       *healthcode.StaffToken
	Binding string
	Own     bool
}

type trustKeyRow struct {
	KID     string
	Key     trust.Key
	ValidAt bool
}

type trustRegionRow struct {
	Region trust.Region
	Keys   []trustKeyRow
	Own    bool
}

type adminData struct {
	Tokens    []tokenRow
	Roles     []healthcode.Role
	Kinds     []string
	Created   string // the token just created, shown this once
	CreatedT  *healthcode.StaffToken
	List      *trust.List
	Regions   []trustRegionRow
	Hub       *node.HubStatus
	HubListAt string
	Parked    int    // batches parked, with Hub
	ParkedTo  string // by region: "CN-110100: 1, CN-440100: 2"
}

func (h *Handler) adminData(r *request) (adminData, error) {
	d := adminData{Roles: healthcode.StaffRoles, Kinds: healthcode.RecordKinds}
	ts, err := h.Tokens.List(r.Context(), r.Caller)
	if err != nil {
		return d, err
	}
	for _, t := range ts {
		var b []string
		for _, x := range []struct{ k, v string }{{"venue", t.VenueID}, {"kind", t.DataKind}, {"org", t.OrgID}, {"unit", t.OrgUnit}, {"region", t.Region}} {
			if x.v != "" {
				b = append(b, x.k+" "+x.v)
			}
		}
		d.Tokens = append(d.Tokens, tokenRow{T: t, Binding: strings.Join(b, ", "), Own: t.ID == r.Caller.TokenID})
	}
	if h.TrustList != nil {
		l, err := h.TrustList(r.Context())
		if err != nil {
			return d, err
		}
		d.List = l
		now := h.Now()
		for _, reg := range l.Regions {
			row := trustRegionRow{Region: reg, Own: reg.Mode == trust.ModeLocal && len(d.Regions) == 0}
			for _, k := range reg.Keys {
				row.Keys = append(row.Keys, trustKeyRow{KID: hex.EncodeToString(k.KID), Key: k, ValidAt: k.ValidAt(now) && !k.Revoked})
			}
			d.Regions = append(d.Regions, row)
		}
	}
	if h.Hub != nil {
		st := h.Hub.Status()
		d.Hub = &st
		if h.Outbox != nil {
			parked, err := h.Outbox.ParkedOutbox(r.Context())
			if err != nil {
				return d, err
			}
			var to []string
			for _, region := range slices.Sorted(maps.Keys(parked)) {
				d.Parked += parked[region]
				to = append(to, region+": "+strconv.Itoa(parked[region]))
			}
			d.ParkedTo = strings.Join(to, ", ")
		}
	}
	return d, nil
}

// handleAdmin shows the staff tokens with a form to make one and the
// trust list the node serves, with how it follows its hub.
func (h *Handler) handleAdmin(w http.ResponseWriter, r *request) {
	d, err := h.adminData(r)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	v := &view{Title: "admin.title", Form: url.Values{"role": {string(healthcode.RoleHealth)}}, Data: d}
	if id := r.URL.Query().Get("revoked"); id != "" {
		v.Notice = r.Lang.T("admin.revoked", id)
	}
	h.render(w, r, http.StatusOK, "admin.html", v)
}

// handleTokenCreate makes a token and shows it on this answer only: it
// is never in a URL, and the page is not stored.
func (h *Handler) handleTokenCreate(w http.ResponseWriter, r *request) {
	r.ParseForm()
	f := r.PostForm
	req := node.StaffTokenRequest{Role: healthcode.Role(f.Get("role")), Name: strings.TrimSpace(f.Get("name")),
		VenueID: strings.TrimSpace(f.Get("venue")), DataKind: f.Get("kind"), OrgID: strings.TrimSpace(f.Get("org")),
		OrgUnit: strings.TrimSpace(f.Get("unit")), Region: strings.TrimSpace(f.Get("region"))}
	form := url.Values{}
	for _, k := range []string{"role", "name", "venue", "kind", "org", "unit", "region"} {
		form.Set(k, f.Get(k))
	}
	v := &view{Title: "admin.title", Form: form}
	token, t, err := h.Tokens.Create(r.Context(), r.Caller, req)
	d, derr := h.adminData(r)
	if derr != nil {
		h.renderErr(w, r, derr)
		return
	}
	if err != nil {
		h.formError(w, r, v, err, "", "admin.html", d)
		return
	}
	d.Created, d.CreatedT = token, t
	v.Form = url.Values{"role": {string(healthcode.RoleHealth)}}
	v.Data = d
	h.Logger.InfoContext(r.Context(), "staff token created on the admin page", "by", r.Caller.TokenID, "id", t.ID, "role", string(t.Role))
	h.render(w, r, http.StatusOK, "admin.html", v)
}

// handleTokenRevoke revokes a token (not the one signed in with).
func (h *Handler) handleTokenRevoke(w http.ResponseWriter, r *request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := h.Tokens.Revoke(r.Context(), r.Caller, id); err != nil {
		h.renderErr(w, r, err)
		return
	}
	h.Logger.InfoContext(r.Context(), "staff token revoked on the admin page", "by", r.Caller.TokenID, "id", id)
	h.redirect(w, r.Request, "/admin?revoked="+strconv.FormatInt(id, 10))
}
