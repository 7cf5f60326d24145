package sqlstore_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlite"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// benchScanDB opens a fresh SQLite store in a temporary directory,
// whatever HEALTHCODE_TEST_DB says: the targets are SQLite's.
func benchScanDB(b *testing.B) *sqlstore.DB {
	b.Helper()
	db, err := sqlite.Open(ctx, b.TempDir(), storetest.TestBox(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchSubject is the pseudonym of person i: 16 bytes, spread like a MAC.
func benchSubject(i int) []byte {
	s := make([]byte, 16)
	binary.BigEndian.PutUint64(s, uint64(i)*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(s[8:], uint64(i))
	return s
}

// BenchmarkRecordScansOffline stores uploads of 5,000 offline scans, each
// of one device at one venue of a city's 200 (some with a capacity), a
// third of them exits, people drawn from 200,000.
func BenchmarkRecordScansOffline(b *testing.B) {
	const batch, venues, people = 5000, 200, 200_000
	db := benchScanDB(b)
	ids := make([]string, venues)
	for i := range ids {
		v := newVenue("venue", healthcode.VenueMall, "330106", (i%4)*50)
		mustVenue(b, db, v)
		ids[i] = v.ID
	}
	now := venueNow
	seq := int64(0)
	scans := make([]*healthcode.Scan, batch)
	for i := range scans {
		scans[i] = &healthcode.Scan{}
	}
	op := 0
	for b.Loop() {
		b.StopTimer()
		device := int64(op%50 + 1)
		venue := ids[op%venues]
		for i, s := range scans {
			seq++
			k := int(seq)
			*s = healthcode.Scan{VenueID: venue, DeviceID: device, Seq: seq, Source: healthcode.ScanOffline,
				Direction: healthcode.DirectionIn, Region: homeRegion, Subject: benchSubject(k * 7919 % people),
				PersonID: int64(k%people + 1), Colour: healthcode.Green, Verdict: healthcode.VerdictPass,
				At: now.Add(time.Duration(i-batch) * 100 * time.Millisecond)}
			if k%3 == 0 {
				s.Direction = healthcode.DirectionOut
				s.Subject = benchSubject((k - 3) * 7919 % people)
			}
			if k%50 == 0 {
				s.Verdict, s.Reasons, s.Colour = healthcode.VerdictDeny, []string{healthcode.DenyColour}, healthcode.Yellow
			}
		}
		now = now.Add(time.Second)
		op++
		b.StartTimer()
		dup, err := db.RecordScans(ctx, scans, now)
		if err != nil {
			b.Fatal(err)
		}
		if dup[0] || dup[batch-1] {
			b.Fatal("a new scan reported as a duplicate")
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "scans/s")
}

// BenchmarkRecordScansOnline stores group commits of 64 online scans at
// 20 venues, half of them with a capacity that is checked.
func BenchmarkRecordScansOnline(b *testing.B) {
	const batch, venues, people = 64, 20, 200_000
	db := benchScanDB(b)
	ids := make([]string, venues)
	for i := range ids {
		v := newVenue("venue", healthcode.VenueMall, "330106", (i%2)*1000)
		mustVenue(b, db, v)
		ids[i] = v.ID
	}
	now := venueNow
	scans := make([]*healthcode.Scan, batch)
	for i := range scans {
		scans[i] = &healthcode.Scan{}
	}
	k := 0
	for b.Loop() {
		b.StopTimer()
		for _, s := range scans {
			k++
			*s = healthcode.Scan{VenueID: ids[k%venues], DeviceID: int64(k%100 + 1), Source: healthcode.ScanOnline,
				Direction: healthcode.DirectionIn, Region: homeRegion, Subject: benchSubject(k * 7919 % people),
				PersonID: int64(k%people + 1), Colour: healthcode.Green, Verdict: healthcode.VerdictPass, At: now}
			if k%3 == 0 {
				s.Direction = healthcode.DirectionOut
			}
		}
		now = now.Add(10 * time.Millisecond)
		b.StartTimer()
		if _, err := db.RecordScans(ctx, scans, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "scans/s")
}
