#!/usr/bin/env bash
# Provides NVIDIA's PTX assembler for the all-backends compile test, with no GPU and no CUDA install:
# ptxas alone from Debian's nvidia-cuda-toolkit package (non-free component), extracted into .tools/.
# The machine's own apt sources are read but never changed: a private list with the non-free component
# of the same archive is used for this one download. Prints the path of ptxas; exit 1 if it could not be had.
set -uo pipefail
cd "$(dirname "$0")/.."
target=.tools/ptxas/ptxas
if [ -x "$target" ]; then echo "$PWD/$target"; exit 0; fi
command -v ptxas >/dev/null 2>&1 && { command -v ptxas; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial"
found=0
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  sed -E 's/^Components:.*/Components: non-free/' "$f" > "$work/parts/$(basename "$f")" && found=1
done
if [ -f /etc/apt/sources.list ]; then
  grep -E '^deb ' /etc/apt/sources.list | sed -E 's/^(deb +[^ ]+ +[^ ]+) .*/\1 non-free/' > "$work/parts/nonfree.list" && found=1
fi
[ "$found" = 1 ] || { echo "ptxas: no apt sources to derive the non-free component from" >&2; exit 1; }
opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::State::Lists=$work/lists"
      -o "Dir::Cache=$work/cache" -o "APT::Get::List-Cleanup=false")
apt-get "${opts[@]}" -qq update >/dev/null 2>&1 || { echo "ptxas: apt update of the non-free list failed" >&2; exit 1; }
(cd "$work" && apt-get "${opts[@]}" -qq download nvidia-cuda-toolkit >/dev/null 2>&1) || { echo "ptxas: could not download nvidia-cuda-toolkit" >&2; exit 1; }
dpkg-deb -x "$work"/nvidia-cuda-toolkit_*.deb "$work/x" || exit 1
[ -x "$work/x/usr/bin/ptxas" ] || { echo "ptxas: the package has no usr/bin/ptxas" >&2; exit 1; }
mkdir -p "$(dirname "$target")"
cp "$work/x/usr/bin/ptxas" "$target"
"$target" --version >/dev/null || { echo "ptxas: extracted binary does not run" >&2; rm -f "$target"; exit 1; }
echo "$PWD/$target"
