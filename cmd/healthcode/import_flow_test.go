package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestImportTurnsACitizenRed walks issue 3's import items through the API a
// lab uses: a positive test turns a registered green citizen red (status
// and next code), the same file again changes nothing and says so, bad rows
// are named by line while the good ones land, and a test for somebody not
// yet registered applies when they register.
func TestImportTurnsACitizenRed(t *testing.T) {
	n := startServe(t)
	lab := n.token(t, "--role", "provider", "--kind", "tests", "--name", "lab")
	citizen := n.signIn(t, "13800138000")
	call(t, "PUT", n.api+"/me/profile", citizen, `{"name":"张三丰","id_type":"resident_id","id_number":"11010519491231002X"}`, 200, nil)
	call(t, "POST", n.api+"/me/declarations", citizen, `{"case_contact":"no"}`, 201, nil)

	sampled := time.Now().Add(-6 * time.Hour).Format(time.RFC3339)
	reported := time.Now().Add(-time.Hour).Format(time.RFC3339)
	file := "id,id_number,sampled_at,reported_at,result,lab\n" +
		"t-1,11010519491231002X," + sampled + "," + reported + ",positive,City Lab\n"
	status, out := request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(file))
	if status != 200 || out["accepted"] != 1.0 {
		t.Fatalf("import: %d %v", status, out)
	}
	var st struct {
		Colour  string
		Reasons []struct{ Code string }
	}
	call(t, "GET", n.api+"/me/status", citizen, "", 200, &st)
	if st.Colour != "red" || len(st.Reasons) == 0 || st.Reasons[0].Code != "positive_test" {
		t.Fatalf("status after a positive test = %+v, want red for positive_test", st)
	}
	var code struct{ Code, Colour string }
	call(t, "GET", n.api+"/me/code", citizen, "", 200, &code)
	if v, _ := verifyCLI(t, "--trust", n.api+"/trust", code.Code); v["colour"] != "red" {
		t.Fatalf("next code verifies as %v, want red", v)
	}

	// The same file again: all duplicate, nothing changes.
	status, out = request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(file))
	if status != 200 || out["duplicate"] != 1.0 || out["accepted"] != 0.0 {
		t.Fatalf("second import: %d %v, want one duplicate", status, out)
	}

	// 100 rows, 3 bad: 97 land, the 3 are named by line.
	var b strings.Builder
	b.WriteString("id,id_number,sampled_at,reported_at,result,lab\n")
	bad := map[int]string{20: "maybe", 51: "x", 90: "neg"}
	for i := 0; i < 100; i++ {
		result := "negative"
		if r, ok := bad[i]; ok {
			result = r
		}
		// Valid resident IDs of people who have not registered: pending.
		fmt.Fprintf(&b, "bulk-%d,%s,%s,%s,%s,City Lab\n", i, residentID(i), sampled, reported, result)
	}
	status, out = request(t, "POST", n.api+"/records/tests", lab, "text/csv", []byte(b.String()))
	if status != 200 || out["accepted"] != 97.0 || out["rejected"] != 3.0 {
		t.Fatalf("100 rows with 3 bad: %d %v", status, out)
	}
	errs, _ := out["errors"].([]any)
	var lines []float64
	for _, e := range errs {
		lines = append(lines, e.(map[string]any)["line"].(float64))
	}
	if fmt.Sprint(lines) != "[22 53 92]" {
		t.Fatalf("rejected lines %v, want [22 53 92] (header is line 1)", lines)
	}

	// Somebody named in that file registers: their (negative) test applies.
	later := n.signIn(t, "13900139000")
	call(t, "PUT", n.api+"/me/profile", later, `{"name":"李四","id_type":"resident_id","id_number":"`+residentID(0)+`"}`, 200, nil)
	call(t, "POST", n.api+"/me/declarations", later, `{"case_contact":"no"}`, 201, nil)
	var st2 struct {
		LatestTest *struct{ Result string } `json:"latest_test"`
	}
	call(t, "GET", n.api+"/me/status", later, "", 200, &st2)
	if st2.LatestTest == nil || st2.LatestTest.Result != "negative" {
		t.Fatalf("status of the later registrant = %+v, want their imported negative test", st2)
	}

	// A lab may only send its own kind.
	if status, out := request(t, "POST", n.api+"/records/vaccinations", lab, "text/csv", []byte("id\n")); status != 403 {
		t.Fatalf("a tests lab sending vaccinations: %d %v, want 403", status, out)
	}
}

// residentID returns a valid resident ID number, different for each i.
func residentID(i int) string {
	base := fmt.Sprintf("3301061990%02d%02d%03d", 1+i%12, 1+i%28, i%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k, c := range base {
		sum += int(c-'0') * weights[k]
	}
	return base + string("10X98765432"[sum%11])
}
