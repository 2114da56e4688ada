DROP TABLE idempotency_keys;
--bun:split
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
--bun:split
DROP INDEX sessions_user_id_created_at_idx;
--bun:split
DROP INDEX refresh_tokens_created_at_idx;
--bun:split
ALTER TABLE refresh_tokens DROP COLUMN successor_hash;
