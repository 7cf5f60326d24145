package idnum

import "strings"

// ValidPhone accepts a mainland mobile number, 1[3-9] and nine digits,
// written with or without +86, 86 or 0086 and with spaces or dashes, and
// returns it as 11 digits.
func ValidPhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		case r == '+' && b.Len() == 0:
		default:
			return "", false
		}
	}
	n := b.String()
	if len(n) == 15 && strings.HasPrefix(n, "0086") {
		n = n[4:]
	} else if len(n) == 13 && strings.HasPrefix(n, "86") {
		n = n[2:]
	}
	if len(n) != 11 || n[0] != '1' || n[1] < '3' || !allDigits(n) {
		return "", false
	}
	return n, true
}
