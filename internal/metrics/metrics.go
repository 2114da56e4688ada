// Package metrics exposes accountd's Prometheus metrics: requests and latency by
// operation, login outcomes, emails, rate-limit rejections and the database pool.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/accountd/accountd/internal/account"
)

// Metrics holds the collectors. Create one per process (or per test app): each has its
// own registry, so two apps in one test binary do not collide.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	logins      *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	emails      *prometheus.CounterVec
}

var _ account.Observer = (*Metrics)(nil)

// New registers every collector, with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "accountd_http_requests_total",
			Help: "HTTP requests by operation (method and route pattern) and status.",
		}, []string{"operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "accountd_http_request_duration_seconds",
			Help: "HTTP request latency by operation.",
			// From a cached read to an argon2id hash under load.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "accountd_logins_total",
			Help: "Login attempts by outcome (succeeded, invalid_credentials, inactive, rate_limited).",
		}, []string{"outcome"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "accountd_rate_limited_total",
			Help: "Requests refused by a rate limit, by limit.",
		}, []string{"limit"}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "accountd_emails_total",
			Help: "Emails by result: sent, failed (a try that will be retried) or dead (given up).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.logins, m.rateLimited, m.emails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Register adds a collector of another package (the mail outbox's gauges, say).
func (m *Metrics) Register(c prometheus.Collector) { m.registry.MustRegister(c) }

// Middleware counts and times every request by operation. The operation is the method
// and chi's route pattern, so the label set stays small whatever the paths requested.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		op := r.Method + " " + route
		m.requests.WithLabelValues(op, strconv.Itoa(ww.Status())).Inc()
		m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	})
}

// Login counts a login attempt's outcome.
func (m *Metrics) Login(outcome account.LoginOutcome) {
	m.logins.WithLabelValues(string(outcome)).Inc()
}

// RateLimited counts a refusal by the named limit.
func (m *Metrics) RateLimited(limit string) { m.rateLimited.WithLabelValues(limit).Inc() }

// Email counts a delivery result: "sent", "failed" or "dead".
func (m *Metrics) Email(result string) { m.emails.WithLabelValues(result).Inc() }
