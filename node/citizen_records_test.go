package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/storetest"
)

// TestCitizenSeesOwnRecords: a citizen sees the test and the doses imported
// under their own document number, newest first, and not another person's;
// a contact never names its case.
func TestCitizenSeesOwnRecords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	other := e.signIn(t, "13800138001")

	if r, err := e.citizens.Records(ctx, id); err != nil || len(r.Tests)+len(r.Vaccinations) != 0 {
		t.Fatalf("before a profile: %+v, %v; want no records", r, err)
	}
	if _, err := e.citizens.SaveProfile(ctx, id, validProfile()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.citizens.SaveProfile(ctx, other, &healthcode.Profile{Name: "李四", IDType: healthcode.IDResident, IDNumber: "330106198001010013"}); err != nil {
		t.Fatal(err)
	}
	box := storetest.TestBox(t)
	key := (*secret.Box).PersonKey(box, "11010519491231002X")
	otherKey := (*secret.Box).PersonKey(box, "330106198001010013")
	now := e.clock.Now()
	batch := &healthcode.RecordBatch{
		Tests: []healthcode.Test{
			{PersonKey: key, SampledAt: now.Add(-48 * time.Hour), Result: healthcode.Negative, Lab: "西湖检测", Method: healthcode.MethodPCR, ExternalID: "t1"},
			{PersonKey: key, SampledAt: now.Add(-24 * time.Hour), Result: healthcode.Negative, Lab: "滨江检测", Method: healthcode.MethodAntigen, ExternalID: "t2"},
			{PersonKey: otherKey, SampledAt: now.Add(-12 * time.Hour), Result: healthcode.Positive, Lab: "他人检测", Method: healthcode.MethodPCR, ExternalID: "t3"},
		},
		Vaccinations: []healthcode.Vaccination{
			{PersonKey: key, Dose: 1, Product: "CoronaVac", At: now.Add(-90 * 24 * time.Hour), ExternalID: "v1"},
			{PersonKey: key, Dose: 2, Product: "CoronaVac", At: now.Add(-60 * 24 * time.Hour), ExternalID: "v2"},
		},
		Contacts: []healthcode.Contact{
			{PersonKey: key, Kind: healthcode.ContactSecondary, CaseID: "case-of-someone", ExposedAt: now.Add(-30 * 24 * time.Hour),
				ClearedAt: now.Add(-20 * 24 * time.Hour), ExternalID: "c1"},
		},
	}
	if err := e.db.AddRecords(ctx, batch); err != nil {
		t.Fatal(err)
	}

	r, err := e.citizens.Records(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tests) != 2 || r.Tests[0].Lab != "滨江检测" || r.Tests[0].Method != healthcode.MethodAntigen ||
		r.Tests[1].Lab != "西湖检测" || !r.Tests[0].SampledAt.Equal(now.Add(-24*time.Hour)) {
		t.Errorf("tests %+v, want the two own tests newest first", r.Tests)
	}
	if len(r.Vaccinations) != 2 || r.Vaccinations[0].Dose != 2 || r.Vaccinations[1].Dose != 1 || r.Vaccinations[0].Product != "CoronaVac" {
		t.Errorf("vaccinations %+v, want doses 2 then 1", r.Vaccinations)
	}
	if len(r.Contacts) != 1 || r.Contacts[0].Kind != healthcode.ContactSecondary || r.Contacts[0].CaseID != "" {
		t.Errorf("contacts %+v, want one secondary contact without its case", r.Contacts)
	}
	for _, x := range r.Tests {
		if x.PersonKey != nil || x.ExternalID != "" {
			t.Errorf("test %+v keeps its person key or provider id", x)
		}
	}

	r, err = e.citizens.Records(ctx, other)
	if err != nil || len(r.Tests) != 1 || r.Tests[0].Lab != "他人检测" || len(r.Vaccinations) != 0 || len(r.Contacts) != 0 {
		t.Errorf("the other person's records %+v, %v", r, err)
	}
}
