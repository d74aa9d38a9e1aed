#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of fuzz/CMakeLists.txt.
#   fuzz/run.sh build BUILD_DIR               configure and build them with clang++
#   fuzz/run.sh run BUILD_DIR TARGET SECONDS  fuzz TARGET (quantity, list_decoder, kubeconfig)
# A run starts from the seed corpus fuzz/corpus/TARGET, keeps what it finds in
# BUILD_DIR/corpus/TARGET, and fails with the crashing input saved in BUILD_DIR/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:?usage: run.sh build|run BUILD_DIR [TARGET SECONDS]}"
build="${2:?missing BUILD_DIR}"

case "$mode" in
  build)
    clangxx="$(command -v clang++ || true)"
    [[ -n "$clangxx" ]] || { echo "fuzz: clang++ is not installed (.ci/install-deps --test)" >&2; exit 1; }
    cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER="$clangxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j"$(nproc)"
    ;;
  run)
    target="${3:?missing TARGET}"
    seconds="${4:?missing SECONDS}"
    binary="$build/${target}_fuzzer"
    [[ -x "$binary" ]] || { echo "fuzz: $binary is not built (fuzz.build)" >&2; exit 1; }
    mkdir -p "$build/corpus/$target" "$build/artifacts"
    dict=()
    [[ -f "$here/$target.dict" ]] && dict=(-dict="$here/$target.dict")
    # Inputs up to 64 KiB: several list items, or a kubeconfig with inline certificates.
    # -timeout turns a hang into a failure; -rss_limit_mb an unbounded allocation.
    "$binary" "${dict[@]}" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
      "$build/corpus/$target" "$here/corpus/$target"
    ;;
  *)
    echo "usage: run.sh build|run BUILD_DIR [TARGET SECONDS]" >&2
    exit 2
    ;;
esac
