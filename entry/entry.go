// Package entry decides whether a code may pass a venue's door: the pure
// rule of a checkpoint, with no I/O. The node feeds it what it read about
// the code's holder; an offline device feeds it what the code itself says.
package entry

import (
	"time"

	"github.com/healthcode/healthcode"
)

// Holder is what the decision reads about the person showing a code.
type Holder struct {
	Colour         healthcode.Colour
	ActionRequired bool
	// LatestTest is the person's latest test, nil when none.
	LatestTest *healthcode.TestSummary
	Doses      int
	// Employee reports whether the holder is on the staff of the employer
	// the policy names (EntryPolicy.Employer); read only for such a venue.
	Employee bool
}

// Decision is a verdict with the codes of the reasons for a deny.
type Decision struct {
	Verdict string   // healthcode.VerdictPass or VerdictDeny
	Reasons []string // deny codes, in the order a person should fix them
}

// Pass is the decision to let a code through.
var Pass = Decision{Verdict: healthcode.VerdictPass}

// Deny is a decision to turn a code away for reasons.
func Deny(reasons ...string) Decision {
	return Decision{Verdict: healthcode.VerdictDeny, Reasons: reasons}
}

// Decide judges an entry (direction in) of h at a venue with policy p at
// now. Every failed requirement is named, not only the first: the staff
// tell the person everything at once. An exit always passes: nobody is
// kept inside.
func Decide(p *healthcode.EntryPolicy, h *Holder, direction string, now time.Time) Decision {
	if direction == healthcode.DirectionOut {
		return Pass
	}
	var reasons []string
	if !p.Allows(h.Colour) {
		reasons = append(reasons, healthcode.DenyColour)
	}
	if p.ActionRequiredBlocks && h.ActionRequired {
		reasons = append(reasons, healthcode.DenyActionRequired)
	}
	if p.TestWithinHours > 0 && !recentNegative(h.LatestTest, time.Duration(p.TestWithinHours)*time.Hour, now) {
		reasons = append(reasons, healthcode.DenyTestRequired)
	}
	if h.Doses < p.MinDoses {
		reasons = append(reasons, healthcode.DenyDosesRequired)
	}
	if p.Employer != "" && !h.Employee {
		reasons = append(reasons, healthcode.DenyNotEmployed)
	}
	if len(reasons) > 0 {
		return Deny(reasons...)
	}
	return Pass
}

// NeedsDetail reports whether p reads a holder's test or doses: when it
// does not, the colour and the action flag are enough.
func NeedsDetail(p *healthcode.EntryPolicy) bool {
	return p.TestWithinHours > 0 || p.MinDoses > 0
}

// recentNegative reports whether t is a negative test sampled within
// window before now. A sample time in the future (a skewed clock) counts
// as now.
func recentNegative(t *healthcode.TestSummary, window time.Duration, now time.Time) bool {
	if t == nil || t.Result != healthcode.Negative {
		return false
	}
	return !t.SampledAt.Before(now.Add(-window))
}
