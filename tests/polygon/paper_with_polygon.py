#!/usr/bin/env python3
"""A paper run against fake-alpaca with quotes from fake-polygon, clean and with a dropped feed.

usage: paper_with_polygon.py SOURCE_DIR BUILD_DIR [SECONDS]

Each run starts fake-polygon and fake-alpaca on 127.0.0.1 (port 0), runs execution-node on
config/examples/alpaca_polygon_fake.yaml in paper mode with random_orders for SECONDS, then
checks: orders were filled; the trade log holds exactly the fake's fills, each once; the
report's positions equal fake-alpaca's /v2/positions; each position's mark is the mid of the
last Polygon quote the engine published for it (the recording); no key appears in any log,
journal or report. The fault run (fake-polygon drops every connection mid-run) checks too that
the feed reconnected, that the gaps are in the market data events journal, and that the
strategy went on trading after the reconnect.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from decimal import Decimal

src, build = sys.argv[1], sys.argv[2]
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
ALPACA_KEY, ALPACA_SECRET = "PKPOLYPAPER9Q2", "sk-polypaper-secret-R4T7"
POLYGON_KEY = "pg-polypaper-key-M3K8"
KEYS = (ALPACA_KEY, ALPACA_SECRET, POLYGON_KEY)
TICKERS = ("AAPL", "MSFT")

RUNS = {
    "clean": None,
    # At 3 s every feed connection drops and new ones are refused for 800 ms.
    "feed_drop": "seed: 1\nrules:\n  - kind: disconnect\n    at_s: 3\n    duration_ms: 800\n",
}


def start(cmd, workdir, name):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=open(os.path.join(workdir, name + ".err"), "w"), text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise SystemExit("%s did not start: %r" % (name, line))
    return proc, int(m.group(1))


def engine_config(workdir, polygon_port, alpaca_port):
    text = open(os.path.join(src, "config/examples/alpaca_polygon_fake.yaml")).read()
    text = text.replace("127.0.0.1:8765", "127.0.0.1:%d" % polygon_port)
    text = text.replace("127.0.0.1:18750", "127.0.0.1:%d" % alpaca_port)
    # The keys come from the environment, so the config file itself holds none.
    text = text.replace("    api_key: fake-key\n    secret_key: fake-secret",
                        "    api_key: ${PAPER_KEY}\n    secret_key: ${PAPER_SECRET}")
    text = text.replace("    api_key: fake-key\n    ws_url", "    api_key: ${POLYGON_KEY}\n    ws_url")
    assert text.count("${") == 3, "the example config changed shape"
    text = re.sub(r"dir: logs/\S+", "dir: " + workdir + "/journal", text)
    text = re.sub(r"file: logs/\S+", "file: " + workdir + "/engine.log", text)
    text = text.replace("  # record: logs/alpaca_polygon_fake/quotes.csv",
                        "  record: " + workdir + "/quotes.csv")
    # Short bounds so a run of seconds sees the drop heal.
    text = re.sub(r"backoff_initial_ms: \d+", "backoff_initial_ms: 100", text)
    text = re.sub(r"backoff_max_ms: \d+", "backoff_max_ms: 500", text)
    text = re.sub(r"max_restarts: \d+", "max_restarts: 50", text)
    path = os.path.join(workdir, "engine.yaml")
    open(path, "w").write(text)
    return path


def get_json(port, path):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers={"APCA-API-KEY-ID": ALPACA_KEY,
                                          "APCA-API-SECRET-KEY": ALPACA_SECRET})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def journal_lines(pattern):
    out = []
    for path in sorted(glob.glob(pattern)):
        out += [json.loads(line) for line in open(path) if line.strip()]
    return out


def last_quotes(path):
    """The last recorded quote of each ticker (the csv source's format, # lines are gaps)."""
    last = {}
    with open(path) as f:
        next(f)  # header
        for line in f:
            if line.startswith("#"):
                continue
            ts, ticker, bid, ask, _, _ = line.strip().split(",")
            last[ticker] = (Decimal(bid), Decimal(ask))
    return last


def check(name, workdir, alpaca_port):
    errors = []
    report = json.load(open(workdir + "/report.json"))
    journal = workdir + "/journal"
    fills = {}
    for f in journal_lines(journal + "/trade_log.*.jsonl"):
        fills.setdefault(f["exec_id"], []).append(f)
    for exec_id, fs in fills.items():
        if len(fs) > 1:
            errors.append("fill %s journaled %d times" % (exec_id, len(fs)))
    state = get_json(alpaca_port, "/fake/state")
    theirs = {f["execution_id"] for f in state["fills"]}
    if not theirs:
        errors.append("fake-alpaca filled nothing")
    if set(fills) != theirs:
        errors.append("trade log fills != fake fills: %d missing, %d extra"
                      % (len(theirs - set(fills)), len(set(fills) - theirs)))
    if report["orders"]["filled"] + report["orders"]["partially_filled"] == 0:
        errors.append("no order was filled: %s" % report["orders"])
    if report["orders"].get("unknown", 0) != 0:
        errors.append("%d orders left unknown" % report["orders"]["unknown"])
    ours = {t: Decimal(p["quantity"]) for t, p in report["positions"].items()
            if Decimal(p["quantity"]) != 0}
    positions = {p["symbol"]: Decimal(p["qty"]) for p in get_json(alpaca_port, "/v2/positions")}
    positions = {t: q for t, q in positions.items() if q != 0}
    if ours != positions:
        errors.append("report positions %s != fake-alpaca positions %s" % (ours, positions))
    # The marks are Polygon's: market value = quantity x mid of the last quote published.
    quotes = last_quotes(workdir + "/quotes.csv")
    for t, q in ours.items():
        if t not in quotes:
            errors.append("no Polygon quote recorded for %s" % t)
            continue
        bid, ask = quotes[t]
        want = q * (bid + ask) / 2
        got = Decimal(report["positions"][t]["market_value"])
        if abs(got - want) > Decimal("0.01"):
            errors.append("%s marked at %s, the last Polygon mid gives %s" % (t, got, want))
    md = report.get("market_data", {})
    if md.get("source") != "polygon" or md.get("quotes", 0) == 0:
        errors.append("no Polygon quotes in the report: %s" % md)
    events = journal_lines(journal + "/market_data.events")
    kinds = [e["event"] for e in events]
    if "auth_success" not in kinds or "connected" not in kinds:
        errors.append("the events journal lacks the connection: %s" % kinds)
    if name == "feed_drop":
        if md.get("reconnects", 0) < 1 or md.get("gaps", 0) < len(TICKERS):
            errors.append("the report shows no reconnect and gaps: %s" % md)
        if md.get("state") != "connected":
            errors.append("the feed ended %s, not connected" % md.get("state"))
        gaps = [e for e in events if e["event"] == "gap"]
        if {g["ticker"] for g in gaps} != set(TICKERS):
            errors.append("gaps journaled for %s" % sorted({g["ticker"] for g in gaps}))
        for g in gaps:
            if not (0 < g["from"] <= g["to"]) or Decimal(g["snapshot_bid"]) >= Decimal(g["snapshot_ask"]):
                errors.append("a gap record that does not hold together: %s" % g)
        if "disconnected" not in kinds or "reconnecting" not in kinds:
            errors.append("the drop is not journaled: %s" % kinds)
        # Trading went on: orders accepted after the feed was connected again. The order book
        # journals a new order as "accepted"; both journals stamp ts in wall-clock ns.
        back = [e["ts"] for e in events if e["event"] == "connected"]
        if len(back) < 2:
            errors.append("the feed did not come back: %s" % kinds)
        else:
            later = [o for o in journal_lines(journal + "/order_book.*.jsonl")
                     if o["event"] == "accepted" and o["ts"] > back[1]]
            if not later:
                errors.append("no order after the reconnect")
    for path in glob.glob(workdir + "/**", recursive=True):
        if os.path.isfile(path) and not path.endswith(".yaml"):
            data = open(path, errors="replace").read()
            for k in KEYS:
                if k in data:
                    errors.append("a key appears in %s" % os.path.relpath(path, workdir))
    return errors, report


def run(name, plan):
    workdir = tempfile.mkdtemp(prefix="paper-polygon-%s-" % name)
    polygon_cmd = [build + "/brokers/fake-polygon", "--port", "0", "--rate", "200",
                   "--tickers", ",".join(TICKERS), "--key", POLYGON_KEY]
    if plan:
        open(workdir + "/plan.yaml", "w").write(plan)
        polygon_cmd += ["--faults", workdir + "/plan.yaml"]
    polygon, polygon_port = start(polygon_cmd, workdir, "fake-polygon")
    alpaca = None
    try:
        alpaca, alpaca_port = start([build + "/brokers/fake-alpaca", "--port", "0",
                                     "--key", ALPACA_KEY, "--secret", ALPACA_SECRET],
                                    workdir, "fake-alpaca")
        cfg = engine_config(workdir, polygon_port, alpaca_port)
        env = dict(os.environ, PAPER_KEY=ALPACA_KEY, PAPER_SECRET=ALPACA_SECRET,
                   POLYGON_KEY=POLYGON_KEY)
        with open(workdir + "/out.txt", "w") as out:
            rc = subprocess.call([build + "/nodes/execution-node", "--config", cfg,
                                  "--duration", str(seconds), "--report", workdir + "/report.json",
                                  "--log-level", "info", "--status-every", "2"],
                                 stdout=out, stderr=subprocess.STDOUT, env=env, cwd=src,
                                 timeout=seconds + 90)
        if rc != 0:
            errors = ["execution-node exited %d: %s" % (rc, open(workdir + "/out.txt").read()[-2000:])]
            report = None
        else:
            errors, report = check(name, workdir, alpaca_port)
    finally:
        for p in (alpaca, polygon):
            if p:
                p.terminate()
                p.wait(timeout=10)
    if errors:
        print("FAIL %s (%s)" % (name, workdir))
        for e in errors:
            print("   ", e)
        return False
    shutil.rmtree(workdir, ignore_errors=True)  # kept only when something failed
    md = report["market_data"]
    print("ok   %s: %d orders, %d fills, %d quotes, %d reconnects, %d gaps" % (
        name, report["orders"]["submitted"], report["orders"]["fills"], md["quotes"],
        md["reconnects"], md["gaps"]))
    return True


def main():
    results = [run(name, plan) for name, plan in RUNS.items()]
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
