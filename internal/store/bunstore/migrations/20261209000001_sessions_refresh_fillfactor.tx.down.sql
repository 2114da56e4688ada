{{ if .PG -}}
ALTER TABLE sessions RESET (fillfactor)
--bun:split
ALTER TABLE refresh_tokens RESET (fillfactor)
{{- else -}}
SELECT 1
{{- end }}
