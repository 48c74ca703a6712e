#!/bin/bash
# One execution-node run for an A/B comparison of two builds: orders taken per wall second,
# CPU (user+sys) per order, and order book journal bytes per order, on one line.
# Usage: bench/node_ab.sh BINARY TAG CONFIG [WORKDIR]
#   CONFIG: e.g. build-bench-rel/node-bench/node.yaml, the node config bench/run_all.sh makes
#   (its journal.dir is replaced by WORKDIR/journal, default /tmp/node-ab). Alternate the two
#   binaries, three runs each, and compare medians: single runs on a shared machine vary ±15%.
set -euo pipefail
BIN=$1 TAG=$2 CONFIG=$3 WORK=${4:-/tmp/node-ab}
mkdir -p "$WORK"
rm -rf "$WORK/journal"
sed -E "s|^(  dir:) *\S+|\1 $WORK/journal|" "$CONFIG" >"$WORK/node-$TAG.yaml"
T0=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$WORK/time-$TAG.txt" "$BIN" --config "$WORK/node-$TAG.yaml" \
  --duration 10 --status-every 100000 --log-level warn --report "$WORK/report-$TAG.json" \
  >"$WORK/out-$TAG.log" 2>&1
T1=$(date +%s.%N)
BYTES=$(cat "$WORK"/journal/order_book.*.jsonl | wc -c)
python3 - "$WORK" "$TAG" "$T0" "$T1" "$BYTES" <<'PY'
import json, sys
work, tag, t0, t1, book_bytes = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
taken = json.load(open("%s/report-%s.json" % (work, tag)))["orders"]["submitted"]
user, system = map(float, open("%s/time-%s.txt" % (work, tag)).read().split())
print("%s %d orders in %.2f s: %.0f orders/s, %.2f us CPU/order, %.0f order book bytes/order"
      % (tag, taken, t1 - t0, taken / (t1 - t0), (user + system) / taken * 1e6, book_bytes / taken))
PY
