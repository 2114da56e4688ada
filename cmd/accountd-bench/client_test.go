package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestAppendRequest(t *testing.T) {
	got := string(appendRequest(nil, "POST", "/v1/auth/login", []Header{{"Authorization", "Bearer t"}}, []byte(`{"a":1}`)))
	want := "POST /v1/auth/login HTTP/1.1\r\nHost: accountd-bench\r\nUser-Agent: accountd-bench\r\nAuthorization: Bearer t\r\n" +
		"Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
	if got != want {
		t.Fatalf("request\n%q\nwant\n%q", got, want)
	}
}

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/big" {
			// Large enough that net/http sends it chunked.
			_, _ = io.WriteString(w, strings.Repeat("x", 64<<10))
			return
		}
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(append([]byte(r.Method+" "), body...))
	}))
	defer srv.Close()
	c := newClient(strings.TrimPrefix(srv.URL, "http://"))
	defer c.Close()

	t.Run("keep_alive_reuses_one_connection", func(t *testing.T) {
		for range 5 {
			status, body, err := c.Do("POST", "/echo", nil, []byte("hi"))
			if err != nil || status != 200 || string(body) != "POST hi" {
				t.Fatalf("Do = %d %q %v", status, body, err)
			}
		}
		if c.Dials != 1 {
			t.Fatalf("%d connections opened for 5 requests, want 1", c.Dials)
		}
	})
	t.Run("chunked_body_read_whole", func(t *testing.T) {
		_, body, err := c.Do("GET", "/big", nil, nil)
		if err != nil || len(body) != 64<<10 {
			t.Fatalf("read %d bytes, %v; want 65536", len(body), err)
		}
	})
	t.Run("unexpected_status_is_an_error", func(t *testing.T) {
		status, body, err := c.Do("GET", "/missing", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := expect(status, 200, body); err == nil || !strings.Contains(err.Error(), "status 404") {
			t.Fatalf("expect = %v, want a 404 error", err)
		}
	})
}

func TestDriveAndInterleave(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/fail" {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	load := Load{Addr: strings.TrimPrefix(srv.URL, "http://"), Connections: 4,
		CPU: func() (time.Duration, time.Duration, error) { return 0, 0, nil }}
	worker := func(path string) NewWorker {
		return func(int, *client) (Step, error) {
			return func(c *client) error {
				status, body, err := c.Do("GET", path, nil, nil)
				if err != nil {
					return err
				}
				return expect(status, 200, body)
			}, nil
		}
	}
	ctx := context.Background()
	t.Run("counts_only_the_measured_window", func(t *testing.T) {
		load.Warmup, load.Duration = 30*time.Millisecond, 100*time.Millisecond
		before := hits.Load()
		s, err := Drive(ctx, load, worker("/ok"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Requests == 0 || s.Errors != 0 || int64(s.Requests) >= hits.Load()-before {
			t.Fatalf("%d requests, %d errors, of %d sent; want some, none, and fewer than sent (warm-up excluded)",
				s.Requests, s.Errors, hits.Load()-before)
		}
	})
	t.Run("failures_counted_as_errors", func(t *testing.T) {
		load.Warmup, load.Duration = 0, 50*time.Millisecond
		s, err := Drive(ctx, load, worker("/fail"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Requests != 0 || s.Errors == 0 || len(s.FirstErrors) == 0 {
			t.Fatalf("%d requests, %d errors; want 0 and some", s.Requests, s.Errors)
		}
	})
	t.Run("interleave_measures_both_for_the_total", func(t *testing.T) {
		a, err := NewDriver(load, worker("/a"))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := NewDriver(load, worker("/b"))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		sa, sb, _, err := Interleave(ctx, a, b, 120*time.Millisecond, 40*time.Millisecond, 10*time.Millisecond, 5*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for name, s := range map[string]Sample{"a": sa, "b": sb} {
			if s.Requests == 0 || s.Elapsed < 110*time.Millisecond || s.Elapsed > time.Second {
				t.Errorf("%s: %d requests over %v, want some over about 120ms", name, s.Requests, s.Elapsed)
			}
		}
	})
}
