package node

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// Limits of one upload.
const (
	MaxBatchScans = 50_000
	// clockSlack is how far a device's clock may be from the node's before
	// its scans are flagged.
	clockSlack = 5 * time.Minute
)

// Batch stores a device's offline scans. Each scan is checked on its own:
// bad ones are reported by index (line = index + 1) and the good ones
// land. The device judged them: its verdicts are kept as they are, and a
// scan is never turned into a deny afterwards. deviceTime, when not zero,
// is the device's clock at upload: a device whose clock is off by more
// than a few minutes has every scan flagged. A scan dated in the future,
// or older than the log keeps scans, is flagged too.
func (s *ScanService) Batch(ctx context.Context, caller *healthcode.Caller, deviceTime time.Time, scans []healthcode.OfflineScan) (*healthcode.BatchResult, error) {
	if !caller.Is(healthcode.RoleCheckpoint) || caller.VenueID == "" {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only a checkpoint token bound to a venue uploads scans")
	}
	if len(scans) > MaxBatchScans {
		return nil, healthcode.Errorf(healthcode.ETOOLARGE, "at most %d scans per upload: split the batch", MaxBatchScans)
	}
	if _, err := s.Venues.cached(ctx, caller.VenueID); err != nil {
		return nil, err
	}
	now := s.Now()
	skewed := !deviceTime.IsZero() && (deviceTime.Sub(now) > clockSlack || now.Sub(deviceTime) > clockSlack)
	res := &healthcode.BatchResult{Rejected: []healthcode.RowError{}}
	stored := make([]*healthcode.Scan, 0, len(scans))
	seen := make(map[int64]bool, len(scans))
	for i := range scans {
		o := &scans[i]
		sc, field, reason := s.offlineScan(o, caller, now)
		if reason == "" && seen[o.Seq] {
			field, reason = "seq", "appears twice in this upload"
		}
		if reason != "" {
			res.Rejected = append(res.Rejected, healthcode.RowError{Line: int64(i + 1), ID: fmt.Sprint(o.Seq), Field: field, Reason: reason})
			continue
		}
		seen[o.Seq] = true
		sc.ClockSkew = skewed || sc.At.Sub(now) > clockSlack || (s.Retention > 0 && now.Sub(sc.At) > s.Retention)
		stored = append(stored, sc)
	}
	if len(stored) == 0 {
		return res, nil
	}
	dup, err := s.Store.RecordScans(ctx, stored, now)
	if err != nil {
		return nil, err
	}
	for i, sc := range stored {
		switch {
		case dup[i]:
			res.Duplicate++
		default:
			res.Accepted++
			if sc.ClockSkew {
				res.Flagged++
			}
		}
	}
	s.Metrics.scannedOffline(res.Accepted)
	return res, nil
}

// offlineScan checks one uploaded scan and makes its log entry, or names
// the field at fault and why.
func (s *ScanService) offlineScan(o *healthcode.OfflineScan, caller *healthcode.Caller, now time.Time) (sc *healthcode.Scan, field, reason string) {
	switch {
	case o.Seq <= 0:
		return nil, "seq", "must be a positive sequence number"
	case o.At.IsZero():
		return nil, "scanned_at", "is required"
	case o.Direction != healthcode.DirectionIn && o.Direction != healthcode.DirectionOut:
		return nil, "direction", `must be "in" or "out"`
	case o.Verdict != healthcode.VerdictPass && o.Verdict != healthcode.VerdictDeny:
		return nil, "verdict", `must be "pass" or "deny"`
	case o.Verdict == healthcode.VerdictPass && len(o.Reasons) > 0:
		return nil, "reasons", "a pass has no deny reasons"
	}
	for _, r := range o.Reasons {
		if !healthcode.KnownDenyReason(r) {
			return nil, "reasons", fmt.Sprintf("unknown deny reason %q", r)
		}
	}
	sc = &healthcode.Scan{VenueID: caller.VenueID, DeviceID: caller.TokenID, Seq: o.Seq, Source: healthcode.ScanOffline,
		Direction: o.Direction, Verdict: o.Verdict, Reasons: o.Reasons, At: o.At}
	if o.Code != "" {
		// What the device saw: the claims as written, signature or not (a
		// forged code the device denied is worth keeping too).
		p, err := hcode.ParseHealth(o.Code)
		if err != nil {
			if o.Verdict == healthcode.VerdictPass {
				return nil, "code", "is not a readable health code, yet the scan passed"
			}
			return sc, "", ""
		}
		sc.Region, sc.Subject, sc.Colour = p.Health.SubjectRegion(), p.Health.Subject, p.Health.Colour
		return sc, "", ""
	}
	switch {
	case !hcode.ValidRegion(o.Region):
		return nil, "region", "must be a region id such as CN-330100"
	case len(o.Subject) != 16:
		return nil, "subject", "must be the 16-byte subject of the code, base64"
	case o.Colour < healthcode.Green || o.Colour > healthcode.Red:
		return nil, "colour", "must be green, yellow or red"
	}
	sc.Region, sc.Subject, sc.Colour = o.Region, slices.Clone(o.Subject), o.Colour
	return sc, "", ""
}
