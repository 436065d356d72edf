#!/usr/bin/env bash
# Builds every libFuzzer target (clang, ASan+UBSan) and runs each briefly on its seed corpus.
#   scripts/fuzz-smoke.sh [seconds per target, default 10]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
dir="$top/build/fuzz"
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang cmake -S "$top/firmware" -B "$dir" -G Ninja -DK230JS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# Only the fuzz targets and what they link: the rest of the tree is covered by the other builds.
mapfile -t targets < <(ninja -C "$dir" -t targets all | sed -n 's/^\(fuzz_[a-z0-9_]*\): phony$/\1/p')
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets"; exit 1; }
ninja -C "$dir" -j "$(nproc)" "${targets[@]}" >"$dir/.last-build.log" 2>&1 || { cat "$dir/.last-build.log"; exit 1; }
status=0
for bin in "$dir"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); corpus="$top/test/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d); cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" >"$work.log" 2>&1; then
    echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | awk '{print $2}' || true) runs)"
  else
    echo "fuzz: $name FAILED"; tail -40 "$work.log"; status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
