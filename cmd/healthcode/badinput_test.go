package main

import (
	"strings"
	"testing"
)

// TestBadInput walks bad requests across the endpoints: each gets the right
// status and error code, names the offending field, and stores nothing.
func TestBadInput(t *testing.T) {
	n := startServe(t)
	citizen := n.signIn(t, "13800138000")
	staff := n.token(t, "--role", "health", "--name", "cdc")
	big := []byte(`{"phone":"` + strings.Repeat("1", 70<<10) + `"}`)
	profile := func(extra string) []byte {
		return []byte(`{"name":"张三丰","id_type":"resident_id","id_number":"11010519491231002X"` + extra + `}`)
	}
	declare := func(extra string) []byte { return []byte(`{"case_contact":"no"` + extra + `}`) }

	cases := []struct {
		name, method, path, token string
		body                      []byte
		status                    int
		code, field               string
	}{
		{"otp: no phone", "POST", "/api/v1/auth/otp", "", []byte(`{}`), 400, "invalid", "phone"},
		{"otp: short phone", "POST", "/api/v1/auth/otp", "", []byte(`{"phone":"12345"}`), 400, "invalid", "phone"},
		{"otp: phone as number", "POST", "/api/v1/auth/otp", "", []byte(`{"phone":13800138000}`), 400, "invalid", "phone"},
		{"otp: unknown field", "POST", "/api/v1/auth/otp", "", []byte(`{"phone":"13800138001","email":"a@b"}`), 400, "invalid", "email"},
		{"otp: malformed JSON", "POST", "/api/v1/auth/otp", "", []byte(`{"phone":`), 400, "invalid", ""},
		{"otp: trailing data", "POST", "/api/v1/auth/otp", "", []byte(`{"phone":"13800138001"} {}`), 400, "invalid", ""},
		{"otp: empty body", "POST", "/api/v1/auth/otp", "", []byte(``), 400, "invalid", ""},
		{"otp: body over 64 KiB", "POST", "/api/v1/auth/otp", "", big, 413, "too_large", ""},
		{"session: short otp", "POST", "/api/v1/auth/session", "", []byte(`{"phone":"13800138000","otp":"12"}`), 400, "invalid", "otp"},
		{"session: letters in otp", "POST", "/api/v1/auth/session", "", []byte(`{"phone":"13800138000","otp":"abcdef"}`), 400, "invalid", "otp"},
		{"session: bad phone", "POST", "/api/v1/auth/session", "", []byte(`{"phone":"x","otp":"123456"}`), 400, "invalid", "phone"},
		{"session: wrong otp", "POST", "/api/v1/auth/session", "", []byte(`{"phone":"13700137000","otp":"123456"}`), 401, "unauthorized", ""},
		{"profile: no token", "PUT", "/api/v1/me/profile", "", profile(""), 401, "unauthorized", ""},
		{"profile: garbage token", "PUT", "/api/v1/me/profile", "hcs_nonsense", profile(""), 401, "unauthorized", ""},
		{"profile: staff token", "PUT", "/api/v1/me/profile", staff, profile(""), 403, "forbidden", ""},
		{"profile: empty", "PUT", "/api/v1/me/profile", citizen, []byte(`{}`), 400, "invalid", "id_number"},
		{"profile: no name", "PUT", "/api/v1/me/profile", citizen, []byte(`{"id_type":"resident_id","id_number":"11010519491231002X"}`), 400, "invalid", "name"},
		{"profile: unknown id type", "PUT", "/api/v1/me/profile", citizen, []byte(`{"name":"张三","id_type":"library_card","id_number":"1"}`), 400, "invalid", "id_type"},
		{"profile: check character", "PUT", "/api/v1/me/profile", citizen, []byte(`{"name":"张三","id_type":"resident_id","id_number":"110105194912310021"}`), 400, "invalid", "id_number"},
		{"profile: 17 characters", "PUT", "/api/v1/me/profile", citizen, []byte(`{"name":"张三","id_type":"resident_id","id_number":"11010519491231002"}`), 400, "invalid", "id_number"},
		{"profile: no such date", "PUT", "/api/v1/me/profile", citizen, []byte(`{"name":"张三","id_type":"resident_id","id_number":"110105194902300025"}`), 400, "invalid", "id_number"},
		{"profile: bad passport", "PUT", "/api/v1/me/profile", citizen, []byte(`{"name":"John Smith","id_type":"passport","id_number":"E1"}`), 400, "invalid", "id_number"},
		{"profile: sex", "PUT", "/api/v1/me/profile", citizen, profile(`,"sex":"x"`), 400, "invalid", "sex"},
		{"profile: birth date", "PUT", "/api/v1/me/profile", citizen, profile(`,"birth_date":"1949-13-01"`), 400, "invalid", "birth_date"},
		{"profile: division", "PUT", "/api/v1/me/profile", citizen, profile(`,"household_division":"12"`), 400, "invalid", "household_division"},
		{"profile: nationality", "PUT", "/api/v1/me/profile", citizen, profile(`,"nationality":"zz"`), 400, "invalid", "nationality"},
		{"profile: conditions type", "PUT", "/api/v1/me/profile", citizen, profile(`,"conditions":"asthma"`), 400, "invalid", "conditions"},
		{"profile: name too long", "PUT", "/api/v1/me/profile", citizen, []byte(`{"name":"` + strings.Repeat("张", 65) + `","id_type":"resident_id","id_number":"11010519491231002X"}`), 400, "invalid", "name"},
		{"declare: no contact answer", "POST", "/api/v1/me/declarations", citizen, []byte(`{}`), 400, "invalid", "case_contact"},
		{"declare: temperature type", "POST", "/api/v1/me/declarations", citizen, declare(`,"temperature":"hot"`), 400, "invalid", "temperature"},
		{"declare: temperature range", "POST", "/api/v1/me/declarations", citizen, declare(`,"temperature":50`), 400, "invalid", "temperature"},
		{"declare: unknown symptom", "POST", "/api/v1/me/declarations", citizen, declare(`,"symptoms":["sneezing"]`), 400, "invalid", "symptoms[0]"},
		{"declare: bad date", "POST", "/api/v1/me/declarations", citizen, declare(`,"places":[{"division":"330106","from":"yesterday","to":"2026-11-25"}]`), 400, "invalid", "places[0].from"},
		{"declare: bad place", "POST", "/api/v1/me/declarations", citizen, declare(`,"places":[{"division":"abc","from":"2026-11-24","to":"2026-11-25"}]`), 400, "invalid", "places[0].division"},
		{"declare: contact answer", "POST", "/api/v1/me/declarations", citizen, []byte(`{"case_contact":"maybe"}`), 400, "invalid", "case_contact"},
		{"declare: staff token", "POST", "/api/v1/me/declarations", staff, declare(""), 403, "forbidden", ""},
		{"declarations: limit 0", "GET", "/api/v1/me/declarations?limit=0", citizen, nil, 400, "invalid", "limit"},
		{"declarations: limit text", "GET", "/api/v1/me/declarations?limit=ten", citizen, nil, 400, "invalid", "limit"},
		{"code: before profile", "GET", "/api/v1/me/code", citizen, nil, 404, "not_found", ""},
		{"code.png: size", "GET", "/api/v1/me/code.png?size=500", citizen, nil, 400, "invalid", "size"},
		{"status: no token", "GET", "/api/v1/me/status", "", nil, 401, "unauthorized", ""},
		{"sign out: no token", "DELETE", "/api/v1/auth/session", "", nil, 401, "unauthorized", ""},
		{"unknown route", "GET", "/api/v1/nothing", "", nil, 404, "not_found", ""},
		{"wrong method", "DELETE", "/api/v1/trust", "", nil, 405, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := request(t, tc.method, n.base+tc.path, tc.token, "", tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, out)
			}
			code, fields := errorOf(out)
			if tc.code != "" && code != tc.code {
				t.Fatalf("error code %q, want %q: %v", code, tc.code, out)
			}
			if tc.field != "" {
				if r, _ := fields[tc.field].(string); r == "" {
					t.Fatalf("no reason under field %q: %v", tc.field, out)
				}
			}
		})
	}
	// Nothing of the refused requests was stored.
	if status, _ := request(t, "GET", n.api+"/me/profile", citizen, "", nil); status != 404 {
		t.Errorf("profile after refusals: %d, want 404", status)
	}
	status, out := request(t, "GET", n.api+"/me/declarations", citizen, "", nil)
	if ds, _ := out["declarations"].([]any); status != 200 || len(ds) != 0 {
		t.Errorf("declarations after refusals: %d %v, want none", status, out)
	}
}
