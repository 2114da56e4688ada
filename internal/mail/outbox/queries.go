package outbox

import (
	"strings"
	"time"
)

// The outbox's SQL. Bun formats the ? arguments into the text for either dialect (times
// as UTC text on SQLite, which sorts as time does; timestamptz on PostgreSQL). Only the
// claim differs between the dialects.

const insertSQL = `INSERT INTO mail_outbox
	(recipient, sender, subject, text_body, html_body, kind, message_id, status, attempts, next_attempt_at, last_error, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', ?)`

// claimPG leases up to ? due rows: SKIP LOCKED passes over rows another worker is
// claiming at this moment, so concurrent claims on several instances take disjoint rows
// without waiting for each other. Arguments: lease end, now, limit.
const claimPG = `WITH due AS (
		SELECT id FROM mail_outbox
		WHERE status = 'pending' AND next_attempt_at <= ?1
		ORDER BY next_attempt_at, id
		LIMIT ?2
		FOR UPDATE SKIP LOCKED)
	UPDATE mail_outbox AS m SET attempts = m.attempts + 1, next_attempt_at = ?0
	FROM due WHERE m.id = due.id
	RETURNING m.id, m.recipient, m.sender, m.subject, m.text_body, m.html_body, m.kind, m.message_id, m.attempts`

// claimSQLite is the same claim for SQLite, where a write statement holds the
// database's only write lock and so cannot interleave with another claim.
const claimSQLite = `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?0
	WHERE id IN (
		SELECT id FROM mail_outbox
		WHERE status = 'pending' AND next_attempt_at <= ?1
		ORDER BY next_attempt_at, id
		LIMIT ?2)
	RETURNING id, recipient, sender, subject, text_body, html_body, kind, message_id, attempts`

// The marks apply only while the row is still this claim's (same attempt count), so a
// worker whose lease ran out cannot overwrite the outcome of the one that took over.
// The bodies, which hold live links, are blanked once they are no longer needed.
const (
	rescheduleSQL = `UPDATE mail_outbox SET next_attempt_at = ?, last_error = ?
	WHERE id = ? AND attempts = ? AND status = 'pending'`
	markDeadSQL = `UPDATE mail_outbox SET status = 'dead', last_error = ?, text_body = '', html_body = ''
	WHERE id = ? AND attempts = ? AND status = 'pending'`
)

// markSentSQL marks n claimed rows sent in one statement; markSentArgs gives its
// arguments. A row-value IN over a VALUES list is the form both dialects take.
func markSentSQL(n int) string {
	return `UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = '', text_body = '', html_body = ''
	WHERE status = 'pending' AND (id, attempts) IN (VALUES ` + strings.Repeat("(?, ?), ", n-1) + `(?, ?))`
}

func markSentArgs(now time.Time, sent []claimed) []any {
	args := make([]any, 0, 1+2*len(sent))
	args = append(args, now)
	for _, c := range sent {
		args = append(args, c.id, c.attempts)
	}
	return args
}

const (
	// nextDueSQL uses the partial index on pending rows. Selecting the column rather
	// than min() keeps its type, so SQLite hands back a time.
	nextDueSQL  = `SELECT next_attempt_at FROM mail_outbox WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1`
	countDueSQL = `SELECT count(*) FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= ?`
	statsSQL    = `SELECT status, count(*) FROM mail_outbox WHERE status IN ('pending', 'dead') GROUP BY status`
	pruneSQL    = `DELETE FROM mail_outbox WHERE status IN ('sent', 'dead') AND created_at < ?`
)
