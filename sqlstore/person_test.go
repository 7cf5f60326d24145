package sqlstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

var ctx = context.Background()

// t0 is a fixed instant with sub-microsecond noise, to show that times
// come back at microsecond precision in UTC.
var t0 = time.Date(2022, 4, 1, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600))

func us(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := healthcode.ErrorCode(err); got != code {
		t.Fatalf("err = %v, want code %q", err, code)
	}
}

func mustPerson(t testing.TB, db interface {
	FindOrCreatePerson(context.Context, string, []byte, time.Time) (*healthcode.Person, error)
}, phone string) *healthcode.Person {
	t.Helper()
	p, err := db.FindOrCreatePerson(ctx, phone, bytes.Repeat([]byte(phone[len(phone)-1:]), 16), t0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindOrCreatePerson(t *testing.T) {
	db := storetest.MustOpenDB(t)
	subject := bytes.Repeat([]byte{9}, 16)
	p, err := db.FindOrCreatePerson(ctx, "13800000001", subject, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.Phone != "13800000001" || !bytes.Equal(p.Subject, subject) || !p.CreatedAt.Equal(us(t0)) || p.CreatedAt.Location() != time.UTC {
		t.Fatalf("created %+v", p)
	}
	// A second call finds the same person and keeps the first subject.
	again, err := db.FindOrCreatePerson(ctx, "13800000001", bytes.Repeat([]byte{7}, 16), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != p.ID || !bytes.Equal(again.Subject, subject) {
		t.Fatalf("second call = %+v, want %+v", again, p)
	}
	found, err := db.FindPerson(ctx, p.ID)
	if err != nil || found.Phone != p.Phone {
		t.Fatalf("FindPerson = %+v, %v", found, err)
	}
	_, err = db.FindPerson(ctx, p.ID+1000)
	wantCode(t, err, healthcode.ENOTFOUND)

	// Subjects are unique pseudonyms.
	_, err = db.FindOrCreatePerson(ctx, "13800000002", subject, t0)
	wantCode(t, err, healthcode.ECONFLICT)
}

func TestFindOrCreatePersonConcurrent(t *testing.T) {
	db := storetest.MustOpenDB(t)
	const n = 10
	ids := make(chan int64, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			p, err := db.FindOrCreatePerson(ctx, "13800000009", []byte{byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, t0)
			if err != nil {
				errs <- err
				return
			}
			ids <- p.ID
		}(i)
	}
	var first int64
	for i := 0; i < n; i++ {
		select {
		case err := <-errs:
			t.Fatal(err)
		case id := <-ids:
			if first == 0 {
				first = id
			} else if id != first {
				t.Fatalf("two people for one phone: %d and %d", first, id)
			}
		}
	}
}

// TestPhoneNumbersAreNotStoredInTheClear: people and one-time passwords
// are found by a keyed hash of the phone; the number itself is sealed.
func TestPhoneNumbersAreNotStoredInTheClear(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	if err := db.UpdateOTP(ctx, "13800000001", func(o *healthcode.OTP) error { o.Attempts = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	var hash, sealed, otpKey []byte
	if err := db.SQL().QueryRowContext(ctx, `SELECT phone_hash, phone FROM persons WHERE id = $1`, p.ID).Scan(&hash, &sealed); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT phone_hash FROM otps`).Scan(&otpKey); err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string][]byte{"persons.phone_hash": hash, "persons.phone": sealed, "otps.phone_hash": otpKey} {
		if len(raw) == 0 || bytes.Contains(raw, []byte("13800000001")) {
			t.Errorf("%s holds the phone number: %q", name, raw)
		}
	}
	if got, err := db.FindPerson(ctx, p.ID); err != nil || got.Phone != "13800000001" {
		t.Fatalf("FindPerson = %+v, %v; want the phone opened", got, err)
	}
}
