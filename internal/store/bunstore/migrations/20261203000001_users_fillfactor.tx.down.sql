{{ if .PG -}}
ALTER TABLE users RESET (fillfactor)
{{- else -}}
SELECT 1
{{- end }}
