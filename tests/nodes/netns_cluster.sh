#!/usr/bin/env bash
# Three hosts made of Linux network namespaces joined by a bridge (10.77.0.0/24, inside
# namespaces this test creates): strategies | core | venue over CURVE. Midway the venue's link
# is cut for 3 seconds. The run must still end with the single-node report, byte for byte,
# and the books must equal the trade log. Exits 77 (skipped) where namespaces can't be made.
set -euo pipefail
src="$1"
bin="$2/nodes/execution-node"
work="$(mktemp -d /tmp/engine-netns-XXXXXX)"
tag="e$$"
ns=("${tag}sw" "${tag}core" "${tag}strat" "${tag}venue")

cleanup() {
  for n in "${ns[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
  for n in "${ns[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if ! ip netns add "${ns[0]}" 2>/dev/null; then
  echo "cannot create network namespaces here: skipped"; exit 77
fi
ip -n "${ns[0]}" link add br0 type bridge
ip -n "${ns[0]}" link set br0 up
hosts=(core strat venue)
for i in 0 1 2; do
  h="${hosts[$i]}"; n="${ns[$((i + 1))]}"; addr="10.77.0.$((i + 1))"
  ip netns add "$n"
  ip link add "v${tag}$i" type veth peer name "p${tag}$i"
  ip link set "v${tag}$i" netns "$n"
  ip link set "p${tag}$i" netns "${ns[0]}"
  ip -n "${ns[0]}" link set "p${tag}$i" master br0 up
  ip -n "$n" addr add "$addr/24" dev "v${tag}$i"
  ip -n "$n" link set "v${tag}$i" up
  ip -n "$n" link set lo up
done

mkdir -p "$work/keys"
for n in strategies core venue; do
  "$bin" --generate-keys "$work/keys/$n.public" "$work/keys/$n.secret" > /dev/null
done
sed -e "s#deploy/keys/#$work/keys/#g" \
    -e "s#tcp://127.0.0.1:7101#tcp://10.77.0.2:7101#" \
    -e "s#tcp://127.0.0.1:7102#tcp://10.77.0.1:7102#" \
    -e "s#tcp://127.0.0.1:7103#tcp://10.77.0.3:7103#" \
    -e "s#dir: logs/execution#dir: $work/journal#" \
    "$src/config/examples/three_nodes.yaml" > "$work/cluster.yaml"
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
s = open(w + "/cluster.yaml").read()
single = s[:s.index("\nnodes:")] + "\n"
open(w + "/single.yaml", "w").write(single.replace(w + "/journal", w + "/single"))
PY

run() { # namespace node extra...: starts a node in the background of this shell
  local n="$1" node="$2"; shift 2
  ip netns exec "$n" "$bin" --config "$work/cluster.yaml" --node "$node" --log-level warn \
    --status-every 60 "$@" > "$work/$node.log" 2>&1 &
}
run "${ns[1]}" core --report "$work/report.json"; core=$!
run "${ns[2]}" strategies; strat=$!
run "${ns[3]}" venue; venue=$!

# Cut the venue off for 3 seconds while the day is trading.
sleep 2
ip -n "${ns[3]}" link set "v${tag}2" down
sleep 3
ip -n "${ns[3]}" link set "v${tag}2" up

wait_pid() { # pid seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  echo "process $1 did not stop within $2 s"; return 1
}
wait_pid "$venue" 150
kill -TERM "$strat"; wait_pid "$strat" 60
kill -TERM "$core"; wait_pid "$core" 60
for p in "$core" "$strat" "$venue"; do
  wait "$p" || { for f in "$work"/*.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1; }
done

grep -q "peer venue is down" "$work/core.log" || { echo "the link cut was not noticed"; tail -20 "$work/core.log"; exit 1; }
"$bin" --config "$work/single.yaml" --report "$work/single.json" --log-level warn > "$work/single.log" 2>&1
# Byte for byte but for the "strategies" section: which strategies ran is per node.
strip_strategies() { sed -E 's/"strategies":\{[^}]*\},//' "$1"; }
if ! cmp -s <(strip_strategies "$work/report.json") <(strip_strategies "$work/single.json"); then
  echo "the split run's report differs from the single node's:"
  diff <(tr ',' '\n' < "$work/report.json") <(tr ',' '\n' < "$work/single.json") | head -20
  exit 1
fi
echo "netns cluster: link cut and healed, report equals the single node's"
