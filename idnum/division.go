package idnum

// provinces are the first two digits of province-level divisions
// (GB/T 2260), including Taiwan (71), Hong Kong (81) and Macao (82).
var provinces = [100]bool{
	11: true, 12: true, 13: true, 14: true, 15: true,
	21: true, 22: true, 23: true,
	31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 37: true,
	41: true, 42: true, 43: true, 44: true, 45: true, 46: true,
	50: true, 51: true, 52: true, 53: true, 54: true,
	61: true, 62: true, 63: true, 64: true, 65: true,
	71: true, 81: true, 82: true,
}

// ValidDivision reports whether code is a six-digit division code of a
// real province. The lower four digits are not checked against the list of
// divisions, which changes every year.
func ValidDivision(code string) bool {
	return len(code) == 6 && allDigits(code) && provinces[int(code[0]-'0')*10+int(code[1]-'0')]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
