package importer

import (
	"strconv"

	"github.com/healthcode/healthcode"
)

// The convert functions fill the record of their kind from the row's values
// (indexed as in the kind's field table, "" when not given). They report
// only the first problem of a row: fixing it and sending again shows the
// next.

func convertTest(c *rowCheck, v []string, row *healthcode.ImportRow) {
	const sampled, reported, result, method, pooled, lab = 4, 5, 6, 7, 8, 9
	t := &row.Test
	*t = healthcode.Test{PersonKey: c.key, ExternalID: row.ID, Method: healthcode.MethodPCR}
	t.SampledAt = c.past(sampled, c.time(v, sampled))
	t.ReportedAt = t.SampledAt
	if v[reported] != "" {
		t.ReportedAt = c.past(reported, c.time(v, reported))
		if c.err == nil && t.ReportedAt.Before(t.SampledAt) {
			c.fail(reported, "is before sampled_at")
		}
	}
	switch v[result] {
	case "negative":
		t.Result = healthcode.Negative
	case "positive":
		t.Result = healthcode.Positive
	default:
		c.fail(result, "must be negative or positive")
	}
	switch v[method] {
	case "", healthcode.MethodPCR:
	case healthcode.MethodAntigen:
		t.Method = healthcode.MethodAntigen
	default:
		c.fail(method, "must be pcr or antigen")
	}
	switch v[pooled] {
	case "", "false":
	case "true":
		t.Pooled = true
	default:
		c.fail(pooled, "must be true or false")
	}
	t.Lab = c.text(v, lab)
}

func convertVaccination(c *rowCheck, v []string, row *healthcode.ImportRow) {
	const product, dose, date = 4, 5, 6
	x := &row.Vaccination
	*x = healthcode.Vaccination{PersonKey: c.key, ExternalID: row.ID}
	x.Product = c.text(v, product)
	if v[dose] != "" {
		n, err := strconv.Atoi(v[dose])
		if err != nil || n < 1 || n > 10 {
			c.fail(dose, "must be a whole number from 1 to 10")
		}
		x.Dose = n
	}
	x.At = c.past(date, c.time(v, date))
}

func convertCase(c *rowCheck, v []string, row *healthcode.ImportRow) {
	const kind, onset, status = 4, 5, 6
	x := &row.Case
	*x = healthcode.Case{PersonKey: c.key, ExternalID: row.ID, Status: healthcode.CaseActive}
	switch k := healthcode.CaseKind(v[kind]); k {
	case healthcode.CaseConfirmed, healthcode.CaseSuspected, healthcode.CaseAsymptomatic:
		x.Kind = k
	default:
		c.fail(kind, "must be confirmed, suspected or asymptomatic")
	}
	x.DiagnosedAt = c.past(onset, c.time(v, onset))
	switch s := healthcode.CaseStatus(v[status]); s {
	case "", healthcode.CaseActive:
	case healthcode.CaseRecovered, healthcode.CaseDismissed:
		x.Status = s
	default:
		c.fail(status, "must be active, recovered or dismissed")
	}
}

func convertContact(c *rowCheck, v []string, row *healthcode.ImportRow) {
	const degree, caseID, lastExposure = 4, 5, 6
	x := &row.Contact
	*x = healthcode.Contact{PersonKey: c.key, ExternalID: row.ID}
	switch k := healthcode.ContactKind(v[degree]); k {
	case healthcode.ContactClose, healthcode.ContactSecondary, healthcode.ContactCompanion:
		x.Kind = k
	default:
		c.fail(degree, "must be close, secondary or companion")
	}
	x.CaseID = c.text(v, caseID)
	x.ExposedAt = c.past(lastExposure, c.time(v, lastExposure))
}

func convertQuarantine(c *rowCheck, v []string, row *healthcode.ImportRow) {
	const kind, start, end = 4, 5, 6
	x := &row.Quarantine
	*x = healthcode.Quarantine{PersonKey: c.key, ExternalID: row.ID}
	switch v[kind] {
	case "centralised":
		x.Kind = healthcode.QuarantineCentralised
	case "home":
		x.Kind = healthcode.QuarantineHome
	case "monitoring", "home_monitoring":
		x.Kind = healthcode.QuarantineHomeMonitoring
	default:
		c.fail(kind, "must be centralised, home or monitoring")
	}
	// An order may be issued ahead of time: start and end may lie ahead.
	x.From = c.time(v, start)
	if v[end] != "" {
		x.Until = c.time(v, end)
		if c.err == nil && x.Until.Before(x.From) {
			c.fail(end, "is before start")
		}
	}
}

func convertTravel(c *rowCheck, v []string, row *healthcode.ImportRow) {
	const division, from, to = 4, 5, 6
	x := &row.Travel
	*x = healthcode.Travel{PersonKey: c.key, ExternalID: row.ID}
	x.Division = c.division(v, division)
	x.From = c.past(from, c.time(v, from))
	x.To = c.time(v, to)
	if c.err == nil && x.To.Before(x.From) {
		c.fail(to, "is before from")
	}
}
