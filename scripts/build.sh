#!/usr/bin/env bash
# Installs what opusperf needs (scripts/install-deps.sh), then configures and builds one CMake preset.
# Usage: scripts/build.sh [preset]     presets: release (default), nocuda, debug, asan-ubsan, tsan
# The CLI lands in build/<preset>/bin/opusperf.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/install-deps.sh
echo "build: configuring preset '$preset'"
cmake --preset "$preset" >/dev/null
echo "build: building preset '$preset' (build/$preset)"
cmake --build --preset "$preset"
