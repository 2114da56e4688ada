package bunstore

import (
	"testing"
	"time"
)

func TestPoolDefaults(t *testing.T) {
	t.Run("postgres_keeps_every_connection_idle", func(t *testing.T) {
		o := Options{MaxOpenConns: 32}.withDefaults(Postgres)
		if o.MaxIdleConns != 32 {
			t.Fatalf("MaxIdleConns = %d, want MaxOpenConns (32): fewer makes the pool reconnect under load", o.MaxIdleConns)
		}
		if o.ConnMaxIdleTime != 5*time.Minute || o.ConnMaxLifetime != 30*time.Minute {
			t.Fatalf("idle time %v, lifetime %v; want 5m and 30m", o.ConnMaxIdleTime, o.ConnMaxLifetime)
		}
	})
	t.Run("postgres_default_size", func(t *testing.T) {
		o := Options{}.withDefaults(Postgres)
		if o.MaxOpenConns != 20 || o.MaxIdleConns != 20 {
			t.Fatalf("open %d, idle %d; want 20 and 20", o.MaxOpenConns, o.MaxIdleConns)
		}
	})
	t.Run("explicit_idle_limit_kept", func(t *testing.T) {
		if o := (Options{MaxOpenConns: 20, MaxIdleConns: 4}).withDefaults(Postgres); o.MaxIdleConns != 4 {
			t.Fatalf("MaxIdleConns = %d, want the 4 asked for", o.MaxIdleConns)
		}
	})
	t.Run("sqlite_one_connection_forever", func(t *testing.T) {
		o := Options{MaxOpenConns: 20}.withDefaults(SQLite)
		if o.MaxOpenConns != 1 || o.MaxIdleConns != 1 || o.ConnMaxLifetime != 0 || o.ConnMaxIdleTime != 0 {
			t.Fatalf("SQLite pool %+v, want one connection that never expires", o)
		}
	})
}
