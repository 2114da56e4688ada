package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/mail"
)

// newTestApp assembles an app on an in-memory SQLite database.
func newTestApp(t *testing.T, configure func(*config.Config)) *App {
	t.Helper()
	cfg, err := LoadConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite::memory:"
	cfg.AutoMigrate = true
	if configure != nil {
		configure(&cfg)
	}
	a, err := New(context.Background(), cfg, Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Sender: &mail.Recorder{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// serve runs a.Serve on a port of 127.0.0.1 until the returned cancel is called; the
// channel gets Serve's result.
func serve(t *testing.T, a *App) (url string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	errc := make(chan error, 1)
	go func() { errc <- a.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), cancel, errc
}

// slowHandler wraps h: a request with the X-Slow header signals started, then waits
// for hold (or for its context to end, which it reports on cancelled) before h answers.
func slowHandler(h http.Handler, hold time.Duration, started, cancelled chan<- struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Slow") != "" {
			close(started)
			select {
			case <-time.After(hold):
			case <-r.Context().Done():
				close(cancelled)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

type result struct {
	status int
	err    error
}

// slowGet sends a slow request on a connection of its own.
func slowGet(url string) <-chan result {
	out := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, url+"/healthz", nil)
		req.Header.Set("X-Slow", "1")
		c := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
		res, err := c.Do(req)
		if err != nil {
			out <- result{err: err}
			return
		}
		res.Body.Close()
		out <- result{status: res.StatusCode}
	}()
	return out
}

func TestServeShutdown(t *testing.T) {
	t.Run("in_flight_request_completes_200_new_connections_refused_worker_stopped", func(t *testing.T) {
		a := newTestApp(t, func(c *config.Config) { c.ShutdownTimeout = 5 * time.Second })
		started, cancelled := make(chan struct{}), make(chan struct{})
		a.Handler = slowHandler(a.Handler, 500*time.Millisecond, started, cancelled)
		url, stop, done := serve(t, a)

		slow := slowGet(url)
		<-started
		stop()

		// Shutdown closes the listener at once: a new connection is refused while
		// the slow request is still being answered.
		addr := url[len("http://"):]
		deadline := time.Now().Add(2 * time.Second)
		for {
			// A dial racing the close of the listener may be reset instead: look again.
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if errors.Is(err, syscall.ECONNREFUSED) {
				break
			}
			if conn != nil {
				conn.Close()
			}
			if time.Now().After(deadline) {
				t.Fatal("new connections still accepted 2s after shutdown began")
			}
			time.Sleep(5 * time.Millisecond)
		}
		select {
		case r := <-slow:
			t.Fatalf("slow request ended (%+v) before new connections were refused", r)
		default:
		}

		if r := <-slow; r.err != nil || r.status != http.StatusOK {
			t.Fatalf("in-flight request: %+v, want 200", r)
		}
		if err := <-done; err != nil {
			t.Fatalf("Serve: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-a.Outbox().Stopped():
		default:
			t.Fatal("mail worker still running after Close")
		}
	})

	t.Run("drain_bounded_by_shutdown_timeout", func(t *testing.T) {
		const drain = 300 * time.Millisecond
		a := newTestApp(t, func(c *config.Config) { c.ShutdownTimeout = drain })
		t.Cleanup(func() { _ = a.Close() })
		started, cancelled := make(chan struct{}), make(chan struct{})
		a.Handler = slowHandler(a.Handler, time.Minute, started, cancelled)
		url, stop, done := serve(t, a)

		slow := slowGet(url)
		<-started
		begun := time.Now()
		stop()
		if err := <-done; err == nil {
			t.Fatal("Serve returned nil although a request outlived the drain time")
		}
		if took := time.Since(begun); took < drain || took > drain+2*time.Second {
			t.Fatalf("shutdown took %v, want about %v", took, drain)
		}
		// The request still running was cut off: its connection closed, its context ended.
		select {
		case <-cancelled:
		case <-time.After(2 * time.Second):
			t.Fatal("the request outliving the drain time was not cancelled")
		}
		if r := <-slow; r.err == nil {
			t.Fatalf("request outliving the drain time answered %d", r.status)
		}
	})
}
