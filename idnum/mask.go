package idnum

import (
	"strings"
	"unicode"
)

// MaskName masks a name as codes show it (DESIGN §3). A name with Chinese
// characters keeps its first and last character with one * between,
// whatever its length (张三丰 → 张*丰, 欧阳娜娜 → 欧*娜); two characters keep
// the first (张三 → 张*), one is all masked (*). Other names keep the first
// letter of each word and star the rest (John Smith → J*** S****); runs of
// spaces become one.
func MaskName(name string) string {
	if strings.IndexFunc(name, isHan) >= 0 {
		runes := []rune(strings.Join(strings.Fields(name), ""))
		switch len(runes) {
		case 0, 1:
			return "*"
		case 2:
			return string(runes[0]) + "*"
		}
		return string(runes[0]) + "*" + string(runes[len(runes)-1])
	}
	words := strings.Fields(name)
	for i, w := range words {
		r := []rune(w)
		words[i] = string(r[0]) + strings.Repeat("*", len(r)-1)
	}
	return strings.Join(words, " ")
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// MaskID keeps the first two and the last two characters of a document
// number and stars the rest; four characters or fewer are all stars.
func MaskID(s string) string { return keepEnds(s, 2, 2) }

// MaskPhone keeps the first three and the last four digits of a phone
// number (138****5678); seven characters or fewer are all stars.
func MaskPhone(s string) string {
	if n, ok := ValidPhone(s); ok {
		s = n
	}
	return keepEnds(s, 3, 4)
}

// keepEnds stars all but the first head and last tail runes of s, or all of
// s when it is too short to keep anything hidden.
func keepEnds(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
