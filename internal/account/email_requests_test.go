package account_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// Issue 13, item 6: forgot password and resend activation take the same time for an
// address with an account as for one without, on both stores. Samples of the two are
// taken in turn (which goes first alternating), and their medians compared with a
// generous margin; before the fix, the known address took about three times as long (a
// look-up, a token, an event and an email against a look-up alone).
func TestForgotAndResendTakeTheSameTime(t *testing.T) {
	if bunstoretest.PostgresURL() == "" {
		t.Setenv(bunstoretest.EnvURL, pgcluster.ServerURL(t))
	}
	for _, kind := range []string{bunstoretest.SQLite, bunstoretest.Postgres} {
		t.Run(kind, func(t *testing.T) {
			f := newFixtureOn(t, kind, nil)
			ctx := context.Background()
			meta := account.RequestMeta{IP: "192.0.2.1", UserAgent: "timing"}
			f.activeUser(t, "known", "correct-horse-battery")
			f.registered(t, "waiting")
			for _, c := range []struct {
				name  string
				known string
				call  func(email string) error
			}{
				{"forgot_password", "known@example.com", func(email string) error { return f.svc.ForgotPassword(ctx, email, "", meta) }},
				{"resend_activation", "waiting@example.com", func(email string) error {
					_, err := f.svc.ResendActivation(ctx, email, "", meta)
					return err
				}},
			} {
				t.Run(c.name, func(t *testing.T) {
					const n = 200
					var known, unknown []time.Duration
					timed := func(email string) time.Duration {
						start := time.Now()
						if err := c.call(email); err != nil {
							t.Fatal(err)
						}
						return time.Since(start)
					}
					for i := range n + 20 {
						other := fmt.Sprintf("nobody%d@example.com", i)
						var k, u time.Duration
						if i%2 == 0 {
							k, u = timed(c.known), timed(other)
						} else {
							u, k = timed(other), timed(c.known)
						}
						if i >= 20 { // the first ones warm caches and connections
							known, unknown = append(known, k), append(unknown, u)
						}
					}
					mk, mu := median(known), median(unknown)
					ratio := float64(max(mk, mu)) / float64(min(mk, mu))
					t.Logf("median %v for the known address, %v for unknown ones (ratio %.2f)", mk, mu, ratio)
					if ratio > 1.5 {
						t.Errorf("the answer's time tells whether the address has an account: median %v known, %v unknown", mk, mu)
					}
					// The work is done after the answer: the known address gets its email.
					flushRequests(t, f.svc)
					if _, ok := f.mail.Last(c.known); !ok {
						t.Errorf("no email to %s once the requests were carried out", c.known)
					}
				})
			}
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
