package healthcode

import "time"

// Person is one citizen account, found by phone number.
type Person struct {
	ID    int64
	Phone string
	// Subject is the 16-byte pseudonym that goes into codes ("s"); it carries
	// no identity by itself.
	Subject   []byte
	CreatedAt time.Time
}

// IDType is a document type of GB/T 38962.
type IDType string

const (
	IDResident  IDType = "resident_id"                // 居民身份证
	IDPassport  IDType = "passport"                   // 护照
	IDHKMacao   IDType = "hk_macao_permit"            // 港澳居民来往内地通行证
	IDTaiwan    IDType = "taiwan_permit"              // 台湾居民来往大陆通行证
	IDForeignPR IDType = "foreign_permanent_resident" // 外国人永久居留身份证
)

// IDTypes lists every accepted document type.
var IDTypes = []IDType{IDResident, IDPassport, IDHKMacao, IDTaiwan, IDForeignPR}

// Valid reports whether t is a known document type.
func (t IDType) Valid() bool {
	for _, v := range IDTypes {
		if t == v {
			return true
		}
	}
	return false
}

// Identity is who a person is on their document, the part of the profile
// a listing of many people names them by; plain in memory only, shown
// masked.
type Identity struct {
	PersonID int64
	Name     string
	IDType   IDType
	IDNumber string
}

// Profile holds the personal data elements of GB/T 38962. IDNumber is plain
// text in memory only: the store keeps it encrypted and finds it by a keyed
// hash (PersonKey).
type Profile struct {
	PersonID          int64
	Name              string
	IDType            IDType
	IDNumber          string
	Sex               string // "male", "female" or ""; derived from a resident ID
	BirthDate         string // YYYY-MM-DD; derived from a resident ID
	Nationality       string // ISO 3166-1 alpha-3, e.g. "CHN"
	Phone             string
	HouseholdDivision string   // GB/T 2260 six-digit code of the household register
	Address           string   // current address
	AddressDivision   string   // GB/T 2260 six-digit code of the current address
	Conditions        []string // underlying conditions, free text items
	UpdatedAt         time.Time
}
