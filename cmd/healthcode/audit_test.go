package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
	"github.com/healthcode/healthcode/postgres"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/sqlite"
	"github.com/healthcode/healthcode/sqlstore"
)

// openArgs opens the store that args name, as the commands do, to write
// entries and tamper with them.
func openArgs(t *testing.T, args []string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	box, err := secret.LoadOrCreate(args[1])
	if err != nil {
		t.Fatal(err)
	}
	var db *sqlstore.DB
	if len(args) == 4 {
		db, err = postgres.Open(ctx, args[3], box)
	} else {
		db, err = sqlite.Open(ctx, args[1], box)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAuditVerify(t *testing.T) {
	for _, tc := range []struct {
		name, tamper string
		exit         int
		says         string
	}{
		{"intact", "", 0, "OK: 5 entries"},
		{"purpose updated", `UPDATE audit_log SET purpose = 'curiosity' WHERE id = 3`, 1, "entry 3 altered"},
		{"middle deleted", `DELETE FROM audit_log WHERE id = 3`, 1, "entry 3 removed"},
		{"last deleted", `DELETE FROM audit_log WHERE id = 5`, 1, "entry 5 removed: the chain ends at entry 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storeArgs(t)
			db := openArgs(t, st)
			audit := &node.Audit{Store: db, Now: time.Now}
			staff := &healthcode.Caller{Role: healthcode.RoleHealth, TokenID: 1, Name: "cdc"}
			for i := range 5 {
				if err := audit.Record(context.Background(), staff, int64(i+1), "status", "review"); err != nil {
					t.Fatal(err)
				}
			}
			if tc.tamper != "" {
				if _, err := db.SQL().Exec(tc.tamper); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, exit := runCmd(append([]string{"audit", "verify"}, st...)...)
			if exit != tc.exit || !strings.Contains(out, tc.says) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d saying %q", exit, out, errOut, tc.exit, tc.says)
			}
		})
	}
}

func TestAuditUsage(t *testing.T) {
	for _, args := range [][]string{{"audit"}, {"audit", "check"}, {"audit", "verify", "extra"}} {
		if _, _, exit := runCmd(args...); exit != 2 {
			t.Errorf("%v: exit %d, want 2", args, exit)
		}
	}
}
