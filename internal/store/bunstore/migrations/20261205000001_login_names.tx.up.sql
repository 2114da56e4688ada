{{- /*
  One namespace of login names: every account's username and email, and the usernames
  that hidden registrations reserve, by their case key (bunstore's caseKey), in one
  primary key. No name can then be held twice, as two usernames, two emails, or one
  account's username and another's email, whatever the order or timing of the writes:
  bunstore writes an account's names in the same transaction as its row.

  - user_id is the account holding the name, NULL for a reservation;
  - expires_at is when a reservation stops holding its name, NULL for an account's name;
  - username, email, password_hash, first_name, last_name and created_at are, for a
    reservation, what its registration sent (the password hashed) and when: a retry of
    the same registration must match them to get the same answer again, as a retry of
    a real one does (account.Service.Register). NULL for an account's name.
*/ -}}
{{- $ts := "TIMESTAMP" -}}
{{- if .PG -}}
{{- $ts = "timestamptz" -}}
{{- end }}
CREATE TABLE login_names (
    name_key      text PRIMARY KEY,
    user_id       bigint REFERENCES users (id) ON DELETE CASCADE,
    expires_at    {{ $ts }},
    username      text,
    email         text,
    password_hash text,
    first_name    text,
    last_name     text,
    created_at    {{ $ts }},
    CONSTRAINT login_names_holder_check CHECK ((user_id IS NULL) = (expires_at IS NOT NULL))
);
--bun:split
-- Serves the cascade when a user is deleted, and finding an account's names.
CREATE INDEX login_names_user_id_idx ON login_names (user_id);
--bun:split
-- Serves the cleanup of expired reservations (bunstore's Purge) without a scan of every
-- account's names.
CREATE INDEX login_names_reservations_idx ON login_names (expires_at) WHERE user_id IS NULL;
--bun:split
-- Every email first: they are unique already, and an email is what a person logs in
-- with through every API (djoser's clients by email only).
INSERT INTO login_names (name_key, user_id) SELECT email_key, id FROM users;
--bun:split
-- Then every username that is no other account's email. Before this migration, a
-- username could equal another account's email and shadow its login; such a username
-- is left out of the namespace, so that the email's owner logs in by it. Its account
-- still logs in by its own email. (WHERE true lets SQLite read ON CONFLICT as the
-- upsert clause.)
INSERT INTO login_names (name_key, user_id) SELECT username_key, id FROM users WHERE true
ON CONFLICT (name_key) DO NOTHING
