#!/usr/bin/env bash
# The test suite: install, build, run the fast tests; then (in CI, or with --asan) build again
# with AddressSanitizer + UBSan and run the fast tests once more.
#   scripts/test.sh [--asan|--no-asan] [--slow]
set -euo pipefail
cd "$(dirname "$0")/.."
asan=${CI:-}
labels=fast
for arg in "$@"; do
  case $arg in
    --asan) asan=1 ;;
    --no-asan) asan= ;;
    --slow) labels='fast|slow' ;;
    *) echo "usage: scripts/test.sh [--asan|--no-asan] [--slow]" >&2; exit 2 ;;
  esac
done
scripts/setup.sh
scripts/build.sh build
jobs=$(nproc)
ctest --test-dir build -L "$labels" --output-on-failure -j"$jobs"
if [[ -n "$asan" ]]; then
  echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer =="
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAL_SANITIZE=ON
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -L fast --output-on-failure -j"$jobs"
fi
