package contracttests

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// emailPath is one request that promises an email: it answers 2xx only if the email is
// queued. prepare runs with the database up; request is the call under the fault.
type emailPath struct {
	name    string
	kind    string // the outbox's kind of the email promised
	prepare func(e *env) (to string, request func() int)
}

// Issue 20, item 1: with PostgreSQL taken away before each statement in turn of the
// registration and email paths (BEGIN and COMMIT included; a proxy cuts every
// connection and refuses new ones until the request has answered), no answer is 2xx
// without its email in the outbox: at once, or for forgot password and resend
// activation, once their request is carried out (the statements counted include those
// of the worker that carries it out, woken by the request). The position of the fault moves one statement
// further each time, until a request runs through without meeting it.
func TestNoAnswerWithoutItsEmailUnderFaults(t *testing.T) {
	inProcessOnly(t, "takes its own PostgreSQL away")
	dsn := freshPostgres(t)
	proxy := pgcluster.StartProxy(t, dsn)
	cfg := testConfig(t)
	cfg.DatabaseURL = proxy.URL()
	cfg.DBQueryTimeout = time.Second
	e := newAppEnv(t, cfg, false)
	direct, err := bunstore.Open(context.Background(), dsn, bunstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	queued := func(to, kind string) int {
		var n int
		if err := direct.DB().NewRaw("SELECT count(*) FROM mail_outbox WHERE lower(recipient) LIKE ? AND kind = ?", "%"+to+"%", kind).
			Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	requestsLeft := func() int {
		var n int
		if err := direct.DB().NewRaw("SELECT count(*) FROM email_requests").Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	status := func(method, path string, body any, token string) int {
		s, _, err := e.send(method, path, body, token)
		if err != nil {
			return 0
		}
		return s
	}

	paths := []emailPath{
		{"register", "activation", func(e *env) (string, func() int) {
			u := newUser("faultreg")
			return u.email, func() int {
				return status(http.MethodPost, "/v1/auth/register", map[string]string{"username": u.username, "email": u.email, "password": u.password}, "")
			}
		}},
		{"resend_activation", "activation", func(e *env) (string, func() int) {
			u := newUser("faultresend")
			e.register(u)
			return u.email, func() int {
				return status(http.MethodPost, "/v1/auth/activate/resend", map[string]string{"email": u.email}, "")
			}
		}},
		{"forgot_password", "password_reset", func(e *env) (string, func() int) {
			u := e.seedUser("faultforgot")
			return u.email, func() int {
				return status(http.MethodPost, "/v1/auth/password/forgot", map[string]string{"email": u.email}, "")
			}
		}},
		{"change_password", "password_changed", func(e *env) (string, func() int) {
			u := e.seedUser("faultchange")
			token := e.login(u).AccessToken
			return u.email, func() int {
				return status(http.MethodPost, "/v1/me/password", map[string]string{"current_password": u.password, "new_password": "another-horse-battery-" + u.username}, token)
			}
		}},
	}
	var answered, withoutEmail int
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			e.t = t
			for k := 1; ; k++ {
				if k > 60 {
					t.Fatal("the request never ran through without meeting the fault")
				}
				to, request := p.prepare(e)
				e.sent() // the outbox idle: its worker's statements are not counted
				before := queued(to, p.kind)
				proxy.CutBefore(k)
				got := request()
				// A request queued for after the answer counts its carrying out too:
				// wait until it is done (or the fault came first).
				for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && !proxy.IsDown() && requestsLeft() > 0; {
					time.Sleep(5 * time.Millisecond)
				}
				ran := proxy.Statements()
				proxy.Up()
				waitReady(t, e, http.StatusOK, 10*time.Second)
				// Forgot password and resend activation queue their email after the
				// answer (the request row is what the answer waits for): carried out
				// now, or, when the fault cut the carrying out short, once its lease
				// has run out.
				e.sent()
				after := queued(to, p.kind)
				if after <= before {
					e.clock.Advance(2 * time.Minute)
					e.sent()
					after = queued(to, p.kind)
				}
				if got >= 200 && got < 300 {
					answered++
					if after <= before {
						withoutEmail++
						t.Errorf("fault before statement %d: answered %d, but no %s email was queued", k, got, p.kind)
					}
				} else if got != http.StatusServiceUnavailable {
					t.Errorf("fault before statement %d: answered %d, want 2xx or 503\n%s", k, got, e.logs.String())
				}
				if ran < k {
					t.Logf("%s: %d statements, a fault tried before each", p.name, ran)
					return
				}
			}
		})
	}
	t.Logf("%d answers of 2xx, %d of them without their email queued", answered, withoutEmail)
	if withoutEmail > 0 {
		t.Errorf("%d answers of 2xx without their email queued, want 0", withoutEmail)
	}
}
