package node

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
)

// HealthChecks keeps schools' morning and noon checks (晨午检) and the
// daily check-ins of people in home quarantine or monitoring. A fever at
// either has the person's status evaluated at once: the status engine
// asks them to get tested (fever_at_check).
type HealthChecks struct {
	Store    healthcode.Store
	Citizens *CitizenService // the policy that judges fever, and the evaluation
	Audit    *Audit
	Now      func() time.Time
}

var _ healthcode.HealthCheckService = (*HealthChecks)(nil)

// Bounds of what a check records.
const (
	minCheckTemperature = 34.0 // °C; below is a measuring error
	maxCheckTemperature = 43.0
	maxCheckEntries     = 2000 // a class, generously
	maxCheckSymptoms    = 20
	// checkInHistory is how far back a citizen's own list goes.
	checkInHistory = 30 * 24 * time.Hour
)

// Default purposes of the access log entries of check views: the view is
// its own purpose, as a scan at a door is; a caller may state another.
const (
	purposeSchoolChecks = "晨午检 (morning and noon health checks)"
	purposeCheckIns     = "居家隔离健康打卡 (home quarantine check-ins)"
)

// fever judges a check by the region's policy.
func (s *HealthChecks) fever(c *healthcode.HealthCheck) bool {
	return s.Citizens.Policy.Fever(c.Temperature, c.Symptoms)
}

// checkDay reads date (YYYY-MM-DD; "" today) and returns it with the
// instant its day starts. A day after today is refused.
func checkDay(field, date string, now time.Time) (string, time.Time, error) {
	today := now.In(dayZone).Format(time.DateOnly)
	if date == "" {
		date = today
	}
	day, err := time.ParseInLocation(time.DateOnly, date, dayZone)
	if err != nil {
		return "", time.Time{}, (healthcode.FieldErrors{field: "must be a YYYY-MM-DD date"}).Err()
	}
	if date > today {
		return "", time.Time{}, (healthcode.FieldErrors{field: "must not be after today (" + today + ")"}).Err()
	}
	return date, day, nil
}

// checkReadings validates a temperature and symptoms under field prefix p
// ("entries[3]." or ""), adding problems to fe.
func checkReadings(fe *healthcode.FieldErrors, p string, temp *float64, symptoms []healthcode.Symptom) {
	if t := temp; t != nil && (math.IsNaN(*t) || *t < minCheckTemperature || *t > maxCheckTemperature) {
		fe.Add(p+"temperature", fmt.Sprintf("must be between %.1f and %.1f °C", minCheckTemperature, maxCheckTemperature))
	}
	if len(symptoms) > maxCheckSymptoms {
		fe.Add(p+"symptoms", fmt.Sprintf("at most %d symptoms", maxCheckSymptoms))
	}
	for i, sy := range symptoms {
		if !sy.Valid() {
			fe.Add(fmt.Sprintf("%ssymptoms[%d]", p, i), fmt.Sprintf("unknown symptom %q", sy))
		} else if slices.Contains(symptoms[:i], sy) {
			fe.Add(fmt.Sprintf("%ssymptoms[%d]", p, i), "is listed twice")
		}
	}
}

// orgFor returns the organisation caller acts for: an org token only for
// its own organisation (and its own unit when bound to one: unit "" then
// asks for the whole organisation and is refused), health staff for any.
// kind, when not empty, is the kind the organisation must be.
func (s *HealthChecks) orgFor(ctx context.Context, caller *healthcode.Caller, orgID, unit, kind, what string) (*healthcode.Org, error) {
	switch {
	case caller.Is(healthcode.RoleHealth, healthcode.RoleAdmin):
	case caller.Is(healthcode.RoleOrg) && caller.OrgID == orgID:
		if caller.OrgUnit != "" && caller.OrgUnit != unit {
			if unit == "" {
				return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "this token is for %s only, not the whole organisation", caller.OrgUnit)
			}
			return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "this token is for %s only, not %s", caller.OrgUnit, unit)
		}
	case caller.Is(healthcode.RoleOrg):
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "this token is for organisation %s, not %s", caller.OrgID, orgID)
	default:
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only the organisation's managers and health staff see %s", what)
	}
	o, err := s.Store.FindOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if kind != "" && o.Kind != kind {
		return nil, healthcode.Errorf(healthcode.ECONFLICT, "organisation %s is a %s: only a %s has %s", o.ID, o.Kind, kind, what)
	}
	return o, nil
}

// auditPeople writes one access log entry for each registered person
// among keys: the people a view showed.
func (s *HealthChecks) auditPeople(ctx context.Context, caller *healthcode.Caller, keys [][]byte, what, purpose string) error {
	if len(keys) == 0 {
		return nil
	}
	ids, err := s.Store.CheckPersonIDs(ctx, keys)
	if err != nil {
		return err
	}
	people := make([]int64, 0, len(ids))
	for _, k := range keys {
		if id, ok := ids[string(k)]; ok {
			people = append(people, id)
		}
	}
	return s.Audit.RecordMany(ctx, caller, people, what, purpose)
}

// evaluate evaluates again the status of each of people now.
func (s *HealthChecks) evaluate(ctx context.Context, people []int64) error {
	for _, id := range people {
		if _, err := s.Citizens.Evaluate(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func purposeOr(purpose, def string) string {
	if purpose == "" {
		return def
	}
	return purpose
}
