"""Runs a Python strategy through a seeded simulated day on a real execution-node (for pytest).

    from engine_strategy.testing import run_simulated_day
    def test_my_strategy(tmp_path):
        day = run_simulated_day(MyStrategy(), "mine", tmp_path, node="build/nodes/execution-node")
        assert day.report["orders"]["filled"] > 0
        assert day.report["strategies"]["mine"] == "connected"
"""
import os
import subprocess
import threading
import time
from dataclasses import dataclass

from .client import StrategyClient

TICKERS = """\
    - {ticker: AAPL, start_price: 230, volatility: 0.25, drift: 0.05, spread_bps: 1, bid_size: 500, ask_size: 500}
    - {ticker: MSFT, start_price: 420, volatility: 0.22, drift: 0.05, spread_bps: 1.5, bid_size: 300, ask_size: 300}
    - {ticker: NVDA, start_price: 140, volatility: 0.5, drift: 0.1, spread_bps: 2, bid_size: 1000, ask_size: 1000}
    - {ticker: TSLA, start_price: 250, volatility: 0.6, drift: 0, spread_bps: 5, bid_size: 100, ask_size: 100}
"""


def day_config(journal_dir, strategies, open_="09:30", close="10:30", speed=0, seed=42,
               quote_interval_ms=1000, tickers=TICKERS):
    """A seeded simulated session as YAML text; `strategies` is the YAML list under strategies:."""
    return f"""initial_cash: 100000
execution:
  mode: simulation
  execution_delay_ms: 100
  commission_rate: 0.001
  min_commission: 1
  max_daily_trades: 100000
  max_orders_per_second: 0
  price_collar: 0
session: {{open: "{open_}", close: "{close}"}}
clock: {{kind: simulated, speed: {speed}, start: "2026-11-24T09:30:00-05:00"}}
market_data:
  source: synthetic
  seed: {seed}
  quote_interval_ms: {quote_interval_ms}
  tickers:
{tickers}strategies:
{strategies}journal: {{dir: {journal_dir}, fsync: never}}
"""


def external(name, on_disconnect="cancel", heartbeat_timeout_ms=2000):
    return (f"  - {{name: {name}, type: external, endpoint: \"tcp://127.0.0.1:0\", "
            f"on_disconnect: {on_disconnect}, heartbeat_timeout_ms: {heartbeat_timeout_ms}}}\n")


class Node:
    """execution-node on a config file; its output goes to `log`, gateway endpoints are read back."""

    def __init__(self, binary, config, report, log, extra=()):
        self.log_path = log
        self._log = open(log, "w")
        self.proc = subprocess.Popen([binary, "--config", config, "--report", report,
                                      "--log-level", "info", "--status-every", "60", *extra],
                                     stdout=subprocess.PIPE, stderr=self._log, text=True)
        self.endpoints = {}
        self._lines = []
        self._cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self._cv:
                self._lines.append(line)
                if line.startswith("GATEWAY "):
                    _, name, ep = line.split()
                    self.endpoints[name] = ep
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def endpoint(self, name, timeout=30):
        with self._cv:
            if not self._cv.wait_for(lambda: name in self.endpoints or self.proc.poll() is not None,
                                     timeout):
                raise TimeoutError("no gateway for %s within %s s" % (name, timeout))
        if name not in self.endpoints:
            raise RuntimeError("execution-node exited: %s" % self.output())
        return self.endpoints[name]

    def output(self):
        with self._cv:
            return "".join(self._lines) + open(self.log_path).read()

    def wait(self, timeout=120):
        rc = self.proc.wait(timeout)
        self._log.close()
        return rc


@dataclass
class Day:
    report: dict
    client: StrategyClient
    journal_dir: str
    output: str


def run_simulated_day(strategy, name, workdir, node, timeout=120, **config):
    """Runs `strategy` as external strategy `name` through a seeded simulated session and
    returns the report (the execution-node JSON report), the client and the journal dir."""
    import json
    workdir = str(workdir)
    journal = os.path.join(workdir, "journal")
    cfg = os.path.join(workdir, "day.yaml")
    with open(cfg, "w") as f:
        f.write(day_config(journal, external(name), **config))
    report = os.path.join(workdir, "report.json")
    n = Node(node, cfg, report, os.path.join(workdir, "node.log"))
    client = StrategyClient(strategy, name, n.endpoint(name), gone_after_s=5, record_fills=True)
    t = threading.Thread(target=client.run, kwargs={"max_seconds": timeout}, daemon=True)
    t.start()
    rc = n.wait(timeout)
    t.join(timeout)
    if rc != 0:
        raise RuntimeError("execution-node exited with %d: %s" % (rc, n.output()))
    with open(report) as f:
        return Day(json.load(f), client, journal, n.output())
