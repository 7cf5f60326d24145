package healthcode

import (
	"encoding/json"
	"slices"
	"strings"
)

// ColourMap says how a region's colours map to the national ones when the
// hub resolves its codes (way 2, docs/federation.md): a region whose
// yellow means what the nation calls red declares yellow → red. A colour
// not in the map keeps its name; the empty map is the identity.
//
// In JSON it is an object of colour names, {"yellow":"red"}.
type ColourMap map[Colour]Colour

// Map returns the national colour of local.
func (m ColourMap) Map(local Colour) Colour {
	if n, ok := m[local]; ok {
		return n
	}
	return local
}

// Validate checks that every entry names one of the three colours on both
// sides.
func (m ColourMap) Validate() error {
	for from, to := range m {
		if !from.Valid() || !to.Valid() {
			return Errorf(EINVALID, "a colour map maps green, yellow or red to green, yellow or red, not %s to %s", from, to)
		}
	}
	return nil
}

// Normal returns m without its identity entries, nil when nothing is left:
// one map, one form, so that stored and compared maps agree.
func (m ColourMap) Normal() ColourMap {
	var out ColourMap
	for from, to := range m {
		if from != to {
			if out == nil {
				out = ColourMap{}
			}
			out[from] = to
		}
	}
	return out
}

// String is the map as the command line takes it, "yellow=red,…" by local
// colour, or "identity".
func (m ColourMap) String() string {
	n := m.Normal()
	if len(n) == 0 {
		return "identity"
	}
	keys := make([]Colour, 0, len(n))
	for c := range n {
		keys = append(keys, c)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, c := range keys {
		parts[i] = c.String() + "=" + n[c].String()
	}
	return strings.Join(parts, ",")
}

// ParseColourMapping reads one "local=national" entry, e.g. "yellow=red".
func ParseColourMapping(s string) (from, to Colour, err error) {
	a, b, ok := strings.Cut(s, "=")
	if ok {
		if from, err = ParseColour(strings.TrimSpace(a)); err == nil {
			to, err = ParseColour(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil {
		return 0, 0, Errorf(EINVALID, "colour mapping %q: want LOCAL=NATIONAL with green, yellow or red on each side, e.g. yellow=red", s)
	}
	return from, to, nil
}

// ParseColourMap reads the stored form, a JSON object of colour names; ""
// is the identity.
func ParseColourMap(data []byte) (ColourMap, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var m ColourMap
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, Errorf(EINVALID, "colour map: %v", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m.Normal(), nil
}

// Valid reports whether c is green, yellow or red.
func (c Colour) Valid() bool { return c >= Green && c <= Red }
