package gen

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/status"
)

// Options say where Run puts a city. Either may be nil.
type Options struct {
	// Files gets the import files. They name the venues by the city's
	// ids, V000001 onwards, which are the stored ones unless the store
	// held venues already.
	Files *Files
	// Store gets the persons, with profiles, declarations and statuses,
	// the venues and the scan log (and who is inside a venue at Now).
	Store *sqlstore.DB
	// Records stores the records and risk areas too, with each status
	// evaluated over them (the demo); otherwise the records are left to be
	// imported (the benchmarks).
	Records bool
	Policy  *status.Policy // nil: the national default
	// Progress, when set, is called after each batch with the persons
	// done, and ScanProgress after each batch of scans stored (once all
	// persons are) with the scans done.
	Progress     func(done int)
	ScanProgress func(done int64)
	// Batch is the persons per store transaction; 0 means 10,000.
	Batch int
	// Indexing, when set, is called once the scans are stored and the
	// indexes of the scan log are being built (sqlstore.DeferScanIndexes).
	Indexing func()
}

// Summary counts what Run made.
type Summary struct {
	Persons int
	Venues  int    // stored
	Scans   int64  // stored
	Colours [3]int // initial statuses by colour, when stored
	Rows    map[string]int64
	// Samples holds a few phone numbers per initial colour, to sign in
	// with in a demo.
	Samples [3][]string
	Seeding time.Duration // time spent in the store
	// ScanSeeding is the part of Seeding spent storing the venues and
	// the scans, once all persons are in; Indexing is the part of that
	// spent building the scan log's indexes after the scans.
	ScanSeeding, Indexing time.Duration
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
	st := &storing{city: c}
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
			if err := st.seed(ctx, opts.Store, j.people, opts.Records, areas, policy, sum); err != nil {
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
	if opts.Store != nil {
		start := time.Now()
		err := st.seedLog(ctx, opts.Store, opts, sum)
		sum.ScanSeeding = time.Since(start)
		sum.Seeding += sum.ScanSeeding
		if err != nil {
			return nil, err
		}
	}
	if opts.Files != nil {
		sum.Rows = opts.Files.Rows
	}
	return sum, nil
}

// storing is what Run keeps of the persons it stored, for their scans.
type storing struct {
	city *City
	// ids and subjects (16 bytes each) are the stored persons', by index.
	ids      []int64
	subjects []byte
	// venueIDs are the stored venues' ids by index.
	venueIDs []string
}

// seed registers one batch: persons, profiles, first declarations and
// statuses evaluated by the engine, plus the records when asked.
func (st *storing) seed(ctx context.Context, db *sqlstore.DB, people []*Person, records bool, areas []healthcode.RiskArea,
	policy *status.Policy, sum *Summary) error {
	now := st.city.cfg.Now
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
	ids, err := db.SeedPersons(ctx, seeds)
	if err != nil {
		return err
	}
	if records {
		if err := db.AddRecords(ctx, &rb); err != nil {
			return err
		}
	}
	if st.ids == nil {
		st.ids, st.subjects = make([]int64, st.city.cfg.Persons), make([]byte, subjectSize*st.city.cfg.Persons)
	}
	for k, p := range people {
		st.ids[p.Index] = ids[k]
		copy(st.subjects[subjectSize*p.Index:], seeds[k].Subject)
	}
	return nil
}

// subjectSize is the length of a seeded person's code pseudonym.
const subjectSize = 16

// scanBatch is about how many scans go to the store in one transaction.
const scanBatch = 100000

// seedVenues stores the city's venues, open from a day before the scans,
// with the default policy and maximum stay of their kind and no capacity.
func (st *storing) seedVenues(ctx context.Context, db *sqlstore.DB, sum *Summary) error {
	from, _ := st.city.ScanWindow()
	created := from.Add(-day).Truncate(time.Hour)
	venues := make([]*healthcode.Venue, len(st.city.venues))
	for i, v := range st.city.venues {
		venues[i] = &healthcode.Venue{Name: v.Name, Kind: v.Kind, Division: v.Division, Address: v.Address,
			Policy: healthcode.DefaultEntryPolicy(v.Kind), MaxStay: healthcode.DefaultMaxStay(v.Kind),
			CreatedAt: created, UpdatedAt: created}
	}
	if err := db.SeedVenues(ctx, venues); err != nil {
		return err
	}
	st.venueIDs = make([]string, len(venues))
	for i, v := range venues {
		st.venueIDs[i] = v.ID
	}
	sum.Venues = len(venues)
	return nil
}

// seedLog stores the venues, then the scan log, person by person, in
// transactions of about scanBatch scans, each made while the one before is
// stored. The scans go in once all persons are in, so that the persons'
// seeding keeps the page cache to their indexes, which it writes all over.
// With the scans goes who is inside a venue at the end: each person whose
// last scan at a venue is an entry younger than the longest stay a venue
// counts (older presences count nowhere, and the purge drops them).
func (st *storing) seedLog(ctx context.Context, db *sqlstore.DB, opts Options, sum *Summary) (err error) {
	if err := st.seedVenues(ctx, db, sum); err != nil {
		return err
	}
	if st.city.cfg.Scans == 0 {
		return nil
	}
	rebuild, err := db.DeferScanIndexes(ctx)
	if err != nil {
		return err
	}
	if rebuild != nil {
		// Built again however the seeding ends, even when cancelled.
		defer func() {
			start := time.Now()
			if opts.Indexing != nil {
				opts.Indexing()
			}
			if rerr := rebuild(context.WithoutCancel(ctx)); rerr != nil && err == nil {
				err = rerr
			}
			sum.Indexing = time.Since(start)
		}()
	}
	type job struct {
		scans  []sqlstore.SeedScan
		inside []sqlstore.SeedPresence
	}
	jobs := make(chan job, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := st.city
	go func() {
		defer close(jobs)
		recent := c.cfg.Now.Add(-healthcode.MaxVenueMaxStay)
		var j job
		var seen []int
		for i := range c.cfg.Persons {
			p := Person{Index: i}
			c.scans(&p)
			subject := st.subjects[subjectSize*i : subjectSize*(i+1) : subjectSize*(i+1)]
			for _, s := range p.Scans {
				j.scans = append(j.scans, sqlstore.SeedScan{VenueID: st.venueIDs[s.Venue], Direction: s.Direction, Subject: subject,
					PersonID: st.ids[i], Colour: s.Colour, At: s.At})
			}
			// The person's last scan at each venue, latest first.
			seen = seen[:0]
			for k := len(p.Scans) - 1; k >= 0; k-- {
				s := &p.Scans[k]
				if slices.Contains(seen, s.Venue) {
					continue
				}
				seen = append(seen, s.Venue)
				if s.Direction == healthcode.DirectionIn && !s.At.Before(recent) {
					j.inside = append(j.inside, sqlstore.SeedPresence{VenueID: st.venueIDs[s.Venue], Subject: subject, EnteredAt: s.At})
				}
			}
			if len(j.scans) >= scanBatch || i == c.cfg.Persons-1 {
				select {
				case jobs <- j:
				case <-ctx.Done():
					return
				}
				j = job{scans: make([]sqlstore.SeedScan, 0, scanBatch+64)}
			}
		}
	}()
	for j := range jobs {
		if err := db.SeedScans(ctx, c.cfg.Region, c.cfg.Now, j.scans, j.inside); err != nil {
			return err
		}
		sum.Scans += int64(len(j.scans))
		if opts.ScanProgress != nil {
			opts.ScanProgress(sum.Scans)
		}
	}
	return ctx.Err()
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
