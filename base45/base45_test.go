package base45

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncodeDecodeRFCVectors(t *testing.T) {
	tests := []struct {
		raw, encoded string
	}{
		{"", ""},
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
		{"\x00", "00"},
		{"\xff\xff", "FGW"},
	}
	for _, tt := range tests {
		if got := Encode([]byte(tt.raw)); got != tt.encoded {
			t.Errorf("Encode(%q) = %q, want %q", tt.raw, got, tt.encoded)
		}
		got, err := Decode(tt.encoded)
		if err != nil {
			t.Errorf("Decode(%q): %v", tt.encoded, err)
		} else if string(got) != tt.raw {
			t.Errorf("Decode(%q) = %q, want %q", tt.encoded, got, tt.raw)
		}
	}
}

func TestDecodeRejectsInvalid(t *testing.T) {
	tests := []struct {
		name, in string
		offset   int
	}{
		{"group above 65535", "GGW", 0},
		{"group above 65535 after a valid one", "BB8GGW", 3},
		{"final pair above 255", "BB8:Z", 3},
		{"lower case", "bb8", 0},
		{"character outside alphabet", "BB#", 2},
		{"dangling single character", "BB8B", 3},
		{"single character", "A", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			var ce *CorruptInputError
			if !errors.As(err, &ce) {
				t.Fatalf("Decode(%q) = %q, %v; want CorruptInputError", tt.in, got, err)
			}
			if ce.Offset != tt.offset {
				t.Errorf("offset = %d, want %d (%v)", ce.Offset, tt.offset, err)
			}
		})
	}
}

func TestAppendDecodeKeepsDstOnError(t *testing.T) {
	dst := []byte("prefix")
	got, err := AppendDecode(dst, "BB8GGW")
	if err == nil || string(got) != "prefix" {
		t.Fatalf("AppendDecode = %q, %v; want prefix unchanged and an error", got, err)
	}
}

func TestLengths(t *testing.T) {
	for n := 0; n < 10; n++ {
		src := bytes.Repeat([]byte{0xfe}, n)
		enc := Encode(src)
		if len(enc) != EncodedLen(n) {
			t.Errorf("EncodedLen(%d) = %d, encoding has %d", n, EncodedLen(n), len(enc))
		}
		if DecodedLen(len(enc)) != n {
			t.Errorf("DecodedLen(%d) = %d, want %d", len(enc), DecodedLen(len(enc)), n)
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "AB", "Hello!!", "\x00\xff", "ietf!"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := Decode(Encode(src))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("round trip of %x = %x, %v", src, got, err)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "BB8", "GGW", "%69 VD92EX0", "A", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		// A valid encoding is canonical: it re-encodes to itself.
		if Encode(b) != s {
			t.Fatalf("Decode(%q) = %x re-encodes to %q", s, b, Encode(b))
		}
	})
}

var sink []byte

func BenchmarkEncode(b *testing.B) {
	src := bytes.Repeat([]byte{0x5a, 0xa5, 0x13}, 100)
	dst := make([]byte, 0, EncodedLen(len(src)))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		sink = AppendEncode(dst[:0], src)
	}
}

func BenchmarkDecode(b *testing.B) {
	s := Encode(bytes.Repeat([]byte{0x5a, 0xa5, 0x13}, 100))
	dst := make([]byte, 0, DecodedLen(len(s)))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		sink, _ = AppendDecode(dst[:0], s)
	}
}
