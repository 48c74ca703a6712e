# ctest: `promtool check metrics` accepts GET /metrics of a running node (exit 77 when promtool is absent).
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_node  # noqa: E402


def main():
    src, build = sys.argv[1], sys.argv[2]
    promtool = shutil.which("promtool")
    if not promtool:
        print("promtool not installed (Debian package prometheus): skipped")
        return 77
    proc, base, tmp = run_node.start_node(src, build)
    try:
        # A manual order first, so the latency histogram and the fills have samples.
        import urllib.request
        req = urllib.request.Request(
            base + "/orders", method="POST",
            data=b'{"ticker":"AAPL","side":"buy","quantity":"1"}',
            headers={"Authorization": "Bearer " + run_node.TOKEN,
                     "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        status, text = run_node.get(base, "/metrics")
    finally:
        run_node.stop_node(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    assert status == 200, status
    for family in ("engine_orders", "engine_fills_total", "engine_equity_dollars",
                   "engine_http_requests_total", "engine_manual_order_ack_seconds_bucket",
                   "engine_market_data_age_seconds", "engine_broker_state"):
        assert "\n" + family in text, family + " missing from /metrics"
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
