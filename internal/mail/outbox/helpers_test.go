package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// kinds returns the databases to test on: SQLite, and PostgreSQL always (the server of
// TEST_DATABASE_URL, or a throwaway one when it is not set).
func kinds(t *testing.T) []string {
	t.Helper()
	if bunstoretest.PostgresURL() == "" {
		t.Setenv(bunstoretest.EnvURL, pgcluster.ServerURL(t))
	}
	return []string{bunstoretest.SQLite, bunstoretest.Postgres}
}

// openDB returns a migrated database of the given kind.
func openDB(t *testing.T, kind string) *bun.DB {
	t.Helper()
	return bunstoretest.Open(t, kind).DB()
}

// newOutbox returns an outbox with test timings, its worker running until the test ends.
// On PostgreSQL its per-email statements are prepared, as the service's are (app's
// newOutbox), unless opt names another mode; the tests that call New themselves keep
// Bun's statements, so that both forms are tested.
func newOutbox(t *testing.T, db *bun.DB, sender mail.Sender, opt Options) *Outbox {
	t.Helper()
	if opt.PostgresExecMode == 0 && db.Dialect().Name() == dialect.PG {
		opt.PostgresExecMode = pgx.QueryExecModeCacheStatement
	}
	if opt.RetryBase == 0 {
		opt.RetryBase = 10 * time.Millisecond
	}
	if opt.RetryMax == 0 {
		opt.RetryMax = 40 * time.Millisecond
	}
	if opt.PollInterval == 0 {
		opt.PollInterval = 100 * time.Millisecond
	}
	o, err := New(db, sender, opt)
	if err != nil {
		t.Fatal(err)
	}
	o.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := o.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return o
}

func envelope(to, subject string) mail.Envelope {
	return mail.Envelope{From: "accountd <no-reply@example.com>", To: to, Subject: subject,
		Text: "Your link: https://example.com/activate?token=SECRET-" + subject, HTML: "<p>SECRET-" + subject + "</p>",
		Kind: "activation"}
}

func flush(t *testing.T, o *Outbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// row is a mail_outbox row as a test reads it.
type row struct {
	ID            int64     `bun:"id"`
	Recipient     string    `bun:"recipient"`
	Subject       string    `bun:"subject"`
	TextBody      string    `bun:"text_body"`
	HTMLBody      string    `bun:"html_body"`
	Status        string    `bun:"status"`
	Attempts      int       `bun:"attempts"`
	NextAttemptAt time.Time `bun:"next_attempt_at"`
	LastError     string    `bun:"last_error"`
	SentAt        time.Time `bun:"sent_at,nullzero"`
}

func rows(t *testing.T, db *bun.DB) []row {
	t.Helper()
	var rs []row
	if err := db.NewRaw("SELECT id, recipient, subject, text_body, html_body, status, attempts, next_attempt_at, last_error, sent_at FROM mail_outbox ORDER BY id").
		Scan(context.Background(), &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// flakySender fails its first failures sends, then records.
type flakySender struct {
	mu       sync.Mutex
	failures int
	calls    int
	sent     []mail.Envelope
	delay    time.Duration
}

func (f *flakySender) Send(ctx context.Context, e mail.Envelope) error {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.failures {
		return errors.New("451 try again later")
	}
	f.sent = append(f.sent, e)
	return nil
}

func (f *flakySender) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *flakySender) messages() []mail.Envelope {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mail.Envelope(nil), f.sent...)
}

// results records OnResult calls.
type results struct {
	mu  sync.Mutex
	got []string
}

func (r *results) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s)
}

func (r *results) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// logBuffer collects logs written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// eventually polls cond until it holds, failing the test after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
