package sqlstore

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/healthcode/healthcode"
)

// Times are stored as unix microseconds, 0 for the zero time, so both
// databases compare and index them the same way.

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// nullMicros stores the zero time as NULL, for columns where "none" must
// never match a range query.
func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// stored returns t as it comes back from the store: UTC, microseconds.
func stored(t time.Time) time.Time { return fromMicros(micros(t)) }

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", healthcode.Internal(err, "encode json")
	}
	return string(b), nil
}

func fromJSON(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return healthcode.Internal(err, "decode json")
	}
	return nil
}

// nonNil keeps a nil byte slice from being bound as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
