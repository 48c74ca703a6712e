#!/usr/bin/python3
"""The Python rebalancer against execution-node through the strategy gateway, killed mid-run.

usage: gateway_test.py SOURCE_DIR BUILD_DIR
Checks: the rebalancer's orders trade; after SIGKILL and a restart on the same state file, its
fills arrive exactly once (the client's record equals the journal's fills of that strategy, no
gap, none twice); the books equal the trade log; a second strategy that is killed with a resting
order is reported down and, per on_disconnect: cancel, its order is cancelled.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

src, build = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "clients/python"))
from engine_strategy.testing import Node, day_config, external  # noqa: E402

py = "/usr/bin/python3"
work = tempfile.mkdtemp(prefix="engine-pygw-")
procs = []


def wait_for(what, pred, timeout=60, every=0.05):
    """Polls a condition that another process makes true (no fixed sleeps)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(every)
    raise AssertionError("timed out waiting for " + what)


def state(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# A strategy that rests one limit buy far under the bid and then does nothing.
resting = os.path.join(work, "resting.py")
with open(resting, "w") as f:
    f.write(f"""import sys
sys.path.insert(0, {os.path.join(src, 'clients/python')!r})
from decimal import Decimal
from engine_strategy import Order, Strategy, StrategyClient
class Rest(Strategy):
    sent = False
    def on_quote(self, ctx, q):
        if not self.sent and q.ticker == "AAPL":
            self.sent = True
            ctx.submit(Order("AAPL", "buy", Decimal(3), "limit", (q.bid * Decimal("0.9")).quantize(Decimal("0.01"))))
StrategyClient(Rest(), "pyrest", sys.argv[1], state_file=sys.argv[2]).run()
""")

try:
    # CURVE: the gateway of pyreb has keys and lets in only the rebalancer's key.
    node_bin = os.path.join(build, "nodes/execution-node")
    for who in ("gateway", "client", "stranger"):
        subprocess.run([node_bin, "--generate-keys", os.path.join(work, who + ".public"),
                        os.path.join(work, who + ".secret")], check=True, stdout=subprocess.DEVNULL)
    curve = (f", public_key_file: {work}/gateway.public, secret_key_file: {work}/gateway.secret, "
             f"client_key_files: [{work}/client.public]}}\n")
    journal = os.path.join(work, "journal")
    cfg = os.path.join(work, "day.yaml")
    with open(cfg, "w") as f:
        # An hour at 300x: about 12 s of wall time, long enough to kill and restart mid-run.
        f.write(day_config(journal, external("pyreb", "keep", 1000).rstrip("}\n") + curve +
                           external("pyrest", "cancel", 1000),
                           speed=300))
    report = os.path.join(work, "report.json")
    node = Node(os.path.join(build, "nodes/execution-node"), cfg, report, os.path.join(work, "node.log"))
    reb_ep, rest_ep = node.endpoint("pyreb"), node.endpoint("pyrest")
    reb_state = os.path.join(work, "reb.state")
    rest_state = os.path.join(work, "rest.state")

    def rebalancer(log, who="client"):
        p = subprocess.Popen([py, os.path.join(src, "clients/python/examples/rebalancer.py"),
                              "--endpoint", reb_ep, "--state-file", reb_state, "--record-fills",
                              "--server-key-file", os.path.join(work, "gateway.public"),
                              "--client-key-files", os.path.join(work, who + ".public"),
                              os.path.join(work, who + ".secret"),
                              "--drift", "0.002", "--interval-ms", "30000", "--gone-after", "5"],
                             stdout=open(log, "w"), stderr=subprocess.STDOUT)
        procs.append(p)
        return p

    # A process with a key not on the list never gets in (and never gets a frame).
    stranger = rebalancer(os.path.join(work, "stranger.log"), "stranger")
    wait_for("the stranger refused", lambda: "refused a strategy process" in open(node.log_path).read())
    stranger.kill()
    stranger.wait()
    assert state(reb_state) is None or state(reb_state)["seq"] == 0, "the stranger got frames"
    reb1 = rebalancer(os.path.join(work, "reb1.log"))
    rest = subprocess.Popen([py, resting, rest_ep, rest_state], stdout=open(os.path.join(work, "rest.log"), "w"),
                            stderr=subprocess.STDOUT)
    procs.append(rest)

    # Kill the rebalancer once it has traded; kill the other once its order rests.
    wait_for("the first rebalancer fills", lambda: len((state(reb_state) or {}).get("fills", [])) >= 4)
    reb1.send_signal(signal.SIGKILL)
    reb1.wait()
    fills_before = len(state(reb_state)["fills"])
    wait_for("the resting order", lambda: len((state(rest_state) or {}).get("open_orders", [])) == 1)
    rest.send_signal(signal.SIGKILL)
    rest.wait()
    wait_for("the node to see pyreb down", lambda: "strategy pyreb is down" in open(node.log_path).read())
    reb2 = rebalancer(os.path.join(work, "reb2.log"))

    rc = node.wait(120)
    assert rc == 0, "execution-node exited with %d:\n%s" % (rc, node.output()[-3000:])
    reb2.wait(30)
    out2 = open(os.path.join(work, "reb2.log")).read()
    assert reb2.returncode == 0, out2

    # Exactly once: the client's record of fills equals the journal's fills of pyreb.
    fills = [json.loads(l) for p in sorted(glob.glob(journal + "/trade_log.*.jsonl")) for l in open(p)]
    mine = [f["exec_id"] for f in fills if f["client_order_id"].startswith("pyreb-")]
    st = state(reb_state)
    seen = st["fills"]
    assert len(seen) == len(set(seen)), "a fill reached the strategy twice"
    assert sorted(seen) == sorted(mine), "client saw %d fills, journal has %d" % (len(seen), len(mine))
    assert st["seq"] > 0 and st["resyncs"] == 0, st
    assert len(seen) > fills_before, "the restarted rebalancer traded too (%d -> %d)" % (fills_before, len(seen))
    assert st["incarnation"] == 2
    # Positions the client tracked equal its fills in the journal.
    pos = {}
    for f in fills:
        if f["client_order_id"].startswith("pyreb-"):
            from decimal import Decimal
            pos[f["ticker"]] = pos.get(f["ticker"], Decimal(0)) + (1 if f["side"] == "buy" else -1) * Decimal(f["quantity"])
    assert {t: str(q) for t, q in pos.items() if q} == {t: q for t, q in st["positions"].items() if q != "0"}, \
        (pos, st["positions"])

    rep = json.load(open(report))
    assert rep["strategies"]["pyrest"].startswith("down: no message for 1000 ms"), rep["strategies"]
    book = [json.loads(l) for p in sorted(glob.glob(journal + "/order_book.*.jsonl")) for l in open(p)]
    cancels = [r for r in book if r.get("reason") == "strategy pyrest down"]
    assert cancels, "the resting order of pyrest was not cancelled"
    subprocess.run([py, os.path.join(src, "tests/nodes/check_books.py"), journal, report, "100000"], check=True)
    print("python gateway: %d fills of pyreb exactly once across a kill (%d before it), "
          "%d repeats dropped; pyrest down and cancelled" % (len(seen), fills_before, st["repeats"]))
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
    if not os.environ.get("KEEP_WORK"):
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("work kept in", work)
