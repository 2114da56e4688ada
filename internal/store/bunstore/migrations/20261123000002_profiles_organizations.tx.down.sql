-- SQLite (3.35 and later) drops a column only once no index names it.
DROP INDEX users_organization_id_idx;
--bun:split
ALTER TABLE users DROP COLUMN superuser;
--bun:split
ALTER TABLE users DROP COLUMN role;
--bun:split
ALTER TABLE users DROP COLUMN organization_id;
--bun:split
ALTER TABLE users DROP COLUMN avatar_url;
--bun:split
ALTER TABLE users DROP COLUMN thoughts;
--bun:split
ALTER TABLE users DROP COLUMN profession;
--bun:split
ALTER TABLE users DROP COLUMN country;
--bun:split
ALTER TABLE users DROP COLUMN bio;
--bun:split
DROP TABLE organizations;
