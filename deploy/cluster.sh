#!/usr/bin/env bash
# Starts the local three-node cluster of config/examples/three_nodes.yaml
# (strategies | order manager + risk + positions + journal | simulator + market data)
# on 127.0.0.1, generating CURVE keys under deploy/keys/ when missing.
#   deploy/cluster.sh start [extra execution-node args]   -> logs/cluster/<node>.log, pids
#   deploy/cluster.sh stop                                 -> SIGTERM, in reverse order
#   deploy/cluster.sh wait                                 -> until the venue's data ends, then stop
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BUILD_DIR:-$root/build}/nodes/execution-node"
config="${CLUSTER_CONFIG:-$root/config/examples/three_nodes.yaml}"
run_dir="${CLUSTER_DIR:-$root/logs/cluster}"
nodes=(core strategies venue) # start order: the books first, the market data last

cd "$root"
cmd="${1:-start}"
shift || true
case "$cmd" in
  start)
    mkdir -p "$run_dir" deploy/keys
    for n in "${nodes[@]}"; do
      [ -f "deploy/keys/$n.secret" ] || "$bin" --generate-keys "deploy/keys/$n.public" "deploy/keys/$n.secret"
    done
    for n in "${nodes[@]}"; do
      report=()
      [ "$n" = core ] && report=(--report "$run_dir/report.json")
      "$bin" --config "$config" --node "$n" "${report[@]}" "$@" > "$run_dir/$n.log" 2>&1 &
      echo $! > "$run_dir/$n.pid"
      echo "started $n (pid $!)"
    done
    ;;
  stop)
    for (( i=${#nodes[@]}-1; i>=0; i-- )); do
      n="${nodes[$i]}"
      [ -f "$run_dir/$n.pid" ] || continue
      pid=$(cat "$run_dir/$n.pid")
      kill -TERM "$pid" 2>/dev/null && echo "stopping $n (pid $pid)"
      for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$run_dir/$n.pid"
    done
    ;;
  wait)
    pid=$(cat "$run_dir/venue.pid")
    for _ in $(seq 1 3000); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    "$0" stop
    ;;
  *) echo "usage: $0 start|stop|wait" >&2; exit 2 ;;
esac
