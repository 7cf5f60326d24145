package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
)

// recordedLog keeps each record's level, message and attributes.
type recordedLog struct{ lines []string }

func (l *recordedLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *recordedLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *recordedLog) WithGroup(string) slog.Handler            { return l }
func (l *recordedLog) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += fmt.Sprintf(" %s=%v", a.Key, a.Value)
		return true
	})
	l.lines = append(l.lines, line)
	return nil
}

func TestFailureLog(t *testing.T) {
	down := &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be reached"}
	other := errors.New("the hub's page of batches does not read")
	token := healthcode.Errorf(healthcode.EUNAUTHORIZED, "the hub refused GET /hub/v1/batches (401): unknown token")
	type round struct {
		after time.Duration // since the round before
		err   error
	}
	tests := []struct {
		name   string
		rounds []round
		want   []string // each logged line's start, in order
	}{
		{"working rounds log nothing", []round{{0, nil}, {5 * time.Second, nil}}, nil},
		{"the first failure is logged at once", []round{{0, down}},
			[]string{"WARN hub: batches not received hub=h err=unavailable: the hub cannot be reached"}},
		{"the same failure again is not, until FailureRepeat", []round{
			{0, down}, {5 * time.Second, down}, {time.Minute, down}, {FailureRepeat - time.Minute, down}, {5 * time.Second, down},
		}, []string{
			"WARN hub: batches not received hub=h err=unavailable: the hub cannot be reached",
			"WARN hub: batches not received hub=h err=unavailable: the hub cannot be reached failed_rounds=4 failing_for=5m5s",
		}},
		{"another failure is logged at once", []round{{0, down}, {5 * time.Second, other}, {5 * time.Second, down}}, []string{
			"WARN hub: batches not received hub=h err=unavailable: the hub cannot be reached",
			"WARN hub: batches not received hub=h err=the hub's page of batches does not read failed_rounds=2 failing_for=5s",
			"WARN hub: batches not received hub=h err=unavailable: the hub cannot be reached failed_rounds=3 failing_for=10s",
		}},
		{"the first round that works after failures says so", []round{{0, down}, {5 * time.Second, down}, {5 * time.Second, nil}, {5 * time.Second, nil}}, []string{
			"WARN hub: batches not received",
			"INFO hub: batches received again hub=h failed_rounds=2 failing_for=10s",
		}},
		{"a failure after recovery is logged at once", []round{{0, down}, {5 * time.Second, nil}, {5 * time.Second, down}}, []string{
			"WARN hub: batches not received hub=h err=unavailable: the hub cannot be reached",
			"INFO hub: batches received again",
			"WARN hub: batches not received hub=h err=unavailable: the hub cannot be reached",
		}},
		{"what only the operator mends is an error", []round{{0, token}},
			[]string{"ERROR hub: batches not received hub=h err=unauthorized: the hub refused GET /hub/v1/batches (401): unknown token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordedLog{}
			now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
			f := newFailureLog(slog.New(rec), func() time.Time { return now }, "hub: batches not received", "hub: batches received again", "hub", "h")
			for _, r := range tt.rounds {
				now = now.Add(r.after)
				f.report(context.Background(), r.err)
			}
			if len(rec.lines) != len(tt.want) {
				t.Fatalf("logged %d lines, want %d:\n%s", len(rec.lines), len(tt.want), strings.Join(rec.lines, "\n"))
			}
			for i, line := range rec.lines {
				if !strings.HasPrefix(line, tt.want[i]) {
					t.Errorf("line %d = %q, want it to start %q", i, line, tt.want[i])
				}
			}
		})
	}
}
