# ctest: `promtool check metrics` accepts GET /metrics of a running node (exit 77 when promtool is absent).
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_node  # noqa: E402

# Every family the issue lists: orders by status, rejects by reason, fills, notional,
# commission, positions, equity, brokers and reconnects, latencies, mailboxes, market data
# age, HTTP requests by route and code.
FAMILIES = ("engine_orders", "engine_order_rejects_total", "engine_fills_total",
            "engine_traded_notional_dollars", "engine_commission_dollars",
            "engine_position_quantity", "engine_equity_dollars", "engine_broker_state",
            "engine_broker_restarts_total", "engine_http_requests_total",
            "engine_manual_order_ack_seconds", "engine_market_data_age_seconds",
            "engine_journal_fsync_seconds", "engine_order_ack_seconds", "engine_mailbox_depth")
HISTOGRAMS = ("engine_journal_fsync_seconds", "engine_order_ack_seconds")
ACTORS = ("order_manager", "risk_manager", "position_keeper", "trade_logger", "market_data")


def problems(text):
    """What /metrics still lacks (empty once everything is there)."""
    out = [f + " missing" for f in FAMILIES if "\n# TYPE %s " % f not in text]
    # The default config journals with fsync: batch, and orders were acknowledged.
    for h in HISTOGRAMS:
        count = re.search(r"\n%s_count (\d+)\n" % h, text)
        inf = re.search(r'\n%s_bucket\{le="\+Inf"\} (\d+)\n' % h, text)
        if not count or int(count.group(1)) == 0:
            out.append(h + " has no samples")
        elif not inf or inf.group(1) != count.group(1):
            out.append(h + ": +Inf bucket differs from _count")
    for a in ACTORS:
        if not re.search(r'\nengine_mailbox_depth\{actor="%s"\} \d+\n' % a, text):
            out.append(a + " mailbox depth missing")
    return out


def main():
    src, build = sys.argv[1], sys.argv[2]
    promtool = shutil.which("promtool")
    if not promtool:
        print("promtool not installed (Debian package prometheus): skipped")
        return 77
    proc, base, tmp = run_node.start_node(src, build)
    try:
        # A manual order first, so the latency histograms and the fills have samples.
        req = urllib.request.Request(
            base + "/orders", method="POST",
            data=b'{"ticker":"AAPL","side":"buy","quantity":"1"}',
            headers={"Authorization": "Bearer " + run_node.TOKEN,
                     "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        # The actors sample their mailboxes as they work (the order manager each second).
        deadline = time.monotonic() + 30
        while True:
            status, text = run_node.get(base, "/metrics")
            missing = problems(text)
            if status != 200 or not missing or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        run_node.stop_node(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    assert status == 200, status
    if missing:
        print("\n".join(missing))
        print(text[:3000])
        return 1
    check = subprocess.run([promtool, "check", "metrics"], input=text, text=True,
                           capture_output=True)
    print(check.stdout + check.stderr)
    if check.returncode != 0:
        print(text[:3000])
        return 1
    print("promtool accepts /metrics (%d lines)" % text.count("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
