{{- /*
  Administration: who acted on an account, and listing users for staff. Rendered like
  the first migration: .PG is true on PostgreSQL, false on SQLite.
*/ -}}
{{- $nl := "char(10)" -}}
{{- $byCodePoint := "" -}}
{{- if .PG -}}
{{- $nl = "chr(10)" -}}
{{- $byCodePoint = " COLLATE \"C\"" -}}
{{- end }}
-- The staff user who acted on the account, NULL when its owner did. No foreign key: the
-- history keeps the actor's ID after the actor's account is deleted.
ALTER TABLE events ADD COLUMN actor_id bigint NULL;
--bun:split
-- What a staff search ("q") looks in: username, email and full name, lower-cased by
-- bunstore in Go on every write (strings.ToLower folds the same on both dialects) and
-- separated by newlines, so that a search, which holds none, never matches across two
-- fields. Existing rows are filled here with lower(), which agrees with Go on ASCII;
-- the next write of a row recomputes its key.
ALTER TABLE users ADD COLUMN search_key text NOT NULL DEFAULT '';
--bun:split
-- An account an administrator holds inactive: its user cannot activate it themselves.
ALTER TABLE users ADD COLUMN deactivated boolean NOT NULL DEFAULT false;
--bun:split
UPDATE users SET search_key = lower(username || {{ $nl }} || email || {{ $nl }} || trim(first_name || ' ' || last_name));
--bun:split
-- The staff listing pages by keyset (sort key, id) in both directions; these serve its
-- two orders. Usernames sort by code point on both dialects (SQLite's BINARY, and
-- PostgreSQL told COLLATE "C", whatever the database's locale).
CREATE INDEX users_date_joined_id_idx ON users (date_joined, id);
--bun:split
CREATE INDEX users_username_key_id_idx ON users (username_key{{ $byCodePoint }}, id);
