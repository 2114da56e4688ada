DROP TABLE mfa_challenges;
--bun:split
DROP TABLE passkeys;
--bun:split
DROP TABLE recovery_codes;
--bun:split
DROP TABLE totp_factors;
--bun:split
ALTER TABLE sessions DROP COLUMN amr;
--bun:split
ALTER TABLE sessions DROP COLUMN auth_time;
