package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/qr"
	"github.com/healthcode/healthcode/trust"
	"github.com/healthcode/healthcode/verify"
)

func init() { commands["verify"] = runVerify }

const verifyUsage = `Usage:
  healthcode verify [--trust FILE|URL] [--hub-key BASE64] [--at RFC3339] [--image FILE] CODE|-

Verifies a health code offline against a trust list and prints the verdict
as JSON. Exit status: 0 valid, 1 invalid, 2 usage error.

The trust list is a hub's signed list (GET /hub/v1/trust), checked with
--hub-key and refused when its signature does not hold, or a node's plain
JSON list (GET /api/v1/trust). Without --hub-key a hub's list is read
unchecked, and a warning on stderr says so.
`

// verifyStdin is where "-" reads the code from; tests replace it.
var verifyStdin io.Reader = os.Stdin

// Limits of what verify reads.
const (
	maxTrustList   = 8 << 20
	maxCodeText    = 64 << 10
	trustFetchTime = 15 * time.Second
)

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("verify", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage); fs.PrintDefaults() }
	trustSrc := envString(fs, "trust", "HEALTHCODE_TRUST", "", "trust list file or http(s) URL")
	hubKeyB64 := envString(fs, "hub-key", "HEALTHCODE_HUB_KEY", "", "the hub's Ed25519 public key, `BASE64` as \"healthcode hub key\" prints it: only a list it signed is accepted; without it a hub's list is read unchecked")
	at := fs.String("at", "", "verify as of this RFC 3339 time instead of now")
	imageFile := fs.String("image", "", "read the code from this PNG or JPEG image")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "verify: "+format+"\n", a...)
		return 2
	}

	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageErr("--at must be an RFC 3339 time such as 2022-04-01T08:00:00+08:00: %v", err)
		}
		now = t
	}
	var hubKey ed25519.PublicKey
	if *hubKeyB64 != "" {
		b, err := base64.StdEncoding.DecodeString(*hubKeyB64)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return usageErr("--hub-key must be a base64 Ed25519 public key of %d bytes", ed25519.PublicKeySize)
		}
		hubKey = b
	}

	text, err := readCode(fs.Args(), *imageFile)
	if err != nil {
		return usageErr("%v", err)
	}

	if *trustSrc == "" {
		return usageErr("no trust list: give --trust FILE|URL or set HEALTHCODE_TRUST")
	}
	data, err := readTrustList(ctx, *trustSrc)
	if err != nil {
		return usageErr("cannot read trust list %s: %v", *trustSrc, err)
	}
	list, err := trust.Parse(data, hubKey)
	if err != nil {
		return usageErr("trust list %s: %s", *trustSrc, healthcode.ErrorMessage(err))
	}
	if w := trustListWarning(*trustSrc, data, hubKey); w != "" {
		fmt.Fprintln(stderr, "verify: warning:", w)
	}
	v, err := verify.NewVerifier(list)
	if err != nil {
		return usageErr("trust list %s: %v", *trustSrc, err)
	}

	verdict := v.Verify(text, now)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(verdict); err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return 1
	}
	if !verdict.Valid {
		return 1
	}
	return 0
}

// trustListWarning is what verify warns of about the trust list read from
// src, "" when nothing. A list signed by a hub (a JWS) is read without
// its signature checked when no --hub-key is given (trust.Parse with a
// nil key): a forged one would be believed. A plain JSON list, a node's
// /api/v1/trust, carries no signature: it is as good as the way it came,
// which plain http from another machine is not.
func trustListWarning(src string, data []byte, hubKey ed25519.PublicKey) string {
	if hubKey != nil { // trust.Parse took a JWS whose signature holds, nothing else
		return ""
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return fmt.Sprintf("the hub's signature on the trust list %s was NOT checked: a forged list would be accepted as well. "+
			"Give --hub-key BASE64, the hub's key (`healthcode hub key` prints it), to check it", src)
	}
	if u, err := url.Parse(src); err == nil && u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fmt.Sprintf("the trust list %s is plain JSON, which no one signs, fetched over plain http: anyone on the way could have changed it. "+
			"Fetch it over https, or give the hub's signed list (/hub/v1/trust) with --hub-key", src)
	}
	return ""
}

// loopbackHost reports whether host is this machine: localhost or a
// loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readCode takes the code from the one argument, from stdin for "-", or
// from an image.
func readCode(args []string, imageFile string) (string, error) {
	if imageFile != "" {
		if len(args) != 0 {
			return "", errors.New("give either --image or a code, not both")
		}
		f, err := os.Open(imageFile)
		if err != nil {
			return "", err
		}
		defer f.Close()
		return qr.DecodeImage(f)
	}
	if len(args) != 1 {
		return "", errors.New("give one code, or - to read it from stdin (see -h)")
	}
	if args[0] != "-" {
		return strings.TrimSpace(args[0]), nil
	}
	b, err := io.ReadAll(io.LimitReader(verifyStdin, maxCodeText))
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	if s := strings.TrimSpace(string(b)); s != "" {
		return s, nil
	}
	return "", errors.New("no code on stdin")
}

// readTrustList reads a file, or fetches an http(s) URL: the only network
// use of verify, kept out of package verify so that it stays offline.
func readTrustList(ctx context.Context, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return os.ReadFile(src)
	}
	ctx, cancel := context.WithTimeout(ctx, trustFetchTime)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jose, application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", src, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTrustList+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxTrustList {
		return nil, fmt.Errorf("trust list is larger than %d MiB", maxTrustList>>20)
	}
	return b, nil
}
