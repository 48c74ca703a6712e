#!/usr/bin/env bash
# The main job: installs, builds and runs one node in simulation mode on the default config
# (synthetic market data, the sample strategies), printing a summary and writing a report.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"

"$root/deploy/build.sh" --target execution-node
cd "$root"
exec "$build_dir/nodes/execution-node" --config config/app_config.yaml --report logs/report.json "$@"
