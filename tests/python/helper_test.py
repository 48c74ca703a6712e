#!/usr/bin/python3
"""The pytest helper (engine_strategy.testing.run_simulated_day) on the Python rebalancer.

usage: helper_test.py SOURCE_DIR BUILD_DIR  (plain asserts: runs with or without pytest)
"""
import os
import re
import sys
import tempfile
from decimal import Decimal

src, build = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "clients/python"))
sys.path.insert(0, os.path.join(src, "clients/python/examples"))
from engine_strategy.testing import run_simulated_day  # noqa: E402
from rebalancer import Rebalancer  # noqa: E402

class Counting(Rebalancer):
    quotes = 0

    def on_quote(self, ctx, q):
        self.quotes += 1
        super().on_quote(ctx, q)


with tempfile.TemporaryDirectory(prefix="engine-pyday-") as d:
    reb = Counting({"AAPL": Decimal("0.3"), "MSFT": Decimal("0.2")}, Decimal("0.005"), 60000)
    day = run_simulated_day(reb, "reb", d, node=os.path.join(build, "nodes/execution-node"),
                            close="10:00")
    r = day.report
    # In lock step the strategy sees every quote of the day, each once.
    m = re.search(r"market data ended \(end of data\): (\d+) quotes", day.output)
    assert m and reb.quotes == int(m.group(1)), (reb.quotes, m and m.group(1))
    assert r["strategies"] == {"reb": "connected"}, r["strategies"]
    assert r["orders"]["filled"] >= 2 and r["orders"]["rejected"] == 0, r["orders"]
    assert len(day.client.fills) == r["orders"]["fills"] == len(set(day.client.fills))
    assert day.client.resyncs == 0 and day.client.repeats == 0
    # The client's own positions equal the books (it is the only strategy).
    books = {t: Decimal(p["quantity"]) for t, p in r["positions"].items()}
    assert {t: q for t, q in day.client.positions.items() if q} == {t: q for t, q in books.items() if q}
    # Near its targets: AAPL about 30% of equity, within the drift threshold and a share.
    equity = Decimal(r["equity"])
    w = Decimal(r["positions"]["AAPL"]["market_value"]) / equity
    assert abs(w - Decimal("0.3")) < Decimal("0.02"), w
    print("helper: %d fills, weights AAPL %.4f" % (len(day.client.fills), w))
