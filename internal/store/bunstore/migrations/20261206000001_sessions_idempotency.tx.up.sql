{{- /*
  Session chains, the session cap and its list, idempotent requests and cleanup. Rendered
  like the first migration: .PG is true on PostgreSQL, false on SQLite.
*/ -}}
{{- $ts := "TIMESTAMP" -}}
{{- $bytes := "BLOB" -}}
{{- if .PG -}}
{{- $ts = "timestamptz" -}}
{{- $bytes = "bytea" -}}
{{- end }}
-- The hash of the refresh token a spent one was exchanged for, written with used_at. A
-- spent token leads to that successor for as long as nobody has used it (a retried or
-- concurrent refresh), and is reuse only once the chain has moved past it (refresh.go).
-- NULL for tokens spent before this column existed.
ALTER TABLE refresh_tokens ADD COLUMN successor_hash text NULL;
--bun:split
-- Cleanup finds spent and expired refresh tokens by age. created_at is never updated,
-- so the index costs a refresh nothing beyond its insert.
CREATE INDEX refresh_tokens_created_at_idx ON refresh_tokens (created_at);
--bun:split
-- An account's sessions, newest first: the paginated list and the cap on live sessions
-- read them in this order. It serves everything the index on user_id alone did.
CREATE INDEX sessions_user_id_created_at_idx ON sessions (user_id, created_at, id);
--bun:split
DROP INDEX sessions_user_id_idx;
--bun:split
-- Answers to requests sent with an Idempotency-Key (internal/httpapi/idempotency.go).
-- - key is an HMAC of the caller's scope (the user, or for an anonymous request the
--   operation) and the client's key: the key itself is never stored.
-- - fingerprint is an HMAC of the request (operation and body) under a key derived from
--   the client's key, so it tells nothing about a body that holds a password.
-- - response is the first answer (status, headers, body), sealed with AES-GCM under a key
--   derived from the client's key: the tokens a refresh answers are useless to whoever
--   reads the table. NULL while the first request is in flight.
-- - expires_at ends the in-flight lease (response NULL) or the time the answer is kept.
CREATE TABLE idempotency_keys (
    key         text PRIMARY KEY,
    fingerprint text NOT NULL,
    response    {{ $bytes }} NULL,
    created_at  {{ $ts }} NOT NULL,
    expires_at  {{ $ts }} NOT NULL
);
--bun:split
-- Cleanup deletes expired answers in bounded batches.
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
