package outbox

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"
)

// sqlHandle is what database/sql's DB, Tx and Conn have in common: the prepared texts
// go to them directly, since Bun would format their arguments into the text.
type sqlHandle interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// handleOf returns the database/sql handle under db.
func handleOf(db bun.IDB) (sqlHandle, error) {
	switch db := db.(type) {
	case *bun.DB:
		return db.DB, nil
	case bun.Tx:
		return db.Tx, nil
	case bun.Conn:
		return db.Conn, nil
	}
	return nil, fmt.Errorf("outbox: unexpected database handle %T", db)
}

// withMode puts the statements' mode first among args: pgx reads a QueryExecMode given
// as the first argument as the mode of that one statement, and its database/sql driver
// passes arguments through unchanged.
func (o *Outbox) withMode(args []any) []any {
	return append([]any{o.opt.PostgresExecMode}, args...)
}

// execPrepared runs query, one of the fixed texts, on db (the outbox's database or the
// caller's transaction) in PostgresExecMode.
func (o *Outbox) execPrepared(ctx context.Context, db bun.IDB, query string, args ...any) error {
	h, err := handleOf(db)
	if err != nil {
		return err
	}
	_, err = h.ExecContext(ctx, query, o.withMode(args)...)
	return err
}

// queryPrepared runs query, one of the fixed texts, on the outbox's database in
// PostgresExecMode.
func (o *Outbox) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return o.db.DB.QueryContext(ctx, query, o.withMode(args)...)
}
