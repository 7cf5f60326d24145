package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode/status"
)

// A hub stopping (Close) while a hosted region's recompute runs, on the
// region's stack or on the stack a policy change replaced (whose jobs the
// new one waits for before it settles): Close returns within its bound
// and the region's store holds the job failed, interrupted by the node
// stopping, with no job row left running.
func TestHostedRegionCloseStopsRecompute(t *testing.T) {
	const region = "CN-650100"
	for _, c := range []struct {
		name     string
		replaced bool // the policy changes while the job runs
	}{
		{"its stack", false},
		{"the stack a policy change replaced", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := startHostedHub(t)
			ctx := t.Context()
			api := h.addNational(t, region)
			_, otp := request(t, "POST", api+"/auth/otp", "", "", []byte(`{"phone":"13900139000"}`))
			var sess struct{ Token string }
			call(t, "POST", api+"/auth/session", "", fmt.Sprintf(`{"phone":"13900139000","otp":%q}`, otp["dev_otp"]), 201, &sess)
			call(t, "PUT", api+"/me/profile", sess.Token, `{"name":"张三丰","id_type":"resident_id","id_number":"650102198001010012"}`, 200, nil)
			call(t, "POST", api+"/me/declarations", sess.Token, `{"temperature":37.6,"symptoms":[],"case_contact":"no"}`, 201, nil)

			hr := h.hosted.get(region)
			st := hr.current().st
			stalled := stalledRecompute{DB: hr.db, reached: make(chan struct{}), abort: t.Context().Done()}
			st.Recompute.Store = stalled
			job, _, err := st.Recompute.Rejudge(ctx, "test")
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-stalled.reached:
			case <-time.After(30 * time.Second):
				t.Fatal("the recompute never started its chunk")
			}
			if c.replaced {
				runCommand(t, append([]string{"hub", "region", "set-policy", "--id", region, "--policy", strictPolicyFile(t)}, h.store...)...)
				if err := h.hosted.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				if hr.current().st == st {
					t.Fatal("the policy change swapped no stack in")
				}
			}

			closed := make(chan struct{})
			go func() {
				h.hosted.Close()
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(2 * stopTimeout):
				t.Fatalf("Close did not return within %v", 2*stopTimeout)
			}
			db, err := h.hosted.openStore(context.Background(), region, filepath.Join(h.hosted.DataDir, "regions", region))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			wantInterrupted(t, db, job.ID)
		})
	}
}

// strictPolicyFile writes a policy other than the default (its version
// alone differs), for a change.
func strictPolicyFile(t *testing.T) string {
	t.Helper()
	def := string(status.DefaultPolicyJSON())
	const from, to = `"version": "CN-default-1"`, `"version": "XJ-2026-11"`
	if strings.Count(def, from) != 1 {
		t.Fatalf("%s is not in the default policy once", from)
	}
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(strings.Replace(def, from, to, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
