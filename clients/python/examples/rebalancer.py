#!/usr/bin/python3
"""The seed's rebalancer in Python: target weights, trading only past a drift threshold.

The same rules as actors/strategy_rebalancer.cpp, with the same exact decimal steps: every
rebalance_interval_ms of engine time it values its positions at the quote mids against the
account's equity, and where a weight is more than drift_threshold from its target it sends a
market order for the whole shares that restore the target.

usage: rebalancer.py --endpoint tcp://127.0.0.1:7310 [--name pyreb] [--server-key-file F]
                     [--client-key-files PUBLIC SECRET]
                     [--state-file F] [--weights AAPL=0.25,MSFT=0.25] [--drift 0.02]
                     [--interval-ms 60000]
"""
import argparse
import logging
import os
import sys
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from engine_strategy import TERMINAL, Order, Strategy, StrategyClient  # noqa: E402

MONEY, RATE, QTY = Decimal("0.000001"), Decimal("0.000000001"), Decimal("0.000000001")


class Rebalancer(Strategy):
    def __init__(self, target_weights, drift_threshold=Decimal("0.02"), rebalance_interval_ms=60000):
        self.targets = dict(sorted(target_weights.items()))
        self.drift = drift_threshold
        self.interval_ns = rebalance_interval_ms * 1_000_000
        self.next_at = 0
        self.in_flight = {}  # ticker -> client_order_id

    def on_quote(self, ctx, q):
        if self.next_at == 0:
            self.next_at = q.ts  # the first rebalance waits for quotes of every ticker
        if q.ts < self.next_at:
            return
        if any(ctx.last_quote(t) is None for t in self.targets):
            return
        self.next_at = q.ts + self.interval_ns
        self.rebalance(ctx)

    def rebalance(self, ctx):
        equity = ctx.account().equity
        if equity <= 0:
            return
        for ticker, target in self.targets.items():
            if ticker in self.in_flight:
                continue  # wait for the last order on this ticker to finish
            mid = ctx.last_quote(ticker).mid
            if mid <= 0:
                continue
            value = (ctx.position(ticker) * mid).quantize(MONEY, ROUND_HALF_EVEN)
            weight = (value / equity).quantize(RATE, ROUND_HALF_EVEN)
            if abs(weight - target) <= self.drift:
                continue
            target_value = (equity * target).quantize(MONEY, ROUND_HALF_EVEN)
            # Whole shares toward the target value; rounding toward zero never overshoots.
            shares = ((target_value - value) / mid).quantize(QTY, ROUND_DOWN).quantize(
                Decimal(1), ROUND_DOWN)
            if shares == 0:
                continue
            side = "buy" if shares > 0 else "sell"
            self.in_flight[ticker] = ctx.submit(Order(ticker, side, abs(shares)))

    def on_update(self, ctx, u):
        if u.status not in TERMINAL:
            return
        for t, cid in list(self.in_flight.items()):
            if cid == u.client_order_id:
                del self.in_flight[t]
        if u.status == "rejected":
            ctx.log.warning("%s rejected: %s", u.client_order_id, u.reason)

    def save_state(self):
        return {"next_at": self.next_at, "in_flight": self.in_flight}

    def restore_state(self, state):
        self.next_at = state.get("next_at", 0)
        self.in_flight = dict(state.get("in_flight", {}))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--name", default="pyreb")
    p.add_argument("--server-key-file", help="the gateway's CURVE public key (z85 text)")
    p.add_argument("--client-key-files", nargs=2, metavar=("PUBLIC", "SECRET"),
                   help="this process's CURVE key pair (as execution-node --generate-keys writes)")
    p.add_argument("--state-file")
    p.add_argument("--weights", default="AAPL=0.25,MSFT=0.25,NVDA=0.2,TSLA=0.1")
    p.add_argument("--drift", default="0.02")
    p.add_argument("--interval-ms", type=int, default=60000)
    p.add_argument("--gone-after", type=float, default=10.0)
    p.add_argument("--record-fills", action="store_true")
    a = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    weights = {t: Decimal(w) for t, w in (kv.split("=") for kv in a.weights.split(","))}
    key = open(a.server_key_file).read().strip() if a.server_key_file else None
    pair = [open(f).read().strip() for f in a.client_key_files] if a.client_key_files else None
    client = StrategyClient(Rebalancer(weights, Decimal(a.drift), a.interval_ms), a.name,
                            a.endpoint, server_key=key, client_keys=pair, state_file=a.state_file,
                            gone_after_s=a.gone_after, record_fills=a.record_fills)
    client.run()
    print("rebalancer %s: seq %d, %d fills, %d repeats dropped, %d resyncs" %
          (a.name, client.seq, len(client.fills), client.repeats, client.resyncs), flush=True)


if __name__ == "__main__":
    main()
