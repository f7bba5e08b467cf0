#!/usr/bin/env bash
# Installs web/'s npm packages exactly as web/package-lock.json pins them (`npm ci`): uPlot, which
# the build embeds into the dashboard, and playwright-core, which drives Chromium in the dashboard's
# end-to-end test. Idempotent: runs again only when the lock file changed since the last install.
# Called by scripts/install-deps.sh. Usage: scripts/install-web-deps.sh
set -euo pipefail
web="$(cd "$(dirname "$0")/../web" && pwd)"
stamp="$web/node_modules/.opusperf-package-lock.json"
if [ -f "$stamp" ] && cmp -s "$stamp" "$web/package-lock.json"; then
  echo "install-deps: web/node_modules up to date"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: npm not found (Debian packages nodejs and npm)" >&2
  exit 1
fi
echo "install-deps: npm ci in web/"
(cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
cp "$web/package-lock.json" "$stamp"
