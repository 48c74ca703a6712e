#!/usr/bin/env bash
# The three-node split on 127.0.0.1; the strategies node is killed with SIGKILL mid-run and
# restarted. Nothing acknowledged is lost, no fill is journaled twice, and the core's books
# equal what its trade log adds up to (tests/nodes/check_books.py). Bounded: ~2 minutes at most.
set -euo pipefail
src="$1"
bin="$2/nodes/execution-node"
work="$(mktemp -d /tmp/engine-kill-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
keep="${KEEP_WORK:-}"

base=$(( 24000 + ($$ % 400) * 10 ))
mkdir -p "$work/keys"
for n in strategies core venue; do
  "$bin" --generate-keys "$work/keys/$n.public" "$work/keys/$n.secret" > /dev/null
done
sed -e "s#deploy/keys/#$work/keys/#g" \
    -e "s#127.0.0.1:7101#127.0.0.1:$((base + 1))#" \
    -e "s#127.0.0.1:7102#127.0.0.1:$((base + 2))#" \
    -e "s#127.0.0.1:7103#127.0.0.1:$((base + 3))#" \
    -e "s#dir: logs/execution#dir: $work/journal#" \
    -e "s#^  speed: 0\b#  speed: 2000#" \
    "$src/config/examples/three_nodes.yaml" > "$work/cluster.yaml"
# The day replays at 2000x (about 12 s), so the kill below lands mid-run.
grep -q "^  speed: 2000" "$work/cluster.yaml"

start() { # node log extra...
  local node="$1" log="$2"; shift 2
  "$bin" --config "$work/cluster.yaml" --node "$node" --log-level warn --status-every 60 \
    --print-acks "$@" > "$log" 2>&1 &
  pids+=($!)
}
start core "$work/core.log" --report "$work/report.json"; core=$!
start strategies "$work/strategies-1.log"; strat=$!
start venue "$work/venue.log"; venue=$!

sleep 3
kill -9 "$strat"           # mid-run, without a chance to say goodbye
wait "$strat" 2>/dev/null || true
sleep 1
start strategies "$work/strategies-2.log"; strat=$!

wait_pid() { # pid seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  echo "process $1 did not stop within $2 s"; return 1
}
wait_pid "$venue" 150
kill -TERM "$strat"; wait_pid "$strat" 60
kill -TERM "$core"; wait_pid "$core" 60
wait "$core" || { tail -n 20 "$work/core.log"; exit 1; }
# Both incarnations of the strategies node must have traded.
for f in "$work/strategies-1.log" "$work/strategies-2.log"; do
  grep -q "^ACK " "$f" || { echo "no order acknowledged in $f"; tail -n 20 "$f"; exit 1; }
done
python3 "$src/tests/nodes/check_books.py" "$work/journal" "$work/report.json" 100000 \
  "$work/strategies-1.log" "$work/strategies-2.log"
echo "node kill: strategies killed and restarted mid-run; books equal the trade log"
