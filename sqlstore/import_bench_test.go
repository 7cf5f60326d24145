package sqlstore_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
	"github.com/healthcode/healthcode/storetest"
)

// BenchmarkImportTests measures the import path of test results: parse and
// validate CSV, hash the document numbers, store every row in one
// transaction, count pending rows and mark due the statuses of the
// registered people touched. Each op imports a file of 100,000 new rows
// naming 20,000 people, 2,000 of them registered.
func BenchmarkImportTests(b *testing.B) {
	const rows, people, registeredPeople = 100_000, 20_000, 2_000
	db := storetest.MustOpenDB(b)
	ids := make([]string, people)
	for i := range people {
		ids[i] = benchResidentID(i)
	}
	for i := range registeredPeople {
		p, err := db.FindOrCreatePerson(ctx, fmt.Sprintf("138%08d", i), []byte(fmt.Sprintf("subject-%08d", i)), t0)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.SaveProfile(ctx, profileOf(p.ID, ids[i])); err != nil {
			b.Fatal(err)
		}
		if err := db.SaveStatus(ctx, p.ID, &healthcode.Status{EvaluatedAt: t0}); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var file bytes.Buffer
	iter := 0
	for b.Loop() {
		b.StopTimer()
		file.Reset()
		file.WriteString("id,id_number,sampled_at,reported_at,result,method,pooled,lab\n")
		for r := range rows {
			fmt.Fprintf(&file, "b%d-%d,%s,2026-11-19T09:%02d:00+08:00,2026-11-19T20:00:00+08:00,negative,pcr,false,Hangzhou Lab %d\n",
				iter, r, ids[(r*7919)%people], r%60, r%10)
		}
		iter++
		now = now.Add(time.Second)
		b.StartTimer()
		rd, err := importer.NewReader(healthcode.KindTests, healthcode.FormatCSV, bytes.NewReader(file.Bytes()), db.Box().PersonKey, now)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := db.ImportRecords(ctx, rd, now)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Accepted != rows {
			b.Fatalf("summary = %+v", sum)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchResidentID returns a valid resident ID number for sequence i (up to
// a million).
func benchResidentID(i int) string {
	d := fmt.Sprintf("330106%04d%02d%02d%03d", 1950+i%50, 1+i/50%12, 1+i/600%28, i/16800)
	sum, w := 0, 1
	for j := len(d) - 1; j >= 0; j-- {
		w = w * 2 % 11
		sum += int(d[j]-'0') * w
	}
	return d + string("10X98765432"[sum%11])
}
