package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func TestFindCodeHolder(t *testing.T) {
	db := storetest.MustOpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	subject := []byte("0123456789abcdef")
	p, err := db.FindOrCreatePerson(ctx, "13800138000", subject, now)
	if err != nil {
		t.Fatal(err)
	}
	// A new person: no profile, no status.
	h, err := db.FindCodeHolder(ctx, p.ID)
	if err != nil || string(h.Subject) != string(subject) || h.Profile != nil || h.Status != nil {
		t.Fatalf("new person: %+v, %v", h, err)
	}
	if err := db.SaveProfile(ctx, &healthcode.Profile{PersonID: p.ID, Name: "张三丰", IDType: healthcode.IDResident,
		IDNumber: "11010519491231002X", UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{Colour: healthcode.Yellow, Declared: true, EvaluatedAt: now}); err != nil {
		t.Fatal(err)
	}
	h, err = db.FindCodeHolder(ctx, p.ID)
	if err != nil || h.Profile == nil || h.Profile.Name != "张三丰" || h.Profile.IDNumber != "11010519491231002X" ||
		h.Status == nil || h.Status.Colour != healthcode.Yellow || !h.Status.Declared || !h.Status.EvaluatedAt.Equal(now) {
		t.Fatalf("holder = %+v (profile %+v, status %+v), %v", h, h.Profile, h.Status, err)
	}
	_, err = db.FindCodeHolder(ctx, p.ID+1000)
	if healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		t.Fatalf("unknown person: %v, want not_found", err)
	}
}
