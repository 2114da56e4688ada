{{- /*
  Every refresh updates two rows written moments or days before: its session's
  last_used_at and expires_at, and the spent refresh token's used_at and successor_hash.
  No index covers those columns, so with room left on the row's page PostgreSQL writes
  the new version beside the old (a HOT update) and touches none of the table's
  indexes; on a full page it writes a new entry in every index (sessions: two;
  refresh_tokens: three) and leaves more for vacuum. Rows are appended in order, so
  without this setting pages fill up before their rows are updated. 80 leaves room for
  a new version of each row of a page, which pruning reclaims once the old one is dead.
  SQLite updates in place and has no such setting.
*/ -}}
{{ if .PG -}}
ALTER TABLE sessions SET (fillfactor = 80)
--bun:split
ALTER TABLE refresh_tokens SET (fillfactor = 80)
{{- else -}}
SELECT 1
{{- end }}
