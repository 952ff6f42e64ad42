#!/usr/bin/env bash
# Packs what Tools/gpu-check/gpu-check.sh runs on a machine that has a GPU driver but no .NET: the command line (Tools) and
# the benchmarks (Bench), published self-contained for linux-x64 into ONE folder (they share the runtime and the
# engine's assemblies), with the README's sample, as artifacts/gpu-check.tar.xz (at most 60 MB; ignored by git).
#
#   Tools/gpu-check/prepare.sh [--out FILE.tar.xz]
#
# Prints the packed size; exits non-zero if publishing fails or the archive is over 60 MB. No trimming (ILGPU
# compiles kernels through reflection); size comes from xz, no debug symbols and invariant globalization (the
# target needs no ICU either).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/artifacts/gpu-check.tar.xz
limit_mb=60
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check-prepare: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case $out in /*) ;; *) out=$PWD/$out ;; esac
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

stage=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
bundle=$stage/gpu-check
mkdir -p "$bundle/bin" "$bundle/samples"
publish=(-c Release -r linux-x64 --self-contained true -o "$bundle/bin" --nologo -v quiet
         -p:InvariantGlobalization=true -p:DebugType=none -p:DebugSymbols=false -p:GenerateDocumentationFile=false)
start=$(date +%s)
for project in Tools/CineKernel.Tools.csproj Bench/CineKernel.Bench.csproj; do
  echo "gpu-check-prepare: publishing $project (self-contained, linux-x64)"
  dotnet publish "$root/$project" "${publish[@]}"
done
for exe in cinekernel CineKernel.Bench; do
  [ -x "$bundle/bin/$exe" ] || { echo "gpu-check-prepare: the published folder has no $exe" >&2; exit 1; }
done
cp -r "$root/samples/0002268" "$bundle/samples/"
git -C "$root" rev-parse HEAD > "$bundle/COMMIT" 2>/dev/null || echo unknown > "$bundle/COMMIT"

mkdir -p "$(dirname "$out")"
echo "gpu-check-prepare: packing $(du -sm "$bundle" | cut -f1) MB"
tar -C "$stage" -cf - gpu-check | xz -T0 -9 > "$out.partial"
mv "$out.partial" "$out"
bytes=$(stat -c %s "$out")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "gpu-check-prepare: wrote $out: $mb MB ($bytes bytes) in $(( $(date +%s) - start )) s"
if [ "$bytes" -gt $(( limit_mb * 1048576 )) ]; then
  echo "gpu-check-prepare: $out is $mb MB, over the $limit_mb MB limit" >&2
  exit 1
fi
