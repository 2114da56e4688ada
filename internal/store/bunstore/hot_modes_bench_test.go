package bunstore_test

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// BenchmarkHotStatementModes runs the session lookup and the refresh (hot.go) in each of
// pgx's query exec modes a database URL may name (default_query_exec_mode; none is the
// prepared default), on a direct connection to a throwaway server of its own, and reports
// the CPU per statement of the server (server-µs/op) and of this process (client-µs/op):
// what docs/operations.md's table of the modes' costs comes from. Run it with
// go test -run '^$' -bench HotStatementModes ./internal/store/bunstore/
func BenchmarkHotStatementModes(b *testing.B) {
	pgcluster.NeedPrograms(b)
	c := pgcluster.Start(b)
	// Autovacuum workers come and go, taking their CPU time out of the server's count.
	c.SQL(b, "ALTER SYSTEM SET autovacuum = off")
	c.SQL(b, "SELECT pg_reload_conf()")
	ctx := b.Context()
	setup, err := bunstore.Open(ctx, c.URL(), bunstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer setup.Close()
	if err := setup.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	u, err := setup.CreateUser(ctx, account.User{Username: "bench", Email: "bench@example.com", Active: true,
		Role: account.RoleUser, DateJoined: now, LinksVoidedAt: now, UpdatedAt: now})
	if err != nil {
		b.Fatal(err)
	}
	sess := account.Session{ID: "bench", UserID: u.ID, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	rt := account.RefreshToken{Hash: "r0", SessionID: sess.ID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	if _, err := setup.StartSession(ctx, sess, rt, "", account.Event{UserID: u.ID, Type: account.EventLoginSucceeded, At: now}, 0); err != nil {
		b.Fatal(err)
	}
	spent, n := rt.Hash, 0

	for _, mode := range []string{"", "cache_describe", "exec", "simple_protocol"} {
		name := mode
		if name == "" {
			name = "cache_statement"
		}
		url := c.URL()
		if mode != "" {
			url += "&default_query_exec_mode=" + mode
		}
		s, err := bunstore.Open(ctx, url, bunstore.Options{MaxOpenConns: 2})
		if err != nil {
			b.Fatal(err)
		}
		measure := func(b *testing.B, op func() error) {
			for range 100 { // the connection, and the statement prepared or described
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
			server, client := c.CPUTime(b), processCPU()
			for b.Loop() {
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
			per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
			b.ReportMetric(per(c.CPUTime(b)-server), "server-µs/op")
			b.ReportMetric(per(processCPU()-client), "client-µs/op")
		}
		b.Run(name+"/session_lookup", func(b *testing.B) {
			measure(b, func() error { _, _, err := s.SessionUser(ctx, sess.ID, time.Now()); return err })
		})
		b.Run(name+"/refresh", func(b *testing.B) {
			measure(b, func() error {
				n++
				at := time.Now()
				next := account.RefreshToken{Hash: "r" + strconv.Itoa(n), CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
				_, err := s.RotateRefreshToken(ctx, spent, next, at)
				spent = next.Hash
				return err
			})
		})
		_ = s.Close()
	}
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
