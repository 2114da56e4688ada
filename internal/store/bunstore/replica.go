package bunstore

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// Reads from a streaming replica.
//
// A Store opened with Options.ReplicaURL serves the reads that tolerate lag from that
// replica: ListEvents (account histories), ListUsers and CountUsers (the admin
// listings), ListOrganizations and SigningKeys (read at start). Which reads may lag is
// decided here, per method, so that the account service decides nothing about
// connections; none of them is what authenticates a request or answers a user about
// what they just did (sessions, tokens, the user's own row: always the primary).
//
// A method alone cannot know whether its caller has just written what it reads: an
// admin's PATCH of a user answers with the organizations list, which must hold the
// organization just set; the signing keys are read again right after a new one is
// stored. So the replica is used only for work that says it may be (WithReplicaReads:
// the app marks each HTTP request, and the start-up), and only until that work writes:
// every statement it sends that is not a SELECT (through Bun, or a hot statement that
// writes) and every transaction turns its later reads to the primary. Work nobody marked
// (the command line, background jobs) reads the primary. Inside a transaction, the
// primary.
//
// When the replica fails (down, unreachable, refusing, behind on the schema, a query
// cancelled by a conflict with recovery), the read runs again on the primary, and the
// replica is left alone for replicaRetry before the next read tries it; the change is
// logged once when it fails and once when it answers again. The replica serves what it
// has replayed, however far behind: monitor its lag (pg_stat_replication on the
// primary).

// replicaRetry is how long reads skip a replica that failed (a variable for tests).
var replicaRetry = 5 * time.Second

// replica is the replica's pool and what the Store knows of its health.
type replica struct {
	db     *bun.DB
	logger *slog.Logger

	mu        sync.Mutex
	failing   bool      // since the last failure, no read has succeeded
	skipUntil time.Time // reads go to the primary until then
}

// usable reports whether a read may try the replica now.
func (r *replica) usable() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.failing || time.Now().After(r.skipUntil)
}

// failed records a failed read, logging the first of a run.
func (r *replica) failed(err error) {
	r.mu.Lock()
	first := !r.failing
	r.failing, r.skipUntil = true, time.Now().Add(replicaRetry)
	r.mu.Unlock()
	if first {
		r.logger.Warn("database replica failed: the reads it served go to the primary", "err", err, "retry_in", replicaRetry)
	}
}

// answered records a successful read, logging the first after failures.
func (r *replica) answered() {
	r.mu.Lock()
	recovered := r.failing
	r.failing = false
	r.mu.Unlock()
	if recovered {
		r.logger.Info("database replica answers again: it serves the reads that tolerate lag")
	}
}

// HasReplica reports whether the Store was opened with a replica.
func (s *Store) HasReplica() bool { return s.replica != nil }

// work is one unit of work marked by WithReplicaReads.
type work struct{ wrote atomic.Bool }

type workKey struct{}

// WithReplicaReads marks ctx as one unit of work (one HTTP request, say) whose reads
// that tolerate lag may be served by the replica, until it writes. Without a replica
// it changes nothing.
func WithReplicaReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, workKey{}, &work{})
}

// wrote records that the work of ctx, if marked, has written (or may have).
func wrote(ctx context.Context) {
	if w, ok := ctx.Value(workKey{}).(*work); ok {
		w.wrote.Store(true)
	}
}

// writeTracker is the Bun query hook of a Store with a replica: any statement but a
// SELECT counts as a write of its work.
type writeTracker struct{}

func (writeTracker) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if !strings.EqualFold(e.Operation(), "SELECT") {
		wrote(ctx)
	}
	return ctx
}

func (writeTracker) AfterQuery(context.Context, *bun.QueryEvent) {}

// replicaFor returns the replica when a read on ctx may use it: a replica is configured
// and answering, the Store is not in a transaction, and ctx is marked work that has not
// written.
func (s *Store) replicaFor(ctx context.Context) *replica {
	if s.replica == nil || s.inTx {
		return nil
	}
	w, ok := ctx.Value(workKey{}).(*work)
	if !ok || w.wrote.Load() || !s.replica.usable() {
		return nil
	}
	return s.replica
}

// readMayLag runs read, a query that tolerates lag, on the replica when ctx may use it,
// and on the primary otherwise or when the replica fails. read may run twice, so it
// must set its results afresh each time.
func (s *Store) readMayLag(ctx context.Context, read func(ctx context.Context, db bun.IDB) error) error {
	if r := s.replicaFor(ctx); r != nil {
		rctx, cancel := context.WithTimeout(ctx, s.opts.QueryTimeout)
		err := read(rctx, r.db)
		cancel()
		if err == nil {
			r.answered()
			return nil
		}
		if ctx.Err() != nil {
			// The caller gave up: not the replica's fault, and no time for the primary.
			return translate(err)
		}
		r.failed(err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return translate(read(ctx, s.db))
}
