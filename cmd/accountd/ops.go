package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/accountd/accountd/internal/config"
)

// serveOps serves, until ctx ends, what must never be reachable through the API's port:
// Prometheus metrics on ACCOUNTD_METRICS_ADDR (counters such as the emails sent move
// for a known address and not for an unknown one, so they would tell who has an
// account) and Go's profiler on ACCOUNTD_PPROF_ADDR, a loopback address. Each has a
// listener and a mux of its own, or one together when both settings name the same
// address; importing net/http/pprof registers nothing on http.DefaultServeMux that the
// API could expose, since no server here uses it.
func serveOps(ctx context.Context, cfg config.Config, metrics http.Handler, logger *slog.Logger) error {
	type listener struct {
		mux     *http.ServeMux
		setting string
		serves  []string
	}
	byAddr := map[string]*listener{}
	on := func(addr, setting, what string) *http.ServeMux {
		l, ok := byAddr[addr]
		if !ok {
			l = &listener{mux: http.NewServeMux(), setting: setting}
			byAddr[addr] = l
		}
		l.serves = append(l.serves, what)
		return l.mux
	}
	if cfg.MetricsAddr != "" {
		on(cfg.MetricsAddr, "ACCOUNTD_METRICS_ADDR", "metrics").Handle("GET /metrics", metrics)
	}
	if cfg.PprofAddr != "" {
		mux := on(cfg.PprofAddr, "ACCOUNTD_PPROF_ADDR", "pprof")
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	// Every address is taken before any is served, so that a busy one stops the start
	// with nothing left running.
	listening := map[*listener]net.Listener{}
	for addr, l := range byAddr {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, open := range listening {
				_ = open.Close()
			}
			return fmt.Errorf("config: %s: %w", l.setting, err)
		}
		listening[l] = ln
	}
	for l, ln := range listening {
		// No WriteTimeout: a CPU profile or trace answers after the seconds it is asked for.
		srv := &http.Server{Handler: l.mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		logger.Info("operations listener", "addr", ln.Addr().String(), "serves", l.serves)
		go func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				logger.Warn("operations listener stopped", "addr", ln.Addr().String(), "err", err)
			}
		}()
	}
	return nil
}
