#!/usr/bin/env bash
# The test command: installs, builds and runs the whole test suite with ctest (2 jobs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"

"$root/deploy/build.sh"
cd "$build_dir"
ctest -j 2 --output-on-failure --timeout 900 "$@"
