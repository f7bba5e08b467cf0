#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds the CUDA backend, runs the GPU tests (the CUDA ones must
# run, not skip), and benchmarks the caching allocator against cudaMalloc/cudaFree
# (`opusperf bench alloc --backend cuda`). Meant to finish in under 5 minutes on a 16-core machine.
#
# Usage: scripts/gpu-check.sh [build-dir]          (default build/gpu-check; reused if present)
# Environment: CUDAToolkit_ROOT (default /usr/local/cuda), JOBS (default: all cores),
# CUDA_ARCHITECTURES (default "native": machine code for this machine's GPU only).
# Exit status: 0 when every test passes and the goals are met (pool >= 10x faster than
# cudaMalloc/cudaFree, graph replay equal to eager results, expandable segments <= 144 MiB);
# 1 otherwise, with the reason; 2 when there is no GPU or no CUDA toolkit to check with.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/gpu-check}"
cuda_root="${CUDAToolkit_ROOT:-/usr/local/cuda}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 4)}"
start=$(date +%s)
step() { echo "gpu-check: [$(( $(date +%s) - start ))s] $*"; }

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU answers (nvidia-smi -L failed); nothing to check" >&2
  exit 2
fi
if [ ! -x "$cuda_root/bin/nvcc" ]; then
  echo "gpu-check: no CUDA toolkit at $cuda_root (set CUDAToolkit_ROOT)" >&2
  exit 2
fi
nvidia-smi -L

# "native" compiles for this machine's GPU only, which keeps nvcc's share of the build short.
archs="${CUDA_ARCHITECTURES:-native}"
step "configuring $build (CUDA backend required, architectures $archs)"
cmake --preset release -B "$build" -DOPUSPERF_ENABLE_CUDA=ON \
  -DCUDAToolkit_ROOT="$cuda_root" -DCMAKE_CUDA_COMPILER="$cuda_root/bin/nvcc" \
  -DCMAKE_CUDA_ARCHITECTURES="$archs" >/dev/null
step "building gpu_tests, bench_gpu_tests, optimizer_tests and the CLI with $jobs jobs"
cmake --build "$build" -j "$jobs" --target gpu_tests bench_gpu_tests optimizer_tests opusperf_cli

failures=()
step "running the GPU tests"
tests_log="$build/gpu-check-tests.log"
if ! "$build/src/opusperf/gpu/gpu_tests" >"$tests_log" 2>&1; then
  failures+=("gpu_tests failed (see $tests_log)")
fi
tail -n 3 "$tests_log"
if grep -q "^\[  SKIPPED \] CudaBackend" "$tests_log"; then
  grep "SKIPPED\|no usable CUDA device" "$tests_log" | head -n 5
  failures+=("CUDA tests skipped although a GPU is present")
fi
grep -q "^\[       OK \] CudaBackendTest.GraphReplayEqualsEagerResults" "$tests_log" ||
  failures+=("graph replay did not match eager results (CudaBackendTest.GraphReplayEqualsEagerResults)")
"$build/bench/gpu/bench_gpu_tests" --gtest_brief=1 || failures+=("bench_gpu_tests failed")
"$build/src/opusperf/optimizer/optimizer_tests" --gtest_brief=1 --gtest_filter='GpuComponent*' ||
  failures+=("GpuComponent tests failed")

step "benchmarking the caching allocator against cudaMalloc/cudaFree"
results=()
for ops in 10000 100000; do
  out="$build/bench-alloc-cuda-$ops.json"
  if ! "$build/bin/opusperf" bench alloc --backend cuda --ops "$ops" --repetitions 3 \
      --baseline-warmups 1 --json >"$out"; then
    failures+=("bench alloc --backend cuda --ops $ops failed")
    continue
  fi
  cat "$out"
  results+=("$out")
done
"$build/bin/opusperf" bench alloc --backend host --ops 100000 --json >"$build/bench-alloc-host.json" ||
  failures+=("bench alloc --backend host failed")

step "quickstart gpu on the CUDA backend"
"$build/bin/opusperf" quickstart gpu --backend cuda --frames 24 >"$build/quickstart-gpu.txt" ||
  failures+=("quickstart gpu failed (see $build/quickstart-gpu.txt)")
head -n 16 "$build/quickstart-gpu.txt"

# The goals, read from the JSON the benchmark printed.
for out in "${results[@]+"${results[@]}"}"; do
  verdict=$(python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
problems = []
if r["backend"] != "cuda":
    problems.append("ran on the %s backend" % r["backend"])
if r["speedup"] < 10:
    problems.append("pool only %.1fx faster than cudaMalloc/cudaFree (goal >= 10x)" % r["speedup"])
if r["expandable_reserved_mib"] > 144:
    problems.append("expandable segments reserved %.0f MiB (goal <= 144)" % r["expandable_reserved_mib"])
print("; ".join(problems))
print("ops %d: pool %.1f ns/op, cudaMalloc/cudaFree %.1f ns/op, %.1fx; upstream share %.4f%%; "
      "reserved %.0f MiB expandable vs %.0f MiB plain"
      % (r["ops"], r["pool_ns_per_op"], r["malloc_ns_per_op"], r["speedup"],
         100 * r["upstream_share"], r["expandable_reserved_mib"], r["plain_reserved_mib"]),
      file=sys.stderr)
PY
  )
  [ -z "$verdict" ] || failures+=("$out: $verdict")
done

step "done"
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'gpu-check: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "gpu-check: all GPU tests passed and the goals are met in $(( $(date +%s) - start ))s"
