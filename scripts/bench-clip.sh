#!/usr/bin/env bash
# Benchmarks `opusperf clip --analyze-only` on VIDEO against FFmpeg's scene detector in the same run
# (issue 8's reference: ffmpeg -i FILE -vf "select='gt(scene,0.3)'" -f null -), then a second run
# on the same file through the feature cache. Prints wall times, frames per second and ratios.
#
#   scripts/bench-clip.sh VIDEO [BUILD_DIR]       (BUILD_DIR default: build/release)
set -euo pipefail
video="${1:?usage: scripts/bench-clip.sh VIDEO [BUILD_DIR]}"
build="${2:-build/release}"
bin="$build/bin/opusperf"
[ -f "$video" ] || { echo "bench-clip: $video: no such file" >&2; exit 2; }
[ -x "$bin" ] || { echo "bench-clip: $bin not built (cmake --build --preset release)" >&2; exit 2; }
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "video: $video   machine: $(nproc) cores   load: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(now)
ffmpeg -nostdin -loglevel error -i "$video" -vf "select='gt(scene,0.3)'" -f null - 
t1=$(now)
out=$("$bin" clip "$video" --analyze-only --cache-dir "$cache" --json 2>/dev/null)
t2=$(now)
again=$("$bin" clip "$video" --analyze-only --cache-dir "$cache" --json 2>/dev/null)
t3=$(now)
analyze_s() { grep -o '"analyze_s":[0-9.]*' <<<"$1" | cut -d: -f2; }
ffmpeg_s=$(elapsed "$t0" "$t1")
first_s=$(elapsed "$t1" "$t2")
second_s=$(elapsed "$t2" "$t3")
frames=$(grep -o '"frames":[0-9]*' <<<"$out" | head -1 | cut -d: -f2)
printf 'ffmpeg scene select        %8.3f s\n' "$ffmpeg_s"
printf 'opusperf clip (cold)       %8.3f s  %6.0f fps  ratio to ffmpeg %s (<= 1.0: faster)\n' \
  "$first_s" "$(awk -v f="$frames" -v s="$first_s" 'BEGIN { print f / s }')" "$(ratio "$first_s" "$ffmpeg_s")"
printf 'opusperf clip (cached)     %8.3f s  %sx faster than cold (wall, with process start-up)\n' \
  "$second_s" "$(ratio "$first_s" "$second_s")"
printf 'analysis step (timing.analyze_s): cold %s s, cached %s s: %sx\n' "$(analyze_s "$out")" \
  "$(analyze_s "$again")" "$(ratio "$(analyze_s "$out")" "$(analyze_s "$again")")"
