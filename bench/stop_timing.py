#!/usr/bin/env python3
"""How long execution-node takes to stop with many resting orders, phase by phase (issue 17 item 6).

Writes a config derived from config/app_config.yaml (only random_orders, every order a limit
500 bps from the touch so it rests, throttles and exposure limits out of the way, fsync never),
starts the node, asks it to stop after --after seconds (--duration, or SIGTERM with --sigterm),
timestamps every output line, and prints when the stop was noticed, when the drain and report
were done, how long the actors took to stop and when the process exited.

Usage: bench/stop_timing.py NODE_BINARY [--after 10] [--sigterm] [--rate 5000] [--speed 0]
                            [--resting 4] [--orders 0] [--crossing 0.5] [--workdir DIR] [--keep]
--resting 100000 leaves that many orders open (the strategy cancels its oldest only past it);
--orders N stops the strategy after N orders and --crossing 0 prices every limit away from the
touch, so `--resting 100000 --orders 100000 --crossing 0 --speed 1 --rate 8000 --quote-ms 20`
builds a book of 100,000 open orders in about 13 seconds, each one through risk, the order manager, the
journal and the simulator, and then lets the node idle until the stop.
"open at the request" is the last status line's count before the stop was noticed.
Standard library only. Nothing is deleted outside the work dir (a temp dir by default).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def make_config(src, workdir, rate, speed, resting, orders, crossing, quote_ms):
    cfg = open(src).read()
    head, rest = cfg.split("\nstrategies:\n", 1)
    tail = rest[rest.index("\njournal:\n"):]
    cfg = head + f"""
strategies:
  - name: noise
    type: random_orders
    tickers: [AAPL, MSFT, NVDA, TSLA]
    orders_per_second: {rate}
    seed: 7
    max_quantity: 5
    limit_fraction: 1.0
    limit_offset_bps: 500
    max_resting: {resting}
    max_orders: {orders}
    crossing_fraction: {crossing}
""" + tail
    for key, value in [("initial_cash", "10000000000"), ("  max_position_size", "1"),
                       ("  max_orders_per_second", "0"), ("  max_daily_trades", "100000000"),
                       ("  fsync", "never"), ("  speed", str(speed)),
                       ("  dir", os.path.join(workdir, "journal"))] + (
                          [("  quote_interval_ms", str(quote_ms))] if quote_ms else []):
        cfg, n = re.subn(rf"(?m)^({key}:) *\S+", rf"\g<1> {value}", cfg, count=1)
        if n != 1:
            raise SystemExit(f"stop_timing: no '{key.strip()}:' in {src}")
    path = os.path.join(workdir, "stop.yaml")
    open(path, "w").write(cfg)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("node")
    ap.add_argument("--after", type=float, default=10.0, help="seconds before asking to stop")
    ap.add_argument("--sigterm", action="store_true", help="SIGTERM instead of --duration")
    ap.add_argument("--rate", type=int, default=5000, help="orders per simulated second")
    ap.add_argument("--speed", type=float, default=0, help="clock.speed (0: as fast as possible)")
    ap.add_argument("--resting", type=int, default=4,
                    help="orders the strategy leaves resting (max_resting); 100000 for a full book")
    ap.add_argument("--orders", type=int, default=0,
                    help="orders the strategy sends in all, then it idles (0: no limit)")
    ap.add_argument("--crossing", default="0.5",
                    help="share of limit orders priced through the touch (0: all rest)")
    ap.add_argument("--quote-ms", type=int, default=0,
                    help="market_data.quote_interval_ms (0: the config's); 20 spreads a high rate "
                         "over many small batches instead of one burst per 64 quotes")
    ap.add_argument("--config", default=os.path.join(HERE, "..", "config", "app_config.yaml"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work dir (log, report, journal)")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="stop-timing-")
    os.makedirs(workdir, exist_ok=True)
    config = make_config(args.config, workdir, args.rate, args.speed, args.resting,
                         args.orders, args.crossing, args.quote_ms)
    cmd = [args.node, "--config", config, "--report", os.path.join(workdir, "report.json")]
    if not args.sigterm:
        cmd += ["--duration", str(args.after)]
    lines = []
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def pump():
        for line in p.stdout:
            lines.append((time.monotonic() - t0, line.rstrip("\n")))

    reader = threading.Thread(target=pump)
    reader.start()
    if args.sigterm:
        time.sleep(args.after)
        p.send_signal(signal.SIGTERM)
    rc = p.wait()
    exited = time.monotonic() - t0
    reader.join()
    with open(os.path.join(workdir, "node.log"), "w") as f:
        for t, line in lines:
            f.write(f"{t:9.3f} {line}\n")

    def first(pattern):
        for t, line in lines:
            if re.search(pattern, line):
                return t
        return None

    def last(pattern):
        found = None
        for t, line in lines:
            if re.search(pattern, line):
                found = t
        return found

    noticed = first(r"\[main\] stopping:")
    summary = first(r"=== run summary ===")
    stop_first = first(r"\[node\] stopped ")
    stop_last = last(r"\[node\] stopped ")
    open_at_request = None
    for t, line in lines:
        if noticed is not None and t > noticed:
            break
        m = re.search(r"\[status\] .*?\(open (\d+)", line)
        if m:
            open_at_request = (t, int(m.group(1)))
    drained = next((line.split("drained: ", 1)[1] for _, line in lines if "drained: " in line),
                   None)
    orders = next((line for _, line in lines if line.startswith("orders:")), "orders: ?")
    timeouts = sum(1 for _, line in lines if "got no answer" in line)
    fmt = lambda t: "n/a" if t is None else f"{t:.2f} s"
    print(f"asked to stop at {args.after:.2f} s ({'SIGTERM' if args.sigterm else '--duration'})")
    print(f"stop noticed at  {fmt(noticed)}")
    if open_at_request:
        print(f"open at the request {open_at_request[1]} (status line at {open_at_request[0]:.2f} s)")
    print(f"drained:         {drained or 'n/a'}")
    print(f"drain + report   {fmt(summary)}")
    if stop_first is not None and stop_last is not None:
        print(f"actors stopped   {stop_last - stop_first:.2f} s (stop())")
    print(f"process exited   {exited:.2f} s, rc {rc}; "
          f"{exited - args.after:.2f} s after the request")
    print(orders)
    try:
        report = json.load(open(os.path.join(workdir, "report.json")))
        print(f"open orders at the end: {report['orders']['open']}")
    except (OSError, ValueError, KeyError):
        print("open orders at the end: ? (no report)")
    print(f"requests that got no answer: {timeouts}")
    if args.keep or args.workdir:
        print(f"log, report and journal in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
