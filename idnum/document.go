package idnum

import (
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// ValidateDocument checks the number of a document of type t and returns it
// normalised (trimmed, upper-case):
//
//   - resident_id: see ValidateResidentID
//   - passport: 5 to 17 letters or digits (countries differ too much for more)
//   - hk_macao_permit: H or M and 8 or 10 digits
//   - taiwan_permit: 8 or 10 digits
//   - foreign_permanent_resident: 15 letters or digits (the 2004 card), or
//     18 characters starting with 9: 17 digits and a digit or X (the 2023 card)
func ValidateDocument(t healthcode.IDType, number string, now time.Time) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(number))
	if n == "" {
		return "", invalid("is required")
	}
	switch t {
	case healthcode.IDResident:
		id, err := ValidateResidentID(n, now)
		return id.Number, err
	case healthcode.IDPassport:
		if len(n) < 5 || len(n) > 17 || !alnum(n) {
			return "", invalid("must be 5 to 17 letters or digits")
		}
	case healthcode.IDHKMacao:
		if (len(n) != 9 && len(n) != 11) || (n[0] != 'H' && n[0] != 'M') || !allDigits(n[1:]) {
			return "", invalid("must be H or M followed by 8 or 10 digits")
		}
	case healthcode.IDTaiwan:
		if (len(n) != 8 && len(n) != 10) || !allDigits(n) {
			return "", invalid("must be 8 or 10 digits")
		}
	case healthcode.IDForeignPR:
		old := len(n) == 15 && alnum(n)
		current := len(n) == 18 && n[0] == '9' && allDigits(n[:17]) && (n[17] == 'X' || allDigits(n[17:]))
		if !old && !current {
			return "", invalid("must be 15 letters or digits, or 18 characters starting with 9")
		}
	default:
		return "", invalid("unknown document type")
	}
	return n, nil
}

// alnum reports whether s is only ASCII upper-case letters and digits.
func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
