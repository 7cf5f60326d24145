package healthcode

import "testing"

// Each deny reason reads differently from every other, in both languages:
// checkpoint staff tell them apart by their words alone.
func TestDenyTextsDistinct(t *testing.T) {
	for lang := range 2 {
		seen := map[string]string{}
		for code, texts := range denyTexts {
			text := texts[lang]
			if text == "" {
				t.Errorf("%s has no text in language %d", code, lang)
			}
			if other, dup := seen[text]; dup {
				t.Errorf("%s and %s both read %q", code, other, text)
			}
			seen[text] = code
		}
	}
}
