package qr

import (
	"bufio"
	"bytes"
	"os"
	"testing"
)

// TestDecodeRenderingsTheDetectorMisjudges: these codes, rendered by PNG,
// are valid (zbar reads them) but gozxing's finder-pattern detector
// misjudges their version; DecodeImage must still read them, or a citizen's
// saved code would fail `healthcode verify --image`.
func TestDecodeRenderingsTheDetectorMisjudges(t *testing.T) {
	f, err := os.Open("testdata/hard-to-detect.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<16)
	n := 0
	for sc.Scan() {
		text := sc.Text()
		for _, size := range []int{2, 4, 8} {
			png, err := PNG(text, size)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeImage(bytes.NewReader(png))
			if err != nil || got != text {
				t.Errorf("code %d at module size %d: %q, %v", n, size, got, err)
			}
		}
		n++
	}
	if n < 4 {
		t.Fatalf("only %d vectors read", n)
	}
}
