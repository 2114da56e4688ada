package outbox

import (
	"strconv"
	"strings"
	"time"
)

// The outbox's SQL. Bun formats the ? arguments into the text for either dialect (times
// as UTC text on SQLite, which sorts as time does; timestamptz on PostgreSQL). Only the
// claim differs between the dialects.
//
// On PostgreSQL with Options.PostgresExecMode set, the statements run once or more per
// email (the insert, the claim and the mark "sent") are instead fixed texts with $n
// parameters, sent through pgx in that mode (by default prepared once per connection):
// Bun's texts, each new, are parsed and planned by PostgreSQL every time. The insert
// and the claim are one text written with either kind of placeholder, so the two forms
// cannot drift apart.

// bunArg writes the i-th (from 0) argument of a statement Bun formats.
func bunArg(i int) string { return "?" + strconv.Itoa(i) }

// pgArg writes it as a PostgreSQL parameter, for a statement sent unformatted.
func pgArg(i int) string { return "$" + strconv.Itoa(i+1) }

// insertSQLWith queues an email. Arguments: recipient, sender, subject, text body, HTML
// body, kind, Message-ID, first attempt time, creation time.
func insertSQLWith(arg func(int) string) string {
	return `INSERT INTO mail_outbox
	(recipient, sender, subject, text_body, html_body, kind, message_id, status, attempts, next_attempt_at, last_error, created_at)
	VALUES (` + arg(0) + `, ` + arg(1) + `, ` + arg(2) + `, ` + arg(3) + `, ` + arg(4) + `, ` + arg(5) + `, ` + arg(6) +
		`, 'pending', 0, ` + arg(7) + `, '', ` + arg(8) + `)`
}

// claimPGWith leases up to limit due rows: SKIP LOCKED passes over rows another worker
// is claiming at this moment, so concurrent claims on several instances take disjoint
// rows without waiting for each other. Arguments: lease end, now, limit.
func claimPGWith(arg func(int) string) string {
	return `WITH due AS (
		SELECT id FROM mail_outbox
		WHERE status = 'pending' AND next_attempt_at <= ` + arg(1) + `
		ORDER BY next_attempt_at, id
		LIMIT ` + arg(2) + `
		FOR UPDATE SKIP LOCKED)
	UPDATE mail_outbox AS m SET attempts = m.attempts + 1, next_attempt_at = ` + arg(0) + `
	FROM due WHERE m.id = due.id
	RETURNING m.id, m.recipient, m.sender, m.subject, m.text_body, m.html_body, m.kind, m.message_id, m.attempts`
}

var (
	insertSQL = insertSQLWith(bunArg)
	claimPG   = claimPGWith(bunArg)
	// insertPrepared and claimPrepared are their PostgreSQL texts with parameters.
	insertPrepared = insertSQLWith(pgArg)
	claimPrepared  = claimPGWith(pgArg)
)

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

// markSentPrepared is markSentSQL for PostgreSQL with one text whatever the batch's
// size, so that it can be prepared: the rows' IDs and attempt counts come as two arrays
// (markSentPreparedArgs). The id = ANY($2) is for the generic plan PostgreSQL moves to
// after a few runs, which knows nothing of the arrays' length: with it the plan looks
// the rows up by primary key; without it, it reads every pending row (all of them
// after an outage) to match them against the list.
const markSentPrepared = `UPDATE mail_outbox SET status = 'sent', sent_at = $1, last_error = '', text_body = '', html_body = ''
	WHERE status = 'pending' AND id = ANY($2) AND (id, attempts) IN (SELECT * FROM unnest($2::bigint[], $3::int[]))`

func markSentPreparedArgs(now time.Time, sent []claimed) []any {
	ids := make([]int64, len(sent))
	attempts := make([]int32, len(sent)) // the column is an integer
	for i, c := range sent {
		ids[i], attempts[i] = c.id, int32(c.attempts)
	}
	return []any{now, ids, attempts}
}

const (
	// nextDueSQL uses the partial index on pending rows. Selecting the column rather
	// than min() keeps its type, so SQLite hands back a time.
	nextDueSQL  = `SELECT next_attempt_at FROM mail_outbox WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1`
	countDueSQL = `SELECT count(*) FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= ?`
	statsSQL    = `SELECT status, count(*) FROM mail_outbox WHERE status IN ('pending', 'dead') GROUP BY status`
	pruneSQL    = `DELETE FROM mail_outbox WHERE status IN ('sent', 'dead') AND created_at < ?`
)
