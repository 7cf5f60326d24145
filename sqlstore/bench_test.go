package sqlstore_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

// BenchmarkIssueCodeReads measures the store reads behind every issued code:
// resolve the session, then read the stored status. 1000 people with a
// session and a status each; each op picks the next person.
func BenchmarkIssueCodeReads(b *testing.B) {
	db := storetest.MustOpenDB(b)
	const people = 1000
	hashes := make([][]byte, people)
	ids := make([]int64, people)
	for i := range people {
		p, err := db.FindOrCreatePerson(ctx, fmt.Sprintf("138%08d", i), []byte(fmt.Sprintf("subject-%08d", i)), t0)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.Sum256([]byte(fmt.Sprint("token", i)))
		hashes[i], ids[i] = h[:], p.ID
		if err := db.CreateSession(ctx, &healthcode.Session{TokenHash: h[:], PersonID: p.ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
		st := &healthcode.Status{Colour: healthcode.Green, Reasons: []healthcode.Reason{{Code: "none", TextZH: "无", TextEN: "none", Since: t0}},
			Since: t0, ReevaluateAt: t0.Add(7 * 24 * time.Hour), Doses: 3, PolicyVersion: "v1", EvaluatedAt: t0, Declared: true}
		if err := db.SaveStatus(ctx, p.ID, st); err != nil {
			b.Fatal(err)
		}
	}
	now := t0.Add(time.Hour)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i = (i + 7) % people
			s, err := db.FindSession(ctx, hashes[i], now)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := db.FindStatus(ctx, s.PersonID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
