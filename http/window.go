package http

import (
	"net/http"

	"github.com/healthcode/healthcode"
)

// windowParams reads ?from= and ?to= (RFC 3339 times or YYYY-MM-DD dates;
// a date in to means the whole day) and ?limit=; the service fills what is
// left out.
func windowParams(r *http.Request, defaultLimit, maxLimit int) (healthcode.ScanWindow, error) {
	q := r.URL.Query()
	var fe healthcode.FieldErrors
	from, ok := parseTime(q.Get("from"), false)
	if !ok {
		fe.Add("from", badTime)
	}
	to, ok := parseTime(q.Get("to"), true)
	if !ok {
		fe.Add("to", badTime)
	}
	if err := fe.Err(); err != nil {
		return healthcode.ScanWindow{}, err
	}
	limit, err := intParam(r, "limit", defaultLimit, 0, maxLimit)
	if err != nil {
		return healthcode.ScanWindow{}, err
	}
	return healthcode.ScanWindow{From: from, To: to, Limit: limit}, nil
}
