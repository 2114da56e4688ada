DROP INDEX users_username_key_id_idx;
--bun:split
DROP INDEX users_date_joined_id_idx;
--bun:split
ALTER TABLE users DROP COLUMN deactivated;
--bun:split
ALTER TABLE users DROP COLUMN search_key;
--bun:split
ALTER TABLE events DROP COLUMN actor_id;
