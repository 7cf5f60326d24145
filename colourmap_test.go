package healthcode_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/healthcode/healthcode"
)

func TestColourMap(t *testing.T) {
	g, y, r := healthcode.Green, healthcode.Yellow, healthcode.Red
	tests := []struct {
		name     string
		m        healthcode.ColourMap
		want     [3]healthcode.Colour // of green, yellow, red
		str      string
		json     string
		readBack healthcode.ColourMap
	}{
		{"nil is the identity", nil, [3]healthcode.Colour{g, y, r}, "identity", `{}`, nil},
		{"identity entries", healthcode.ColourMap{g: g, r: r}, [3]healthcode.Colour{g, y, r}, "identity", `{}`, nil},
		{"yellow counts as red", healthcode.ColourMap{y: r}, [3]healthcode.Colour{g, r, r}, "yellow=red", `{"yellow":"red"}`, healthcode.ColourMap{y: r}},
		{"two entries", healthcode.ColourMap{r: y, y: g, g: g}, [3]healthcode.Colour{g, g, y}, "yellow=green,red=yellow",
			`{"red":"yellow","yellow":"green"}`, healthcode.ColourMap{y: g, r: y}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, c := range []healthcode.Colour{g, y, r} {
				if got := tt.m.Map(c); got != tt.want[i] {
					t.Errorf("Map(%s) = %s, want %s", c, got, tt.want[i])
				}
			}
			if got := tt.m.String(); got != tt.str {
				t.Errorf("String = %q, want %q", got, tt.str)
			}
			data, err := json.Marshal(tt.m.Normal())
			if err != nil {
				t.Fatal(err)
			}
			if string(data) == "null" {
				data = []byte("{}")
			}
			if string(data) != tt.json {
				t.Errorf("JSON %s, want %s", data, tt.json)
			}
			back, err := healthcode.ParseColourMap(data)
			if err != nil || !reflect.DeepEqual(back, tt.readBack) {
				t.Errorf("ParseColourMap = %v, %v; want %v", back, err, tt.readBack)
			}
		})
	}
}

func TestParseColourMapping(t *testing.T) {
	tests := []struct {
		in       string
		from, to healthcode.Colour
		ok       bool
	}{
		{"yellow=red", healthcode.Yellow, healthcode.Red, true},
		{" green = yellow ", healthcode.Green, healthcode.Yellow, true},
		{"red=red", healthcode.Red, healthcode.Red, true},
		{"yellow", 0, 0, false},
		{"yellow=", 0, 0, false},
		{"orange=red", 0, 0, false},
		{"yellow=black", 0, 0, false},
		{"Yellow=Red", 0, 0, false},
	}
	for _, tt := range tests {
		from, to, err := healthcode.ParseColourMapping(tt.in)
		if tt.ok != (err == nil) || from != tt.from || to != tt.to {
			t.Errorf("ParseColourMapping(%q) = %s, %s, %v", tt.in, from, to, err)
		}
		if err != nil && healthcode.ErrorCode(err) != healthcode.EINVALID {
			t.Errorf("ParseColourMapping(%q): code %s", tt.in, healthcode.ErrorCode(err))
		}
	}
	for _, bad := range []string{`{"yellow":"purple"}`, `{"blue":"red"}`, `[1]`, `{"yellow":1}`} {
		if _, err := healthcode.ParseColourMap([]byte(bad)); err == nil {
			t.Errorf("ParseColourMap(%s) took it", bad)
		}
	}
}
