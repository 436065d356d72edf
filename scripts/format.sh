#!/usr/bin/env bash
# The project's C style (.clang-format), applied by clang-format 14 (Debian 12's; other versions
# format some constructs differently, so the check names its version).
#   bash scripts/format.sh           reformat every tracked C file in place
#   bash scripts/format.sh --check   change nothing; list the files that differ, exit 1 if any
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cf=clang-format-14
command -v "$cf" >/dev/null || { echo "format: $cf not found (run 'npm run setup')" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -gt 0 ] || { echo "format: no C files found (not a git checkout?)" >&2; exit 1; }
if [ "${1:-}" != "--check" ]; then
  "$cf" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'format: %s is not formatted as .clang-format says\n' "${bad[@]}" >&2
  echo "format: ${#bad[@]} of ${#files[@]} files differ; 'bash scripts/format.sh' fixes them" >&2
  exit 1
fi
echo "format: ${#files[@]} C files as .clang-format says ($("$cf" --version | grep -o 'version [0-9.]*'))"
