package contracttests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
	mailpkg "github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/mail/smtptest"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// newAppEnv starts an app that opens its own database from cfg, as the server does
// (newEnv hands it a store instead). Emails go to e.mail, or with configuredMailer to
// cfg.Mailer.
func newAppEnv(t *testing.T, cfg config.Config, configuredMailer bool) *env {
	t.Helper()
	e := &env{t: t, mail: &mailpkg.Recorder{}, clock: &clock{now: time.Now().UTC()}, logs: &lockedBuffer{}}
	opt := app.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil)), Sender: e.mail, Now: e.clock.Now}
	if configuredMailer {
		opt.Sender = nil
	}
	a, err := app.New(context.Background(), cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	e.app = a
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.http = &http.Client{Transport: &validatingTransport{t: t, next: http.DefaultTransport}, Timeout: 30 * time.Second}
	if e.client, err = client.NewClientWithResponses(srv.URL, client.WithHTTPClient(e.http)); err != nil {
		t.Fatal(err)
	}
	return e
}

// call is one request of the steady traffic.
type call struct {
	what       string // "register" or "me"
	username   string // for register
	start, end time.Time
	status     int
	err        error
}

func (c call) String() string {
	return fmt.Sprintf("%s %s at +%v took %v: %d %v", c.what, c.username, c.start.Format("15:04:05.000"), c.end.Sub(c.start).Round(time.Millisecond), c.status, c.err)
}

// send makes one request without failing the test from a traffic goroutine.
func (e *env) send(method, path string, body any, token string) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Content-Type") != "application/problem+json" {
		err = fmt.Errorf("503 with Content-Type %q", res.Header.Get("Content-Type"))
	}
	return res.StatusCode, b, err
}

// traffic sends registrations and GET /v1/me from a few goroutines until stopped.
type traffic struct {
	mu    sync.Mutex
	calls []call
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startTraffic(e *env, workers int, token string) *traffic {
	tr := &traffic{stop: make(chan struct{})}
	for w := range workers {
		tr.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-tr.stop:
					return
				default:
				}
				c := call{what: "me"}
				c.start = time.Now()
				if i%2 == 0 {
					u := newUser(fmt.Sprintf("fault%d", w))
					c.what, c.username = "register", u.username
					c.status, _, c.err = e.send(http.MethodPost, "/v1/auth/register", map[string]string{
						"username": u.username, "email": u.email, "password": u.password}, "")
				} else {
					c.status, _, c.err = e.send(http.MethodGet, "/v1/me", nil, token)
				}
				c.end = time.Now()
				tr.mu.Lock()
				tr.calls = append(tr.calls, c)
				tr.mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	return tr
}

// waitCalls waits until n calls that started after since have ended (at most 10s).
func (tr *traffic) waitCalls(t *testing.T, since time.Time, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tr.mu.Lock()
		got := 0
		for _, c := range tr.calls {
			if c.start.After(since) {
				got++
			}
		}
		tr.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls in 10s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (tr *traffic) finish() []call {
	close(tr.stop)
	tr.wg.Wait()
	sort.Slice(tr.calls, func(i, j int) bool { return tr.calls[i].start.Before(tr.calls[j].start) })
	return tr.calls
}

// waitReady polls /readyz until it answers want, and returns how long that took.
func waitReady(t *testing.T, e *env, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		status, _, err := e.send(http.MethodGet, "/readyz", nil, "")
		if err == nil && status == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("/readyz did not answer %d within %v (last: %d %v)", want, within, status, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDatabaseOutage takes PostgreSQL away under steady traffic (registrations and
// GET /v1/me from a few clients), twice: stopped, as in a restart or failover, and
// frozen, as behind a dead link, where nothing answers and only timeouts help. Each
// time, requests answer 503 problems within twice the query timeout, /readyz turns 503,
// service comes back by itself when the database does, and no registration answered
// 201 is lost. Rate limits are counted in PostgreSQL, so that path is under test too.
func TestDatabaseOutage(t *testing.T) {
	inProcessOnly(t, "stops and freezes its own PostgreSQL")
	const queryTimeout = time.Second
	cluster := pgcluster.Start(t)
	cfg := testConfig(t)
	cfg.DatabaseURL = cluster.URL()
	cfg.DBQueryTimeout = queryTimeout
	cfg.RateLimitStore = "postgres"
	cfg.Limits.RegisterIP = account.Rule{Limit: 1_000_000, Window: time.Hour}
	e := newAppEnv(t, cfg, false)
	token := e.login(e.seedUser("outage")).AccessToken
	waitReady(t, e, http.StatusOK, 5*time.Second)

	t.Run("stopped_503_fast_then_service_resumes", func(t *testing.T) {
		outage(t, e, token, queryTimeout, time.Second,
			func() { cluster.Stop(t) }, func() { cluster.Start(t) })
	})
	t.Run("frozen_503_within_timeouts_then_service_resumes", func(t *testing.T) {
		outage(t, e, token, queryTimeout, 3*queryTimeout,
			func() { cluster.Freeze(t) }, func() { cluster.Thaw(t) })
	})
}

// outage runs traffic, calls down, waits for downFor, calls up, and checks the calls.
func outage(t *testing.T, e *env, token string, queryTimeout, downFor time.Duration, down, up func()) {
	e.t = t
	began := time.Now()
	tr := startTraffic(e, 4, token)
	tr.waitCalls(t, began, 8)
	downBegan := time.Now()
	down()
	isDown := time.Now()

	// /readyz says so within the bound.
	if took := waitReady(t, e, http.StatusServiceUnavailable, 2*queryTimeout); took > 2*queryTimeout {
		t.Errorf("/readyz took %v to turn 503", took)
	}
	time.Sleep(max(0, downFor-time.Since(isDown)))
	upBegan := time.Now()
	up()
	isUp := time.Now()

	// Back without a restart of the app.
	const resumeBound = 5 * time.Second
	waitReady(t, e, http.StatusOK, resumeBound)
	ready := time.Now()
	tr.waitCalls(t, ready, 8)
	calls := tr.finish()

	var (
		before, during, after int
		acknowledged          []string
		firstSuccess          time.Time
	)
	for _, c := range calls {
		ok := c.err == nil && (c.status == http.StatusOK || c.status == http.StatusCreated)
		if c.err != nil || (!ok && c.status != http.StatusServiceUnavailable) {
			t.Errorf("want 200, 201 or a 503 problem, got %v", c)
		}
		// A call made while the database is down ends within twice the query timeout;
		// one that straddles the outage's start or end may add the work it did while the
		// database was up (a password hash). None hangs until the database is back.
		took := c.end.Sub(c.start)
		switch {
		case c.start.After(isDown) && c.start.Before(upBegan) && took > 2*queryTimeout:
			t.Errorf("took %v, more than twice the query timeout, while the database was down: %v", took, c)
		case c.end.After(downBegan) && c.start.Before(upBegan) && took > 2*queryTimeout+500*time.Millisecond:
			t.Errorf("took %v across the outage's start or end: %v", took, c)
		}
		if c.what == "register" && c.status == http.StatusCreated {
			acknowledged = append(acknowledged, c.username)
		}
		switch {
		case c.end.Before(downBegan):
			before++
			if !ok {
				t.Errorf("before the outage: %v", c)
			}
		case c.start.After(isDown) && c.end.Before(upBegan):
			during++
			if c.status != http.StatusServiceUnavailable {
				t.Errorf("while the database is down: %v, want 503", c)
			}
		case c.start.After(isUp):
			if ok && firstSuccess.IsZero() {
				firstSuccess = c.end
			}
			// Once ready, the pool has recovered: every request succeeds.
			if c.start.After(ready) {
				after++
				if !ok {
					t.Errorf("after the database came back: %v", c)
				}
			}
		}
	}
	if during < 3 {
		t.Fatalf("too little traffic to judge: %d calls while the database was down", during)
	}
	if firstSuccess.IsZero() || firstSuccess.Sub(isUp) > resumeBound {
		t.Errorf("no success within %v of the database's return", resumeBound)
	}
	t.Logf("%d calls: %d before, %d during, %d after the outage; first success %v after the database returned; %d registrations acknowledged",
		len(calls), before, during, after, firstSuccess.Sub(isUp).Round(time.Millisecond), len(acknowledged))

	// Every acknowledged registration is there, and has its activation email queued
	// (issue 20: the email commits with the account). Queued, not necessarily sent yet:
	// a claim whose answer the frozen database never gave leases its rows for minutes.
	for _, name := range acknowledged {
		if _, err := e.app.Store.UserByLogin(context.Background(), name); err != nil {
			t.Errorf("registration of %s was answered 201 but the account is missing: %v", name, err)
		}
		var queued int
		if err := e.app.Store.DB().NewRaw("SELECT count(*) FROM mail_outbox WHERE recipient = ? AND kind = 'activation'", name+"@example.com").
			Scan(context.Background(), &queued); err != nil || queued != 1 {
			t.Errorf("registration of %s was answered 201 with %d activation emails queued (%v), want 1", name, queued, err)
		}
	}
	if strings.Contains(e.logs.String(), "correct-horse") {
		t.Error("logs hold a password")
	}
}

// TestMailServerDown registers while the mail server refuses connections: the request
// answers 201 at once, the activation email waits in the outbox and arrives exactly once
// when the server comes up, and its link activates the account.
func TestMailServerDown(t *testing.T) {
	inProcessOnly(t, "stops and starts its own mail server")
	for _, kind := range []string{bunstoretest.SQLite, bunstoretest.Postgres} {
		t.Run(kind, func(t *testing.T) {
			addr := smtptest.Reserve(t)
			cfg := testConfig(t)
			cfg.DatabaseURL = bunstoretest.DSN(t, bunstoretest.SQLite)
			if kind == bunstoretest.Postgres {
				cfg.DatabaseURL = freshPostgres(t)
			}
			cfg.Mailer = "smtp://" + addr
			cfg.MailRetryBase, cfg.MailRetryMax, cfg.MailMaxAttempts = 20*time.Millisecond, 100*time.Millisecond, 1000
			e := newAppEnv(t, cfg, true)

			u := newUser("smtpdown")
			start := time.Now()
			e.register(u)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("registration took %v with the mail server down", took)
			}
			box := e.app.Outbox()
			deadline := time.Now().Add(5 * time.Second)
			for {
				_, failed, _ := box.Counters()
				if pending, _, err := box.Stats(context.Background()); err == nil && pending == 1 && failed >= 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the email was not retried while the server was down (%d failed attempts)", failed)
				}
				time.Sleep(10 * time.Millisecond)
			}

			srv := smtptest.Start(t, addr)
			got := srv.WaitFor(t, 1, 5*time.Second)
			if err := e.app.FlushMail(context.Background()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond) // more retry periods: nothing is sent again
			if got = srv.Received(); len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != u.email {
				t.Fatalf("received %+v, want one email to %s", got, u.email)
			}
			link := mailpkg.FindLink(plainText(t, got[0].Data))
			lu, err := url.Parse(link)
			if err != nil || lu.Query().Get("token") == "" {
				t.Fatalf("no activation link in the email: %q", link)
			}
			res, err := e.client.ActivateWithResponse(context.Background(), client.ActivateJSONRequestBody{Token: lu.Query().Get("token")})
			if err != nil || res.StatusCode() != http.StatusOK {
				t.Fatalf("activate with the late email's link: %v %d %s", err, statusOf(res), bodyOf(res))
			}
		})
	}
}

// plainText returns the text/plain part of a MIME message, decoded.
func plainText(t *testing.T, raw string) string {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		b, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		return string(b)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/plain") {
			b, _ := io.ReadAll(part)
			return string(b)
		}
	}
}
