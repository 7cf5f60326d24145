package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/sqlstore"
)

// addOwnRecords stores a record of each kind for the person with idNumber,
// and a positive test of somebody else, which "my records" never shows.
func addOwnRecords(t testing.TB, db *sqlstore.DB, idNumber string) {
	t.Helper()
	key, someone := db.Box().PersonKey(idNumber), db.Box().PersonKey("330106198001010013")
	now := time.Now()
	day := 24 * time.Hour
	err := db.AddRecords(context.Background(), &healthcode.RecordBatch{
		Tests: []healthcode.Test{
			{PersonKey: key, SampledAt: now.Add(-30 * time.Hour), Result: healthcode.Negative, Method: healthcode.MethodPCR, Lab: "西湖区检测中心", ExternalID: "own-t1-" + idNumber},
			{PersonKey: key, SampledAt: now.Add(-6 * time.Hour), Result: healthcode.Negative, Method: healthcode.MethodAntigen, Pooled: true, Lab: "滨江检测实验室", ExternalID: "own-t2-" + idNumber},
			{PersonKey: someone, SampledAt: now.Add(-2 * time.Hour), Result: healthcode.Positive, Method: healthcode.MethodPCR, Lab: "他人的检测机构", ExternalID: "other-t1-" + idNumber},
		},
		Vaccinations: []healthcode.Vaccination{
			{PersonKey: key, Dose: 1, Product: "CoronaVac", At: now.Add(-200 * day), ExternalID: "own-v1-" + idNumber},
			{PersonKey: key, Dose: 2, Product: "CoronaVac", At: now.Add(-170 * day), ExternalID: "own-v2-" + idNumber},
		},
		Contacts: []healthcode.Contact{{PersonKey: key, Kind: healthcode.ContactSecondary, CaseID: "CASE-ZHAO-LIU",
			ExposedAt: now.Add(-60 * day), ClearedAt: now.Add(-53 * day), ExternalID: "own-c1-" + idNumber}},
		Quarantines: []healthcode.Quarantine{{PersonKey: key, Kind: healthcode.QuarantineHomeMonitoring,
			From: now.Add(-60 * day), Until: now.Add(-53 * day), ExternalID: "own-q1-" + idNumber}},
		Travel: []healthcode.Travel{{PersonKey: key, Division: "310101", From: now.Add(-90 * day), To: now.Add(-88 * day), ExternalID: "own-tr1-" + idNumber}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wantRecords checks "my records" after addOwnRecords: every kind shown in
// words, newest first, nothing of the other person and no case id.
func wantRecords(t *testing.T, lang, body string) {
	t.Helper()
	words := map[string][]string{
		"zh": {"滨江检测实验室", "西湖区检测中心", "抗原", "混检", "第 2 剂", "密接的密接", "居家健康监测", "310101", "无病例记录"},
		"en": {"滨江检测实验室", "西湖区检测中心", "Antigen", "pooled", "Dose 2", "Secondary contact", "Home health monitoring", "310101", "No case on record"},
	}[lang]
	for _, w := range words {
		if !strings.Contains(body, w) {
			t.Errorf("%s: my records lack %q", lang, w)
		}
	}
	for _, leak := range []string{"他人的检测机构", "CASE-ZHAO-LIU", "own-t1-", "330106198001010013"} {
		if strings.Contains(body, leak) {
			t.Errorf("%s: my records show %q", lang, leak)
		}
	}
	if strings.Index(body, "滨江检测实验室") > strings.Index(body, "西湖区检测中心") {
		t.Errorf("%s: tests are not newest first", lang)
	}
}
