#!/usr/bin/python3
"""Orders per second from a Python strategy through the strategy gateway, beside its loop alone.

usage: python_gateway_bench.py BUILD_DIR [ORDERS_PER_QUOTE]
Through the engine: execution-node runs a 5-minute simulated session of one ticker (a quote every
100 ms, 3000 quotes) as fast as it can; the strategy sends ORDERS_PER_QUOTE market orders of one
share per quote, alternating sides, and the run counts the orders acknowledged (pending_new)
per second of wall time, risk, journal and simulator included, in lock step. Alone: the same
strategy over the same number of quotes with a context that only encodes each order frame.
"""
import os
import shutil
import sys
import tempfile
import threading
import time
from decimal import Decimal

import msgpack

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "../clients/python"))
from engine_strategy import Order, Quote, Strategy, StrategyClient  # noqa: E402
from engine_strategy.testing import Node, day_config, external  # noqa: E402

build = sys.argv[1]
per_quote = int(sys.argv[2]) if len(sys.argv) > 2 else 2


class Churn(Strategy):
    def __init__(self):
        self.sent = self.acked = 0
        self.first = self.last = None

    def on_quote(self, ctx, q):
        if self.first is None:
            self.first = time.perf_counter()
        for _ in range(per_quote):
            side = "buy" if self.sent % 2 == 0 else "sell"
            ctx.submit(Order(q.ticker, side, Decimal(1)))
            self.sent += 1

    def on_update(self, ctx, u):
        if u.status == "pending_new":
            self.acked += 1
            self.last = time.perf_counter()


work = tempfile.mkdtemp(prefix="engine-pybench-")
try:
    cfg = os.path.join(work, "bench.yaml")
    with open(cfg, "w") as f:
        f.write(day_config(os.path.join(work, "journal"), external("churn"), close="09:35",
                           quote_interval_ms=100,
                           tickers="    - {ticker: AAPL, start_price: 230, volatility: 0.2, "
                                   "spread_bps: 1, bid_size: 100000, ask_size: 100000}\n"))
    node = Node(os.path.join(build, "nodes/execution-node"), cfg, os.path.join(work, "r.json"),
                os.path.join(work, "node.log"))
    s = Churn()
    client = StrategyClient(s, "churn", node.endpoint("churn"), gone_after_s=10)
    t = threading.Thread(target=client.run, kwargs={"max_seconds": 300})
    t.start()
    node.wait(300)
    t.join()
    engine_rate = s.acked / (s.last - s.first)
    quotes = s.sent // per_quote

    # The same loop alone: quotes made up front, each order only encoded.
    class Encode:
        def __init__(self):
            self.n = 0

        def submit(self, o):
            self.n += 1
            msgpack.packb({"t": "order", "client_order_id": "churn-%d" % self.n, "ticker": o.ticker,
                           "side": o.side, "order_type": o.order_type,
                           "quantity": format(o.quantity, "f"), "price": format(o.price, "f"),
                           "stop_price": format(o.stop_price, "f"),
                           "time_in_force": o.time_in_force}, use_bin_type=True)
            return "churn-%d" % self.n

    alone = Churn()
    qs = [Quote("AAPL", Decimal("230.00"), Decimal("230.02"), Decimal(100), Decimal(100), i)
          for i in range(quotes)]
    ctx = Encode()
    t0 = time.perf_counter()
    for q in qs:
        alone.on_quote(ctx, q)
    alone_rate = ctx.n / (time.perf_counter() - t0)
    print("python strategy, %d orders per quote, %d quotes:" % (per_quote, quotes))
    print("  through the gateway and the engine: %8.0f orders/s (%d acknowledged)" % (engine_rate, s.acked))
    print("  the same loop, no engine:           %8.0f orders/s" % alone_rate)
    print("  (client: seq %d, %d repeats dropped, %d resyncs)" % (client.seq, client.repeats, client.resyncs))
finally:
    if os.environ.get("KEEP_WORK"):
        print("work kept in", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
