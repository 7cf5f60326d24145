// Package http is the JSON API of a region node: routing, authentication,
// strict input decoding, error mapping, logging and metrics. It calls the
// application services through the interfaces of package healthcode.
package http

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/healthcode/healthcode"
)

// Timeouts of the listening server. Handlers answer from the database in
// milliseconds; the limits only bound slow or stuck clients.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
)

// Server serves the node's HTTP API. Set the exported fields, then call
// Handler, Serve or ListenAndServe; the fields must not change afterwards.
type Server struct {
	Auth     healthcode.AuthService
	Citizens healthcode.CitizenService
	// Imports takes files of records from providers and health staff.
	Imports healthcode.ImportService
	// Appeals, Persons and Audit serve appeals, staff reads of a person and
	// the citizen's access log.
	Appeals healthcode.AppealService
	Persons healthcode.PersonService
	Audit   healthcode.AuditService
	// Jobs follows background jobs; RiskAreas keeps the risk area list.
	Jobs      healthcode.Recomputer
	RiskAreas healthcode.RiskAreaService
	// Venues runs venues; Checkpoints judges codes at their doors and
	// keeps the scan log.
	Venues      healthcode.VenueService
	Checkpoints healthcode.CheckpointService
	// Traces traces cases through the scan log.
	Traces healthcode.TraceService
	// Peers answers the hub about this region's codes (way 2).
	Peers healthcode.PeerService
	// NationalCodes gets citizens national codes from the hub the node
	// follows; nil: it follows none.
	NationalCodes healthcode.NationalCodeService
	// Orgs runs communities, employers and schools: rosters, what their
	// managers see and the daily report. HealthChecks keeps schools'
	// morning and noon checks and the daily check-ins of people in home
	// quarantine; Resumptions the returnees and employers' applications to
	// resume work.
	Orgs         healthcode.OrgService
	HealthChecks healthcode.HealthCheckService
	Resumptions  healthcode.ResumptionService
	// Region is the node's region id, printed on posters.
	Region string
	// TrustJSON returns the node's trust list document, served as is.
	TrustJSON func(ctx context.Context) ([]byte, error)
	// Ready reports whether the node can serve, e.g. by pinging the database.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// Metrics collects the HTTP metrics served at /metrics.
	Metrics *Metrics
	// Dev lets the OTP endpoint answer the password the service returned.
	Dev bool
	// TrustProxy takes the client address from X-Forwarded-For's first entry.
	TrustProxy bool
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	// CookiePath is the session cookie's Path, "/" when empty. A region
	// the hub hosts has "/regions/{id}/", so a browser sends the cookie of
	// one hosted region to that region's pages and API only.
	CookiePath string
	// Pages, when set, serves every path outside /api/, /metrics and
	// /healthz: the web pages (package web). They go through the same
	// logging, metrics and panic recovery as the API.
	Pages http.Handler

	once    sync.Once
	handler http.Handler
	mux     *http.ServeMux
	csrf    *http.CrossOriginProtection
}

// NewServer returns a Server with a discarding logger and fresh metrics.
func NewServer() *Server {
	return &Server{
		Logger:  slog.New(slog.DiscardHandler),
		Metrics: NewMetrics(nil),
	}
}

// Handler returns the server's handler, building the routes on first use.
func (s *Server) Handler() http.Handler {
	s.once.Do(func() {
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
		if s.Metrics == nil {
			s.Metrics = NewMetrics(nil)
		}
		s.csrf = http.NewCrossOriginProtection()
		s.mux = http.NewServeMux()
		for _, rt := range s.routes() {
			s.mux.Handle(rt.pattern, rt.handler)
			s.Metrics.addRoute(rt.pattern)
		}
		if s.Pages != nil {
			s.mux = s.withPages(s.mux)
		}
		s.handler = http.HandlerFunc(s.serveRoot)
	})
	return s.handler
}

// ListenAndServe listens on addr and serves until ctx is done, then shuts
// down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then stops accepting, lets running
// requests finish for up to shutdownTimeout and closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutCtx)
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
