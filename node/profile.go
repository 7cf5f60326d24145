package node

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// validateProfile checks p and normalises it in place: the document number,
// the phone, and for a resident ID the sex and birth date it encodes. Field
// names in errors are the JSON names of the API.
func validateProfile(p *healthcode.Profile, now time.Time) error {
	var fe healthcode.FieldErrors
	p.Name = strings.TrimSpace(p.Name)
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		fe.Add("name", "required")
	case n > 64:
		fe.Add("name", "at most 64 characters")
	case !printable(p.Name):
		fe.Add("name", "must not contain control characters")
	}
	if p.IDType == "" {
		fe.Add("id_type", "required")
	} else if !p.IDType.Valid() {
		fe.Add("id_type", "must be one of resident_id, passport, hk_macao_permit, taiwan_permit, foreign_permanent_resident")
	}
	if strings.TrimSpace(p.IDNumber) == "" {
		fe.Add("id_number", "required")
	} else if p.IDType.Valid() {
		n, err := idnum.ValidateDocument(p.IDType, p.IDNumber, now)
		if err != nil {
			fe.Add("id_number", err.Error())
		} else {
			p.IDNumber = n
		}
	}
	if p.Sex != "" && p.Sex != "male" && p.Sex != "female" {
		fe.Add("sex", "must be male or female")
	}
	if p.BirthDate != "" {
		if d, err := time.Parse("2006-01-02", p.BirthDate); err != nil {
			fe.Add("birth_date", "must be a date YYYY-MM-DD")
		} else if d.After(now) {
			fe.Add("birth_date", "must not be in the future")
		}
	}
	if p.IDType == healthcode.IDResident && fe["id_number"] == "" && p.IDNumber != "" {
		rid, err := idnum.ValidateResidentID(p.IDNumber, now)
		if err == nil {
			if p.Sex != "" && p.Sex != rid.Sex {
				fe.Add("sex", "does not match the resident ID")
			}
			if p.BirthDate != "" && p.BirthDate != rid.BirthDate {
				fe.Add("birth_date", "does not match the resident ID")
			}
			p.Sex, p.BirthDate = rid.Sex, rid.BirthDate
			if p.Nationality == "" {
				p.Nationality = "CHN"
			}
		}
	}
	if p.Nationality != "" && !isUpperAlpha(p.Nationality, 3) {
		fe.Add("nationality", "must be an ISO 3166-1 alpha-3 code such as CHN")
	}
	if p.Phone != "" {
		if n, ok := idnum.ValidPhone(p.Phone); ok {
			p.Phone = n
		} else {
			fe.Add("phone", "must be a mainland mobile number of 11 digits starting with 1")
		}
	}
	for field, code := range map[string]string{"household_division": p.HouseholdDivision, "address_division": p.AddressDivision} {
		if code != "" && !idnum.ValidDivision(code) {
			fe.Add(field, "must be a six-digit GB/T 2260 division code")
		}
	}
	p.Address = strings.TrimSpace(p.Address)
	if utf8.RuneCountInString(p.Address) > 200 {
		fe.Add("address", "at most 200 characters")
	} else if !printable(p.Address) {
		fe.Add("address", "must not contain control characters")
	}
	if len(p.Conditions) > 20 {
		fe.Add("conditions", "at most 20 items")
	}
	for i, c := range p.Conditions {
		c = strings.TrimSpace(c)
		if c == "" || utf8.RuneCountInString(c) > 100 || !printable(c) {
			fe.Add(fmt.Sprintf("conditions[%d]", i), "must be 1 to 100 printable characters")
		}
		p.Conditions[i] = c
	}
	return fe.Err()
}

func printable(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func isUpperAlpha(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
