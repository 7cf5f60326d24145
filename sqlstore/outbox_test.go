package sqlstore_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/importer"
	"github.com/healthcode/healthcode/sqlstore"
	"github.com/healthcode/healthcode/storetest"
)

// outboxRecord is a contacts record queued for to.
func outboxRecord(to, id string) *healthcode.OutboxRecord {
	full := "CN-330100/" + id
	row, _ := json.Marshal(map[string]string{"record_kind": "contacts", "id": full, "subject": strings.Repeat("ab", 16),
		"degree": "close", "last_exposure": "2026-11-19T08:00:00Z"})
	return &healthcode.OutboxRecord{To: to, Kind: healthcode.KindContacts, ID: full, Row: row}
}

func mustQueue(t *testing.T, db *sqlstore.DB, recs ...*healthcode.OutboxRecord) int {
	t.Helper()
	n, err := db.QueueOutbox(ctx, recs, t0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustUnsent(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	n, err := db.OutboxUnsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOutboxQueue: a record is queued once by kind and id, whatever is
// queued again under them; its body is sealed at rest.
func TestOutboxQueue(t *testing.T) {
	db := storetest.MustOpenDB(t)
	a, b := outboxRecord("CN-440100", "a"), outboxRecord("CN-440100", "b")
	if n := mustQueue(t, db, a, b); n != 2 {
		t.Fatalf("queued %d, want 2", n)
	}
	changed := outboxRecord("CN-110100", "a")
	tests := *outboxRecord("CN-440100", "a")
	tests.Kind = healthcode.KindTests // the same id in another kind is another record
	if n := mustQueue(t, db, a, changed, &tests); n != 1 {
		t.Fatalf("queued again: %d new, want 1", n)
	}
	regions, err := db.OutboxRegions(ctx)
	if err != nil || len(regions) != 1 || regions[0] != "CN-440100" {
		t.Fatalf("regions %v, %v", regions, err)
	}
	recs, err := db.UnpackedOutbox(ctx, "CN-440100", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].ID != a.ID || recs[1].ID != b.ID || recs[2].Kind != healthcode.KindTests ||
		!bytes.Equal(recs[0].Row, a.Row) || !recs[0].CreatedAt.Equal(us(t0)) || recs[0].Seq >= recs[1].Seq {
		t.Fatalf("unpacked %+v", recs)
	}
	if n := mustUnsent(t, db); n != 3 {
		t.Errorf("unsent %d, want 3", n)
	}
	var body []byte
	if err := db.SQL().QueryRowContext(ctx, `SELECT body FROM outbox WHERE record_id = $1 AND kind = 'contacts'`, a.ID).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte("close")) {
		t.Error("the body is stored in the clear")
	}
}

// TestOutboxPack: packing stores the batch on its records in one go; a
// batch not sent comes back as it was, the same id and body, until it is
// marked sent; records packed by one sender cannot be packed by another.
func TestOutboxPack(t *testing.T) {
	db := storetest.MustOpenDB(t)
	for i := range 5 {
		mustQueue(t, db, outboxRecord("CN-440100", fmt.Sprint("r", i)))
	}
	mustQueue(t, db, outboxRecord("CN-110100", "x"))
	recs, err := db.UnpackedOutbox(ctx, "CN-440100", 3)
	if err != nil || len(recs) != 3 {
		t.Fatalf("unpacked %d, %v", len(recs), err)
	}
	seqs := []int64{recs[0].Seq, recs[1].Seq, recs[2].Seq}
	b := &healthcode.OutboxBatch{ID: strings.Repeat("1", 32), To: "CN-440100", Signed: "eyJ.signed.body", Records: 3, CreatedAt: t0}
	if err := db.PackOutbox(ctx, b, seqs); err != nil {
		t.Fatal(err)
	}
	other := &healthcode.OutboxBatch{ID: strings.Repeat("2", 32), To: "CN-440100", Signed: "other", Records: 2, CreatedAt: t0}
	wantCode(t, db.PackOutbox(ctx, other, seqs[1:]), healthcode.ECONFLICT)
	rest, err := db.UnpackedOutbox(ctx, "CN-440100", 10)
	if err != nil || len(rest) != 2 || rest[0].ID != "CN-330100/r3" {
		t.Fatalf("unpacked after packing %+v, %v", rest, err)
	}
	if n := mustUnsent(t, db); n != 6 {
		t.Errorf("unsent %d, want 6 (packed ones count until sent)", n)
	}

	// As after a crash: the batch is read back whole.
	for range 2 {
		unsent, err := db.UnsentOutboxBatches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(unsent) != 1 || unsent[0].ID != b.ID || unsent[0].Signed != b.Signed || unsent[0].To != b.To ||
			unsent[0].Records != 3 || !unsent[0].CreatedAt.Equal(us(t0)) {
			t.Fatalf("unsent batches %+v", unsent)
		}
	}
	var signed []byte
	if err := db.SQL().QueryRowContext(ctx, `SELECT signed FROM outbox_batches`).Scan(&signed); err != nil || bytes.Contains(signed, []byte("signed")) {
		t.Errorf("batch body stored in the clear (%v)", err)
	}

	sentAt := t0.Add(time.Minute)
	if err := db.MarkOutboxSent(ctx, b.ID, sentAt); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkOutboxSent(ctx, b.ID, sentAt.Add(time.Hour)); err != nil { // a second sender's 200
		t.Fatal(err)
	}
	wantCode(t, db.MarkOutboxSent(ctx, strings.Repeat("9", 32), sentAt), healthcode.ENOTFOUND)
	if unsent, err := db.UnsentOutboxBatches(ctx); err != nil || len(unsent) != 0 {
		t.Fatalf("unsent after sending %+v, %v", unsent, err)
	}
	if n := mustUnsent(t, db); n != 3 {
		t.Errorf("unsent %d, want 3", n)
	}
	var sent, batchSent int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM outbox o JOIN outbox_batches b ON b.id = o.batch_id WHERE o.batch_id = $1 AND b.sent_at = $2`, b.ID, sentAt.UnixMicro()).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT sent_at FROM outbox_batches WHERE id = $1`, b.ID).Scan(&batchSent); err != nil {
		t.Fatal(err)
	}
	if sent != 3 || batchSent != sentAt.UnixMicro() {
		t.Errorf("records sent %d, batch sent at %d; want 3 at the first mark", sent, batchSent)
	}
	// A sent record queued again stays sent and queues nothing.
	if n := mustQueue(t, db, outboxRecord("CN-440100", "r0")); n != 0 {
		t.Errorf("queued a sent record again")
	}
}

// TestOutboxPackRace: two senders packing the same records at once; one
// wins, the other packs nothing.
func TestOutboxPackRace(t *testing.T) {
	db := storetest.MustOpenDB(t)
	for i := range 50 {
		mustQueue(t, db, outboxRecord("CN-440100", fmt.Sprint("r", i)))
	}
	recs, err := db.UnpackedOutbox(ctx, "CN-440100", 50)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, r := range recs {
		seqs = append(seqs, r.Seq)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			b := &healthcode.OutboxBatch{ID: strings.Repeat(fmt.Sprint(i+1), 32), To: "CN-440100", Signed: "s", Records: len(seqs), CreatedAt: t0}
			errs[i] = db.PackOutbox(ctx, b, seqs)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch healthcode.ErrorCode(err) {
		case "":
			won++
		case healthcode.ECONFLICT:
		default:
			t.Fatal(err)
		}
	}
	if unsent, err := db.UnsentOutboxBatches(ctx); won != 1 || err != nil || len(unsent) != 1 {
		t.Fatalf("%d packed, %d batches stored (%v)", won, len(unsent), err)
	}
}

// TestImportForwards: the rows of an import naming another home region
// are queued for it, in the import, and stored nowhere else; imported
// again they are duplicates, and changed they are refused.
func TestImportForwards(t *testing.T) {
	db := storetest.MustOpenDB(t)
	id := registered(t, db, "13800000001", residentID(1))
	data := "id,id_number,sampled_at,result,home_region\n" +
		"t1," + residentID(1) + ",2026-11-19,positive,CN-330100\n" +
		"t2," + residentID(1) + ",2026-11-19,positive,CN-440100\n" +
		"t3," + residentID(2) + ",2026-11-19,negative,CN-440100\n" +
		"t4," + residentID(3) + ",2026-11-19,negative,CN-110100\n"
	now := importNow
	read := func(data string) *healthcode.ImportSummary {
		t.Helper()
		// Each import a minute later: a row stored at the import's own
		// time counts as its own.
		now = now.Add(time.Minute)
		rd, err := importer.NewReader(healthcode.KindTests, healthcode.FormatCSV, strings.NewReader(data), db.Box().PersonKey, now)
		if err != nil {
			t.Fatal(err)
		}
		rd.SetRegion("CN-330100")
		sum, err := db.ImportRecords(ctx, rd, now)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	sum := read(data)
	if sum.Accepted != 1 || sum.Forwarded != 3 || sum.Duplicate != 0 || sum.Rejected != 0 || sum.Pending != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := countRows(t, db, "tests"); n != 1 {
		t.Errorf("%d tests stored, want only the one of this region", n)
	}
	if due := dueAt(t, db, id); due != now.UnixMicro() {
		t.Errorf("the local row's person is due at %d", due)
	}
	recs, err := db.UnpackedOutbox(ctx, "CN-440100", 10)
	if err != nil || len(recs) != 2 || recs[0].ID != "CN-330100/t2" || recs[1].ID != "CN-330100/t3" || recs[0].Kind != healthcode.KindTests {
		t.Fatalf("queued for CN-440100: %+v, %v", recs, err)
	}
	var row map[string]string
	if err := json.Unmarshal(recs[0].Row, &row); err != nil || row["id_number"] != residentID(1) || row["home_region"] != "" {
		t.Errorf("queued row %s (%v)", recs[0].Row, err)
	}

	sum = read(data)
	if sum.Accepted != 0 || sum.Forwarded != 0 || sum.Duplicate != 4 || sum.Rejected != 0 {
		t.Errorf("imported again: %+v", sum)
	}
	sum = read("id,id_number,sampled_at,result,home_region\n" +
		"t2," + residentID(1) + ",2026-11-19,negative,CN-440100\n" +
		"t4," + residentID(3) + ",2026-11-19,negative,CN-440100\n")
	if sum.Rejected != 2 || sum.Forwarded != 0 || sum.Errors[0].Line != 2 || sum.Errors[0].Field != "id" || sum.Errors[1].ID != "t4" {
		t.Errorf("changed rows: %+v", sum)
	}
	if n := mustUnsent(t, db); n != 3 {
		t.Errorf("unsent %d, want 3", n)
	}

	// A file refused whole queues nothing.
	rd, err := importer.NewReader(healthcode.KindTests, healthcode.FormatCSV, strings.NewReader(
		"id,id_number,sampled_at,result,home_region\nt9,"+residentID(4)+",2026-11-19,negative,CN-440100\nt10,\"x\n"), db.Box().PersonKey, importNow)
	if err != nil {
		t.Fatal(err)
	}
	rd.SetRegion("CN-330100")
	if _, err := db.ImportRecords(ctx, rd, importNow); err == nil {
		t.Fatal("a broken file was imported")
	}
	if n := mustUnsent(t, db); n != 3 {
		t.Errorf("unsent %d after a refused file, want 3", n)
	}
}
