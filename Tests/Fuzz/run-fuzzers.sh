#!/usr/bin/env bash
# Runs the AFL++ fuzz targets of Tests/Fuzz one after another, each for SECONDS, and collects what they find.
#   Tests/Fuzz/run-fuzzers.sh TARGET|all SECONDS
# Targets: safetensors npy npz flo torch-zip torch-legacy pickle image (`CineKernel.Fuzz list` describes them).
# Needs AFL++ (Debian: apt-get install afl++); the SharpFuzz instrumenter is installed into .tools/ on first use.
# Everything goes to Tests/Fuzz/out/ (ignored by git): bin/ (the instrumented build), TARGET/seeds,
# TARGET/findings (AFL++'s own output, kept so a later run can resume), and TARGET/crashes, TARGET/hangs:
# the inputs to turn into regression tests. What one does, outside AFL++ (an uninstrumented build):
#   dotnet run -c Release --project Tests/Fuzz -- replay TARGET FILE...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/out"
all=(safetensors npy npz flo torch-zip torch-legacy pickle image)

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 TARGET|all SECONDS   (targets: ${all[*]})" >&2; exit 2
fi
if [ "$1" = all ]; then targets=("${all[@]}"); else targets=("$1"); fi
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "unknown target '$t' (targets: ${all[*]})" >&2; exit 2; }
done
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: install AFL++ (Debian: apt-get install afl++)" >&2; exit 2; }

sharpfuzz="$root/.tools/sharpfuzz/sharpfuzz"
if [ ! -x "$sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$root/.tools/sharpfuzz" >/dev/null
fi

# A fresh build each time: sharpfuzz instruments the assemblies in place and refuses to do it twice.
rm -rf "$out/bin"
dotnet publish "$here/CineKernel.Fuzz.csproj" -c Release -o "$out/bin" --nologo -v quiet >/dev/null
# Seeds first: an instrumented assembly only runs under afl-fuzz.
for t in "${targets[@]}"; do
  if [ ! -d "$out/$t/findings/default/queue" ]; then
    rm -rf "$out/$t/seeds"
    "$out/bin/CineKernel.Fuzz" seeds "$t" "$out/$t/seeds" --repo "$root"
  fi
done
"$sharpfuzz" "$out/bin/CineKernel.WeightsLoader.dll"
"$sharpfuzz" "$out/bin/CineKernel.Pipeline.dll" CineKernel.Pipeline.IO
"$sharpfuzz" "$out/bin/SixLabors.ImageSharp.dll"

export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
# A parse that allocates without bound fails in the harness (FuzzTarget.Check) or hits this heap limit.
export DOTNET_GCHeapHardLimit=0x40000000 DOTNET_TieredPGO=0

printf '%-14s %10s %8s %8s %8s %7s\n' target execs seconds execs/s crashes hangs
for t in "${targets[@]}"; do
  dir="$out/$t"
  mkdir -p "$dir/crashes" "$dir/hangs"
  input="$dir/seeds"
  [ -d "$dir/findings/default/queue" ] && input=-   # resume the earlier run's queue
  AFL_AUTORESUME=1 nice -n 10 afl-fuzz -i "$input" -o "$dir/findings" -V "$2" -t 5000 -m none \
    -- "$out/bin/CineKernel.Fuzz" run "$t" --repo "$root" >"$dir/afl.log" 2>&1 || {
      echo "$t: afl-fuzz failed, see $dir/afl.log" >&2; tail -n 20 "$dir/afl.log" >&2; continue; }
  for kind in crashes hangs; do
    find "$dir/findings/default/$kind" -name 'id:*' -exec cp {} "$dir/$kind/" \; 2>/dev/null || true
  done
  stats="$dir/findings/default/fuzzer_stats"
  get() { sed -n "s/^$1 *: *//p" "$stats"; }
  printf '%-14s %10s %8s %8s %8s %7s\n' "$t" "$(get execs_done)" "$(get run_time)" "$(get execs_per_sec)" \
    "$(ls "$dir/crashes" | wc -l)" "$(ls "$dir/hangs" | wc -l)"
done
