{{- /*
  Counters of internal/ratelimit's PostgreSQL limiter, shared by every instance that uses
  the same database. Only that limiter reads or writes the table; it exists on SQLite too
  because both dialects run the same migrations, and stays empty there.

  One row per key, holding a sliding-window approximation: the number of events counted
  in the current fixed window (count), the number counted in the window before it
  (prev_count), and when the current window began (window_start).
  - key is the hex SHA-256 of the limiter key. Keys contain emails and IP addresses,
    which this table must not hold in clear.
  - expires_at is when the row stops mattering: a window after the last counted event.
    A row at or past it reads as no row at all, so cleanup may delete it at any time.
  - allowed tells whether the latest Allow counted its event. The upsert always writes
    the row, and RETURNING sees only the new values, so this is how the one statement
    reports its own decision.
*/ -}}
{{- $ts := "TIMESTAMP" -}}
{{- if .PG -}}
{{- $ts = "timestamptz" -}}
{{- end }}
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    window_start {{ $ts }} NOT NULL,
    prev_count   integer NOT NULL DEFAULT 0,
    count        integer NOT NULL DEFAULT 0,
    expires_at   {{ $ts }} NOT NULL,
    allowed      boolean NOT NULL DEFAULT true
);
--bun:split
-- Cleanup deletes rows past expires_at in bounded batches.
CREATE INDEX rate_limits_expires_at_idx ON rate_limits (expires_at);
