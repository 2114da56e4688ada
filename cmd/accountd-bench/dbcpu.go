package main

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// dbCPU adds up the CPU time of the PostgreSQL backends serving one database, read from
// /proc: the database's share of each request, beside the server's. It needs the
// server on this machine (as .ci/postgres.sh provides it); where /proc does not show
// the backends it reads 0.
type dbCPU struct {
	mu   sync.Mutex
	conn *pgx.Conn
	// last is each backend's CPU time when last read; gone holds what backends that
	// have exited had used by then (their use after that is lost: pools keep their
	// connections, so little is).
	last map[int32]time.Duration
	gone time.Duration
}

func newDBCPU(ctx context.Context, dbURL string) (*dbCPU, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	return &dbCPU{conn: conn, last: map[int32]time.Duration{}}, nil
}

func (d *dbCPU) close() { _ = d.conn.Close(context.Background()) }

// read returns the CPU time the database's backends (other than this reader's own) have
// used so far.
func (d *dbCPU) read() (time.Duration, error) {
	if d == nil {
		return 0, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := d.conn.Query(ctx,
		"SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return 0, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, err
	}
	now := make(map[int32]time.Duration, len(pids))
	for _, pid := range pids {
		if t, err := cpuTime(int(pid)); err == nil {
			now[pid] = t
		}
	}
	for pid, t := range d.last {
		if _, ok := now[pid]; !ok {
			d.gone += t
		}
	}
	d.last = now
	total := d.gone
	for _, t := range now {
		total += t
	}
	return total, nil
}
