DROP TABLE signing_keys;
--bun:split
DROP TABLE events;
--bun:split
DROP TABLE email_tokens;
--bun:split
DROP TABLE refresh_tokens;
--bun:split
DROP TABLE sessions;
--bun:split
DROP TABLE users;
