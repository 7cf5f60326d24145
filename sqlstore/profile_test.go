package sqlstore_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/storetest"
)

func profileOf(personID int64, idNumber string) *healthcode.Profile {
	return &healthcode.Profile{
		PersonID: personID, Name: "张三", IDType: healthcode.IDResident, IDNumber: idNumber,
		Sex: "male", BirthDate: "1949-12-31", Nationality: "CHN", Phone: "13800000001",
		HouseholdDivision: "110105", Address: "西湖区文三路 100 号", AddressDivision: "330106",
		Conditions: []string{"asthma"}, UpdatedAt: t0,
	}
}

func TestProfileRoundTrip(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	_, err := db.FindProfile(ctx, p.ID)
	wantCode(t, err, healthcode.ENOTFOUND)
	_, err = db.PersonKey(ctx, p.ID)
	wantCode(t, err, healthcode.ENOTFOUND)

	want := profileOf(p.ID, "11010519491231002X")
	if err := db.SaveProfile(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindProfile(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want.UpdatedAt = us(t0)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FindProfile =\n%+v\nwant\n%+v", got, want)
	}
	key, err := db.PersonKey(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, storetest.TestBox(t).PersonKey("11010519491231002x")) {
		t.Fatal("PersonKey is not the box's key of the normalised number")
	}

	// Saving again replaces the profile, including the number and its key.
	want.IDNumber, want.Name, want.Conditions = "110105194912310021", "李四", nil
	if err := db.SaveProfile(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err = db.FindProfile(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after update FindProfile =\n%+v\nwant\n%+v", got, want)
	}
	key, _ = db.PersonKey(ctx, p.ID)
	if !bytes.Equal(key, storetest.TestBox(t).PersonKey("110105194912310021")) {
		t.Fatal("PersonKey not updated with the number")
	}
}

func TestProfileIDNumberTakenByAnotherPerson(t *testing.T) {
	db := storetest.MustOpenDB(t)
	a := mustPerson(t, db, "13800000001")
	b := mustPerson(t, db, "13800000002")
	if err := db.SaveProfile(ctx, profileOf(a.ID, "11010519491231002X")); err != nil {
		t.Fatal(err)
	}
	// Same number, differently written.
	err := db.SaveProfile(ctx, profileOf(b.ID, " 11010519491231002x"))
	wantCode(t, err, healthcode.ECONFLICT)
	if msg := healthcode.ErrorMessage(err); msg != "id_number: already registered to another account" {
		t.Fatalf("message = %q", msg)
	}
	if f := healthcode.ErrorFields(err); f["id_number"] != "already registered to another account" {
		t.Fatalf("fields = %v", f)
	}
	if _, err := db.FindProfile(ctx, b.ID); healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		t.Fatalf("the refused profile was stored: %v", err)
	}
	// The owner may save their own number again.
	if err := db.SaveProfile(ctx, profileOf(a.ID, "11010519491231002X")); err != nil {
		t.Fatal(err)
	}
}

func TestProfileOfUnknownPerson(t *testing.T) {
	db := storetest.MustOpenDB(t)
	wantCode(t, db.SaveProfile(ctx, profileOf(12345, "X1")), healthcode.ENOTFOUND)
}

func TestProfilePersonalColumnsAreSealed(t *testing.T) {
	db := storetest.MustOpenDB(t)
	p := mustPerson(t, db, "13800000001")
	pr := profileOf(p.ID, "11010519491231002X")
	if err := db.SaveProfile(ctx, pr); err != nil {
		t.Fatal(err)
	}
	pr.Phone = "13800000001"
	if err := db.SaveProfile(ctx, pr); err != nil {
		t.Fatal(err)
	}
	var idNumber, name, address, key, phone []byte
	if err := db.SQL().QueryRowContext(ctx, `SELECT id_number, name, address, person_key, phone FROM profiles WHERE person_id = $1`, p.ID).
		Scan(&idNumber, &name, &address, &key, &phone); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		column string
		raw    []byte
		plain  string
	}{{"id_number", idNumber, pr.IDNumber}, {"name", name, pr.Name}, {"address", address, pr.Address}, {"person_key", key, pr.IDNumber}, {"phone", phone, pr.Phone}} {
		if len(c.raw) == 0 || bytes.Contains(c.raw, []byte(c.plain)) {
			t.Errorf("column %s holds the plaintext %q: %q", c.column, c.plain, c.raw)
		}
	}
	// Nothing in the row reads as the number in any column.
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM profiles WHERE id_type = $1 OR sex = $1 OR birth_date = $1
		OR nationality = $1 OR household_division = $1 OR address_division = $1 OR conditions LIKE '%' || $1 || '%'`,
		pr.IDNumber).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("the document number appears in a plain column")
	}
}
