#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the browser test (the passkey page in
# contracttests/browser_test.go) where they are missing. Run by `make test`. Root with
# apt-get installs them (CI runs as root); anyone else gets a note, and the test skips
# saying the same.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "${ACCOUNTD_CHROMIUM:-}" ]; then
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo 'chromium.sh: installing chromium and chromium-driver (Debian packages) for the browser test' >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
	exit 0
fi
echo 'chromium.sh: no Chromium, and not root with apt-get: the browser test will skip (apt-get install chromium chromium-driver)' >&2
