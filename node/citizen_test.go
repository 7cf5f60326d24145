package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/secret"
	"github.com/healthcode/healthcode/storetest"
)

func ptr[T any](v T) *T { return &v }

func validProfile() *healthcode.Profile {
	return &healthcode.Profile{Name: "张三丰", IDType: healthcode.IDResident, IDNumber: "11010519491231002x"}
}

func TestProfileDerivesFromResidentID(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	p, err := e.citizens.SaveProfile(ctx, id, validProfile())
	if err != nil {
		t.Fatal(err)
	}
	if p.IDNumber != "11010519491231002X" || p.Sex != "female" || p.BirthDate != "1949-12-31" || p.Nationality != "CHN" || p.Phone != "13800138000" {
		t.Fatalf("profile = %+v", p)
	}
	got, err := e.citizens.Profile(ctx, id)
	if err != nil || got.Name != "张三丰" || got.IDNumber != "11010519491231002X" {
		t.Fatalf("Profile = %+v, %v", got, err)
	}
}

func TestProfileRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	for _, tc := range []struct {
		name  string
		edit  func(p *healthcode.Profile)
		field string
	}{
		{"no name", func(p *healthcode.Profile) { p.Name = " " }, "name"},
		{"unknown id type", func(p *healthcode.Profile) { p.IDType = "library_card" }, "id_type"},
		{"check character", func(p *healthcode.Profile) { p.IDNumber = "110105194912310021" }, "id_number"},
		{"future birth", func(p *healthcode.Profile) { p.IDNumber = "110105209912310020" }, "id_number"},
		{"sex contradicts ID", func(p *healthcode.Profile) { p.Sex = "male" }, "sex"},
		{"bad division", func(p *healthcode.Profile) { p.AddressDivision = "99" }, "address_division"},
		{"bad nationality", func(p *healthcode.Profile) { p.Nationality = "China" }, "nationality"},
		{"bad phone", func(p *healthcode.Profile) { p.Phone = "555-1234" }, "phone"},
	} {
		p := validProfile()
		tc.edit(p)
		_, err := e.citizens.SaveProfile(ctx, id, p)
		wantCode(t, err, healthcode.EINVALID)
		if healthcode.ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: no reason under %q: %v", tc.name, tc.field, healthcode.ErrorFields(err))
		}
	}
	if _, err := e.citizens.Profile(ctx, id); healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		t.Fatalf("a refused profile was stored: %v", err)
	}
}

func TestOneDocumentOneAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, b := e.signIn(t, "13800138000"), e.signIn(t, "13900139000")
	if _, err := e.citizens.SaveProfile(ctx, a, validProfile()); err != nil {
		t.Fatal(err)
	}
	_, err := e.citizens.SaveProfile(ctx, b, validProfile())
	wantCode(t, err, healthcode.ECONFLICT)
}

func TestCodeNeedsProfileAndDeclaration(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	_, err := e.citizens.Code(ctx, id)
	wantCode(t, err, healthcode.ENOTFOUND)
	if _, _, err := e.citizens.Declare(ctx, id, &healthcode.Declaration{CaseContact: "no"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.citizens.Code(ctx, id)
	wantCode(t, err, healthcode.ENOTFOUND) // still no profile
}

func TestGreenCodeVerifiesOffline(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	if _, err := e.citizens.SaveProfile(ctx, id, validProfile()); err != nil {
		t.Fatal(err)
	}
	_, st, err := e.citizens.Declare(ctx, id, &healthcode.Declaration{Temperature: ptr(36.6), CaseContact: "no"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Colour != healthcode.Green || !st.Since.Equal(e.clock.Now()) {
		t.Fatalf("status = %+v, want green since now", st)
	}
	// Still green a day later: the colour keeps its date.
	greenSince := st.Since
	e.clock.Add(24 * time.Hour)
	if _, st, err = e.citizens.Declare(ctx, id, &healthcode.Declaration{CaseContact: "no"}); err != nil || !st.Since.Equal(greenSince) {
		t.Fatalf("next day: %+v, %v; want green since %v", st, err, greenSince)
	}
	code, err := e.citizens.Code(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if code.Colour != healthcode.Green || !code.ExpiresAt.Equal(code.IssuedAt.Add(5*time.Minute)) {
		t.Fatalf("code = %+v", code)
	}
	v := e.verify(t, code.Code, e.clock.Now())
	if !v.Valid || v.Colour != "green" || v.Region != region || v.Name != "张*丰" || v.ID != "11**************2X" {
		t.Fatalf("verdict = %+v", v)
	}
	// A screenshot goes stale.
	if v := e.verify(t, code.Code, e.clock.Now().Add(6*time.Minute)); v.Valid || v.Error != "expired" {
		t.Fatalf("verdict 6 minutes later = %+v, want expired", v)
	}
}

func TestFeverTurnsYellowAndBackWithTests(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	if _, err := e.citizens.SaveProfile(ctx, id, validProfile()); err != nil {
		t.Fatal(err)
	}
	_, st, err := e.citizens.Declare(ctx, id, &healthcode.Declaration{Temperature: ptr(38.2), Symptoms: []healthcode.Symptom{"fever"}, CaseContact: "no"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Colour != healthcode.Yellow || !hasReason(st, "declared_fever") {
		t.Fatalf("status = %+v, want yellow for declared_fever", st)
	}
	code, err := e.citizens.Code(ctx, id)
	if err != nil || code.Colour != healthcode.Yellow {
		t.Fatalf("code = %+v, %v", code, err)
	}

	// Two negative tests 24 h apart; the period (7 days) is not over yet.
	key := (*secret.Box).PersonKey(storetest.TestBox(t), "11010519491231002X")
	start := e.clock.Now()
	batch := &healthcode.RecordBatch{Tests: []healthcode.Test{
		{PersonKey: key, SampledAt: start.Add(24 * time.Hour), Result: healthcode.Negative, Lab: "lab"},
		{PersonKey: key, SampledAt: start.Add(72 * time.Hour), Result: healthcode.Negative, Lab: "lab"},
	}}
	e.clock.Add(4 * 24 * time.Hour)
	if err := e.db.AddRecords(ctx, batch); err != nil {
		t.Fatal(err)
	}
	st, err = e.citizens.Evaluate(ctx, id)
	if err != nil || st.Colour != healthcode.Yellow || st.ReevaluateAt.IsZero() {
		t.Fatalf("day 4: %+v, %v; want yellow with a re-evaluation time", st, err)
	}
	// When the period is over, the sweeper turns it green with nobody acting.
	e.clock.Add(3*24*time.Hour + time.Minute)
	job, err := e.recompute().Run(ctx, "schedule", nil)
	if err != nil || job.Done != 1 {
		t.Fatalf("recompute = %+v, %v; want 1 evaluated", job, err)
	}
	st, err = e.db.FindStatus(ctx, id)
	if err != nil || st.Colour != healthcode.Green {
		t.Fatalf("after the period: %+v, %v; want green", st, err)
	}
}

func TestFeverWithoutTestsStaysYellow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	if _, _, err := e.citizens.Declare(ctx, id, &healthcode.Declaration{Symptoms: []healthcode.Symptom{"fever"}, CaseContact: "no"}); err != nil {
		t.Fatal(err)
	}
	// Daily declarations without fever afterwards do not clear it, and
	// neither does the fever declaration growing old: only tests do.
	for day := 0; day < 30; day++ {
		e.clock.Add(24 * time.Hour)
		if _, _, err := e.citizens.Declare(ctx, id, &healthcode.Declaration{Temperature: ptr(36.5), CaseContact: "no"}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := e.citizens.Status(ctx, id)
	if err != nil || st.Colour != healthcode.Yellow || !hasReason(st, "declared_fever") {
		t.Fatalf("30 days later without tests: %+v, %v; want still yellow for declared_fever", st, err)
	}
}

func TestDeclarationValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signIn(t, "13800138000")
	now := e.clock.Now()
	for _, tc := range []struct {
		name  string
		d     healthcode.Declaration
		field string
	}{
		{"no contact answer", healthcode.Declaration{}, "case_contact"},
		{"bad contact answer", healthcode.Declaration{CaseContact: "maybe"}, "case_contact"},
		{"too cold", healthcode.Declaration{CaseContact: "no", Temperature: ptr(30.0)}, "temperature"},
		{"too hot", healthcode.Declaration{CaseContact: "no", Temperature: ptr(45.0)}, "temperature"},
		{"unknown symptom", healthcode.Declaration{CaseContact: "no", Symptoms: []healthcode.Symptom{"fever", "sneezing"}}, "symptoms[1]"},
		{"twice", healthcode.Declaration{CaseContact: "no", Symptoms: []healthcode.Symptom{"fever", "fever"}}, "symptoms[1]"},
		{"bad division", healthcode.Declaration{CaseContact: "no", Places: []healthcode.Stay{{Division: "33", From: now.Add(-48 * time.Hour), To: now}}}, "places[0].division"},
		{"to before from", healthcode.Declaration{CaseContact: "no", Places: []healthcode.Stay{{Division: "330106", From: now, To: now.Add(-time.Hour)}}}, "places[0].to"},
		{"future", healthcode.Declaration{CaseContact: "no", Places: []healthcode.Stay{{Division: "330106", From: now.Add(48 * time.Hour), To: now.Add(72 * time.Hour)}}}, "places[0].from"},
		{"too old", healthcode.Declaration{CaseContact: "no", Places: []healthcode.Stay{{Division: "330106", From: now.AddDate(0, 0, -30), To: now.AddDate(0, 0, -20)}}}, "places[0].to"},
	} {
		_, _, err := e.citizens.Declare(ctx, id, &tc.d)
		wantCode(t, err, healthcode.EINVALID)
		if healthcode.ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: no reason under %q: %v", tc.name, tc.field, healthcode.ErrorFields(err))
		}
	}
	ds, err := e.citizens.Declarations(ctx, id, 10)
	if err != nil || len(ds) != 0 {
		t.Fatalf("refused declarations were stored: %d, %v", len(ds), err)
	}
}

func hasReason(s *healthcode.Status, code string) bool {
	for _, r := range s.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}
