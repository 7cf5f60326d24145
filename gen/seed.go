package gen

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
)

// Options say where Run puts a city. Either may be nil.
type Options struct {
	Files *Files
	Store *sqlstore.DB
	// Records stores the records and risk areas too, with each status
	// evaluated over them (the demo); otherwise the store gets persons,
	// profiles, declarations and statuses only, and the records are left
	// to be imported (the benchmarks).
	Records bool
	Policy  *status.Policy // nil: the national default
	// Progress, when set, is called after each batch with the persons done.
	Progress func(done int)
	// Batch is the persons per store transaction; 0 means 10,000.
	Batch int
}

// Summary counts what Run made.
type Summary struct {
	Persons int
	Colours [3]int // initial statuses by colour, when stored
	Rows    map[string]int64
	// Samples holds a few phone numbers per initial colour, to sign in
	// with in a demo.
	Samples [3][]string
	Seeding time.Duration // time spent in the store
}

// Run makes every person of c and writes them where opts says, in batches,
// so memory stays flat however large the city.
func Run(ctx context.Context, c *City, opts Options) (*Summary, error) {
	batch := opts.Batch
	if batch <= 0 {
		batch = 10000
	}
	policy := opts.Policy
	if policy == nil {
		policy = status.DefaultPolicy()
	}
	sum := &Summary{}
	if f := opts.Files; f != nil {
		if err := f.AddVenues(c.Venues()); err != nil {
			return nil, err
		}
		if err := f.WriteRiskAreas(c.RiskAreas()); err != nil {
			return nil, err
		}
	}
	var areas []healthcode.RiskArea
	if opts.Store != nil && opts.Records {
		areas = c.RiskAreas()
		if err := opts.Store.ReplaceRiskAreas(ctx, areas); err != nil {
			return nil, err
		}
	}

	// A producer makes the next batch while the store writes this one.
	type job struct {
		people []*Person
		err    error
	}
	jobs := make(chan job, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(jobs)
		n := c.cfg.Persons
		for lo := 0; lo < n; lo += batch {
			people := make([]*Person, 0, min(batch, n-lo))
			for i := lo; i < min(lo+batch, n); i++ {
				people = append(people, c.Person(i))
			}
			var err error
			if opts.Files != nil {
				for _, p := range people {
					if err = opts.Files.Add(p); err != nil {
						break
					}
				}
			}
			select {
			case jobs <- job{people, err}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for j := range jobs {
		if j.err != nil {
			return nil, j.err
		}
		if opts.Store != nil {
			start := time.Now()
			if err := seed(ctx, opts.Store, j.people, opts.Records, areas, policy, c.cfg.Now, sum); err != nil {
				return nil, err
			}
			sum.Seeding += time.Since(start)
		}
		sum.Persons += len(j.people)
		if opts.Progress != nil {
			opts.Progress(sum.Persons)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Files != nil {
		sum.Rows = opts.Files.Rows
	}
	return sum, nil
}

// seed registers one batch: persons, profiles, first declarations and
// statuses evaluated by the engine, plus the records when asked.
func seed(ctx context.Context, db *sqlstore.DB, people []*Person, records bool, areas []healthcode.RiskArea,
	policy *status.Policy, now time.Time, sum *Summary) error {
	seeds := make([]sqlstore.SeedPerson, len(people))
	var rb healthcode.RecordBatch
	for k, p := range people {
		subject := make([]byte, 16)
		rand.Read(subject)
		d := p.Declaration
		d.Findings = status.Findings(&d, policy)
		facts := healthcode.Facts{Declarations: []healthcode.Declaration{d}}
		if records {
			key := db.Box().PersonKey(p.IDNumber)
			facts = healthcode.Facts{Declarations: facts.Declarations, Tests: p.Tests, Vaccinations: p.Vaccinations,
				Cases: p.Cases, Contacts: p.Contacts, Quarantines: p.Quarantines, Travel: p.Travel, RiskAreas: areas}
			addRecords(&rb, p, key, now)
		}
		st := status.Evaluate(&facts, policy, now)
		st.Declared = true
		if st.Since.IsZero() {
			st.Since = now
		}
		sum.Colours[st.Colour]++
		if len(sum.Samples[st.Colour]) < 3 {
			sum.Samples[st.Colour] = append(sum.Samples[st.Colour], p.Phone)
		}
		seeds[k] = sqlstore.SeedPerson{
			Phone: p.Phone, Subject: subject, CreatedAt: d.CreatedAt.Add(-time.Minute),
			Profile: healthcode.Profile{Name: p.Name, IDType: p.IDType, IDNumber: p.IDNumber, Sex: p.Sex, BirthDate: p.BirthDate,
				Nationality: p.Nationality, Phone: p.Phone, HouseholdDivision: p.Household, Address: p.Address,
				AddressDivision: p.Division, UpdatedAt: d.CreatedAt.Add(-time.Minute)},
			Declaration: &d,
			Status:      st,
		}
	}
	if _, err := db.SeedPersons(ctx, seeds); err != nil {
		return err
	}
	if records {
		return db.AddRecords(ctx, &rb)
	}
	return nil
}

func addRecords(b *healthcode.RecordBatch, p *Person, key []byte, now time.Time) {
	for _, t := range p.Tests {
		t.PersonKey, t.RecordedAt = key, now
		b.Tests = append(b.Tests, t)
	}
	for _, v := range p.Vaccinations {
		v.PersonKey, v.RecordedAt = key, now
		b.Vaccinations = append(b.Vaccinations, v)
	}
	for _, c := range p.Cases {
		c.PersonKey, c.RecordedAt = key, now
		b.Cases = append(b.Cases, c)
	}
	for _, c := range p.Contacts {
		c.PersonKey, c.RecordedAt = key, now
		b.Contacts = append(b.Contacts, c)
	}
	for _, q := range p.Quarantines {
		q.PersonKey, q.RecordedAt = key, now
		b.Quarantines = append(b.Quarantines, q)
	}
	for _, t := range p.Travel {
		t.PersonKey, t.RecordedAt = key, now
		b.Travel = append(b.Travel, t)
	}
}
