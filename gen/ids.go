package gen

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/healthcode/healthcode/idnum"
)

// affine is a bijection of [0, m): i ↦ (a·i + b) mod m, a coprime with m.
// It spreads consecutive indexes over the whole range, so unique numbers
// look random and never collide.
type affine struct{ a, b, m uint64 }

func newAffine(m, seed uint64) affine {
	a := (splitmix(seed^0x9e3779b97f4a7c15) % m) | 1
	for gcd(a, m) != 1 {
		a += 2
	}
	return affine{a: a % m, b: splitmix(seed) % m, m: m}
}

func (f affine) at(i uint64) uint64 {
	hi, lo := bits.Mul64(f.a, i%f.m)
	return (bits.Rem64(hi, lo, f.m) + f.b) % f.m
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// splitmix is SplitMix64's finaliser: a well-mixed hash of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// mobilePrefixes are the first three digits of mainland mobile numbers.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"170", "176", "177", "178", "180", "181", "182", "183", "186", "187", "189",
}

// phone returns the unique mobile number of slot n in [0, len(mobilePrefixes)·10⁸).
func phone(n uint64) string {
	return fmt.Sprintf("%s%08d", mobilePrefixes[n/1e8], n%1e8)
}

// Birth dates span these years; with the divisions and the 1,000 sequence
// numbers they make the slots resident IDs are drawn from.
var (
	firstBirth = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	birthDays  = uint64(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Sub(firstBirth) / (24 * time.Hour))
)

// residentSlots is how many distinct resident IDs the generator can make.
var residentSlots = uint64(len(divisions)) * birthDays * 1000

// residentID returns the resident ID of slot n in [0, residentSlots): its
// division, birth date and sequence number (odd for men), with the
// ISO 7064 MOD 11-2 check character of GB 11643.
func residentID(n uint64) (number string, div division, birth time.Time, male bool) {
	seq := n % 1000
	n /= 1000
	birth = firstBirth.AddDate(0, 0, int(n%birthDays))
	div = divisions[n/birthDays]
	body := fmt.Sprintf("%s%s%03d", div.code, birth.Format("20060102"), seq)
	return body + string(idnum.CheckCharacter(body)), div, birth, seq%2 == 1
}
