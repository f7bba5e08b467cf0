#!/usr/bin/env bash
# Installs, builds and runs the whole test suite of one preset through ctest.
# Usage: scripts/test.sh [preset]      presets: release (default), nocuda, debug, asan-ubsan, tsan
# Shared test data (cache traces) is read from ../shared/data, or from $OPUSPERF_DATA_DIR when set;
# tests that need it skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/build.sh "$preset"
jobs="$(nproc 2>/dev/null || echo 2)"
ctest --preset "$preset" --parallel "$jobs"
