#!/usr/bin/env bash
# One-command set-up for a fresh Debian 12 machine with Node 20 (run by `npm start` and `npm test`):
# apt packages, npm packages, the pinned QuickJS-ng sources, the runtime builds and the CLI.
# Every step checks first and does nothing when already current, so a second run takes seconds.
#
#   scripts/setup.sh              host runtime + CLI (what `npm start` needs)
#   scripts/setup.sh --all        also the riscv64 build and the sanitizer build (what tests need)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
all=0
for a in "$@"; do
  case "$a" in
    --all) all=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
jobs=$(nproc 2>/dev/null || echo 2)

# 1. Debian packages
mapfile -t wanted < <(grep -vE '^\s*(#|$)' scripts/apt-packages.txt)
missing=()
while read -r pkg status; do
  [ "$status" = "installed" ] || missing+=("$pkg")
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null || true)
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -q '^installed$' || { [[ " ${missing[*]} " == *" $p "* ]] || missing+=("$p"); }
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q update >&2
  apt-get -q install -y --no-install-recommends "${missing[@]}" >&2
fi

# 2. npm packages (install scripts: only those approved in package.json "allowScripts")
stamp=node_modules/.k230js-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm packages"
  # `npm ci` rejects this lockfile: npm records no entries for optional packages of other
  # platforms (rollup, esbuild), so install from the lockfile with `npm install` instead.
  npm install --no-audit --no-fund --no-save >&2
  echo "$want" > "$stamp"
fi

# 3. QuickJS-ng sources (pinned Debian qjs-src)
bash scripts/fetch-qjs-src.sh >/dev/null

# 4. Runtime builds (CMake + Ninja are incremental: a no-op when nothing changed)
build() { # build <dir> [cmake args...]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir"
    cmake -S firmware -B "$dir" -G Ninja "$@" >/dev/null
  fi
  ninja -C "$dir" -j "$jobs" >"$dir/.last-build.log" 2>&1 || { cat "$dir/.last-build.log" >&2; echo "setup: build of $dir failed" >&2; exit 1; }
  grep -q 'no work to do' "$dir/.last-build.log" || say "built $dir"
}
build build/host
if [ $all = 1 ]; then
  build build/riscv64 -DCMAKE_TOOLCHAIN_FILE="$top/firmware/cmake/toolchain-riscv64-linux-gnu.cmake" -DK230JS_TESTS=OFF
  build build/asan -DK230JS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi

# 5. The CLI (TypeScript -> one Node ESM file; the same build bin/k230js.mjs does on first use)
node tools/flash/build.mjs
