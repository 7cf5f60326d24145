package http

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the HTTP metrics and serves everything registered on its
// registry (the node adds its own) at /metrics:
//
//	healthcode_http_requests_total{route,method,code}
//	healthcode_http_request_duration_seconds{route} (histogram)
//
// The route label is the ServeMux pattern ("GET /api/v1/me/code"), or
// "unmatched": never the raw path, so clients cannot grow the series.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	handler  http.Handler

	mu     sync.RWMutex
	counts map[countKey]prometheus.Counter // children, cached: label hashing is the slow part
}

type countKey struct {
	route, method string
	code          int
}

// NewMetrics registers the HTTP metrics on reg (a new registry when nil).
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcode_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "healthcode_http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		counts: map[countKey]prometheus.Counter{},
	}
	reg.MustRegister(m.requests, m.duration)
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

// addRoute makes the duration series of pattern, so it shows from the start.
func (m *Metrics) addRoute(pattern string) { m.duration.WithLabelValues(pattern) }

// observe records one request. method is bounded to the known methods.
func (m *Metrics) observe(pattern, method string, code int, d time.Duration) {
	if pattern == "" {
		pattern = "unmatched"
	}
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other"
	}
	k := countKey{pattern, method, code}
	m.mu.RLock()
	c := m.counts[k]
	m.mu.RUnlock()
	if c == nil {
		c = m.requests.WithLabelValues(pattern, method, strconv.Itoa(code))
		m.mu.Lock()
		m.counts[k] = c
		m.mu.Unlock()
	}
	c.Inc()
	m.duration.WithLabelValues(pattern).Observe(d.Seconds())
}

// ServeHTTP writes every metric of the registry in the Prometheus format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }
