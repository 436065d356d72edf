#!/usr/bin/env bash
# `npm test`: set-up, then every suite. Exit status is non-zero if any suite failed.
#   0. the C style check (scripts/format.sh --check, .clang-format)
#   1. C unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (ctest, build/asan)
#   2. fuzz smoke run of every libFuzzer target (K230JS_FUZZ_SECONDS each, default 10)
#   3. vitest: runtime, CLI, types and media tests against real peers (host + qemu-riscv64)
#   4. the RTSP vitest suites again on the host runtime linked for the board's system calls
#      (build/host/rtsmart, K230JS_RTSMART_SYSCALLS; docs/board.md)
#   5. nothing of ours left in the run's temporary directory
# Every suite's temporary files go in one directory of this run (TMPDIR), removed at the end, so
# repeated runs cannot fill the disk; K230JS_KEEP_TMP=1 keeps it (and each test's files) for a look.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh --all || exit 1
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/k230js-npm-test.XXXXXX") || exit 1
export TMPDIR=$run_tmp
if [ "${K230JS_KEEP_TMP:-}" = 1 ]; then
  trap 'echo "kept $run_tmp"' EXIT
else
  trap 'rm -rf "$run_tmp"' EXIT
fi
failed=()
run() { # run <name> <command...>
  local name=$1; shift
  printf '\n\033[1m== %s ==\033[0m\n' "$name"
  if "$@"; then echo "-- $name: ok"; else echo "-- $name: FAILED"; failed+=("$name"); fi
}
run "C style (clang-format)" bash scripts/format.sh --check
run "C tests (ASan+UBSan)" bash -c "cd build/asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j 2"
run "fuzz smoke" bash scripts/fuzz-smoke.sh "${K230JS_FUZZ_SECONDS:-10}"
run "vitest" node_modules/.bin/vitest run
run "vitest RTSP, RT-Smart system calls" env K230JS_BUILD_DIR="$top/build/host/rtsmart" \
  node_modules/.bin/vitest run test/rtsp.test.ts test/rtsp-push.test.ts
# A test or tool that leaves its files behind fills the disk over many runs: what is ours (named
# k230js-*) fails this suite; what peers (browsers, GStreamer) leave is only listed.
leftovers() {
  [ "${K230JS_KEEP_TMP:-}" = 1 ] && { echo "skipped: K230JS_KEEP_TMP=1 keeps them"; return 0; }
  local ours others
  ours=$(find "$run_tmp" -mindepth 1 -maxdepth 1 -name 'k230js-*' -printf '  %f\n')
  others=$(find "$run_tmp" -mindepth 1 -maxdepth 1 ! -name 'k230js-*' -printf '  %f\n')
  [ -z "$others" ] || printf 'left by peers (not ours):\n%s\n' "$others"
  [ -z "$ours" ] || { printf 'left behind by our tests or tools:\n%s\n' "$ours"; return 1; }
}
run "temporary files removed" leftovers
echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "test suites: 6 passed, 0 failed"
  exit 0
fi
echo "test suites: $((6 - ${#failed[@]})) passed, ${#failed[@]} failed (${failed[*]})"
exit 1
