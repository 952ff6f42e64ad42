#!/usr/bin/env bash
# One-call check of a machine with a GPU driver and no .NET, from the bundle Tools/gpu-check/prepare.sh makes:
#
#   Tools/gpu-check/gpu-check.sh [--device cuda|opencl|cpu|auto] [--quick] [--out DIR] [--bundle FILE.tar.xz|DIR]
#                        [--weights-frames N] [--budget SECONDS]
#
# Steps, each timed and its output kept: devices; selftest on the device; the README demo (animate samples/0002268
# at 1024²×120, or 256²×8 with --quick) with its JSON timings; random config-f weights (--quick: the tiny config)
# and animate --weights on them (the sample's mask and motion) with its stage timings; the generator, conv and splat
# benchmarks on the device (BenchmarkDotNet in-process, short jobs; --quick: the dry job and the tiny generator).
# A failing step is recorded and the next one runs; the exit code is non-zero if any failed.
#
# Writes exactly these 7 files to the out folder (default: $OUT): summary.md, devices.txt, selftest.txt, demo.json,
# weights.json, bench.txt, log.txt. Steps share a time budget (default 470 s, inside an 8-minute run); a step gets at
# most what is left. --bundle: the archive (unpacked beside it, once) or a folder holding bin/cinekernel and
# bin/CineKernel.Bench (default: artifacts/gpu-check.tar.xz, or the folder artifacts/gpu-check once unpacked).
set -uo pipefail
script_root=$(cd "$(dirname "$0")/../.." && pwd)
device=cuda quick=0 out=${OUT:-} bundle="" weights_frames="" budget=470
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
fail_usage() { echo "gpu-check: $1 (try --help)" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --device) [ $# -ge 2 ] || fail_usage "--device needs a value"; device=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --out) [ $# -ge 2 ] || fail_usage "--out needs a value"; out=$2; shift 2 ;;
    --bundle) [ $# -ge 2 ] || fail_usage "--bundle needs a value"; bundle=$2; shift 2 ;;
    --weights-frames) [ $# -ge 2 ] || fail_usage "--weights-frames needs a value"; weights_frames=$2; shift 2 ;;
    --budget) [ $# -ge 2 ] || fail_usage "--budget needs a value"; budget=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) fail_usage "unknown option '$1'" ;;
  esac
done
case $device in cuda|opencl|cpu|auto) ;; *) fail_usage "--device must be cuda, opencl, cpu or auto, got '$device'" ;; esac
[ -n "$out" ] || fail_usage "no out folder: give --out DIR or set OUT"
[[ $budget =~ ^[0-9]+$ ]] || fail_usage "--budget must be a whole number of seconds, got '$budget'"
[ -z "$weights_frames" ] || [[ $weights_frames =~ ^[0-9]+$ ]] || fail_usage "--weights-frames must be a number, got '$weights_frames'"
mkdir -p "$out" || { echo "gpu-check: cannot create $out" >&2; exit 2; }
out=$(cd "$out" && pwd)
if [ -z "$bundle" ]; then
  bundle=$script_root/artifacts/gpu-check.tar.xz
  [ -e "$bundle" ] || bundle=$script_root/artifacts/gpu-check
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$out/log.txt
: > "$log"
for f in summary.md devices.txt selftest.txt demo.json weights.json bench.txt; do : > "$out/$f"; done
note() { echo "$*" | tee -a "$log"; }
rows=()
failed=()
failures=() # NAME STDERR-FILE STDOUT-FILE, per failed step

# record NAME RESULT SECONDS: one row of the summary; a RESULT other than "ok" fails the check.
record() {
  note "== $1: $2 in $3 s"
  rows+=("| $1 | $2 | $3 |")
  [ "$2" = ok ] || failed+=("$1")
}
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# run NAME CAP OUTFILE COMMAND...: runs COMMAND (an executable, or one of the functions below through bash -c) with at
# most CAP seconds and what is left of the budget; stdout to OUTFILE (empty: the log), stderr to the log (and kept
# per step, so the summary can quote a failure). timeout kills the command's whole process group when the time is up.
# A step that exits 0 can still fail: the function named by $check (if set) prints why, or nothing.
run() {
  local name=$1 cap=$2 target=${3:-$log}; shift 3
  local err=$work/$name.err
  local left=$(( budget - ($(date +%s) - start) - 5 ))
  local limit=$(( cap < left ? cap : left ))
  if [ "$limit" -lt 5 ]; then
    record "$name" "skipped (the $budget s budget is spent)" 0; return 1
  fi
  note "== $name (at most $limit s)"
  local t0 status result=ok
  t0=$(date +%s.%N)
  if command -v timeout > /dev/null; then
    timeout --kill-after=10 "$limit" "$@" >> "$target" 2> "$err"; status=$?
  else
    "$@" >> "$target" 2> "$err"; status=$?
  fi
  cat "$err" >> "$log"
  local why=""
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then result="timed out after $limit s"
  elif [ "$status" -ne 0 ]; then result="failed (exit $status)"
  elif [ -n "${check:-}" ]; then why=$("$check" "$target"); [ -z "$why" ] || result="failed ($why)"; fi
  record "$name" "$result" "$(seconds_since "$t0")"
  [ "$result" = ok ] || failures+=("$name" "$err" "$target")
}

# BenchmarkDotNet exits 0 when benchmarks fail (a missing device, an exception in setup): they show as NA.
bench_failures() {
  local n
  n=$(grep -cE '^\| .*\| +NA +\|' "$1")
  [ "$n" -eq 0 ] || echo "$n benchmark rows are NA"
  [ "$n" -ne 0 ] || grep -qE '^\| ' "$1" || echo "no benchmark results"
}

# The bundle's commit: prepare.sh writes COMMIT; a folder of build outputs is from the checkout it lies in.
bundle_commit() {
  if [ -f "$root/COMMIT" ]; then cat "$root/COMMIT"
  elif c=$(git -C "$root" rev-parse HEAD 2>/dev/null); then
    echo "$c$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' with uncommitted changes')"
  else echo unknown; fi
}

# --- the bundle ---------------------------------------------------------------------------------------------------
root=""
t0=$(date +%s.%N)
if [ -d "$bundle" ]; then
  root=$bundle
elif [ -f "$bundle" ]; then
  dir=$(dirname "$bundle")
  if [ ! -x "$dir/gpu-check/bin/cinekernel" ] || [ "$bundle" -nt "$dir/gpu-check/bin/cinekernel" ]; then
    note "== unpacking $bundle"
    rm -rf "$dir/gpu-check"
    if command -v xz > /dev/null; then
      tar -C "$dir" -xJf "$bundle" >> "$log" 2>&1
    else # no xz-utils: Python's tarfile reads xz too
      python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle" "$dir" >> "$log" 2>&1
    fi && touch "$dir/gpu-check/bin/cinekernel"
  fi
  root=$dir/gpu-check
fi
root=$(cd "${root:-/nonexistent}" 2>/dev/null && pwd) || root=""
if [ -n "$root" ] && [ -x "$root/bin/cinekernel" ] && [ -x "$root/bin/CineKernel.Bench" ]; then
  record "bundle" ok "$(seconds_since "$t0")"
  note "bundle: $root (commit $(bundle_commit))"
else
  record "bundle" "failed (no bin/cinekernel and bin/CineKernel.Bench from $bundle; run Tools/gpu-check/prepare.sh)" "$(seconds_since "$t0")"
fi
cli=$root/bin/cinekernel bench=$root/bin/CineKernel.Bench
# ILGPU opens the CUDA driver as libcuda.so; a driver-only install may have just libcuda.so.1.
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so '; then
  driver=$(ldconfig -p 2>/dev/null | awk '/libcuda\.so\.1 / { print $NF; exit }')
  if [ -n "$driver" ]; then
    mkdir -p "$work/lib" && ln -sf "$driver" "$work/lib/libcuda.so"
    export LD_LIBRARY_PATH=$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    note "libcuda.so: none on the library path; linked $driver"
  fi
fi
sample=$root/samples/0002268
[ -d "$sample" ] || sample=$script_root/samples/0002268
if [ "$quick" = 1 ]; then
  demo_args="--size 256 --frames 8" demo_label="256²×8" weights_args=--tiny frames=${weights_frames:-4}
  bench_args="--job Dry" bench_generator=tiny conv_shapes=""
else
  demo_args="" demo_label="1024²×120" weights_args="" frames=${weights_frames:-30}
  # The direct conv against the implicit GEMM on the generator's two per-level conv shapes (full size: not in --quick).
  bench_args="--job short" bench_generator=config-f conv_shapes="CineKernel.Bench.ConvShapeBenchmarks.*"
fi

# --- the steps (functions run through bash -c so that timeout can stop them) ---------------------------------------
# animate prints its JSON timings as the last stdout line; keep that line alone.
animate_json() { local target=$1; shift; "$cli" animate "$@" > "$work/animate.out" && tail -n 1 "$work/animate.out" > "$target"; }
demo_step() {
  # shellcheck disable=SC2086 # the options are words
  animate_json "$out/demo.json" "$sample" -o "$work/demo.gif" --device "$device" --quiet $demo_args
}
weights_step() {
  # shellcheck disable=SC2086
  "$cli" random-weights "$work/weights" $weights_args &&
    animate_json "$out/weights.json" "$sample" -o "$work/weights.gif" --weights "$work/weights" --frames "$frames" --device "$device" --quiet
}
bench_step() {
  # shellcheck disable=SC2086
  CINEKERNEL_DEVICE=$device CINEKERNEL_BENCH_GENERATOR=$bench_generator CINEKERNEL_BENCH_CONV=gen128,gen64 "$bench" \
    --filter 'CineKernel.Bench.GeneratorBenchmarks.*' 'CineKernel.Bench.Conv2dBenchmarks.*' 'CineKernel.Bench.ModulatedConv2dBenchmarks.*' \
    'CineKernel.Bench.SplatBenchmarks.*' $conv_shapes --inProcess $bench_args --artifacts "$work/bench"
}
export -f animate_json demo_step weights_step bench_step
export cli bench device work out sample frames demo_args weights_args bench_args bench_generator conv_shapes

run "devices" 60 "$out/devices.txt" "$cli" devices
run "selftest" 120 "$out/selftest.txt" "$cli" selftest --device "$device"
run "demo" 150 "" bash -c demo_step
run "weights" 180 "" bash -c weights_step
check=bench_failures run "bench" 240 "$out/bench.txt" bash -c bench_step

# --- the summary --------------------------------------------------------------------------------------------------
total=$(( $(date +%s) - start ))
{
  echo "# GPU check: $([ "$quick" = 1 ] && echo quick || echo full), device $device"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -n), bundle commit $(bundle_commit), $total s in all"
  command -v nvidia-smi > /dev/null && { echo; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/    /'; }
  echo
  echo "| step | result | seconds |"
  echo "| --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## devices"; echo; sed 's/^/    /' "$out/devices.txt"; echo
  echo "## selftest"; echo; grep -E '^(selftest:|summary:)|FAIL' "$out/selftest.txt" | sed 's/^/    /'; echo
  echo "## demo (animate samples/0002268 at $demo_label)"; echo; sed 's/^/    /' "$out/demo.json"; echo
  echo "## full method on random weights (${weights_args:-config-f}, $frames frames)"; echo; sed 's/^/    /' "$out/weights.json"; echo
  echo "## benchmarks"; echo
  for report in "$work"/bench/results/*-report-github.md; do
    [ -f "$report" ] || continue
    name=$(basename "$report" -report-github.md)
    echo "### ${name#CineKernel.Bench.}"; cat "$report"; echo
  done
  for ((i = 0; i < ${#failures[@]}; i += 3)); do
    echo "## why ${failures[i]} failed (the last lines of its error output)"; echo
    { grep -v '^[[:space:]]*$' "${failures[i+1]}" | tail -n 8
      [ "${failures[i+2]}" = "$log" ] || grep -iE 'error|exception|fail' "${failures[i+2]}" | tail -n 4; } | sed 's/^/    /'
    echo
  done
  [ ${#failed[@]} -eq 0 ] && echo "All steps passed." || echo "Failed: ${failed[*]}"
} > "$out/summary.md"
if [ ${#failed[@]} -gt 0 ]; then
  note "gpu-check: ${#failed[@]} step(s) failed: ${failed[*]} ($total s; see $out/summary.md)"
  exit 1
fi
note "gpu-check: all steps passed in $total s; see $out/summary.md"
