package sqlstore_test

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func readOTP(t *testing.T, db healthcode.OTPStore, phone string) healthcode.OTP {
	t.Helper()
	var got healthcode.OTP
	if err := db.UpdateOTP(ctx, phone, func(o *healthcode.OTP) error { got = *o; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestUpdateOTPRoundTrip(t *testing.T) {
	db := storetest.MustOpenDB(t)
	if got := readOTP(t, db, "13800000001"); !reflect.DeepEqual(got, healthcode.OTP{Phone: "13800000001"}) {
		t.Fatalf("first read = %+v, want zero state with the phone", got)
	}
	want := healthcode.OTP{
		Phone: "13800000001", CodeHash: []byte{1, 2, 3}, ExpiresAt: us(t0.Add(5 * time.Minute)), Attempts: 2,
		LockedUntil: us(t0.Add(time.Hour)), SentAt: us(t0), SendCount: 3, WindowStart: us(t0.Add(-time.Minute)),
	}
	if err := db.UpdateOTP(ctx, "13800000001", func(o *healthcode.OTP) error { *o = want; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := readOTP(t, db, "13800000001"); !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %+v, want %+v", got, want)
	}
	if got := readOTP(t, db, "13800000002"); got.Attempts != 0 || got.CodeHash != nil {
		t.Fatalf("another phone shares state: %+v", got)
	}
}

func TestUpdateOTPErrorWritesNothing(t *testing.T) {
	db := storetest.MustOpenDB(t)
	boom := errors.New("boom")
	err := db.UpdateOTP(ctx, "13800000001", func(o *healthcode.OTP) error { o.Attempts = 5; return boom })
	if err != boom {
		t.Fatalf("err = %v, want fn's error", err)
	}
	if got := readOTP(t, db, "13800000001"); got.Attempts != 0 {
		t.Fatalf("Attempts = %d after a failed fn, want 0", got.Attempts)
	}
}

func TestUpdateOTPKeepErrorWritesAndFails(t *testing.T) {
	db := storetest.MustOpenDB(t)
	wrong := healthcode.Errorf(healthcode.EUNAUTHORIZED, "wrong password")
	err := db.UpdateOTP(ctx, "13800000001", func(o *healthcode.OTP) error {
		o.Attempts++
		return &healthcode.KeepError{Err: wrong}
	})
	if err != error(wrong) {
		t.Fatalf("err = %v, want the kept error", err)
	}
	if got := readOTP(t, db, "13800000001"); got.Attempts != 1 {
		t.Fatalf("Attempts = %d, want 1 written despite the error", got.Attempts)
	}
}

func TestUpdateOTPIsAtomic(t *testing.T) {
	db := storetest.MustOpenDB(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.UpdateOTP(ctx, "13800000001", func(o *healthcode.OTP) error {
				a := o.Attempts
				time.Sleep(time.Millisecond) // widen the window a lost update would need
				o.Attempts = a + 1
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := readOTP(t, db, "13800000001"); got.Attempts != n {
		t.Fatalf("Attempts = %d after %d concurrent increments", got.Attempts, n)
	}
}
