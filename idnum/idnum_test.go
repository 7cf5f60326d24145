package idnum

import (
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

var now = time.Date(2022, 5, 1, 12, 0, 0, 0, time.UTC)

// withCheck completes 17 digits with their check character, so tests can
// build numbers for any birth date.
func withCheck(digits17 string) string { return digits17 + string(CheckCharacter(digits17)) }

func TestValidateResidentID(t *testing.T) {
	tests := []struct {
		in   string
		want ResidentID
		err  string
	}{
		{"11010519491231002X", ResidentID{"11010519491231002X", "110105", "1949-12-31", "female"}, ""},
		{" 11010519491231002x ", ResidentID{"11010519491231002X", "110105", "1949-12-31", "female"}, ""},
		{withCheck("33010619900307851"), ResidentID{withCheck("33010619900307851"), "330106", "1990-03-07", "male"}, ""},
		{withCheck("82000020000229002"), ResidentID{withCheck("82000020000229002"), "820000", "2000-02-29", "female"}, ""},
		{withCheck("33010620220501001"), ResidentID{withCheck("33010620220501001"), "330106", "2022-05-01", "male"}, ""}, // born today
		{"", ResidentID{}, "must be 18 characters"},
		{"11010519491231002", ResidentID{}, "must be 18 characters"},
		{"11010519491231002XX", ResidentID{}, "must be 18 characters"},
		{"张三010519491231002X", ResidentID{}, "must be 17 digits and a check character"},
		{"1101051949123100XX", ResidentID{}, "must be 17 digits and a check character"},
		{"11010519491231002Y", ResidentID{}, "must be 17 digits and a check character"},
		{withCheck("99010519491231002"), ResidentID{}, "division code is not valid"},
		{withCheck("10010519491231002"), ResidentID{}, "division code is not valid"},
		{withCheck("11010519490231002"), ResidentID{}, "birth date is not a real date"},
		{withCheck("11010520010229002"), ResidentID{}, "birth date is not a real date"},
		{withCheck("11010519491301002"), ResidentID{}, "birth date is not a real date"},
		{withCheck("11010518991231002"), ResidentID{}, "birth date is before 1900"},
		{withCheck("11010520220502002"), ResidentID{}, "birth date is in the future"},
		{"110105194912310021", ResidentID{}, "check character does not match"},
		{"110105194912310020", ResidentID{}, "check character does not match"},
	}
	for _, tt := range tests {
		got, err := ValidateResidentID(tt.in, now)
		if tt.err != "" {
			if healthcode.ErrorCode(err) != healthcode.EINVALID || healthcode.ErrorMessage(err) != tt.err {
				t.Errorf("ValidateResidentID(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateResidentID(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestCheckCharacter(t *testing.T) {
	// Published examples of GB 11643.
	for _, id := range []string{"11010519491231002X", "440524188001010014"} {
		if got := CheckCharacter(id[:17]); got != id[17] {
			t.Errorf("CheckCharacter(%s) = %c, want %c", id[:17], got, id[17])
		}
	}
}

func TestValidateDocument(t *testing.T) {
	tests := []struct {
		typ  healthcode.IDType
		in   string
		want string
		err  string
	}{
		{healthcode.IDResident, "11010519491231002x", "11010519491231002X", ""},
		{healthcode.IDResident, "110105194912310021", "", "check character does not match"},
		{healthcode.IDPassport, " e12345678 ", "E12345678", ""},
		{healthcode.IDPassport, "AB123", "AB123", ""},
		{healthcode.IDPassport, "AB12", "", "must be 5 to 17 letters or digits"},
		{healthcode.IDPassport, "123456789012345678", "", "must be 5 to 17 letters or digits"},
		{healthcode.IDPassport, "E1234-5678", "", "must be 5 to 17 letters or digits"},
		{healthcode.IDHKMacao, "h12345678", "H12345678", ""},
		{healthcode.IDHKMacao, "M1234567890", "M1234567890", ""},
		{healthcode.IDHKMacao, "C12345678", "", "must be H or M followed by 8 or 10 digits"},
		{healthcode.IDHKMacao, "H123456789", "", "must be H or M followed by 8 or 10 digits"},
		{healthcode.IDTaiwan, "12345678", "12345678", ""},
		{healthcode.IDTaiwan, "1234567890", "1234567890", ""},
		{healthcode.IDTaiwan, "123456789", "", "must be 8 or 10 digits"},
		{healthcode.IDTaiwan, "T1234567", "", "must be 8 or 10 digits"},
		{healthcode.IDForeignPR, "usa110079061502", "USA110079061502", ""},
		{healthcode.IDForeignPR, "93384019800101001x", "93384019800101001X", ""},
		{healthcode.IDForeignPR, "833840198001010011", "", "must be 15 letters or digits, or 18 characters starting with 9"},
		{healthcode.IDForeignPR, "USA11007906150", "", "must be 15 letters or digits, or 18 characters starting with 9"},
		{healthcode.IDPassport, "   ", "", "is required"},
		{"driving_licence", "12345678", "", "unknown document type"},
	}
	for _, tt := range tests {
		got, err := ValidateDocument(tt.typ, tt.in, now)
		if tt.err != "" {
			if healthcode.ErrorCode(err) != healthcode.EINVALID || healthcode.ErrorMessage(err) != tt.err {
				t.Errorf("ValidateDocument(%s, %q) error %v, want %q", tt.typ, tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateDocument(%s, %q) = %q, %v; want %q", tt.typ, tt.in, got, err, tt.want)
		}
	}
}

func TestValidPhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13812345678", "13812345678", true},
		{"+86 138 1234 5678", "13812345678", true},
		{"86-138-1234-5678", "13812345678", true},
		{"008613812345678", "13812345678", true},
		{" 199-0000-1111 ", "19900001111", true},
		{"12812345678", "", false},  // no 12x mobile prefix
		{"23812345678", "", false},  // not a mobile number
		{"1381234567", "", false},   // 10 digits
		{"138123456789", "", false}, // 12 digits
		{"8613812345678x", "", false},
		{"138+12345678", "", false},
		{"010-12345678", "", false}, // landline
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ValidPhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ValidPhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestValidDivision(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"330106", true},
		{"110000", true},
		{"650102", true},
		{"710000", true},
		{"820000", true},
		{"160000", false},
		{"720000", false},
		{"000000", false},
		{"33010", false},
		{"3301061", false},
		{"33O106", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidDivision(tt.in); got != tt.want {
			t.Errorf("ValidDivision(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张三丰", "张*丰"},
		{"张三", "张*"},
		{"欧阳娜娜", "欧*娜"},
		{"爱新觉罗·溥仪", "爱*仪"},
		{"张", "*"},
		{" 张 三 ", "张*"},
		{"John Smith", "J*** S****"},
		{"  John   Smith ", "J*** S****"},
		{"Zoë Ølsen", "Z** Ø****"},
		{"J", "J"},
		{"Li Na", "L* N*"},
		{"Anna 李", "A*李"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002X", "11**************2X"},
		{"E12345678", "E1*****78"},
		{"12345", "12*45"},
		{"1234", "****"},
		{"1", "*"},
		{"", ""},
		{"张三李四王", "张三*四王"},
	}
	for _, tt := range tests {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"+86 138 1234 5678", "138****5678"},
		{"12345678", "123*5678"},
		{"1234567", "*******"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
