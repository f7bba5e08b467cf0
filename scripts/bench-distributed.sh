#!/usr/bin/env bash
# Benchmarks `opusperf clip --distributed` on one machine: analysis wall time with 1, 2 and 4
# `opusperf worker` processes against the local run, and a second coordinator on a fresh worker set
# with the Redis chunk tier warm. Starts its own redis-server on a loopback port and stops it.
#
#   scripts/bench-distributed.sh VIDEO [BUILD_DIR]      (BUILD_DIR default: build/release)
#
# Every run uses --no-cache (no on-disk feature cache) and --analyze-only, so the figures are
# decoding and analysis. Workers in the scaling runs use --no-cache-tier, so each run decodes.
set -euo pipefail
video="${1:?usage: scripts/bench-distributed.sh VIDEO [BUILD_DIR]}"
build="${2:-build/release}"
bin="$build/bin/opusperf"
[ -f "$video" ] || { echo "bench-distributed: $video: no such file" >&2; exit 2; }
[ -x "$bin" ] || { echo "bench-distributed: $bin not built (cmake --build --preset release)" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "bench-distributed: redis-server missing (scripts/install-deps.sh)" >&2; exit 2; }

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
url="redis://127.0.0.1:$port"
workers=()
cleanup() {
  for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --logfile "$work/redis.log" --dir "$work"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? a / b : 0) }'; }
analyze_s() { grep -o '"analyze_s":[0-9.]*' | cut -d: -f2; }
start_workers() {  # N [extra worker flags...]
  local n=$1; shift
  for i in $(seq "$n"); do
    "$bin" worker --redis "$url" --name "w$i" "$@" 2>>"$work/workers.log" &
    workers+=($!)
  done
  sleep 0.5
}
stop_workers() {
  for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${workers[@]}" 2>/dev/null || true
  workers=()
}

echo "video: $video   machine: $(nproc) cores   load: $(cut -d' ' -f1-3 /proc/loadavg)"
local_s=$("$bin" clip "$video" --analyze-only --no-cache --json 2>/dev/null | analyze_s)
printf '%-34s %8.2f s\n' "local (--threads = cores)" "$local_s"
for n in 1 2 4; do
  redis-cli -p "$port" flushall >/dev/null
  start_workers "$n" --no-cache-tier
  s=$("$bin" clip "$video" --analyze-only --no-cache --json --distributed "$url" 2>/dev/null | analyze_s)
  stop_workers
  printf '%-34s %8.2f s   %.2fx vs 1 worker, %.2fx vs local\n' "distributed, $n worker(s)" "$s" \
    "$(ratio "${one:-$s}" "$s")" "$(ratio "$local_s" "$s")"
  [ "$n" = 1 ] && one=$s
done

redis-cli -p "$port" flushall >/dev/null
start_workers 2
cold=$("$bin" clip "$video" --analyze-only --no-cache --json --distributed "$url" 2>/dev/null | analyze_s)
stop_workers
start_workers 2  # fresh processes: empty local caches, the Redis tier is warm
warm=$("$bin" clip "$video" --analyze-only --no-cache --json --distributed "$url" 2>/dev/null | analyze_s)
stop_workers
printf '%-34s %8.2f s\n' "tier cold, 2 workers" "$cold"
printf '%-34s %8.2f s   %.1fx faster (decoding skipped)\n' "tier warm, 2 fresh workers" "$warm" \
  "$(ratio "$cold" "$warm")"
