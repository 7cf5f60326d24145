package status

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// parseDuration reads a policy duration: a Go duration ("168h", "5m",
// "90s") or a whole number of days ("7d"), which is how health rules are
// usually written.
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || n == "" || n[0] == '+' {
			return 0, errors.New(`must be a duration such as "7d", "168h" or "5m"`)
		}
		if days > 3650 {
			return 0, errors.New("must be at most 3650d")
		}
		return time.Duration(days) * day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New(`must be a duration such as "7d", "168h" or "5m"`)
	}
	return d, nil
}

// formatDuration writes d the way a person would write it in a policy.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0h"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}
