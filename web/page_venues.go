package web

import (
	"cmp"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// venueRoles may open the venue pages: a venue's operator sees its own
// venue, health staff and admins every one (the VenueService checks).
var venueRoles = []healthcode.Role{healthcode.RoleVenue, healthcode.RoleHealth, healthcode.RoleAdmin}

// venuesPerPage is how many venues the list shows at once.
const venuesPerPage = 50

// occupancyView is a venue's occupancy against its capacity.
type occupancyView struct {
	Inside   int
	Capacity int // 0: no limit
	Percent  int // of capacity, 0 without one
	Full     bool
	At       time.Time
}

func newOccupancy(v *healthcode.Venue, n int, at time.Time) occupancyView {
	o := occupancyView{Inside: n, Capacity: v.Capacity, At: at}
	if v.Capacity > 0 {
		o.Percent = min(100, n*100/v.Capacity)
		o.Full = n >= v.Capacity
	}
	return o
}

type venueRow struct {
	Venue     *healthcode.Venue
	Occupancy occupancyView
}

type venuesData struct {
	Venues   []venueRow
	Page     int
	Prev     int // 0: none
	Next     int // 0: none
	Operator bool
}

// handleVenues lists the caller's venues with their occupancy now and
// links to each one's posters and charts.
func (h *Handler) handleVenues(w http.ResponseWriter, r *request) {
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			h.renderError(w, r, http.StatusBadRequest, "error.badpage")
			return
		}
		page = n
	}
	// One more than a page tells whether there is a next one.
	vs, err := h.Venues.List(r.Context(), r.Caller, healthcode.VenueFilter{Limit: venuesPerPage + 1, Offset: (page - 1) * venuesPerPage})
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	data := venuesData{Page: page, Operator: r.Caller.Is(healthcode.RoleVenue)}
	if len(vs) > venuesPerPage {
		vs, data.Next = vs[:venuesPerPage], page+1
	}
	if page > 1 {
		data.Prev = page - 1
	}
	now := h.Now()
	for _, v := range vs {
		_, n, err := h.Venues.Occupancy(r.Context(), r.Caller, v.ID)
		if err != nil {
			h.renderErr(w, r, err)
			return
		}
		data.Venues = append(data.Venues, venueRow{Venue: v, Occupancy: newOccupancy(v, n, now)})
	}
	h.render(w, r, http.StatusOK, "venues.html", &view{Title: "venue.list_title", Data: data})
}

// hourRow is one hour of the entries chart, as its table lists it.
type hourRow struct {
	Hour    time.Time
	Entries int64
}

// countRow is one line of a count table: a label in words and its count.
type countRow struct {
	Key, Label string
	Count      int64
	Percent    int
}

type venueData struct {
	Venue        *healthcode.Venue
	Occupancy    occupancyView
	Stats        *healthcode.VenueStats
	Hours        []hourRow
	HoursChart   template.HTML
	EntriesTotal int64
	Colours      []countRow
	ColourChart  template.HTML
	Denials      []countRow
}

// handleVenue shows one venue: occupancy now (kept live by venue.js),
// the posters, and the last 24 hours' entries per hour and colour mix.
func (h *Handler) handleVenue(w http.ResponseWriter, r *request) {
	id := r.PathValue("id")
	v, n, err := h.Venues.Occupancy(r.Context(), r.Caller, id)
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	now := h.Now()
	to := now.Truncate(time.Hour).Add(time.Hour)
	from := to.Add(-24 * time.Hour)
	st, err := h.Venues.Stats(r.Context(), r.Caller, id, healthcode.ScanWindow{From: from, To: to})
	if err != nil {
		h.renderErr(w, r, err)
		return
	}
	d := venueData{Venue: v, Occupancy: newOccupancy(v, n, now), Stats: st}
	d.Hours, d.EntriesTotal = hourRows(st.EntriesPerHour, from, to)
	d.HoursChart = barChart("chart-hours", r.Lang.T("venue.chart_hours"), r.Lang.T("venue.chart_hours_desc", d.EntriesTotal), hourBars(d.Hours))
	d.Colours = colourRows(r, st.Colours)
	d.ColourChart = barChart("chart-colours", r.Lang.T("venue.chart_colours"), colourDesc(r, d.Colours), colourBars(d.Colours))
	d.Denials = denialRows(r, st.Denials)
	h.render(w, r, http.StatusOK, "venue.html", &view{Title: "venue.title", Data: d})
}

// hourRows fills the hours of [from, to) that had no entry with zero.
func hourRows(counts []healthcode.HourCount, from, to time.Time) ([]hourRow, int64) {
	byHour := map[int64]int64{}
	var total int64
	for _, c := range counts {
		byHour[c.Hour.Truncate(time.Hour).Unix()] += c.Entries
		total += c.Entries
	}
	var rows []hourRow
	for t := from; t.Before(to); t = t.Add(time.Hour) {
		rows = append(rows, hourRow{Hour: t, Entries: byHour[t.Unix()]})
	}
	return rows, total
}

// hourBars labels every sixth hour, in China Standard Time.
func hourBars(rows []hourRow) []chartBar {
	bars := make([]chartBar, len(rows))
	for i, h := range rows {
		t := h.Hour.In(zone)
		bars[i] = chartBar{Label: t.Format("15:00"), Value: h.Entries, Tick: t.Hour()%6 == 0}
	}
	return bars
}

var colourNames = []string{"green", "yellow", "red"}

// colourRows lists the colours in their order with their share; other
// names the store may give come after.
func colourRows(r *request, counts map[string]int64) []countRow {
	var total int64
	for _, n := range counts {
		total += n
	}
	keys := slices.Clone(colourNames)
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	rows := make([]countRow, 0, len(keys))
	for _, k := range keys {
		label := k
		if r.Lang.Has("colour." + k) {
			label = r.Lang.T("colour." + k)
		}
		row := countRow{Key: k, Label: label, Count: counts[k]}
		if total > 0 {
			row.Percent = int((counts[k]*1000/total + 5) / 10)
		}
		rows = append(rows, row)
	}
	return rows
}

func colourBars(rows []countRow) []chartBar {
	bars := make([]chartBar, len(rows))
	for i, c := range rows {
		bars[i] = chartBar{Label: c.Label, Value: c.Count, Fill: colourFill(c.Key), Tick: true}
	}
	return bars
}

// colourDesc says the mix in words, for the chart's description.
func colourDesc(r *request, rows []countRow) string {
	s := ""
	for i, c := range rows {
		if i > 0 {
			s += ", "
		}
		s += c.Label + " " + strconv.FormatInt(c.Count, 10)
	}
	return s
}

// denialRows lists the deny reasons, most frequent first, in the page's
// language.
func denialRows(r *request, counts map[string]int64) []countRow {
	rows := make([]countRow, 0, len(counts))
	for code, n := range counts {
		rows = append(rows, countRow{Key: code, Label: denyText(r, code), Count: n})
	}
	slices.SortFunc(rows, func(a, b countRow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key))
	})
	return rows
}

// denyText is a deny reason's text in the page's language.
func denyText(r *request, code string) string {
	d := healthcode.NewDenyReason(code)
	if r.Lang.lang == "en" {
		return d.TextEN
	}
	return d.TextZH
}
