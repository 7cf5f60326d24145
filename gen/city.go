package gen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/healthcode/healthcode"
)

// Config describes a city. The same Config always gives the same city.
type Config struct {
	Persons int
	Seed    uint64
	// Region is the node's region id, e.g. "CN-330100"; its city must be in
	// the generator's division table. Most people live there.
	Region string
	// RiskShare is the share of people (0 to 1) who stayed in RiskDivision
	// in the last days: a travel record and a declared stay each, so that
	// declaring that division a risk area touches exactly them.
	RiskShare    float64
	RiskDivision string // default "310104" (Shanghai Xuhui)
	// TestsPerPerson, when above 0, gives everyone exactly that many tests;
	// 0 gives the realistic mix (none to a few, some pooled).
	TestsPerPerson int
	// Now is the city's present: every record lies before it.
	Now time.Time
	// Venues is the number of venues; 0 gives one per 50 persons, at
	// least 20.
	Venues int
	// Scans is the number of scans of all persons together; 0 gives
	// three for every two persons. ScanDays is the number of days before
	// Now they spread over; 0 gives 30.
	Scans    int
	ScanDays int
}

// City makes the persons, venues and risk areas of a Config.
type City struct {
	cfg       Config
	home      []division
	phones    affine
	ids       affine
	venues    []Venue
	venueKind []uint8 // index into kindProfiles, by venue
	busy      alias   // draws a venue by how busy it is
	caseRate  uint64  // one person in caseRate is a case
	// activityPrefix[b] is the activity of the persons before block b;
	// activityTotal of all (visits.go).
	activityPrefix []uint64
	activityTotal  uint64
	flatActivity   bool
}

// Person is one synthetic citizen with the records held about them. Record
// times are in the past of Config.Now; PersonKey is left unset.
type Person struct {
	Index       int
	Phone       string
	Name        string
	IDType      healthcode.IDType
	IDNumber    string
	Sex         string
	BirthDate   string
	Nationality string
	Household   string // division of the household register
	Division    string // division of the current address
	Address     string

	Declaration  healthcode.Declaration // the first declaration, CreatedAt set
	Tests        []healthcode.Test
	Vaccinations []healthcode.Vaccination
	Cases        []healthcode.Case
	Contacts     []healthcode.Contact
	Quarantines  []healthcode.Quarantine
	Travel       []healthcode.Travel
	// Scans are the person's scans in time order (visits.go).
	Scans []Scan
}

// Venue is a place with a place code that people check in at.
type Venue struct {
	ID, Kind, Name, Division, Address string
}

// Scan is a person's passed scan at a venue's door.
type Scan struct {
	Venue     int    // index in City.Venues
	VenueID   string // the venue's ID
	At        time.Time
	Direction string // healthcode.DirectionIn or DirectionOut
	Colour    healthcode.Colour
}

const day = 24 * time.Hour

// Bounds of a Config.
const (
	maxVenues = 10_000_000
	maxScans  = 1_000_000_000
)

// NewCity checks cfg and prepares the city.
func NewCity(cfg Config) (*City, error) {
	var fe healthcode.FieldErrors
	if cfg.Persons < 0 || uint64(cfg.Persons) > uint64(len(mobilePrefixes))*1e8 || uint64(cfg.Persons) > residentSlots {
		fe.Add("persons", "must be between 0 and 100,000,000")
	}
	if cfg.RiskShare < 0 || cfg.RiskShare > 1 {
		fe.Add("risk-share", "must be between 0 and 1")
	}
	if cfg.TestsPerPerson < 0 || cfg.TestsPerPerson > 100 {
		fe.Add("tests-per-person", "must be between 0 and 100")
	}
	if cfg.RiskDivision == "" {
		cfg.RiskDivision = "310104"
	}
	if _, ok := findDivision(cfg.RiskDivision); !ok {
		fe.Add("risk-division", "must be one of the generator's divisions, e.g. 310104, 110105, 440106")
	}
	var home []division
	if code, ok := strings.CutPrefix(cfg.Region, "CN-"); !ok || len(code) != 6 {
		fe.Add("region", "must be CN- and a six-digit division code, e.g. CN-330100")
	} else if home = cityDivisions(code); len(home) == 0 {
		fe.Add("region", "the generator knows the districts of 330100, 330200, 310100, 110100, 320100, 320500, 420100, 440100, 440300, 510100 and 610100 only")
	}
	if cfg.Now.IsZero() {
		fe.Add("now", "is required")
	}
	if cfg.Venues == 0 {
		cfg.Venues = max(20, cfg.Persons/50)
	}
	if cfg.Venues < 1 || cfg.Venues > maxVenues {
		fe.Add("venues", "must be between 1 and 10,000,000")
	}
	if cfg.Scans == 0 {
		cfg.Scans = cfg.Persons * 3 / 2
	}
	if cfg.Scans < 0 || cfg.Scans > maxScans {
		fe.Add("scans", "must be between 0 and 1,000,000,000")
	} else if cfg.Persons == 0 && cfg.Scans > 0 {
		fe.Add("scans", "need persons to make them")
	}
	if cfg.ScanDays == 0 {
		cfg.ScanDays = defaultScanDays
	}
	if cfg.ScanDays < 1 || cfg.ScanDays > 366 {
		fe.Add("scan-days", "must be between 1 and 366")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	c := &City{cfg: cfg, home: home,
		phones: newAffine(uint64(len(mobilePrefixes))*1e8, cfg.Seed),
		ids:    newAffine(residentSlots, cfg.Seed+1),
	}
	// Small cities get more cases so a demo shows every colour.
	c.caseRate = 2000
	if cfg.Persons > 0 && uint64(cfg.Persons)/c.caseRate < 4 {
		c.caseRate = max(uint64(cfg.Persons)/4, 10)
	}
	c.makeVenues()
	c.prepareScans()
	return c, nil
}

// Config returns the city's configuration, defaults filled in.
func (c *City) Config() Config { return c.cfg }

// Venues returns the city's venues.
func (c *City) Venues() []Venue { return c.venues }

// RiskAreas returns the risk areas that make the demo interesting: a high
// one over RiskDivision, where RiskShare of the people stayed, and a medium
// one elsewhere.
func (c *City) RiskAreas() []healthcode.RiskArea {
	now := c.cfg.Now
	area := streets[c.cfg.RiskDivision]
	if area == "" {
		d, _ := findDivision(c.cfg.RiskDivision)
		area = d.county
	}
	medium := "440106"
	if c.cfg.RiskDivision == medium {
		medium = "110105"
	}
	return []healthcode.RiskArea{
		{Division: c.cfg.RiskDivision, Area: area, Level: healthcode.RiskHigh, From: now.Add(-6 * day), Until: now.Add(14 * day)},
		{Division: medium, Area: streets[medium], Level: healthcode.RiskMedium, From: now.Add(-4 * day), Until: now.Add(10 * day)},
	}
}

// rng is person i's random source: it depends on the seed and i only.
func (c *City) rng(i int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.cfg.Seed^stream, uint64(i)))
}

// Person returns person i, 0 ≤ i < Persons.
func (c *City) Person(i int) *Person {
	r := c.rng(i, 0)
	now := c.cfg.Now
	p := &Person{Index: i, Phone: phone(c.phones.at(uint64(i)))}

	if r.IntN(100) == 0 { // a foreign resident with a passport
		p.Name = latinFirst[r.IntN(len(latinFirst))] + " " + latinLast[r.IntN(len(latinLast))]
		p.IDType = healthcode.IDPassport
		p.IDNumber = fmt.Sprintf("%c%08d", 'E'+rune(i%3), (uint64(i)*7919+c.cfg.Seed)%1e8)
		p.Nationality = latinNationality[r.IntN(len(latinNationality))]
		p.Household = ""
	} else {
		number, div, birth, male := residentID(c.ids.at(uint64(i)))
		p.Name = chineseName(r, male)
		p.IDType, p.IDNumber, p.Nationality = healthcode.IDResident, number, "CHN"
		p.BirthDate, p.Household = birth.Format(time.DateOnly), div.code
		p.Sex = "female"
		if male {
			p.Sex = "male"
		}
	}
	home := c.home[r.IntN(len(c.home))]
	p.Division = home.code
	p.Address = fmt.Sprintf("%s%s%s%s%d号%d幢%d单元%d%02d室", home.province, cityName(home), home.county,
		roads[r.IntN(len(roads))], 1+r.IntN(300), 1+r.IntN(30), 1+r.IntN(4), 1+r.IntN(30), 1+r.IntN(4))
	if home.province == home.city {
		p.Address = strings.Replace(p.Address, home.province, "", 1)
	}

	temp := 36.2 + float64(r.IntN(8))/10
	p.Declaration = healthcode.Declaration{Temperature: &temp, CaseContact: healthcode.ContactNo,
		CreatedAt: now.Add(-time.Duration(1+r.IntN(72*60)) * time.Minute)}
	if r.IntN(200) == 0 {
		p.Declaration.Symptoms = []healthcode.Symptom{"dry_cough"}
	}

	c.tests(p, r)
	c.vaccinations(p, r)
	c.caseAndContacts(p)
	c.travel(p, r)
	c.scans(p)
	return p
}

func cityName(d division) string { return d.city }

var labs = []string{"迪安诊断", "艾迪康", "金域医学", "华大基因", "市疾控中心", "区人民医院"}

func (c *City) tests(p *Person, r *rand.Rand) {
	n := c.cfg.TestsPerPerson
	if n == 0 {
		n = r.IntN(4) // none to three in the last week
	}
	now := c.cfg.Now
	for k := range n {
		sampled := now.Add(-time.Duration(2+k*48+r.IntN(40)) * time.Hour).Truncate(time.Minute)
		t := healthcode.Test{
			SampledAt: sampled, ReportedAt: sampled.Add(time.Duration(4+r.IntN(20)) * time.Hour).Truncate(time.Minute),
			Result: healthcode.Negative, Method: healthcode.MethodPCR, Lab: labs[r.IntN(len(labs))],
			ExternalID: fmt.Sprintf("T%d-%d", p.Index, k),
		}
		if t.ReportedAt.After(now) {
			t.ReportedAt = now
		}
		switch x := r.IntN(1000); {
		case x < 2:
			t.Result = healthcode.Positive
		case x < 5:
			t.Result, t.Pooled = healthcode.Positive, true
		case x < 150:
			t.Pooled = true
		case x < 200:
			t.Method = healthcode.MethodAntigen
		}
		p.Tests = append(p.Tests, t)
	}
}

var vaccines = []string{"北京生物 BBIBP-CorV", "科兴 CoronaVac", "智飞 ZF2001", "康希诺 Ad5-nCoV"}

func (c *City) vaccinations(p *Person, r *rand.Rand) {
	if r.IntN(10) == 0 {
		return // about one in ten unvaccinated
	}
	product := vaccines[r.IntN(len(vaccines))]
	doses := 1 + r.IntN(3)
	first := c.cfg.Now.Add(-time.Duration(400+r.IntN(300)) * day).Truncate(day)
	for d := 1; d <= doses; d++ {
		p.Vaccinations = append(p.Vaccinations, healthcode.Vaccination{
			Dose: d, Product: product, At: first.Add(time.Duration((d-1)*(30+r.IntN(150))) * day),
			ExternalID: fmt.Sprintf("V%d-%d", p.Index, d),
		})
	}
}

// caseOf tells whether person i is a case, and which: a pure function of
// the seed and i, so a contact can name a case without generating it.
func (c *City) caseOf(i int) (healthcode.Case, bool) {
	if i < 0 {
		return healthcode.Case{}, false
	}
	h := splitmix(c.cfg.Seed ^ splitmix(uint64(i)+0x51))
	if h%c.caseRate != 0 {
		return healthcode.Case{}, false
	}
	h >>= 20
	onset := c.cfg.Now.Add(-time.Duration(12+h%(9*24)) * time.Hour).Truncate(time.Hour)
	cs := healthcode.Case{DiagnosedAt: onset, Status: healthcode.CaseActive, ExternalID: fmt.Sprintf("C%d", i)}
	switch h % 10 {
	case 0:
		cs.Kind, cs.Status, cs.ClosedAt = healthcode.CaseSuspected, healthcode.CaseDismissed, onset.Add(36*time.Hour)
	case 1, 2, 3:
		cs.Kind = healthcode.CaseAsymptomatic
	default:
		cs.Kind = healthcode.CaseConfirmed
	}
	return cs, true
}

// caseAndContacts: the six people after a case (by index: family, flat,
// colleagues) are its contacts, close, secondary and companions, and the
// close ones in centralised quarantine.
func (c *City) caseAndContacts(p *Person) {
	if cs, ok := c.caseOf(p.Index); ok {
		if cs.ClosedAt.After(c.cfg.Now) {
			cs.ClosedAt = time.Time{}
		}
		p.Cases = append(p.Cases, cs)
	}
	for d := 1; d <= 6; d++ {
		cs, ok := c.caseOf(p.Index - d)
		if !ok || cs.Status == healthcode.CaseDismissed {
			continue
		}
		exposed := cs.DiagnosedAt.Add(-time.Duration(d*5) * time.Hour)
		ct := healthcode.Contact{CaseID: cs.ExternalID, ExposedAt: exposed, ExternalID: fmt.Sprintf("K%d-%d", p.Index, p.Index-d)}
		switch {
		case d <= 2:
			ct.Kind = healthcode.ContactClose
			p.Quarantines = append(p.Quarantines, healthcode.Quarantine{Kind: healthcode.QuarantineCentralised,
				From: exposed.Add(12 * time.Hour), Until: exposed.Add(7 * day), ExternalID: fmt.Sprintf("Q%d", p.Index)})
		case d <= 4:
			ct.Kind = healthcode.ContactSecondary
			p.Quarantines = append(p.Quarantines, healthcode.Quarantine{Kind: healthcode.QuarantineHome,
				From: exposed.Add(12 * time.Hour), Until: exposed.Add(7 * day), ExternalID: fmt.Sprintf("Q%d", p.Index)})
		default:
			ct.Kind = healthcode.ContactCompanion
		}
		p.Contacts = append(p.Contacts, ct)
		break // one contact each: the nearest case
	}
	if len(p.Quarantines) == 0 && splitmix(c.cfg.Seed^uint64(p.Index)^0xa5)%300 == 0 {
		from := c.cfg.Now.Add(-3 * day).Truncate(time.Hour)
		p.Quarantines = append(p.Quarantines, healthcode.Quarantine{Kind: healthcode.QuarantineHomeMonitoring,
			From: from, Until: from.Add(7 * day), ExternalID: fmt.Sprintf("Q%d", p.Index)})
	}
}

// travel: RiskShare of the people stayed in RiskDivision (a carrier's
// record and a declared stay); some others travelled elsewhere.
func (c *City) travel(p *Person, r *rand.Rand) {
	now := c.cfg.Now
	if r.Float64() < c.cfg.RiskShare {
		from := now.Add(-time.Duration(3*24+r.IntN(24)) * time.Hour).Truncate(time.Hour)
		to := from.Add(time.Duration(6+r.IntN(30)) * time.Hour)
		p.Travel = append(p.Travel, healthcode.Travel{Division: c.cfg.RiskDivision, From: from, To: to, ExternalID: fmt.Sprintf("R%d", p.Index)})
		p.Declaration.Places = append(p.Declaration.Places, healthcode.Stay{Division: c.cfg.RiskDivision, From: from, To: to})
		return
	}
	if r.IntN(20) == 0 {
		d := divisions[r.IntN(len(divisions))]
		if d.code == c.cfg.RiskDivision {
			return // only RiskShare of the people stayed there
		}
		from := now.Add(-time.Duration(24+r.IntN(10*24)) * time.Hour).Truncate(time.Hour)
		p.Travel = append(p.Travel, healthcode.Travel{Division: d.code, From: from, To: from.Add(time.Duration(4+r.IntN(48)) * time.Hour), ExternalID: fmt.Sprintf("R%d", p.Index)})
	}
}
