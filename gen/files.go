package gen

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// Headers are the CSV headers of the files Files writes. The record kinds
// carry exactly the import fields of their kind (issue 3).
var Headers = map[string][]string{
	"persons.csv":      {"phone", "name", "id_type", "id_number", "address", "division"},
	"venues.csv":       {"id", "kind", "name", "division", "address"},
	"tests.csv":        {"id", "id_type", "id_number", "name", "sampled_at", "reported_at", "result", "method", "pooled", "lab"},
	"vaccinations.csv": {"id", "id_type", "id_number", "name", "product", "dose", "date"},
	"cases.csv":        {"id", "id_type", "id_number", "name", "kind", "onset", "status"},
	"contacts.csv":     {"id", "id_type", "id_number", "name", "degree", "case_id", "last_exposure"},
	"quarantines.csv":  {"id", "id_type", "id_number", "name", "kind", "start", "end"},
	"travel.csv":       {"id", "id_type", "id_number", "name", "division", "from", "to"},
	"scans.csv":        {"id", "venue_id", "id_type", "id_number", "name", "scanned_at", "direction"},
}

// china is the zone times are written in, as providers in the region do.
var china = time.FixedZone("CST", 8*3600)

// Files writes a city to a directory, one person at a time.
type Files struct {
	dir   string
	files []*os.File
	bufs  []*bufio.Writer
	w     map[string]*csv.Writer
	// Rows counts the rows written per file.
	Rows map[string]int64
	// NoScans leaves scans.csv at its header: the scans of a large city
	// are many and go to the store.
	NoScans bool
}

// CreateFiles creates dir (if needed) and the CSV files with their headers.
func CreateFiles(dir string) (*Files, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := &Files{dir: dir, w: map[string]*csv.Writer{}, Rows: map[string]int64{}}
	for name, header := range Headers {
		file, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			f.Close()
			return nil, err
		}
		buf := bufio.NewWriterSize(file, 256<<10)
		f.files, f.bufs = append(f.files, file), append(f.bufs, buf)
		f.w[name] = csv.NewWriter(buf)
		if err := f.w[name].Write(header); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(china).Format(time.RFC3339)
}

func (f *Files) write(name string, row ...string) error {
	f.Rows[name]++
	return f.w[name].Write(row)
}

// AddVenues writes venues.csv.
func (f *Files) AddVenues(venues []Venue) error {
	for _, v := range venues {
		if err := f.write("venues.csv", v.ID, v.Kind, v.Name, v.Division, v.Address); err != nil {
			return err
		}
	}
	return nil
}

// Add writes a person and their records.
func (f *Files) Add(p *Person) error {
	who := []string{string(p.IDType), p.IDNumber, p.Name}
	row := func(id string, rest ...string) []string {
		return append(append([]string{id}, who...), rest...)
	}
	var errs []error
	add := func(name string, r []string) { errs = append(errs, f.write(name, r...)) }
	add("persons.csv", []string{p.Phone, p.Name, string(p.IDType), p.IDNumber, p.Address, p.Division})
	for _, t := range p.Tests {
		result := "negative"
		if t.Result == healthcode.Positive {
			result = "positive"
		}
		add("tests.csv", row(t.ExternalID, ts(t.SampledAt), ts(t.ReportedAt), result, t.Method, strconv.FormatBool(t.Pooled), t.Lab))
	}
	for _, v := range p.Vaccinations {
		add("vaccinations.csv", row(v.ExternalID, v.Product, strconv.Itoa(v.Dose), v.At.In(china).Format(time.DateOnly)))
	}
	for _, c := range p.Cases {
		add("cases.csv", row(c.ExternalID, string(c.Kind), ts(c.DiagnosedAt), string(c.Status)))
	}
	for _, c := range p.Contacts {
		add("contacts.csv", row(c.ExternalID, string(c.Kind), c.CaseID, ts(c.ExposedAt)))
	}
	for _, q := range p.Quarantines {
		kind := string(q.Kind)
		if q.Kind == healthcode.QuarantineHomeMonitoring {
			kind = "monitoring"
		}
		add("quarantines.csv", row(q.ExternalID, kind, ts(q.From), ts(q.Until)))
	}
	for _, t := range p.Travel {
		add("travel.csv", row(t.ExternalID, t.Division, ts(t.From), ts(t.To)))
	}
	if !f.NoScans {
		for k, s := range p.Scans {
			add("scans.csv", []string{"S" + strconv.Itoa(p.Index) + "-" + strconv.Itoa(k), s.VenueID, string(p.IDType), p.IDNumber,
				p.Name, ts(s.At), s.Direction})
		}
	}
	return errors.Join(errs...)
}

// riskAreaJSON is one entry of risk-areas.json, the body of PUT
// /api/v1/risk-areas.
type riskAreaJSON struct {
	Division string `json:"division"`
	Area     string `json:"area"`
	Level    string `json:"level"`
	From     string `json:"from"`
	To       string `json:"to,omitempty"`
}

// WriteRiskAreas writes risk-areas.json.
func (f *Files) WriteRiskAreas(areas []healthcode.RiskArea) error {
	list := make([]riskAreaJSON, len(areas))
	for i, a := range areas {
		list[i] = riskAreaJSON{Division: a.Division, Area: a.Area, Level: string(a.Level), From: ts(a.From), To: ts(a.Until)}
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(f.dir, "risk-areas.json"), append(b, '\n'), 0o644)
}

// Close flushes and closes every file.
func (f *Files) Close() error {
	var errs []error
	for _, w := range f.w {
		w.Flush()
		errs = append(errs, w.Error())
	}
	for i, b := range f.bufs {
		errs = append(errs, b.Flush(), f.files[i].Close())
	}
	return errors.Join(errs...)
}
