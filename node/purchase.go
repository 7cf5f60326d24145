package node

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// Purchase registers a sale of drugs of classes at the caller's pharmacy
// to the person showing code. The code is judged like any scan at the
// door (and logged), then each class is stored as a drug purchase of the
// buyer and their status evaluated again at once: per the region's policy
// the buyer is asked to get tested until a negative test sampled after
// the purchase comes in.
func (s *ScanService) Purchase(ctx context.Context, caller *healthcode.Caller, code string, classes []string) (*healthcode.PurchaseResult, error) {
	if !caller.Is(healthcode.RoleCheckpoint) || caller.VenueID == "" {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only a checkpoint token of a pharmacy registers purchases")
	}
	var fe healthcode.FieldErrors
	if len(classes) == 0 {
		fe.Add("classes", "name at least one drug class: "+strings.Join(healthcode.DrugClasses, ", "))
	}
	for _, c := range classes {
		if !slices.Contains(healthcode.DrugClasses, c) {
			fe.Add("classes", "unknown drug class "+c+": use "+strings.Join(healthcode.DrugClasses, ", "))
		}
	}
	if strings.TrimSpace(code) == "" {
		fe.Add("code", "is required")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	v, err := s.Venues.cached(ctx, caller.VenueID)
	if err != nil {
		return nil, err
	}
	if v.Kind != healthcode.VenuePharmacy {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "purchases are registered at pharmacies; venue %s is a %s", v.ID, v.Kind)
	}
	now := s.Now()
	sc := &healthcode.Scan{VenueID: v.ID, DeviceID: caller.TokenID, Source: healthcode.ScanOnline,
		Direction: healthcode.DirectionIn, At: now}
	res := &healthcode.PurchaseResult{ScanResult: &healthcode.ScanResult{Scan: sc, Venue: v}, Classes: slices.Clone(classes)}
	if err := s.judge(ctx, res.ScanResult, code, now); err != nil {
		return nil, err
	}
	if sc.Region != "" && sc.Region != s.Region && sc.Verdict == healthcode.VerdictPass {
		return nil, healthcode.Errorf(healthcode.EINVALID,
			"the buyer is a visitor from %s: their purchase is registered by their home region through the national hub, not yet connected here", sc.Region)
	}
	if _, err := s.Log.Record(ctx, []*healthcode.Scan{sc}); err != nil {
		return nil, err
	}
	s.Metrics.scanned(sc)
	if sc.PersonID == 0 {
		return res, nil // an unreadable or refused code: logged, nothing registered
	}
	key, err := s.Store.PersonKey(ctx, sc.PersonID)
	if err != nil {
		return nil, err
	}
	b := &healthcode.RecordBatch{}
	for _, c := range classes {
		b.DrugPurchases = append(b.DrugPurchases, healthcode.DrugPurchase{PersonKey: key, Class: c, At: now.Truncate(time.Second), VenueID: v.ID})
	}
	if err := s.Store.AddRecords(ctx, b); err != nil {
		return nil, err
	}
	if res.Status, err = s.Citizens.Evaluate(ctx, sc.PersonID); err != nil {
		return nil, err
	}
	return res, nil
}

// Purchases lists registered purchases for health staff, with a stated
// purpose; every buyer listed is written to the access log.
func (s *ScanService) Purchases(ctx context.Context, caller *healthcode.Caller, f healthcode.PurchaseFilter, purpose string) ([]*healthcode.DrugPurchaseEntry, error) {
	if !caller.Is(healthcode.RoleHealth) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff list drug purchases")
	}
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 10000
	}
	w, err := checkWindow(healthcode.ScanWindow{From: f.From, To: f.To}, s.Now())
	if err != nil {
		return nil, err
	}
	f.From, f.To = w.From, w.To
	list, err := s.Store.DrugPurchases(ctx, f)
	if err != nil {
		return nil, err
	}
	people := make([]int64, len(list))
	for i, e := range list {
		people[i] = e.PersonID
	}
	if err := s.Audit.RecordMany(ctx, caller, people, "drug purchases", purpose); err != nil {
		return nil, err
	}
	return list, nil
}
