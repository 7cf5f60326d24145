package trust

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hcode"
)

// Parse reads a trust list, plain JSON (it starts with '{') or a JWS
// compact serialization signed with EdDSA.
//
// With a hubKey, only a JWS whose signature holds under hubKey is accepted;
// plain JSON is refused. With a nil hubKey the JWS payload is read WITHOUT
// checking its signature: use that only for a list obtained over a channel
// already trusted (a local file the operator placed).
//
// The list is validated: every error is an EINVALID *healthcode.Error, with
// the offending fields named (e.g. "regions[0].keys[1].public_key").
func Parse(data []byte, hubKey ed25519.PublicKey) (*List, error) {
	return new(Reader).Parse(data, hubKey)
}

// Reader parses trust lists as Parse does, one after another, remembering
// the regions of the last list by their JSON text: a list read again at a
// refresh mostly repeats the regions it had (400 of them, a key changed
// in one), and decoding and checking them is most of the cost of a
// refresh. The Regions of the lists it returns may be shared between
// them: read, never change them. Safe for concurrent use.
type Reader struct {
	mu   sync.Mutex
	last map[string]Region // by the region's JSON text
}

// Parse reads a trust list; see the function Parse. With a hubKey, the
// signature is checked on another core while the payload is decoded and
// read: nothing read is returned, nor remembered, unless it holds.
func (rd *Reader) Parse(data []byte, hubKey ed25519.PublicKey) (*List, error) {
	data = bytes.TrimSpace(data)
	payload := data
	var signed <-chan bool
	if len(data) > 0 && data[0] == '{' {
		if hubKey != nil {
			return nil, healthcode.Errorf(healthcode.EINVALID, "trust list is plain JSON but a hub key was given: a signed list (JWS) is required")
		}
	} else {
		if hubKey != nil {
			// Half a megabyte through SHA-512: as long as the rest.
			ch := make(chan bool, 1)
			go func() { ch <- verifyCompact(data, hubKey) }()
			signed = ch
		}
		var err error
		if payload, err = parseCompact(data); err != nil {
			return nil, &healthcode.Error{Code: healthcode.EINVALID, Message: "trust list is neither JSON nor an EdDSA JWS: " + err.Error(), Err: err}
		}
	}
	w, err := splitList(payload)
	if err != nil {
		err = &healthcode.Error{Code: healthcode.EINVALID, Message: "trust list is not valid JSON: " + err.Error(), Err: err}
	}
	var l *List
	var regions map[string]Region
	if err == nil {
		rd.mu.Lock()
		known := rd.last
		rd.mu.Unlock()
		l, regions, err = w.list(known)
	}
	if signed != nil && !<-signed {
		return nil, errBadListSignature
	}
	if err != nil {
		return nil, err
	}
	// Two lists read at once may each remember theirs: either is right.
	rd.mu.Lock()
	rd.last = regions
	rd.mu.Unlock()
	return l, nil
}

// errBadListSignature refuses a list whose signature does not hold.
var errBadListSignature = healthcode.Errorf(healthcode.EINVALID, "trust list signature does not verify under the hub key")

// verifyCompact checks the EdDSA signature of a compact JWS over its
// signing input as received (header.payload), which jose's Verify would
// encode again from the decoded parts: a list of 400 regions is half a
// megabyte, and that encoding was a fifth of a refresh. It reads the
// signature itself, so as to run beside the parse.
func verifyCompact(data []byte, hubKey ed25519.PublicKey) bool {
	dot := bytes.LastIndexByte(data, '.')
	if dot <= 0 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(string(data[dot+1:]))
	return err == nil && ed25519.Verify(hubKey, data[:dot], sig)
}

// wireList mirrors List with the base64 fields as text, so that a bad
// value is reported with its place in the list.
type wireList struct {
	Version  int               `json:"version"`
	IssuedAt time.Time         `json:"issued_at"`
	Issuer   string            `json:"issuer"`
	Regions  []json.RawMessage `json:"regions"` // decoded one by one, unless known
}

type wireRegion struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Mode     string    `json:"mode"`
	Endpoint string    `json:"endpoint"`
	Keys     []WireKey `json:"keys"`
}

// WireKey is a key as the trust list writes it, its base64 fields as text
// so that a bad one is named with its place. Other messages that carry
// keys in the same form (a region's key set for the hub) read them with
// it, so what they take a trust list can always hold.
type WireKey struct {
	KID       string    `json:"kid"`
	Alg       string    `json:"alg"`
	PublicKey string    `json:"public_key"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Revoked   bool      `json:"revoked"`
}

// list checks the list and makes its regions, taking those whose JSON
// text is in known as they are; it returns the regions by their text too.
// The others are read on every core.
func (w *wireList) list(known map[string]Region) (*List, map[string]Region, error) {
	var fe healthcode.FieldErrors
	if w.Version < 1 {
		fe.Add("version", "must be 1 or more")
	}
	if w.Issuer != hcode.NationalRegion {
		fe.Add("issuer", `must be "CN", the national hub`)
	}
	l := &List{Version: w.Version, IssuedAt: w.IssuedAt, Issuer: w.Issuer, Regions: make([]Region, 0, len(w.Regions))}
	byText := make(map[string]Region, len(w.Regions))
	read := make([]readRegion, len(w.Regions))
	var unknown []int
	for i, raw := range w.Regions {
		if r, ok := known[string(raw)]; ok {
			read[i] = readRegion{r: r, ok: true}
		} else {
			unknown = append(unknown, i)
		}
	}
	eachOnEveryCore(len(unknown), func(j int) {
		i := unknown[j]
		read[i].decode(w.Regions[i], "regions["+strconv.Itoa(i)+"]")
	})
	seen := make(map[string]bool, len(w.Regions))
	for i, raw := range w.Regions {
		rr := &read[i]
		for field, reason := range rr.fe {
			fe.Add(field, reason)
		}
		if rr.failed {
			continue
		}
		if rr.ok {
			byText[string(raw)] = rr.r
		}
		if seen[rr.r.ID] {
			fe.Add("regions["+strconv.Itoa(i)+"].id", fmt.Sprintf("%q appears twice", rr.r.ID))
		}
		seen[rr.r.ID] = true
		l.Regions = append(l.Regions, rr.r)
	}
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	return l, byText, nil
}

// readRegion is one region of a list as read: known from the list
// before, or decoded and checked, ok when it holds, its problems in fe;
// failed when its text is not a region at all.
type readRegion struct {
	r      Region
	ok     bool
	failed bool
	fe     healthcode.FieldErrors
}

// decode reads a region's text, named at in the errors.
func (rr *readRegion) decode(raw []byte, at string) {
	var wr wireRegion
	if !decodeRegion(raw, &wr) {
		wr = wireRegion{}
		if err := json.Unmarshal(raw, &wr); err != nil {
			rr.fe.Add(at, "not a region: "+err.Error())
			rr.failed = true
			return
		}
	}
	rr.r, rr.ok = wr.region(&rr.fe, at)
}

// eachOnEveryCore calls fn(j) for j in [0, n), on every core when n is
// large enough to be worth it.
func eachOnEveryCore(n int, fn func(j int)) {
	workers := min(runtime.GOMAXPROCS(0), n/16)
	if workers <= 1 {
		for j := range n {
			fn(j)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for j := w; j < n; j += workers {
				fn(j)
			}
		})
	}
	wg.Wait()
}

// region checks one region and makes it; false when anything is wrong
// (named in fe).
func (wr *wireRegion) region(fe *healthcode.FieldErrors, at string) (Region, bool) {
	bad := len(*fe)
	if !hcode.ValidRegion(wr.ID) {
		fe.Add(at+".id", fmt.Sprintf("%q is not CN or CN- and six digits", wr.ID))
	}
	if wr.Mode != ModeLocal && wr.Mode != ModeNational {
		fe.Add(at+".mode", `must be "local" or "national"`)
	}
	if wr.Endpoint != "" {
		if u, err := url.Parse(wr.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fe.Add(at+".endpoint", "must be an http(s) URL")
		}
	}
	r := Region{ID: wr.ID, Name: wr.Name, Mode: wr.Mode, Endpoint: wr.Endpoint, Keys: make([]Key, 0, len(wr.Keys))}
	for j, wk := range wr.Keys {
		k, ok := wk.Key(fe, at+".keys["+strconv.Itoa(j)+"]")
		if ok {
			r.Keys = append(r.Keys, k)
		}
	}
	return r, len(*fe) == bad
}

// Key checks wk and makes the key; false when anything is wrong, each
// problem named in fe under at (e.g. "regions[0].keys[1]").
func (wk *WireKey) Key(fe *healthcode.FieldErrors, at string) (Key, bool) {
	k := Key{Alg: wk.Alg, NotBefore: wk.NotBefore, NotAfter: wk.NotAfter, Revoked: wk.Revoked}
	ok := true
	var err error
	if k.KID, err = base64.StdEncoding.DecodeString(wk.KID); err != nil || len(k.KID) == 0 {
		fe.Add(at+".kid", "must be non-empty standard base64")
		ok = false
	}
	if wk.Alg != healthcode.AlgEdDSA && wk.Alg != healthcode.AlgES256 {
		fe.Add(at+".alg", fmt.Sprintf("unknown algorithm %q (want EdDSA or ES256)", wk.Alg))
		ok = false
	}
	if k.PublicKey, err = base64.StdEncoding.DecodeString(wk.PublicKey); err != nil || len(k.PublicKey) == 0 {
		fe.Add(at+".public_key", "must be non-empty standard base64")
		ok = false
	} else if ok {
		if _, err := hcode.ParsePublicKey(wk.Alg, k.PublicKey); err != nil {
			fe.Add(at+".public_key", healthcode.ErrorMessage(err))
			ok = false
		}
	}
	if !k.NotBefore.IsZero() && !k.NotAfter.IsZero() && k.NotAfter.Before(k.NotBefore) {
		fe.Add(at+".not_after", "is before not_before")
		ok = false
	}
	return k, ok
}
