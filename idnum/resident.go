package idnum

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
)

// ResidentID is a valid resident identity number and what it tells.
type ResidentID struct {
	Number    string // 18 characters, check character upper-case
	Division  string // six-digit division code of the first registration
	BirthDate string // YYYY-MM-DD
	Sex       string // "male" or "female"
}

// china is the time zone birth dates are written in.
var china = time.FixedZone("CST", 8*60*60)

// ValidateResidentID checks an 18-character resident identity number
// (GB 11643): division code, real birth date not after today (in China),
// sequence and the ISO 7064 MOD 11-2 check character. Surrounding spaces
// are trimmed and a lower-case check character x is accepted.
func ValidateResidentID(s string, now time.Time) (ResidentID, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if utf8.RuneCountInString(s) != 18 {
		return ResidentID{}, invalid("must be 18 characters")
	}
	if len(s) != 18 || !allDigits(s[:17]) || !(s[17] == 'X' || s[17] >= '0' && s[17] <= '9') {
		return ResidentID{}, invalid("must be 17 digits and a check character")
	}
	if !ValidDivision(s[:6]) {
		return ResidentID{}, invalid("division code is not valid")
	}
	birth, err := time.ParseInLocation("20060102", s[6:14], china)
	if err != nil {
		return ResidentID{}, invalid("birth date is not a real date")
	}
	if birth.Year() < 1900 {
		return ResidentID{}, invalid("birth date is before 1900")
	}
	y, m, d := now.In(china).Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, china)) {
		return ResidentID{}, invalid("birth date is in the future")
	}
	if CheckCharacter(s[:17]) != s[17] {
		return ResidentID{}, invalid("check character does not match")
	}
	sex := "female"
	if (s[16]-'0')%2 == 1 {
		sex = "male"
	}
	return ResidentID{Number: s, Division: s[:6], BirthDate: birth.Format(time.DateOnly), Sex: sex}, nil
}

// CheckCharacter computes the ISO 7064 MOD 11-2 check character of the
// first 17 digits of a resident ID (for generators of test data).
func CheckCharacter(digits string) byte {
	sum, weight := 0, 1
	// Weights are 2^(18-i) mod 11 for position i (1-based, left to right);
	// walking right to left they are 2, 4, 8, … mod 11.
	for i := len(digits) - 1; i >= 0; i-- {
		weight = weight * 2 % 11
		sum += int(digits[i]-'0') * weight
	}
	return "10X98765432"[sum%11]
}

func invalid(reason string) error {
	return healthcode.Errorf(healthcode.EINVALID, "%s", reason)
}
