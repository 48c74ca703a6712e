#!/usr/bin/env bash
# Installs the SDK to a temporary prefix, builds examples/strategy_plugin against it out of tree,
# runs the installed execution-node on a simulated morning with the plug-in named in the config,
# and checks that the plug-in's orders traded and that the books equal the trade log.
set -euo pipefail
src="$1"
build="$2"
work="$(mktemp -d /tmp/engine-sdk-XXXXXX)"
cleanup() { [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in bin/execution-node include/execution_engine/actors/strategy_plugin.hpp \
         include/execution_engine/messages/decimal.hpp lib/cmake/ExecutionEngine/FindCAF.cmake \
         lib/cmake/ExecutionEngine/ExecutionEngineConfig.cmake lib/libmessages.a lib/libconfig.a; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

# Out of tree: a copy of the example somewhere else, knowing only the prefix.
cp -r "$src/examples/strategy_plugin" "$work/mr"
cmake -S "$work/mr" -B "$work/mr/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$work/plugin-configure.log" 2>&1 \
  || { cat "$work/plugin-configure.log"; exit 1; }
cmake --build "$work/mr/build" -j2 > "$work/plugin-build.log" 2>&1 \
  || { cat "$work/plugin-build.log"; exit 1; }
lib="$work/mr/build/libmean_reversion.so"
[ -f "$lib" ] || { echo "no $lib"; exit 1; }
# Only the entry point is exported.
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}')
[ "$exported" = "engine_strategy_plugin" ] || { echo "exports: $exported"; exit 1; }

cat > "$work/config.yaml" <<YAML
initial_cash: 100000
execution:
  mode: simulation
  execution_delay_ms: 100
  commission_rate: 0.001
  min_commission: 1
  max_daily_trades: 100000
  max_orders_per_second: 0
session:
  open: "09:30"
  close: "11:30"
clock:
  kind: simulated
  start: "2026-11-24T09:30:00-05:00"
market_data:
  source: synthetic
  seed: 7
  quote_interval_ms: 1000
  tickers:
    - ticker: AAPL
      start_price: 230
      volatility: 0.4
      spread_bps: 1
      bid_size: 500
      ask_size: 500
    - ticker: MSFT
      start_price: 420
      volatility: 0.3
      spread_bps: 1
      bid_size: 300
      ask_size: 300
strategies:
  - name: mr
    type: plugin
    library: mr/build/libmean_reversion.so   # relative to this file
    class: mean_reversion
    params:
      ticker: AAPL
      window: 30
      band_bps: 2
      quantity: 10
journal:
  dir: $work/journal
  fsync: never
YAML

"$prefix/bin/execution-node" --config "$work/config.yaml" --report "$work/report.json" \
  --log-level warn --status-every 60 > "$work/node.log" 2>&1 || { tail -n 30 "$work/node.log"; exit 1; }

# The plug-in's orders traded (its client order ids are mr-<n>), and nothing else did.
python3 - "$work/journal" <<'PY'
import glob, json, sys
fills = [json.loads(l) for p in glob.glob(sys.argv[1] + "/trade_log.*.jsonl") for l in open(p)]
accepted = [json.loads(l) for p in glob.glob(sys.argv[1] + "/order_book.*.jsonl") for l in open(p)]
accepted = [r for r in accepted if r["event"] == "accepted"]
mine = [f for f in fills if f["client_order_id"].startswith("mr-")]
print("plug-in: %d orders accepted, %d fills" % (len(accepted), len(mine)))
assert len(mine) >= 4, "the plug-in traded too little: %d fills" % len(mine)
assert len(mine) == len(fills), "fills that are not the plug-in's"
assert all(r["strategy"] == "mr" for r in accepted)
assert {f["side"] for f in mine} == {"buy", "sell"}, "it bought and sold back"
PY
python3 "$src/tests/nodes/check_books.py" "$work/journal" "$work/report.json" 100000
grep -q '"mr":"running"' "$work/report.json" || { echo "report: no running mr"; cat "$work/report.json"; exit 1; }
echo "plugin sdk: installed, built out of tree, traded; books equal the trade log"
