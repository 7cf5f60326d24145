package node

import (
	"context"
	"io"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
)

// maxRosterRows bounds one roster file: the largest organisations of the
// issue have 100,000 members; a file of more is refused whole.
const maxRosterRows = 200_000

// ImportRoster reads and checks a roster file, then adds its valid rows
// in one transaction. A unit's token adds members to its own unit only: a
// row naming no unit joins it, a row naming another is rejected.
func (s *OrgService) ImportRoster(ctx context.Context, caller *healthcode.Caller, orgID, format string, r io.Reader) (*healthcode.RosterSummary, error) {
	o, err := s.orgFor(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	unit := unitOf(caller)
	start := time.Now()
	rd, err := importer.NewRosterReader(format, r, s.Now())
	if err != nil {
		s.Metrics.rosterRefused()
		return nil, err
	}
	sum := &healthcode.RosterSummary{Errors: []healthcode.RowError{}}
	var ms []*healthcode.OrgMember
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		row, err := rd.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			s.Metrics.rosterRefused()
			return nil, err
		}
		if n >= maxRosterRows {
			s.Metrics.rosterRefused()
			return nil, healthcode.Errorf(healthcode.ETOOLARGE, "a roster holds at most %d rows: split the file", maxRosterRows)
		}
		if row.Reject != nil {
			sum.Rejected++
			sum.Errors = append(sum.Errors, *row.Reject)
			continue
		}
		m := row.Member
		if unit != "" {
			if m.Unit != "" && m.Unit != unit {
				sum.Rejected++
				sum.Errors = append(sum.Errors, healthcode.RowError{Line: row.Line, Field: "unit",
					Reason: "this token manages unit " + unit + " only"})
				continue
			}
			m.Unit = unit
		}
		ms = append(ms, &m)
	}
	if len(ms) > 0 {
		if sum.Added, sum.Duplicate, err = s.Store.AddOrgMembers(ctx, o.ID, ms); err != nil {
			return nil, err
		}
	}
	s.Metrics.rosterImported(sum)
	s.logger().InfoContext(ctx, "roster imported", "org", o.ID, "added", sum.Added, "duplicate", sum.Duplicate,
		"rejected", sum.Rejected, "elapsed", time.Since(start).Round(time.Millisecond))
	return sum, nil
}
