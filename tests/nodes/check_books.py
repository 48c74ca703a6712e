#!/usr/bin/env python3
"""Recomputes the books from a journal's trade log and checks a run report against them.

usage: check_books.py JOURNAL_DIR REPORT_JSON INITIAL_CASH [ACK_FILES...]
Checks: no execution id twice; cash and quantities equal the report's exactly; equity =
cash + market values; every order acknowledged in an ACK file has its "accepted" record.
Commissions that came late: a fill journaled as "*_commission_pending" is completed by at most
one "commission" record (same exec_id, quantity 0) whose commission the cash pays; the fills
still pending equal the report's orders.reconciliation.commissions_pending.
"""
import glob
import json
import sys
from decimal import Decimal

journal, report_path, initial = sys.argv[1], sys.argv[2], Decimal(sys.argv[3])
ack_files = sys.argv[4:]
cash, qty, seen, errors = initial, {}, set(), []
pending = set()  # exec ids journaled with their commission pending, not completed yet
records = [json.loads(line) for path in glob.glob(journal + "/trade_log.*.jsonl")
           for line in open(path)]
for f in sorted(records, key=lambda r: r["seq"]):  # a completion follows its fill
    if f["event"] == "commission":
        if f["exec_id"] not in pending:
            errors.append("commission of %s completes no pending fill" % f["exec_id"])
            continue
        pending.discard(f["exec_id"])
        cash -= Decimal(f["commission"])
        continue
    if f["event"].endswith("_commission_pending"):
        pending.add(f["exec_id"])
        if Decimal(f["commission"]) != 0:
            errors.append("fill %s pending with a commission" % f["exec_id"])
    if f["exec_id"] in seen:
        errors.append("fill %s journaled twice" % f["exec_id"])
        continue
    seen.add(f["exec_id"])
    q, p = Decimal(f["quantity"]), Decimal(f["price"])
    n = (q * p).quantize(Decimal("0.000001"))
    sign = 1 if f["side"] == "buy" else -1
    qty[f["ticker"]] = qty.get(f["ticker"], Decimal(0)) + sign * q
    cash += -sign * n - Decimal(f["commission"])
accepted = set()
for path in sorted(glob.glob(journal + "/order_book.*.jsonl")):
    for line in open(path):
        r = json.loads(line)
        if r["event"] == "accepted":
            accepted.add(r["order_id"])
acked = set()
for path in ack_files:
    for line in open(path, errors="replace"):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "ACK":
            acked.add(parts[2])
rep = json.load(open(report_path))
if Decimal(rep["cash"]) != cash:
    errors.append("cash %s in the report, %s from the trade log" % (rep["cash"], cash))
for t, q in qty.items():
    got = Decimal(rep["positions"].get(t, {}).get("quantity", "0"))
    if got != q:
        errors.append("%s: %s in the report, %s from the trade log" % (t, got, q))
reported_pending = rep["orders"].get("reconciliation", {}).get("commissions_pending", 0)
if reported_pending != len(pending):
    errors.append("%d commissions pending in the report, %d in the trade log"
                  % (reported_pending, len(pending)))
mv = sum(Decimal(p["market_value"]) for p in rep["positions"].values())
if Decimal(rep["equity"]) != cash + mv:
    errors.append("equity is not cash + market value")
missing = acked - accepted
if missing:
    errors.append("%d acknowledged orders are not in the journal, e.g. %s" % (len(missing), sorted(missing)[:3]))
print("%d fills (%d commissions pending), %d orders acknowledged to clients, %d accepted in the journal"
      % (len(seen), len(pending), len(acked), len(accepted)))
for e in errors:
    print("ERROR:", e)
sys.exit(1 if errors else 0)
