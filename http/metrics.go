package http

import (
	"bufio"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Metrics holds the HTTP metrics and writes them in the Prometheus text
// exposition format (version 0.0.4):
//
//	healthcode_http_requests_total{route,method,code}
//	healthcode_http_request_duration_seconds{route} (histogram)
//
// The route label is the ServeMux pattern ("GET /api/v1/me/code"), or
// "unmatched". Every route's series are made when the routes are
// registered, so recording a request takes no lock and no allocation.
type Metrics struct {
	mu        sync.Mutex // guards adding routes
	routes    atomic.Pointer[map[string]*routeMetrics]
	unmatched *routeMetrics
}

// durationBuckets are the histogram's upper bounds in seconds (Prometheus'
// default buckets).
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// routeMetrics are the series of one route.
type routeMetrics struct {
	label   string
	counts  atomic.Pointer[[]*codeCount] // copy on write: readers never lock
	mu      sync.Mutex                   // guards adding to counts
	buckets []atomic.Uint64              // per durationBuckets, not cumulative
	inf     atomic.Uint64                // above the last bucket
	sumNS   atomic.Uint64
}

// codeCount counts the requests of one method and status.
type codeCount struct {
	method string
	code   int
	n      atomic.Uint64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	m := &Metrics{unmatched: newRouteMetrics("unmatched")}
	m.routes.Store(&map[string]*routeMetrics{})
	return m
}

func newRouteMetrics(label string) *routeMetrics {
	rm := &routeMetrics{label: label, buckets: make([]atomic.Uint64, len(durationBuckets))}
	rm.counts.Store(&[]*codeCount{})
	return rm
}

// addRoute makes the series of pattern.
func (m *Metrics) addRoute(pattern string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if _, ok := old[pattern]; ok {
		return
	}
	routes := make(map[string]*routeMetrics, len(old)+1)
	for k, v := range old {
		routes[k] = v
	}
	routes[pattern] = newRouteMetrics(pattern)
	m.routes.Store(&routes)
}

// observe records one request. method is bounded to the known methods so a
// client cannot grow the series.
func (m *Metrics) observe(pattern, method string, code int, d time.Duration) {
	rm := (*m.routes.Load())[pattern]
	if rm == nil {
		rm = m.unmatched
	}
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other"
	}
	rm.count(method, code).n.Add(1)

	secs := d.Seconds()
	i := sort.SearchFloat64s(durationBuckets, secs)
	if i < len(rm.buckets) {
		rm.buckets[i].Add(1)
	} else {
		rm.inf.Add(1)
	}
	rm.sumNS.Add(uint64(d))
}

// count returns the counter of method and code, making it on first use.
func (rm *routeMetrics) count(method string, code int) *codeCount {
	for _, c := range *rm.counts.Load() {
		if c.code == code && c.method == method {
			return c
		}
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	old := *rm.counts.Load()
	for _, c := range old {
		if c.code == code && c.method == method {
			return c
		}
	}
	c := &codeCount{method: method, code: code}
	counts := append(append(make([]*codeCount, 0, len(old)+1), old...), c)
	rm.counts.Store(&counts)
	return c
}

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	m.write(bw)
	bw.Flush()
}

// write writes the metrics in the Prometheus text format.
func (m *Metrics) write(w *bufio.Writer) {
	routes := m.sortedRoutes()

	w.WriteString("# HELP healthcode_http_requests_total HTTP requests by route pattern, method and status code.\n")
	w.WriteString("# TYPE healthcode_http_requests_total counter\n")
	for _, rm := range routes {
		counts := append([]*codeCount(nil), *rm.counts.Load()...)
		sort.Slice(counts, func(i, j int) bool {
			if counts[i].method != counts[j].method {
				return counts[i].method < counts[j].method
			}
			return counts[i].code < counts[j].code
		})
		for _, c := range counts {
			fmt.Fprintf(w, "healthcode_http_requests_total{route=%s,method=%q,code=\"%d\"} %d\n",
				quoteLabel(rm.label), c.method, c.code, c.n.Load())
		}
	}

	w.WriteString("# HELP healthcode_http_request_duration_seconds HTTP request duration by route pattern.\n")
	w.WriteString("# TYPE healthcode_http_request_duration_seconds histogram\n")
	for _, rm := range routes {
		route := quoteLabel(rm.label)
		var cum uint64
		for i, le := range durationBuckets {
			cum += rm.buckets[i].Load()
			fmt.Fprintf(w, "healthcode_http_request_duration_seconds_bucket{route=%s,le=%q} %d\n",
				route, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		cum += rm.inf.Load()
		fmt.Fprintf(w, "healthcode_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", route, cum)
		fmt.Fprintf(w, "healthcode_http_request_duration_seconds_sum{route=%s} %s\n",
			route, strconv.FormatFloat(float64(rm.sumNS.Load())/1e9, 'g', -1, 64))
		fmt.Fprintf(w, "healthcode_http_request_duration_seconds_count{route=%s} %d\n", route, cum)
	}

	w.WriteString("# HELP go_goroutines Number of goroutines that currently exist.\n")
	w.WriteString("# TYPE go_goroutines gauge\n")
	fmt.Fprintf(w, "go_goroutines %d\n", runtime.NumGoroutine())
}

func (m *Metrics) sortedRoutes() []*routeMetrics {
	all := *m.routes.Load()
	routes := make([]*routeMetrics, 0, len(all)+1)
	for _, rm := range all {
		routes = append(routes, rm)
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].label < routes[j].label })
	return append(routes, m.unmatched)
}

// quoteLabel quotes a label value as the text format wants: backslash,
// double quote and newline escaped.
func quoteLabel(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
