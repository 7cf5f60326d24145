package node

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/secret"
)

// OrgService implements healthcode.OrgService: organisations, their
// managers and rosters, invitations, what managers see of their members
// and the daily compliance report (issue 7).
type OrgService struct {
	Store healthcode.Store
	Box   *secret.Box // person keys and the keyed hashes of invitation codes
	Audit *Audit
	Now   func() time.Time
	// HTTP posts the morning reports to webhooks; nil uses a client with
	// WebhookTimeout.
	HTTP    *http.Client
	Logger  *slog.Logger
	Metrics *OrgMetrics
}

var _ healthcode.OrgService = (*OrgService)(nil)

// dayZone is where the days of organisations and health checks begin:
// every region of China keeps Beijing time (as http's regionZone). The
// daily report of a date counts as of that day, and a check is of the day
// it was made in this zone.
var dayZone = time.FixedZone("CST", 8*60*60)

// Limits of what an organisation states.
const (
	minTestWindow = time.Hour
	maxTestWindow = 14 * 24 * time.Hour
	maxWebhookLen = 500
)

var (
	errOtherOrg  = healthcode.Errorf(healthcode.EFORBIDDEN, "this token manages another organisation")
	errNotOrgish = healthcode.Errorf(healthcode.EFORBIDDEN, "only the organisation's managers and health staff")
)

// orgFor returns the organisation with id when caller may act for it.
func (s *OrgService) orgFor(ctx context.Context, caller *healthcode.Caller, id string) (*healthcode.Org, error) {
	return findOrgFor(ctx, s.Store, caller, id)
}

// findOrgFor returns the organisation with id from store when caller may
// act for it: health staff and admins for any, an org token for its own
// only.
func findOrgFor(ctx context.Context, store healthcode.OrgStore, caller *healthcode.Caller, id string) (*healthcode.Org, error) {
	switch {
	case caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth):
	case caller.Is(healthcode.RoleOrg) && caller.OrgID == id:
	case caller.Is(healthcode.RoleOrg):
		return nil, errOtherOrg
	default:
		return nil, errNotOrgish
	}
	return store.FindOrg(ctx, id)
}

// unitFor is the unit caller acts for within the organisation: an org
// token of one unit only that one (asking for another is refused); others
// the unit they ask for, "" for all.
func unitFor(caller *healthcode.Caller, asked, field string) (string, error) {
	bound := unitOf(caller)
	if bound == "" {
		return asked, nil
	}
	if asked != "" && asked != bound {
		return "", &healthcode.Error{Code: healthcode.EFORBIDDEN, Message: field + ": this token manages unit " + bound + " only"}
	}
	return bound, nil
}

// unitOf is the unit caller is bound to: an org token of one unit sees
// that unit's members only; "" for the whole organisation.
func unitOf(caller *healthcode.Caller) string {
	if caller.Is(healthcode.RoleOrg) {
		return caller.OrgUnit
	}
	return ""
}

// CreateOrg checks o and stores it (health staff and admins).
func (s *OrgService) CreateOrg(ctx context.Context, caller *healthcode.Caller, o *healthcode.Org) (*healthcode.Org, error) {
	if !caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff create organisations")
	}
	if o.TestWindow == 0 {
		o.TestWindow = healthcode.DefaultTestWindow
	}
	o.Name, o.Webhook = strings.TrimSpace(o.Name), strings.TrimSpace(o.Webhook)
	var fe healthcode.FieldErrors
	if !oneOf(o.Kind, healthcode.OrgKinds) {
		fe.Add("kind", "must be one of "+strings.Join(healthcode.OrgKinds, ", "))
	}
	checkOrgName(&fe, o.Name)
	if !idnum.ValidDivision(o.Division) {
		fe.Add("division", "must be a six-digit administrative division code (GB/T 2260)")
	}
	checkOrgSettings(&fe, o)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	o.CreatedAt = s.Now()
	if err := s.Store.CreateOrg(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

func checkOrgName(fe *healthcode.FieldErrors, name string) {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		fe.Add("name", "is required")
	case n > 100:
		fe.Add("name", "is longer than 100 characters")
	}
}

// checkOrgSettings checks what managers may change: the test window and
// the webhook, which must be an absolute http(s) URL.
func checkOrgSettings(fe *healthcode.FieldErrors, o *healthcode.Org) {
	if o.TestWindow < minTestWindow || o.TestWindow > maxTestWindow || o.TestWindow%time.Hour != 0 {
		fe.Add("test_window_hours", "must be a whole number of hours between 1 and 336")
	}
	if o.Webhook == "" {
		return
	}
	u, err := url.Parse(o.Webhook)
	switch {
	case len(o.Webhook) > maxWebhookLen:
		fe.Add("webhook", "is longer than 500 characters")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		fe.Add("webhook", "must be an http or https URL")
	}
}

// Org returns the organisation with id when caller may act for it.
func (s *OrgService) Org(ctx context.Context, caller *healthcode.Caller, id string) (*healthcode.Org, error) {
	return s.orgFor(ctx, caller, id)
}

// ListOrgs lists all organisations to health staff, its own to a manager.
func (s *OrgService) ListOrgs(ctx context.Context, caller *healthcode.Caller, f healthcode.OrgFilter) ([]*healthcode.Org, error) {
	if f.Limit < 1 || f.Limit > 1000 {
		return nil, (healthcode.FieldErrors{"limit": "must be between 1 and 1000"}).Err()
	}
	if f.Offset < 0 {
		return nil, (healthcode.FieldErrors{"offset": "must be 0 or more"}).Err()
	}
	if caller.Is(healthcode.RoleOrg) {
		o, err := s.orgFor(ctx, caller, caller.OrgID)
		if err != nil {
			return nil, err
		}
		return []*healthcode.Org{o}, nil
	}
	if !caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth) {
		return nil, errNotOrgish
	}
	return s.Store.ListOrgs(ctx, f)
}

// UpdateOrg changes what u sets: a manager (of the whole organisation) the
// webhook and test window, health staff the name too.
func (s *OrgService) UpdateOrg(ctx context.Context, caller *healthcode.Caller, u *healthcode.OrgUpdate) (*healthcode.Org, error) {
	o, err := s.orgFor(ctx, caller, u.ID)
	if err != nil {
		return nil, err
	}
	var fe healthcode.FieldErrors
	if caller.Is(healthcode.RoleOrg) {
		if caller.OrgUnit != "" {
			return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "a unit's token cannot change its organisation")
		}
		if u.Name != nil {
			fe.Add("name", "only health staff rename an organisation")
		}
	}
	if u.Name != nil {
		o.Name = strings.TrimSpace(*u.Name)
		checkOrgName(&fe, o.Name)
	}
	if u.TestWindow != nil {
		o.TestWindow = *u.TestWindow
	}
	if u.Webhook != nil {
		o.Webhook = strings.TrimSpace(*u.Webhook)
	}
	checkOrgSettings(&fe, o)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateOrg(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

// CreateManagerToken makes a token of role org bound to orgID (and unit,
// when set) for health staff to hand to the organisation.
func (s *OrgService) CreateManagerToken(ctx context.Context, caller *healthcode.Caller, orgID, name, unit string) (string, *healthcode.StaffToken, error) {
	if !caller.Is(healthcode.RoleAdmin, healthcode.RoleHealth) {
		return "", nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff make managers' tokens")
	}
	if _, err := s.Store.FindOrg(ctx, orgID); err != nil {
		return "", nil, err
	}
	return CreateStaffToken(ctx, s.Store, StaffTokenRequest{Role: healthcode.RoleOrg, Name: strings.TrimSpace(name),
		OrgID: orgID, OrgUnit: strings.TrimSpace(unit)}, s.Now())
}

func (s *OrgService) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
