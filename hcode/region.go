package hcode

// NationalRegion is the issuer id of the national hub.
const NationalRegion = "CN"

// ValidRegion reports whether id names the hub ("CN") or a region ("CN-"
// and a six-digit GB/T 2260 administrative division code).
func ValidRegion(id string) bool {
	if id == NationalRegion {
		return true
	}
	if len(id) != 9 || id[:3] != "CN-" {
		return false
	}
	return ValidDivision(id[3:])
}

// ValidDivision reports whether s is six decimal digits.
func ValidDivision(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
