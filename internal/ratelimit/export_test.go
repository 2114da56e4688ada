package ratelimit

// SetCleanupEvery makes pg clean up every n-th Allow, for tests.
func SetCleanupEvery(pg *Postgres, n uint64) { pg.every = n }
