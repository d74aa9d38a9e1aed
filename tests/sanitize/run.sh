#!/usr/bin/env bash
# Builds the library, the exporter and the unit and integration tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (KCE_SANITIZE) in BUILD_DIR, then runs every GoogleTest case there.
# Any sanitizer report fails the run: ASan aborts on the first error (leaks included) and UBSan
# is built with -fno-sanitize-recover.
#   tests/sanitize/run.sh BUILD_DIR
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:?usage: run.sh BUILD_DIR}"

cmake -S "$repo" -B "$build" -DKCE_SANITIZE=ON -DKCE_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target kce_tests kube-commitment-exporter

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build/tests"
./kce_tests --gtest_brief=1
