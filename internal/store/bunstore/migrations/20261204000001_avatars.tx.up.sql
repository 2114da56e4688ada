{{- /*
  Pictures users upload as their avatar (account.Avatar). Rendered like the first
  migration: .PG is true on PostgreSQL, false on SQLite.
*/ -}}
{{- $ts := "TIMESTAMP" -}}
{{- $bytes := "BLOB" -}}
{{- if .PG -}}
{{- $ts = "timestamptz" -}}
{{- $bytes = "bytea" -}}
{{- end }}
-- The bytes live in the database, so that every instance serves them on either store,
-- and go with the account. id is random, with the type's extension.
CREATE TABLE avatars (
    id           text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_type text NOT NULL,
    data         {{ $bytes }} NOT NULL,
    created_at   {{ $ts }} NOT NULL
);
--bun:split
-- Serves replacing a user's picture and the cascade when an account is deleted.
CREATE INDEX avatars_user_id_idx ON avatars (user_id);
