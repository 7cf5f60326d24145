package sqlstore_test

import (
	"os"
	"strings"
	"testing"

	"github.com/healthcode/healthcode/storetest"
)

// TestBackendIsTheOneAskedFor guards CI: a run asked to use PostgreSQL must
// not quietly test SQLite.
func TestBackendIsTheOneAskedFor(t *testing.T) {
	want := "sqlite"
	if v := os.Getenv(storetest.EnvVar); strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
		want = "postgres"
	}
	if got := storetest.MustOpenDB(t).Backend(); got != want {
		t.Fatalf("store backend %q, want %q (%s=%q)", got, want, storetest.EnvVar, os.Getenv(storetest.EnvVar))
	}
}
