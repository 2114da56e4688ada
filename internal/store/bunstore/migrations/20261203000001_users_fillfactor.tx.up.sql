{{- /*
  Every login updates its user's last_login, a column no index covers. With room left
  on each page, PostgreSQL writes the new version beside the old one (a HOT update) and
  touches none of the table's six indexes; on a full page it writes every index anew.
  SQLite updates in place and has no such setting.
*/ -}}
{{ if .PG -}}
ALTER TABLE users SET (fillfactor = 85)
{{- else -}}
SELECT 1
{{- end }}
