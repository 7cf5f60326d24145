package jsonscan_test

import (
	"encoding/json"
	"testing"

	"github.com/healthcode/healthcode/jsonscan"
)

func TestScalar(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when refused
	}{
		{`"plain"`, `"plain"`},
		{`"with \"escapes\" \\ \u00e9"`, `"with \"escapes\" \\ \u00e9"`},
		{`"ends in a backslash \\"`, `"ends in a backslash \\"`},
		{`"广州"`, `"广州"`},
		{`-12.5e+3`, `-12.5e+3`},
		{`0`, `0`},
		{`true`, `true`},
		{`false`, `false`},
		{`null`, `null`},
		{`01`, ""},
		{`1.`, ""},
		{`-`, ""},
		{`"bad \x escape"`, ""},
		{"\"a control \x01 character\"", ""},
		{`"unterminated`, ""},
		{`truex`, ""},
		{`nul`, ""},
		{`{}`, ""},
		{`[1]`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		s := jsonscan.Scanner{B: []byte(tt.in)}
		got, ok := s.Scalar()
		if ok != (tt.want != "") || string(got) != tt.want || ok && s.Bad {
			t.Errorf("Scalar(%s) = %s, %v (Bad %v); want %q", tt.in, got, ok, s.Bad, tt.want)
		}
		if ok && !json.Valid(got) {
			t.Errorf("Scalar(%s) took text encoding/json refuses", tt.in)
		}
	}
}

func TestInt(t *testing.T) {
	for in, want := range map[string]int64{`7`: 7, `-0`: 0, `9223372036854775807`: 1<<63 - 1} {
		s := jsonscan.Scanner{B: []byte(in)}
		if got := s.Int(); got != want || s.Bad {
			t.Errorf("Int(%s) = %d (Bad %v), want %d", in, got, s.Bad, want)
		}
	}
	for _, in := range []string{`1.5`, `1e3`, `9223372036854775808`, `"7"`, `true`} {
		s := jsonscan.Scanner{B: []byte(in)}
		if s.Int(); !s.Bad {
			t.Errorf("Int(%s) taken", in)
		}
	}
}

func TestObject(t *testing.T) {
	read := func(in string) (map[string]string, bool) {
		s := jsonscan.Scanner{B: []byte(in)}
		got := map[string]string{}
		ok := s.Object([]string{"a", "b"}, func(name string) { got[name] = s.Str() })
		return got, ok && s.End()
	}
	if got, ok := read(` { "b" : "2" , "a":"1" } `); !ok || got["a"] != "1" || got["b"] != "2" {
		t.Errorf("got %v, %v", got, ok)
	}
	if _, ok := read(`{}`); !ok {
		t.Error("an empty object refused")
	}
	for _, in := range []string{`{"a":"1","a":"2"}`, `{"c":"1"}`, `{"A":"1"}`, `{"a":1}`, `{"a":"1",}`, `{"a":"1"} x`, `{"a":"\u0031"}`} {
		if got, ok := read(in); ok {
			t.Errorf("%s: taken as %v", in, got)
		}
	}
}

func TestArrayAndMembers(t *testing.T) {
	s := jsonscan.Scanner{B: []byte(`[ {"x":1,"y":"a"} , {} ]`)}
	var n int
	var keys []string
	ok := s.Array(func() bool {
		n++
		return s.Members(func(key string, value []byte) { keys = append(keys, key+"="+string(value)) })
	})
	if !ok || !s.End() || n != 2 || len(keys) != 2 || keys[0] != "x=1" || keys[1] != `y="a"` {
		t.Errorf("ok %v, %d items, members %v", ok, n, keys)
	}
	for _, in := range []string{`[{"x":[1]}]`, `[{"x":1},]`, `[{"\u0078":1}]`, `[1]`, `{}`} {
		s := jsonscan.Scanner{B: []byte(in)}
		if s.Array(func() bool { return s.Members(func(string, []byte) {}) }) && s.End() {
			t.Errorf("%s: taken", in)
		}
	}
}
