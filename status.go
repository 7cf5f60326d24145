package healthcode

import (
	"fmt"
	"time"
)

// Colour is the colour of a health code.
type Colour int

const (
	Green  Colour = 0
	Yellow Colour = 1
	Red    Colour = 2
)

var colourNames = [...]string{"green", "yellow", "red"}

func (c Colour) String() string {
	if c < 0 || int(c) >= len(colourNames) {
		return fmt.Sprintf("colour(%d)", int(c))
	}
	return colourNames[c]
}

// ParseColour parses "green", "yellow" or "red".
func ParseColour(s string) (Colour, error) {
	for i, n := range colourNames {
		if s == n {
			return Colour(i), nil
		}
	}
	return 0, Errorf(EINVALID, "unknown colour %q", s)
}

func (c Colour) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

func (c *Colour) UnmarshalText(b []byte) error {
	v, err := ParseColour(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Reason explains a status: a stable machine code and text in Chinese and
// English. Colour is what the reason alone would make the code; Since is when
// the fact behind it began.
type Reason struct {
	Code   string    `json:"code"`
	Colour Colour    `json:"colour"`
	Action bool      `json:"action_required,omitempty"`
	TextZH string    `json:"text_zh"`
	TextEN string    `json:"text_en"`
	Since  time.Time `json:"since"`
	// Detail is free text for the person, e.g. the staff's reason of an
	// accepted appeal; empty for reasons the catalog text explains.
	Detail string `json:"detail,omitempty"`
}

// TestSummary is the latest nucleic-acid test shown with a status.
type TestSummary struct {
	SampledAt time.Time  `json:"sampled_at"`
	Result    TestResult `json:"result"`
}

// Status is the outcome of the status engine for one person at one time.
type Status struct {
	Colour         Colour       `json:"colour"`
	ActionRequired bool         `json:"action_required"`
	Reasons        []Reason     `json:"reasons"`
	Since          time.Time    `json:"since"`
	ReevaluateAt   time.Time    `json:"reevaluate_at"` // zero: only when facts change
	LatestTest     *TestSummary `json:"latest_test,omitempty"`
	Doses          int          `json:"doses"`
	PolicyVersion  string       `json:"policy_version"`
	EvaluatedAt    time.Time    `json:"evaluated_at"`
	// Declared is false until the person's first declaration: no code is
	// issued before it.
	Declared bool `json:"declared"`
}

// Stale reports whether s must be evaluated again at now.
func (s *Status) Stale(now time.Time) bool {
	return !s.ReevaluateAt.IsZero() && !now.Before(s.ReevaluateAt)
}
