package contracttests

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/app"
	mailpkg "github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// TestManyInstancesBehindTransactionPooler runs three accountd instances on one
// database through PgBouncer in transaction mode with two server connections, so that
// every transaction of every instance may land on either, and walks the canonical
// flows across them at random: what one instance wrote, the others see and enforce.
// The only setting it takes is the URL's default_query_exec_mode (docs/operations.md).
func TestManyInstancesBehindTransactionPooler(t *testing.T) {
	inProcessOnly(t, "starts instances of its own behind a PgBouncer of its own")
	pgcluster.NeedPgBouncer(t)
	direct := freshPostgres(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	bouncer := pgcluster.StartBouncer(t, bunstoretest.PostgresURL(), pgcluster.BouncerOptions{PoolSize: 2})
	pooled := bouncer.URL(strings.TrimPrefix(u.Path, "/")) + "&default_query_exec_mode=cache_describe"

	// All three at once, on a database with no schema yet: each migrates at start.
	insts := startPooledInstances(t, pooled, 3)
	seed := uint64(time.Now().UnixNano())
	t.Logf("random choices seeded with %d", seed)

	t.Run("concurrent_start_migrated_once", func(t *testing.T) {
		files, err := filepath.Glob("../internal/store/bunstore/migrations/*.up.sql")
		if err != nil || len(files) == 0 {
			t.Fatalf("no migrations found: %v", err)
		}
		var applied, distinct int
		if err := openStore(t, direct).DB().QueryRowContext(t.Context(),
			"SELECT count(*), count(DISTINCT name) FROM bun_migrations").Scan(&applied, &distinct); err != nil {
			t.Fatal(err)
		}
		if applied != len(files) || distinct != len(files) {
			t.Fatalf("bun_migrations holds %d rows (%d distinct) for %d migrations", applied, distinct, len(files))
		}
	})

	const users = 12
	t.Run("flows_across_instances", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range users {
			wg.Go(func() {
				f := &flow{t: t, insts: insts, rng: rand.New(rand.NewPCG(seed, uint64(i))), u: newUser("pooled")}
				if err := f.run(); err != nil {
					t.Errorf("%s: %v", f.u.username, err)
				}
			})
		}
		wg.Wait()
	})

	t.Run("rate_limit_counted_once", func(t *testing.T) {
		// Four failed logins for one name are allowed in all, wherever they arrive; the
		// fifth is refused by every instance. Counters per instance would allow twelve.
		rng := rand.New(rand.NewPCG(seed, users))
		creds := client.LoginJSONRequestBody{Login: "nobody-" + uuid.NewString()[:8], Password: "wrong-password-123"}
		for i := range 4 {
			e := insts[rng.IntN(len(insts))]
			if res, err := e.client.LoginWithResponse(t.Context(), creds); err != nil || res.StatusCode() != http.StatusUnauthorized {
				t.Fatalf("failed login %d on %s: %v %d %s, want 401", i+1, e.url, err, statusOf(res), bodyOf(res))
			}
		}
		for _, e := range insts {
			if res, err := e.client.LoginWithResponse(t.Context(), creds); err != nil || res.StatusCode() != http.StatusTooManyRequests {
				t.Fatalf("fifth login on %s: %v %d %s, want 429", e.url, err, statusOf(res), bodyOf(res))
			}
		}
	})

	t.Run("every_email_sent_exactly_once", func(t *testing.T) {
		store := openStore(t, direct)
		deadline := time.Now().Add(30 * time.Second)
		for {
			// Every worker claims at once: the rows must still go out once each.
			var wg sync.WaitGroup
			for _, e := range insts {
				wg.Go(func() { _ = e.app.FlushMail(t.Context()) })
			}
			wg.Wait()
			var unsent int
			if err := store.DB().QueryRowContext(t.Context(), "SELECT count(*) FROM mail_outbox WHERE status <> 'sent'").Scan(&unsent); err != nil {
				t.Fatal(err)
			}
			if unsent == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d emails still unsent after 30s", unsent)
			}
			time.Sleep(50 * time.Millisecond)
		}
		var queued int
		if err := store.DB().QueryRowContext(t.Context(), "SELECT count(*) FROM mail_outbox").Scan(&queued); err != nil {
			t.Fatal(err)
		}
		// Each message is unique (its recipient and the token in its link): the same
		// text delivered twice is one message sent twice.
		deliveries := map[string]int{}
		var total int
		for i, e := range insts {
			msgs := e.mail.Messages()
			t.Logf("instance %d delivered %d emails", i, len(msgs))
			for _, m := range msgs {
				deliveries[m.To+"\x00"+m.Kind+"\x00"+m.Subject+"\x00"+m.Text]++
				total++
			}
		}
		for k, n := range deliveries {
			if n != 1 {
				to, kind, _ := strings.Cut(k, "\x00")
				t.Errorf("an email (%s to %s) was delivered %d times", strings.SplitN(kind, "\x00", 2)[0], to, n)
			}
		}
		// Two per user: the activation and the reset; the registration retried with
		// its Idempotency-Key on another instance queues none.
		if total != queued || queued != 2*users {
			t.Errorf("%d deliveries of %d queued emails, want %d of %d", total, queued, 2*users, 2*users)
		}
	})

	t.Run("no_error_logged_nor_any_about_prepared_statements", func(t *testing.T) {
		logs := map[string]string{}
		for i, e := range insts {
			logs[fmt.Sprintf("instance %d", i)] = e.logs.String()
		}
		for who, log := range logs {
			for line := range strings.Lines(log) {
				var entry struct{ Level string }
				_ = json.Unmarshal([]byte(line), &entry)
				if strings.Contains(strings.ToLower(line), "prepared statement") || entry.Level == slog.LevelError.String() {
					t.Errorf("%s logged: %s", who, line)
				}
			}
		}
	})
}

// startPooledInstances starts n apps on dsn at the same moment, each with its own
// connection pool, mail worker (delivering to its own recorder) and log, the rate
// limits in PostgreSQL, and serves each over HTTP.
func startPooledInstances(t *testing.T, dsn string, n int) []*env {
	t.Helper()
	cfg, err := app.LoadConfig(nil, func(k string) string {
		return map[string]string{
			"ACCOUNTD_DATABASE_URL":     dsn,
			"ACCOUNTD_RATE_LIMIT_STORE": "postgres",
			"ACCOUNTD_ISSUER":           "https://accounts.test",
		}[k]
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every request comes from 127.0.0.1: only the limit under test counts.
	cfg.Limits = account.Limits{LoginFailures: account.Rule{Limit: 4, Window: time.Minute}}
	envs := make([]*env, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range envs {
		e := &env{t: t, mail: &mailpkg.Recorder{}, logs: &lockedBuffer{}}
		envs[i] = e
		wg.Go(func() {
			e.app, errs[i] = app.New(context.Background(), cfg, app.Options{
				Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Sender: e.mail,
			})
		})
	}
	wg.Wait()
	for i, e := range envs {
		if errs[i] != nil {
			t.Fatalf("instance %d did not start: %v\n%s", i, errs[i], e.logs.String())
		}
		t.Cleanup(func() { _ = e.app.Close() })
		srv := httptest.NewServer(e.app.Handler)
		t.Cleanup(srv.Close)
		e.url = srv.URL
		e.http = &http.Client{Transport: &validatingTransport{t: t, next: http.DefaultTransport}, Timeout: 30 * time.Second}
		if e.client, err = client.NewClientWithResponses(srv.URL, client.WithHTTPClient(e.http)); err != nil {
			t.Fatal(err)
		}
	}
	return envs
}

// flow is one account's life across the instances, each step on an instance picked at
// random.
type flow struct {
	t     *testing.T
	insts []*env
	rng   *rand.Rand
	u     user
}

// pick returns an instance, and its number for messages.
func (f *flow) pick() (*env, int) {
	i := f.rng.IntN(len(f.insts))
	return f.insts[i], i
}

// others returns every instance but e.
func (f *flow) others(e *env) []*env {
	var out []*env
	for _, o := range f.insts {
		if o != e {
			out = append(out, o)
		}
	}
	return out
}

func (f *flow) run() error {
	ctx := f.t.Context()
	// Register on one instance, and send the same request again with its
	// Idempotency-Key on another, as a client whose first answer was lost: the same
	// account comes back, and no second email is queued.
	key := uuid.NewString()
	body := client.RegisterJSONRequestBody{Username: f.u.username, Email: client.Email(f.u.email), Password: f.u.password}
	var first *client.RegisterResponse
	for attempt := range 2 {
		e, i := f.pick()
		res, err := e.client.RegisterWithResponse(ctx, &client.RegisterParams{IdempotencyKey: &key}, body)
		if err != nil || res.StatusCode() != http.StatusCreated {
			return fmt.Errorf("register (attempt %d) on %d: %v %d %s", attempt+1, i, err, statusOf(res), bodyOf(res))
		}
		if first == nil {
			first = res
		} else if string(res.Body) != string(first.Body) {
			return fmt.Errorf("the retried registration answered %s, the first %s", res.Body, first.Body)
		}
	}

	token, err := f.emailedToken(ctx, "activation")
	if err != nil {
		return err
	}
	e, i := f.pick()
	if res, err := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: token}); err != nil || res.StatusCode() != http.StatusOK {
		return fmt.Errorf("activate on %d: %v %d %s", i, err, statusOf(res), bodyOf(res))
	}

	e, i = f.pick()
	login, err := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: f.u.username, Password: f.u.password})
	if err != nil || login.JSON200 == nil {
		return fmt.Errorf("login on %d: %v %d %s", i, err, statusOf(login), bodyOf(login))
	}
	pair := *login.JSON200
	for j, o := range f.insts {
		if res, err := o.client.GetMeWithResponse(ctx, bearer(pair.AccessToken)); err != nil || res.StatusCode() != http.StatusOK {
			return fmt.Errorf("GET /v1/me on %d after login on %d: %v %d %s", j, i, err, statusOf(res), bodyOf(res))
		}
	}

	// A change made through one instance is what the next one answers.
	name := "Pooled" + f.u.username[strings.LastIndex(f.u.username, "_")+1:]
	e, i = f.pick()
	if res, err := e.client.UpdateMeWithResponse(ctx, client.UpdateMeJSONRequestBody{FirstName: &name}, bearer(pair.AccessToken)); err != nil || res.StatusCode() != http.StatusOK {
		return fmt.Errorf("PATCH /v1/me on %d: %v %d %s", i, err, statusOf(res), bodyOf(res))
	}
	e, i = f.pick()
	if res, err := e.client.GetMeWithResponse(ctx, bearer(pair.AccessToken)); err != nil || res.JSON200 == nil || res.JSON200.FirstName != name {
		return fmt.Errorf("GET /v1/me on %d after the PATCH: %v %d %s, want first_name %s", i, err, statusOf(res), bodyOf(res), name)
	}

	// Refresh on each instance in turn, starting anywhere.
	start := f.rng.IntN(len(f.insts))
	for r := range 2 * len(f.insts) {
		j := (start + r) % len(f.insts)
		res, err := f.insts[j].client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken})
		if err != nil || res.JSON200 == nil {
			return fmt.Errorf("refresh %d on %d: %v %d %s", r+1, j, err, statusOf(res), bodyOf(res))
		}
		pair = *res.JSON200
	}

	e, i = f.pick()
	if res, err := e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(f.u.email)}); err != nil || res.StatusCode() != http.StatusAccepted {
		return fmt.Errorf("forgot password on %d: %v %d %s", i, err, statusOf(res), bodyOf(res))
	}

	// Logged out on one instance, the session is refused by the others at once:
	// neither its access token nor its refresh token works any more.
	e, i = f.pick()
	if res, err := e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{}, bearer(pair.AccessToken)); err != nil || res.StatusCode() != http.StatusNoContent {
		return fmt.Errorf("logout on %d: %v %d %s", i, err, statusOf(res), bodyOf(res))
	}
	for _, o := range f.others(e) {
		if res, err := o.client.GetMeWithResponse(ctx, bearer(pair.AccessToken)); err != nil || res.StatusCode() != http.StatusUnauthorized {
			return fmt.Errorf("GET /v1/me on %s after logout on %d: %v %d %s, want 401", o.url, i, err, statusOf(res), bodyOf(res))
		}
		if res, err := o.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken}); err != nil || res.StatusCode() != http.StatusUnauthorized {
			return fmt.Errorf("refresh on %s after logout on %d: %v %d %s, want 401", o.url, i, err, statusOf(res), bodyOf(res))
		}
	}
	return nil
}

// emailedToken waits for the email of kind to the flow's user, delivered by whichever
// instance's worker claimed it, and returns the token of its link.
func (f *flow) emailedToken(ctx context.Context, kind string) (string, error) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range f.insts {
			for _, m := range e.mail.Messages() {
				if m.Kind != kind || !strings.Contains(strings.ToLower(m.To), strings.ToLower(f.u.email)) {
					continue
				}
				link, err := url.Parse(mailpkg.FindLink(m.Text))
				if err != nil || link.Query().Get("token") == "" {
					return "", fmt.Errorf("the %s email holds no token link: %q", kind, m.Text)
				}
				return link.Query().Get("token"), nil
			}
		}
		// Wake some instance's worker: any of them may deliver it.
		e, _ := f.pick()
		flush, cancel := context.WithTimeout(ctx, 2*time.Second)
		_ = e.app.FlushMail(flush)
		cancel()
	}
	return "", fmt.Errorf("no %s email to %s within 20s", kind, f.u.email)
}
