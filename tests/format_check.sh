#!/usr/bin/env bash
# Fails when a C++ source of the repository differs from what clang-format makes of it
# (.clang-format: Google style, 100 columns). Fix with: clang-format -i <files>
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
command -v clang-format >/dev/null || { echo "format: clang-format is not installed" >&2; exit 1; }
mapfile -t files < <(cd "$repo" && find src include tests fuzz -name '*.cc' -o -name '*.h' | sort)
cd "$repo"
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files match clang-format ($(clang-format --version))"
