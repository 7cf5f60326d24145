package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/hub/hubtest"
	"github.com/healthcode/healthcode/storetest"
	"github.com/healthcode/healthcode/trust"
)

// The hub as an operator runs it: a region registered with its key, the
// hub key printed for the nodes, the server started, the trust list
// fetched and verified; the region rotates its key over HTTP, the admin
// revokes the old one from the command line while the hub runs; batches
// sent to a region wait for it, in the region list and the metrics, until
// it acks them.
func TestHubCommand(t *testing.T) {
	store := []string{"--data", filepath.Join(t.TempDir(), "hub")}
	if dsn := storetest.MustDSN(t); dsn != "" {
		store = append(store, "--db", dsn)
	}
	hubCmd := func(args ...string) string {
		t.Helper()
		out, errOut, exit := runCmd(append(append([]string{"hub"}, args...), store...)...)
		if exit != 0 {
			t.Fatalf("hub %v: exit %d, %s", args, exit, errOut)
		}
		return strings.TrimSpace(out)
	}
	old := hubtest.NewKey(t, healthcode.AlgEdDSA)
	peer := hubCmd("region", "add", "--id", "CN-440100", "--name", "广州市", "--mode", "local",
		"--endpoint", "https://gz.example", "--key", "EdDSA:"+old.Base64())
	hubCmd("region", "add", "--id", "CN-540100", "--name", "拉萨市", "--mode", "national")
	hubKey, err := base64.StdEncoding.DecodeString(hubCmd("key"))
	if err != nil || len(hubKey) != 32 {
		t.Fatalf("hub key: %x, %v", hubKey, err)
	}
	// Bad input is refused with the flag named, exit 2 (a usage error).
	if _, errOut, exit := runCmd(append([]string{"hub", "region", "add", "--id", "440100", "--name", "x", "--mode", "local"}, store...)...); exit != 2 || !strings.Contains(errOut, "--id") {
		t.Fatalf("a bad id: exit %d, %s", exit, errOut)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	hubLog := &lockedWriter{w: &bytes.Buffer{}}
	go func() {
		exited <- run(ctx, append([]string{"hub", "--addr", addr, "--log-level", "warn"}, store...), io.Discard, hubLog)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("hub exited %d", code)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("hub did not shut down")
		}
		if t.Failed() {
			hubLog.mu.Lock()
			t.Logf("hub log:\n%s", hubLog.w)
			hubLog.mu.Unlock()
		}
	})
	base := "http://" + addr
	waitHealthy(t, base, exited)

	fetch := func() *trust.List {
		t.Helper()
		resp, err := http.Get(base + "/hub/v1/trust")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jose" {
			t.Fatalf("GET /hub/v1/trust: %d %s", resp.StatusCode, body)
		}
		l, err := trust.Parse(body, hubKey)
		if err != nil {
			t.Fatalf("the trust list does not verify with the printed hub key: %v", err)
		}
		return l
	}
	l := fetch()
	if len(l.Regions) != 3 || l.Region("CN") == nil || len(l.Region("CN").Keys) != 1 || l.Region("CN-440100").Endpoint != "https://gz.example" || len(l.Keys("CN-440100", old.KID())) != 1 {
		t.Fatalf("trust list %+v", l)
	}

	// The region rotates: the new set is signed by the key the hub holds.
	cur := hubtest.NewKey(t, healthcode.AlgES256)
	now := time.Now().UTC()
	signed := hubtest.Sign(t, old, hubtest.KeySet{Region: "CN-440100", IssuedAt: now,
		Keys: []trust.Key{old.Entry(time.Time{}, now.Add(time.Minute), false), cur.Entry(now, time.Time{}, false)}})
	body, _ := json.Marshal(map[string]string{"signed": signed})
	var put struct{ Keys int }
	call(t, "PUT", base+"/hub/v1/regions/CN-440100/keys", peer, string(body), 200, &put)
	if put.Keys != 2 {
		t.Fatalf("PUT keys answered %d keys, want 2", put.Keys)
	}
	// The token acts for its own region only.
	call(t, "PUT", base+"/hub/v1/regions/CN-540100/keys", peer, string(body), 403, nil)

	// The admin revokes the old key from another process: the running hub
	// signs a new list.
	hubCmd("region", "revoke-key", "--id", "CN-440100", "--kid", base64.StdEncoding.EncodeToString(old.KID()))
	l = fetch()
	if ks := l.Keys("CN-440100", old.KID()); len(ks) != 1 || !ks[0].Revoked {
		t.Fatalf("old key after revoke-key: %+v", ks)
	}
	if ks := l.Keys("CN-440100", cur.KID()); len(ks) != 1 || ks[0].Revoked {
		t.Fatalf("new key: %+v", ks)
	}
	// CN-440100 sends CN-330100 two batches; they wait at the hub until
	// CN-330100's node takes and acks them.
	hzPeer := hubCmd("region", "add", "--id", "CN-330100", "--name", "杭州市", "--mode", "local")
	var seqs []int64
	for range 2 {
		body, _ := json.Marshal(map[string]string{"signed": hubtest.Sign(t, cur, hubtest.NewBatch("CN-440100", "CN-330100", time.Now().UTC(), 1))})
		var posted struct{ Seq int64 }
		call(t, "POST", base+"/hub/v1/batches", peer, string(body), 201, &posted)
		seqs = append(seqs, posted.Seq)
	}
	type regionRow struct {
		ID   string
		Keys []struct {
			KID     string
			Revoked bool
		}
		// Pointers: a key left out is nil.
		WaitingBatches       *int64     `json:"waiting_batches"`
		OldestWaitingAt      *time.Time `json:"oldest_waiting_at"`
		OldestWaitingSeconds *int64     `json:"oldest_waiting_seconds"`
		LastAckAt            *time.Time `json:"last_ack_at"`
	}
	regionList := func() (map[string]regionRow, string) {
		t.Helper()
		out := hubCmd("region", "list")
		rows := map[string]regionRow{}
		for _, line := range strings.Split(out, "\n") {
			var row regionRow
			if err := json.Unmarshal([]byte(line), &row); err != nil || row.WaitingBatches == nil || row.OldestWaitingSeconds == nil {
				t.Fatalf("hub region list: %v:\n%s", err, out)
			}
			rows[row.ID] = row
		}
		if len(rows) != 3 {
			t.Fatalf("hub region list:\n%s", out)
		}
		return rows, out
	}
	rows, out := regionList()
	if gz := rows["CN-440100"]; len(gz.Keys) != 2 || !gz.Keys[0].Revoked || *gz.WaitingBatches != 0 || gz.OldestWaitingAt != nil || gz.LastAckAt != nil {
		t.Fatalf("hub region list, CN-440100 with nothing waiting:\n%s", out)
	}
	hz := rows["CN-330100"]
	if *hz.WaitingBatches != 2 || hz.OldestWaitingAt == nil || time.Since(*hz.OldestWaitingAt) > time.Minute ||
		*hz.OldestWaitingSeconds < 0 || *hz.OldestWaitingSeconds > 60 || hz.LastAckAt != nil {
		t.Fatalf("hub region list, CN-330100 with two batches waiting:\n%s", out)
	}
	call(t, "POST", base+"/hub/v1/batches/ack", hzPeer, fmt.Sprintf(`{"through":%d}`, seqs[0]), 200, nil)
	rows, out = regionList()
	if hz := rows["CN-330100"]; *hz.WaitingBatches != 1 || hz.OldestWaitingAt == nil || hz.LastAckAt == nil || time.Since(*hz.LastAckAt) > time.Minute {
		t.Fatalf("hub region list, CN-330100 after acking one:\n%s", out)
	}

	// An admin token of the hub's store reads the metrics.
	out, errOut, exit := runCmd(append([]string{"token", "create", "--role", "admin", "--name", "prometheus"}, store...)...)
	if exit != 0 {
		t.Fatalf("token create on the hub's store: %s", errOut)
	}
	metrics := get(t, base+"/metrics", strings.TrimSpace(out))
	if !bytes.Contains(metrics, []byte(`route="PUT /hub/v1/regions/{id}/keys"`)) {
		t.Fatalf("metrics lack the hub routes:\n%s", metrics)
	}
	for _, want := range []string{
		`healthcode_hub_waiting_batches{region="CN-330100"} 1`,
		`healthcode_hub_waiting_batches{region="CN-440100"} 0`,
		`healthcode_hub_oldest_waiting_seconds{region="CN-440100"} 0`,
		`healthcode_hub_last_ack_age_seconds{region="CN-440100"} +Inf`,
		`healthcode_hub_oldest_waiting_seconds{region="CN-330100"} `,
		`healthcode_hub_last_ack_age_seconds{region="CN-330100"} `,
	} {
		if !bytes.Contains(metrics, []byte("\n"+want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if bytes.Contains(metrics, []byte(`healthcode_hub_last_ack_age_seconds{region="CN-330100"} +Inf`)) {
		t.Errorf("CN-330100 acked, yet its last ack's age is +Inf")
	}
}

func TestCheckOTPWebhook(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"", true}, // none: sign-in needs --dev
		{"https://sms.example/send", true},
		{"http://127.0.0.1:9000/otp?tenant=3", true},
		{"sms.example/send", false},
		{"ftp://sms.example/send", false},
		{"https://", false},
		{"https:///send", false},
		{"https://:443/send", false},
		{"://sms.example", false},
		{"/send", false},
	} {
		if err := checkOTPWebhook(tc.url); (err == nil) != tc.ok {
			t.Errorf("checkOTPWebhook(%q) = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
}

func TestReadStdinToken(t *testing.T) {
	for _, tc := range []struct {
		name, stdin, want string // want "": refused
	}{
		{"a token", "hct_abc\n", "hct_abc"},
		{"a token without a newline", "hct_abc", "hct_abc"},
		{"spaces around", "  hct_abc \r\n", "hct_abc"},
		{"only the first line", "hct_abc\nhct_def\n", "hct_abc"},
		{"nothing", "", ""},
		{"an empty line", "\n", ""},
		{"a blank line", " \t\r\n", ""},
		{"a blank line, then a token", "\nhct_abc\n", ""},
		{"two words", "hct_abc hct_def\n", ""},
		{"too long", strings.Repeat("a", maxStdinToken+1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readStdinToken(strings.NewReader(tc.stdin))
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Errorf("readStdinToken(%.20q) = %q, %v; want %q", tc.stdin, got, err, tc.want)
			}
		})
	}
}

// `--endpoint-token -` fed an empty line is a usage error, and the token
// the hub holds stays.
func TestHubSetEndpointEmptyStdin(t *testing.T) {
	store := storeArgs(t)
	hub := func(stdin string, args ...string) (string, int) {
		t.Helper()
		old := hubStdin
		hubStdin = strings.NewReader(stdin)
		defer func() { hubStdin = old }()
		_, errOut, exit := runCmd(append(append([]string{"hub", "region"}, args...), store...)...)
		return errOut, exit
	}
	if errOut, exit := hub("hct_peer\n", "add", "--id", "CN-330100", "--name", "杭州市", "--mode", "local",
		"--endpoint", "https://hz.example", "--endpoint-token", "-"); exit != 0 {
		t.Fatalf("region add: exit %d, %s", exit, errOut)
	}
	held := func() bool {
		t.Helper()
		out, errOut, exit := runCmd(append([]string{"hub", "region", "list"}, store...)...)
		var row regionListRow
		if exit != 0 || json.Unmarshal([]byte(out), &row) != nil {
			t.Fatalf("region list: exit %d, %s%s", exit, out, errOut)
		}
		return row.EndpointToken
	}
	if !held() {
		t.Fatal("the token read from stdin is not held")
	}
	for _, stdin := range []string{"", "\n", "  \n"} {
		errOut, exit := hub(stdin, "set-endpoint", "--id", "CN-330100", "--endpoint-token", "-")
		if exit != 2 || !strings.Contains(errOut, "no token on stdin") {
			t.Errorf("stdin %q: exit %d, %s; want 2, no token on stdin", stdin, exit, errOut)
		}
		if !held() {
			t.Fatalf("stdin %q cleared the token", stdin)
		}
	}
	// Clearing it is said so.
	if errOut, exit := hub("", "set-endpoint", "--id", "CN-330100", "--endpoint-token", ""); exit != 0 || held() {
		t.Fatalf("--endpoint-token \"\": exit %d, %s, token held %v", exit, errOut, held())
	}
}

// TestHubRegionSetName: a misspelt name is mended, and the region's list
// and trust list show the new one.
func TestHubRegionSetName(t *testing.T) {
	store := storeArgs(t)
	runCommand(t, append([]string{"hub", "region", "add", "--id", "CN-440100", "--name", "广洲市", "--mode", "local"}, store...)...)
	runCommand(t, append([]string{"hub", "region", "set-name", "--id", "CN-440100", "--name", "广州市"}, store...)...)
	out := runCommand(t, append([]string{"hub", "region", "list"}, store...)...)
	if !strings.Contains(out, `"广州市"`) || strings.Contains(out, "广洲市") {
		t.Errorf("region list after set-name:\n%s", out)
	}
}

// TestHubRegionUsageErrors: what `hub region` and `hub keys` refuse of the
// command line exits 2, each problem said once, by the flag it came from
// (a field no flag has by its own name, never an invented flag); what the
// hub's store refuses (a region it does not know) exits 1.
func TestHubRegionUsageErrors(t *testing.T) {
	store := storeArgs(t)
	runCommand(t, append([]string{"hub", "region", "add", "--id", "CN-440100", "--name", "广州市", "--mode", "local"}, store...)...)
	badPolicy := filepath.Join(t.TempDir(), "policy.json")
	os.WriteFile(badPolicy, []byte("v1\n"), 0o600)
	const cnIsTheHub = "CN is the hub itself"
	for _, tc := range []struct {
		args []string
		exit int
		says []string // each once in stderr
		not  []string // nowhere in it
	}{
		{[]string{"region", "add"}, 2, []string{"--id: must be", "--name: required", "--mode: must be local or national"}, []string{"\n  mode:"}},
		{[]string{"region", "add", "--id", "CN-330100", "--name", "杭州市", "--mode", "bogus"}, 2,
			[]string{"hub region add: --mode: must be local or national\n"}, []string{"mode: must be local or national\n  "}},
		{[]string{"region", "add", "--id", "CN-330100", "--name", "杭州市", "--mode", "local", "--endpoint-token", "t"}, 2,
			[]string{"--endpoint-token: is of no use without an endpoint"}, []string{"endpoint_token"}},
		{[]string{"region", "add", "--id", "CN-330100", "--name", "杭州市", "--mode", "local", "--key", "EdDSA:AAAA", "--key", "RS256:AAAA"}, 2,
			[]string{"--key #1 (public_key): ", "--key #2 (alg): must be EdDSA or ES256"}, []string{"keys[", "--keys"}},
		{[]string{"region", "add", "--id", "CN-650100", "--name", "乌鲁木齐市", "--mode", "national", "--policy", badPolicy}, 2,
			[]string{"invalid character 'v'"}, nil},
		{[]string{"region", "set-policy", "--id", "CN-440100", "--policy", badPolicy}, 2, []string{"invalid character 'v'"}, nil},
		{[]string{"region", "add", "--id", "CN", "--name", "x", "--mode", "local"}, 2, []string{"healthcode hub keys"}, nil},
		{[]string{"region", "token"}, 2, []string{"--id is required"}, []string{"not found"}},
		{[]string{"region", "set-map"}, 2, []string{"--id is required"}, nil},
		{[]string{"region", "set-endpoint", "--endpoint", "https://gz.example"}, 2, []string{"--id is required"}, nil},
		{[]string{"region", "set-policy"}, 2, []string{"--id is required"}, nil},
		{[]string{"region", "set-name", "--name", "广州"}, 2, []string{"--id is required"}, nil},
		{[]string{"region", "set-name", "--id", "CN-440100"}, 2, []string{"--name: required"}, nil},
		{[]string{"region", "set-name", "--id", "CN-999999", "--name", "x"}, 1, []string{"not found"}, nil},
		{[]string{"region", "revoke-key", "--kid", "AAAA"}, 2, []string{"--id is required"}, nil},
		{[]string{"region", "revoke-key", "--id", "CN-440100"}, 2, []string{"--kid is required"}, nil},
		{[]string{"region", "revoke-key", "--id", "CN-440100", "--kid", "not base64"}, 2, []string{"--kid: must be the key's id in standard base64"}, nil},
		{[]string{"region", "revoke-key", "--id", "CN", "--kid", "AAAA"}, 2, []string{cnIsTheHub, "healthcode hub keys"}, []string{"not found"}},
		{[]string{"region", "token", "--id", "CN"}, 2, []string{cnIsTheHub, "healthcode hub keys"}, []string{"not found"}},
		{[]string{"region", "set-map", "--id", "CN"}, 2, []string{cnIsTheHub}, []string{"not found"}},
		{[]string{"region", "set-endpoint", "--id", "CN", "--endpoint", "https://hub.example"}, 2, []string{cnIsTheHub}, nil},
		{[]string{"region", "set-policy", "--id", "CN"}, 2, []string{cnIsTheHub}, nil},
		{[]string{"region", "set-endpoint", "--id", "CN-440100", "--endpoint", "gz.example"}, 2, []string{"--endpoint: must be an http(s) URL"}, nil},
		{[]string{"region", "token", "--id", "CN-999999"}, 1, []string{"region CN-999999 not found"}, nil},
		{[]string{"region", "set-map", "--id", "CN-999999"}, 1, []string{"not found"}, nil},
		{[]string{"keys", "rotate", "--alg", "RS256"}, 2, []string{"--alg: must be EdDSA or ES256"}, nil},
		{[]string{"keys", "rotate", "--lead", "-5m"}, 2, []string{"--lead"}, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, exit := runCmd(append(append([]string{"hub"}, tc.args...), store...)...)
			if exit != tc.exit {
				t.Errorf("exit %d, want %d", exit, tc.exit)
			}
			for _, s := range tc.says {
				if n := strings.Count(errOut, s); n != 1 {
					t.Errorf("says %q %d times, want once", s, n)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(errOut, s) {
					t.Errorf("says %q", s)
				}
			}
			if t.Failed() {
				t.Logf("stderr:\n%s", errOut)
			}
		})
	}
}

// The -h of every `hub region` and `hub keys` action names each flag's
// value in one word: the flag package takes a usage's first backquoted
// text for that name, and a command quoted in backquotes became one.
func TestHubRegionFlagHelp(t *testing.T) {
	flagLine := regexp.MustCompile(`^  -(\S+)(?: (.*))?$`)
	for _, args := range [][]string{
		{"region", "add"}, {"region", "set-map"}, {"region", "set-endpoint"}, {"region", "set-policy"},
		{"region", "revoke-key"}, {"region", "token"}, {"region", "list"}, {"keys", "rotate"},
	} {
		_, errOut, _ := runCmd(append(append([]string{"hub"}, args...), "-h")...)
		flags := 0
		for _, line := range strings.Split(errOut, "\n") {
			m := flagLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			flags++
			if strings.Contains(m[2], " ") {
				t.Errorf("hub %s -h: -%s takes %q", strings.Join(args, " "), m[1], m[2])
			}
		}
		if flags == 0 {
			t.Errorf("hub %s -h lists no flags:\n%s", strings.Join(args, " "), errOut)
		}
	}
	_, errOut, _ := runCmd("hub", "region", "set-endpoint", "-h")
	if !strings.Contains(errOut, "\n  -endpoint-token TOKEN\n") {
		t.Errorf("hub region set-endpoint -h:\n%s", errOut)
	}
}

func TestPrintError(t *testing.T) {
	var two healthcode.FieldErrors
	two.Add("mode", "must be local or national")
	two.Add("endpoint_token", "is of no use without an endpoint")
	var one healthcode.FieldErrors
	one.Add("colour_map", "yellow is mapped twice")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.String("mode", "", "")
	fs.String("endpoint-token", "", "")
	fs.String("map", "", "")
	flags := flagNamer(fs, map[string]string{"colour_map": "map"})
	for _, tc := range []struct {
		name string
		err  error
		flag func(string) string
		want string
	}{
		{"a message", healthcode.Errorf(healthcode.ENOTFOUND, "region CN-1 not found"), flags, "do: region CN-1 not found\n"},
		{"one field, by its flag", one.Err(), flags, "do: --map: yellow is mapped twice\n"},
		{"one field, by its name", one.Err(), nil, "do: colour_map: yellow is mapped twice\n"},
		{"fields, by their flags", two.Err(), flags,
			"do: invalid input:\n  --endpoint-token: is of no use without an endpoint\n  --mode: must be local or national\n"},
		{"a field no flag has", two.Err(), flagNamer(flag.NewFlagSet("y", flag.ContinueOnError), nil),
			"do: invalid input:\n  endpoint_token: is of no use without an endpoint\n  mode: must be local or national\n"},
		{"a message of its own, and a field", &healthcode.Error{Code: healthcode.EINVALID, Message: "policy: bad", Fields: map[string]string{"version": "is required"}}, nil,
			"do: policy: bad\n  version: is required\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			printError(&b, "do", tc.err, tc.flag)
			if b.String() != tc.want {
				t.Errorf("printed %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestLoadPolicySaysItOnce(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "policy.json")
	os.WriteFile(bad, []byte("v1\n"), 0o600)
	_, err := loadPolicy(bad)
	if err == nil || strings.Count(err.Error(), "invalid character 'v'") != 1 {
		t.Fatalf("loadPolicy of a bad file: %v, want the parser's error once", err)
	}
}
