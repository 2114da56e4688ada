package bunstore

import (
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/uptrace/bun/migrate"
	_ "github.com/uptrace/bun/dialect/pgdialect"
	_ "github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite"
)
