package http

import (
	"embed"
	"encoding/csv"
	"html/template"
	"net/http"
	"strconv"

	"github.com/healthcode/healthcode"
)

// The printable daily report is rendered on the server from an embedded
// template, with nothing loaded from elsewhere (reportCSP).
//
//go:embed templates/org_report.html
var orgTemplates embed.FS

var orgReportTemplate = template.Must(template.ParseFS(orgTemplates, "templates/org_report.html"))

// handleOrgReport answers the daily compliance report, ?date=YYYY-MM-DD
// (today when absent: counted now), ?format=json (default), csv or html.
func (s *Server) handleOrgReport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "csv", "html":
	default:
		s.writeError(w, r, fieldError("format", "must be json, csv or html"))
		return
	}
	rep, err := s.Orgs.Report(r.Context(), caller(r), r.PathValue("id"), r.URL.Query().Get("date"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "csv":
		writeOrgReportCSV(w, rep)
	case "html":
		w.Header()["Content-Security-Policy"] = reportCSP
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := orgReportTemplate.Execute(w, newOrgReportView(rep)); err != nil {
			s.Logger.Warn("org report not written", "org", rep.OrgID, "err", err)
		}
	default:
		if rep.Units == nil {
			rep.Units = []healthcode.UnitReport{}
		}
		writeJSON(w, http.StatusOK, rep)
	}
}

// writeOrgReportCSV writes a row per unit and a last row "total".
func writeOrgReportCSV(w http.ResponseWriter, rep *healthcode.OrgReport) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+rep.OrgID+`-`+rep.Date+`.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"unit", "members", "green", "yellow", "red", "tested_within_window", "missing"})
	row := func(name string, u healthcode.UnitReport) {
		cw.Write([]string{name, strconv.Itoa(u.Members), strconv.Itoa(u.Green), strconv.Itoa(u.Yellow), strconv.Itoa(u.Red),
			strconv.Itoa(u.Tested), strconv.Itoa(u.Missing)})
	}
	for _, u := range rep.Units {
		row(csvSafe(u.Unit), u)
	}
	row("total", rep.Total)
	cw.Flush()
}

// csvSafe keeps a unit name a manager typed from being read as a formula
// by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// orgReportView is what the printable report shows.
type orgReportView struct {
	*healthcode.OrgReport
	AsOf string
	Kind string
}

var orgKindNames = map[string]string{healthcode.OrgCommunity: "社区 community", healthcode.OrgEmployer: "单位 employer",
	healthcode.OrgSchool: "学校 school"}

func newOrgReportView(r *healthcode.OrgReport) orgReportView {
	return orgReportView{OrgReport: r, AsOf: r.AsOf.In(reportZone).Format("2006-01-02 15:04 MST"), Kind: orgKindNames[r.Kind]}
}
