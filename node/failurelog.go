package node

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/healthcode/healthcode"
)

// FailureRepeat is how often a loop that keeps failing the same way logs
// it again (failureLog).
const FailureRepeat = 5 * time.Minute

// failureLog logs the outcome of each round of a loop that tries again on
// its own (the node's exchanges with the hub, its trust list) so that a
// hub down for an hour does not fill the log with the same line every few
// seconds:
//   - a failure at warn, or at error when only the operator can mend it
//     (the peer token or a key refused: unauthorized, forbidden);
//   - the same failure again at most once every FailureRepeat, with how
//     many rounds have failed since the first;
//   - a failure that differs from the last logged, at once;
//   - the first round that works after failures, at info.
//
// A loop owns its failureLog: it is not safe for concurrent use.
type failureLog struct {
	logger    *slog.Logger
	failed    string // the message of a failure, e.g. "hub: batches not received"
	recovered string // of the first success after failures
	attrs     []any  // logged with each
	now       func() time.Time

	failures int       // rounds failed in a row
	since    time.Time // when the first of them failed
	last     string    // the failure last logged
	logged   time.Time // when
}

func newFailureLog(logger *slog.Logger, now func() time.Time, failed, recovered string, attrs ...any) *failureLog {
	return &failureLog{logger: logger, now: now, failed: failed, recovered: recovered, attrs: attrs}
}

// report logs a round's outcome, err nil for a round that worked.
func (f *failureLog) report(ctx context.Context, err error) {
	now := f.now()
	if err == nil {
		if f.failures > 0 {
			f.logger.InfoContext(ctx, f.recovered, slices.Concat(f.attrs, []any{"failed_rounds", f.failures,
				"failing_for", now.Sub(f.since).Round(time.Second).String()})...)
		}
		f.failures, f.last = 0, ""
		return
	}
	f.failures++
	if f.failures == 1 {
		f.since = now
	}
	text := err.Error()
	if text == f.last && now.Sub(f.logged) < FailureRepeat {
		return
	}
	level := slog.LevelWarn
	switch healthcode.ErrorCode(err) {
	case healthcode.EUNAUTHORIZED, healthcode.EFORBIDDEN:
		level = slog.LevelError
	}
	attrs := slices.Concat(f.attrs, []any{"err", err})
	if f.failures > 1 {
		attrs = append(attrs, "failed_rounds", f.failures, "failing_for", now.Sub(f.since).Round(time.Second).String())
	}
	f.logger.Log(ctx, level, f.failed, attrs...)
	f.last, f.logged = text, now
}
