#!/usr/bin/env bash
# Regenerates src/schema.ts (the TypeScript client's types) from openapi.yaml with the
# openapi-typescript pinned in package-lock.json; `make generate` and
# `make check-generated` run it. Installs node_modules first (npm ci) when it is missing
# or older than the lockfile. Without npm it says so and leaves schema.ts as it is, so
# that the Go side can still be generated; check-generated then cannot see a stale
# schema.ts, which the message says.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo 'generate.sh: node/npm not found: clients/typescript/src/schema.ts NOT regenerated (install Node.js 20+ and npm: apt-get install nodejs npm)' >&2
	exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error >&2
fi
node_modules/.bin/openapi-typescript ../../openapi.yaml --output src/schema.ts >/dev/null
