package bunstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// emailRequestRow is a row of email_requests (migration 20261209000008).
type emailRequestRow struct {
	bun.BaseModel `bun:"table:email_requests"`

	ID            int64     `bun:"id,pk,autoincrement"`
	Kind          string    `bun:"kind"`
	Email         string    `bun:"email"`
	Flow          string    `bun:"flow"`
	LinkBase      string    `bun:"link_base"`
	IP            string    `bun:"ip"`
	UserAgent     string    `bun:"user_agent"`
	Attempts      int       `bun:"attempts"`
	NextAttemptAt time.Time `bun:"next_attempt_at"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r emailRequestRow) domain() account.EmailRequest {
	return account.EmailRequest{
		ID: r.ID, Kind: account.EmailRequestKind(r.Kind), Email: r.Email, Flow: r.Flow, LinkBase: r.LinkBase,
		Meta: account.RequestMeta{IP: r.IP, UserAgent: r.UserAgent}, Attempts: r.Attempts, CreatedAt: domainTime(r.CreatedAt),
	}
}

// QueueEmailRequest stores r, due at once; see account.Store.
func (s *Store) QueueEmailRequest(ctx context.Context, r account.EmailRequest) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := emailRequestRow{
		Kind: string(r.Kind), Email: r.Email, Flow: r.Flow, LinkBase: r.LinkBase, IP: r.Meta.IP, UserAgent: r.Meta.UserAgent,
		NextAttemptAt: dbTime(r.CreatedAt), CreatedAt: dbTime(r.CreatedAt),
	}
	_, err := s.db.NewInsert().Model(&row).ExcludeColumn("id").Exec(ctx)
	return translate(err)
}

// The claim is the outbox's: on PostgreSQL the due rows are taken FOR UPDATE SKIP
// LOCKED, so that claims of several instances take disjoint rows without waiting; on
// SQLite one write statement cannot interleave with another. Arguments: lease end, now,
// limit.
const (
	claimEmailRequestsPG = `WITH due AS (
		SELECT id FROM email_requests WHERE next_attempt_at <= ?1
		ORDER BY next_attempt_at, id LIMIT ?2 FOR UPDATE SKIP LOCKED)
	UPDATE email_requests AS r SET attempts = r.attempts + 1, next_attempt_at = ?0
	FROM due WHERE r.id = due.id
	RETURNING r.*`
	claimEmailRequestsSQLite = `UPDATE email_requests SET attempts = attempts + 1, next_attempt_at = ?0
	WHERE id IN (SELECT id FROM email_requests WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2)
	RETURNING *`
)

// ClaimEmailRequests leases up to limit due requests until leaseUntil; see account.Store.
func (s *Store) ClaimEmailRequests(ctx context.Context, now, leaseUntil time.Time, limit int) ([]account.EmailRequest, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	// A look first, which takes no lock: most polls find nothing, and on SQLite an
	// UPDATE takes the database's one write lock even when it changes no row.
	var due bool
	if err := s.db.NewRaw("SELECT EXISTS (SELECT 1 FROM email_requests WHERE next_attempt_at <= ?)", dbTime(now)).Scan(ctx, &due); err != nil {
		return nil, translate(err)
	}
	if !due {
		return nil, nil
	}
	q := claimEmailRequestsSQLite
	if s.dialect == Postgres {
		q = claimEmailRequestsPG
	}
	var rows []emailRequestRow
	if err := s.db.NewRaw(q, dbTime(leaseUntil), dbTime(now), limit).Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	out := make([]account.EmailRequest, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.domain())
	}
	// RETURNING promises no order; IDs follow the order of queueing.
	slices.SortFunc(out, func(a, b account.EmailRequest) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteEmailRequest removes a request carried out or given up; see account.Store.
func (s *Store) DeleteEmailRequest(ctx context.Context, id int64) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.db.NewDelete().TableExpr("email_requests").Where("id = ?", id).Exec(ctx)
	return translate(err)
}

// EmailRequestsPending counts the email requests not yet carried out, for the metrics.
func (s *Store) EmailRequestsPending(ctx context.Context) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var n int
	err := s.db.NewRaw("SELECT count(*) FROM email_requests").Scan(ctx, &n)
	return n, translate(err)
}
