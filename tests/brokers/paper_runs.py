#!/usr/bin/env python3
"""Paper runs of execution-node against a local fake venue, once per fault kind.

usage: paper_runs.py SOURCE_DIR BUILD_DIR alpaca|ibkr [SECONDS]

For each fault plan: start the fake on 127.0.0.1 (port 0), run execution-node in paper mode
with random_orders for SECONDS, then check that the engine's trade log holds exactly the fills
the fake made (each once), that the report's positions equal the fake's, that no order is left
unknown, that the fake never accepted a client order id twice (Alpaca) or saw an order id twice
(IBKR), and that no key or secret appears in any log, journal or report. IBKR: every fill's
commission (its own, or its completion's when it came late) is exactly the fake's for that
execution, and the books equal the trade log (tests/nodes/check_books.py). The late_commission
run has fake-tws send every live commissionReport after the client stopped waiting for it
(commission_wait_ms, 250 ms): fills are journaled pending, then completed.
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal

src, build, venue = sys.argv[1], sys.argv[2], sys.argv[3]
seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 8
KEY, SECRET = "PKTESTKEY7Q3ZL", "sk-test-secret-W8N2X5"

ALPACA_PLANS = {
    "none": [],
    "disconnect": [{"kind": "disconnect", "after_orders": 4, "duration_ms": 1500}],
    "refuse": [{"kind": "disconnect", "at_s": 2, "duration_ms": 0},
               {"kind": "refuse", "at_s": 2, "duration_ms": 2000}],
    "hang": [{"kind": "hang", "at_s": 2, "duration_ms": 2500}],
    "rate_limit": [{"kind": "rate_limit", "after_orders": 3, "count": 4}],
    "server_error": [{"kind": "server_error", "after_orders": 5, "count": 2}],
    "garbage": [{"kind": "garbage", "after_orders": 6, "count": 2}],
    "drop_fill": [{"kind": "drop_fill", "probability": 0.3}],
    "duplicate_fill": [{"kind": "duplicate_fill", "probability": 0.3}],
    "reject": [{"kind": "reject", "after_orders": 3, "count": 3}],
}
IBKR_PLANS = {
    "none": [],
    "disconnect": [{"kind": "disconnect", "after_orders": 4, "duration_ms": 1500}],
    "refuse": [{"kind": "disconnect", "at_s": 2, "duration_ms": 0},
               {"kind": "refuse", "at_s": 2, "duration_ms": 2000}],
    "hang": [{"kind": "hang", "at_s": 2, "duration_ms": 2500}],
    "garbage": [{"kind": "garbage", "after_orders": 6, "count": 1}],
    "drop_fill": [{"kind": "drop_fill", "probability": 0.3}],
    "duplicate_fill": [{"kind": "duplicate_fill", "probability": 0.3}],
    "reject": [{"kind": "reject", "after_orders": 3, "count": 3}],
    "late_commission": [],
}
# Options of the fake beside its fault plan, by run.
FAKE_ARGS = {"late_commission": ["--commission-delay-ms", "700"]}


def yaml_rules(rules):
    items = []
    for r in rules:
        items.append("{" + ", ".join("%s: %s" % (k, json.dumps(v)) for k, v in r.items()) + "}")
    return "[" + ", ".join(items) + "]"


def start_fake(workdir, rules, extra):
    plan = os.path.join(workdir, "plan.yaml")
    with open(plan, "w") as f:
        f.write("seed: 5\nrules: %s\n" % yaml_rules(rules))
    if venue == "alpaca":
        cmd = [build + "/brokers/fake-alpaca", "--port", "0", "--key", KEY, "--secret", SECRET]
    else:
        cmd = [build + "/brokers/fake-tws", "--port", "0", "--state-file",
               workdir + "/fake_state.json"]
    if rules:
        cmd += ["--faults", plan]
    cmd += extra
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(workdir + "/fake.err", "w"),
                            text=True)
    line = proc.stdout.readline()
    if line.startswith("faults:"):  # fake-tws says its plan first
        line = proc.stdout.readline()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise SystemExit("fake did not start: %r" % line)
    return proc, int(m.group(1))


def engine_config(workdir, port):
    text = open(os.path.join(src, "config/examples/%s_fake.yaml" % venue)).read()
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:%d" % port, text)
    text = re.sub(r"(\n\s+port:) \d+", r"\1 %d" % port, text)
    text = text.replace("api_key: fake-key", "api_key: ${PAPER_KEY}")
    text = text.replace("secret_key: fake-secret", "secret_key: ${PAPER_SECRET}")
    text = re.sub(r"dir: logs/\S+", "dir: " + workdir + "/journal", text)
    text = re.sub(r"file: logs/\S+", "file: " + workdir + "/engine.log", text)
    # Faster detection than a real account needs, so a run of seconds sees the faults heal.
    text = re.sub(r"backoff_initial_ms: \d+", "backoff_initial_ms: 100", text)
    text = re.sub(r"backoff_max_ms: \d+", "backoff_max_ms: 500", text)
    text = re.sub(r"max_restarts: \d+", "max_restarts: 50", text)
    text = text.replace("    fallback_to_simulator: false",
                        "    fallback_to_simulator: false\n    answer_timeout_ms: 1500\n"
                        "    ping_interval_ms: 500")
    path = os.path.join(workdir, "engine.yaml")
    open(path, "w").write(text)
    return path


def get_json(port, path):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers={"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def journal_fills(journal):
    """Fill records by exec id, and the completion records ("commission") by exec id."""
    fills, completions = {}, {}
    for path in sorted(glob.glob(journal + "/trade_log.*.jsonl")):
        for line in open(path):
            f = json.loads(line)
            into = completions if f["event"] == "commission" else fills
            into.setdefault(f["exec_id"], []).append(f)
    return fills, completions


def check(name, workdir, fake, port):
    errors = []
    report = json.load(open(workdir + "/report.json"))
    fills, completions = journal_fills(workdir + "/journal")
    for exec_id, fs in fills.items():
        if len(fs) > 1:
            errors.append("fill %s journaled %d times" % (exec_id, len(fs)))
    for exec_id, cs in completions.items():
        if len(cs) > 1:
            errors.append("commission of %s journaled %d times" % (exec_id, len(cs)))
    if report["orders"].get("unknown", 0) != 0:
        errors.append("%d orders left unknown" % report["orders"]["unknown"])
    ours = {t: Decimal(p["quantity"]) for t, p in report["positions"].items()
            if Decimal(p["quantity"]) != 0}
    if venue == "alpaca":
        state = get_json(port, "/fake/state")
        theirs_fills = {f["execution_id"] for f in state["fills"]}
        twice = [a["client_order_id"] for a in state["accepted"] if a["count"] > 1]
        if twice:
            errors.append("the fake accepted client order ids twice: %s" % twice[:5])
        positions = {p["symbol"]: Decimal(p["qty"]) for p in get_json(port, "/v2/positions")}
    else:
        state = json.load(open(workdir + "/fake_state.json"))
        theirs_fills = {f["exec_id"] for f in state["executions"]}
        for x in state["executions"]:
            if x["exec_id"] not in fills:
                continue
            ours_c = sum(Decimal(r["commission"])
                         for r in fills[x["exec_id"]][:1] + completions.get(x["exec_id"], []))
            if ours_c != Decimal(x["commission"]):
                errors.append("fill %s: commission %s in the trade log, %s at the fake"
                              % (x["exec_id"], ours_c, x["commission"]))
        pending = report["orders"].get("reconciliation", {}).get("commissions_pending", 0)
        if pending:
            errors.append("%d commissions still pending at the end" % pending)
        if name == "late_commission" and not completions:
            errors.append("no commission came late: the pending path was not exercised")
        books = subprocess.run([sys.executable, os.path.join(src, "tests/nodes/check_books.py"),
                                workdir + "/journal", workdir + "/report.json", "100000"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if books.returncode != 0:
            errors.append("books != trade log: " + books.stdout.strip())
        ids = state["order_ids"]
        if len(ids) != len(set(ids)):
            errors.append("an IB order id was used twice")
        positions = {p["symbol"]: Decimal(p["position"]) for p in state["positions"]}
    positions = {t: q for t, q in positions.items() if q != 0}
    if set(fills) != theirs_fills:
        errors.append("trade log fills != fake fills: %d missing, %d extra"
                      % (len(theirs_fills - set(fills)), len(set(fills) - theirs_fills)))
    if ours != positions:
        errors.append("report positions %s != fake positions %s" % (ours, positions))
    if report["orders"]["submitted"] == 0:
        errors.append("nothing was traded")
    for path in glob.glob(workdir + "/**", recursive=True):
        if os.path.isfile(path) and not path.endswith(("plan.yaml", "engine.yaml")):
            data = open(path, errors="replace").read()
            if KEY in data or SECRET in data:
                errors.append("a key or secret appears in %s" % os.path.basename(path))
    return errors, report


def main():
    plans = ALPACA_PLANS if venue == "alpaca" else IBKR_PLANS
    only = os.environ.get("PAPER_RUNS_ONLY")
    failed = 0
    passed = 0
    for name, rules in plans.items():
        if only and name not in only.split(","):
            continue
        workdir = tempfile.mkdtemp(prefix="paper-%s-%s-" % (venue, name))
        fake, port = start_fake(workdir, rules, FAKE_ARGS.get(name, []) if venue == "ibkr" else [])
        try:
            cfg = engine_config(workdir, port)
            env = dict(os.environ, PAPER_KEY=KEY, PAPER_SECRET=SECRET)
            with open(workdir + "/out.txt", "w") as out:
                rc = subprocess.call([build + "/nodes/execution-node", "--config", cfg,
                                      "--duration", str(seconds), "--report",
                                      workdir + "/report.json", "--log-level", "info"],
                                     stdout=out, stderr=subprocess.STDOUT, env=env, cwd=src,
                                     timeout=seconds + 90)
            if rc != 0:
                errors = ["execution-node exited %d: %s" % (rc, open(workdir + "/out.txt").read()[-2000:])]
            else:
                if venue == "ibkr":
                    fake.send_signal(signal.SIGUSR1)  # the fake writes its state and goes on
                    time.sleep(0.5)
                errors, report = check(name, workdir, fake, port)
        finally:
            fake.terminate()
            fake.wait(timeout=10)
        if errors:
            failed += 1
            print("FAIL %s %s (%s)" % (venue, name, workdir))
            for e in errors:
                print("   ", e)
        else:
            passed += 1
            print("ok   %s %s: %d orders, %d fills, reconciliation %s" % (
                venue, name, report["orders"]["submitted"], report["orders"]["fills"],
                report["orders"].get("reconciliation", {})))
            shutil.rmtree(workdir, ignore_errors=True)  # kept only when something failed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


sys.exit(main())
