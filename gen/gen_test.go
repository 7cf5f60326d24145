package gen

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
	"github.com/healthcode/healthcode/importer"
	"github.com/healthcode/healthcode/storetest"
)

var now = time.Date(2022, 5, 1, 0, 0, 0, 0, china)

func mustCity(t testing.TB, cfg Config) *City {
	t.Helper()
	if cfg.Region == "" {
		cfg.Region = "CN-330100"
	}
	if cfg.Now.IsZero() {
		cfg.Now = now
	}
	c, err := NewCity(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPersons: what a user of the city relies on, over many persons.
func TestPersons(t *testing.T) {
	c := mustCity(t, Config{Persons: 20000, Seed: 7, RiskShare: 0.1})
	phones, ids := map[string]bool{}, map[string]bool{}
	var passports, risk, cases, contacts int
	caseIDs := map[string]bool{}
	for i := range 20000 {
		p := c.Person(i)
		if _, ok := idnum.ValidPhone(p.Phone); !ok || phones[p.Phone] {
			t.Fatalf("person %d: phone %q invalid or taken", i, p.Phone)
		}
		phones[p.Phone] = true
		if n, err := idnum.ValidateDocument(p.IDType, p.IDNumber, now); err != nil || n != p.IDNumber || ids[p.IDNumber] {
			t.Fatalf("person %d: %s %q: %v (or taken)", i, p.IDType, p.IDNumber, err)
		}
		ids[p.IDNumber] = true
		if p.IDType == healthcode.IDResident {
			rid, _ := idnum.ValidateResidentID(p.IDNumber, now)
			if rid.Sex != p.Sex || rid.BirthDate != p.BirthDate || !strings.HasPrefix(p.Address, "浙江省杭州市") || p.Division[:4] != "3301" {
				t.Fatalf("person %d: %+v does not match its ID %+v", i, p, rid)
			}
		} else {
			passports++
		}
		if p.Name == "" || p.Declaration.CreatedAt.After(now) {
			t.Fatalf("person %d: %+v", i, p)
		}
		for _, r := range p.Tests {
			if r.SampledAt.After(now) || r.ReportedAt.Before(r.SampledAt) {
				t.Fatalf("person %d: test %+v", i, r)
			}
		}
		if len(p.Travel) > 0 && p.Travel[0].Division == "310104" {
			risk++
			if len(p.Declaration.Places) != 1 || p.Declaration.Places[0].Division != "310104" {
				t.Fatalf("person %d: a risk-area stay not declared", i)
			}
		}
		for _, cs := range p.Cases {
			cases++
			caseIDs[cs.ExternalID] = true
		}
		for _, ct := range p.Contacts {
			contacts++
			if !caseIDs[ct.CaseID] {
				t.Fatalf("person %d: contact of unknown case %q", i, ct.CaseID)
			}
		}
	}
	if passports < 100 || passports > 300 || risk < 1800 || risk > 2200 || cases < 5 || contacts < 5*cases {
		t.Errorf("passports %d, risk stays %d, cases %d, contacts %d", passports, risk, cases, contacts)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := mustCity(t, Config{Persons: 100, Seed: 3}), mustCity(t, Config{Persons: 100, Seed: 3})
	other := mustCity(t, Config{Persons: 100, Seed: 4})
	for _, i := range []int{0, 42, 99} {
		if !reflect.DeepEqual(a.Person(i), b.Person(i)) {
			t.Errorf("person %d differs between two cities of one seed", i)
		}
		if a.Person(i).Phone == other.Person(i).Phone {
			t.Errorf("person %d has the same phone under another seed", i)
		}
	}
}

func TestBenchmarkShapes(t *testing.T) {
	c := mustCity(t, Config{Persons: 2000, Seed: 1, RiskShare: 1, TestsPerPerson: 1, RiskDivision: "440106"})
	for i := range 2000 {
		p := c.Person(i)
		if len(p.Tests) != 1 || len(p.Travel) != 1 || p.Travel[0].Division != "440106" || len(p.Declaration.Places) != 1 {
			t.Fatalf("person %d: %d tests, travel %+v", i, len(p.Tests), p.Travel)
		}
	}
}

func TestNewCityErrors(t *testing.T) {
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{Persons: -1, Region: "CN-330100", Now: now}, "persons"},
		{Config{Region: "CN-330100", RiskShare: 1.5, Now: now}, "risk-share"},
		{Config{Region: "CN-650100", Now: now}, "region"},
		{Config{Region: "330100", Now: now}, "region"},
		{Config{Region: "CN-330100", RiskDivision: "999999", Now: now}, "risk-division"},
		{Config{Region: "CN-330100", TestsPerPerson: -1, Now: now}, "tests-per-person"},
	}
	for _, tt := range tests {
		_, err := NewCity(tt.cfg)
		if healthcode.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%+v: error %v, want one naming %s", tt.cfg, err, tt.field)
		}
	}
}

// TestFiles: the record files carry exactly the import headers, parse as
// CSV, and risk-areas.json is the risk area list.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	f, err := CreateFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := mustCity(t, Config{Persons: 500, Seed: 2, RiskShare: 0.2})
	sum, err := Run(context.Background(), c, Options{Files: f, Batch: 128})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if sum.Persons != 500 || sum.Rows["persons.csv"] != 500 {
		t.Errorf("summary %+v", sum)
	}
	for _, kind := range healthcode.RecordKinds {
		names, _ := importer.Fields(kind)
		rows := readCSV(t, filepath.Join(dir, kind+".csv"))
		if !slices.Equal(rows[0], names) {
			t.Errorf("%s header %v, want the import fields %v", kind, rows[0], names)
		}
		if int64(len(rows)-1) != sum.Rows[kind+".csv"] || len(rows) < 2 {
			t.Errorf("%s: %d rows, summary says %d", kind, len(rows)-1, sum.Rows[kind+".csv"])
		}
	}
	var areas []map[string]string
	b, err := os.ReadFile(filepath.Join(dir, "risk-areas.json"))
	if err == nil {
		err = json.Unmarshal(b, &areas)
	}
	if err != nil || len(areas) != 2 || areas[0]["division"] != "310104" || areas[0]["level"] != "high" || areas[0]["area"] == "" {
		t.Errorf("risk areas %v: %v", areas, err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	rows, err := csv.NewReader(file).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestRunStore: a stored city signs in, holds profiles and statuses of
// every colour once its records are stored too (the demo).
func TestRunStore(t *testing.T) {
	db := storetest.MustOpenDB(t)
	c := mustCity(t, Config{Persons: 300, Seed: 5, RiskShare: 0.1})
	sum, err := Run(context.Background(), c, Options{Store: db, Records: true, Batch: 100})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Colours[0]+sum.Colours[1]+sum.Colours[2] != 300 || sum.Colours[1] == 0 || sum.Colours[2] == 0 {
		t.Errorf("colours %v: a demo city should show every colour", sum.Colours)
	}
	p := c.Person(17)
	person, err := db.FindOrCreatePerson(context.Background(), p.Phone, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := db.FindProfile(context.Background(), person.ID)
	if err != nil || prof.IDNumber != p.IDNumber || prof.Name != p.Name {
		t.Errorf("profile %+v, %v", prof, err)
	}
	if _, err := Run(context.Background(), c, Options{Store: db}); healthcode.ErrorCode(err) != healthcode.ECONFLICT {
		t.Errorf("seeding the same city twice: %v, want a conflict", err)
	}
}
