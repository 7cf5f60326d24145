package http

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// readyTimeout bounds the readiness probe so a stuck database shows as
// unavailable instead of a hanging probe.
const readyTimeout = 2 * time.Second

// handleHealthz answers {"status":"ok"}, or 503 when Ready fails.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header()["Cache-Control"] = noStore
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := s.Ready(ctx)
		cancel()
		if err != nil {
			s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.String("error", err.Error()))
			s.writeError(w, r, healthcode.Errorf(healthcode.EUNAVAILABLE, "not ready"))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
