package status

import (
	"time"

	"github.com/healthcode/healthcode"
)

// Findings reports whether p counts anything in declaration d by itself:
// fever, symptoms, a case contact, fever medicine. Such a declaration must
// stay among the person's facts until tests clear it, however old it grows.
// It asks the engine rather than repeating its rules.
func Findings(d *healthcode.Declaration, p *Policy) bool {
	at := d.CreatedAt
	if at.IsZero() {
		at = time.Unix(0, 0)
	}
	one := *d
	one.CreatedAt = at
	st := Evaluate(&healthcode.Facts{Declarations: []healthcode.Declaration{one}}, p, at)
	return len(st.Reasons) > 0
}
