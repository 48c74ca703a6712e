#!/usr/bin/env python3
"""The seed's ExecutionAgent simulation path in plain Python, made as fast as it fairly can be.

This is the baseline every engine figure is read against (bench/run_all.sh prints the ratios).
It renders what /work/shared/SEED.md describes for `ExecutionAgent.submit_order` in simulation
mode, step by step, and does each step the cheapest honest way:

  submit_order(ticker, side, type, quantity, price)
    -> an OrderRequest (order id, ISO timestamp)
    -> risk checks: order size in dollars (max_order_size), position size as a fraction of the
       portfolio (max_position_size), daily trade count (max_daily_trades)
    -> simulated execution against the current quote: spread x spread_multiplier, slippage in
       bps, commission max(min_commission, rate x notional); a limit order that does not cross
       rests, as in the seed
    -> an OrderExecution with its fill
    -> the position (average price, realised P&L) and cash
    -> one JSON line for the order in order_book.json and one per fill in trade_log.json
  and the agent's daily counters (trades, volume, commission).

Generous on purpose (the seed does more): floats instead of exact decimals, counters instead of
uuid4 order ids, no execution delay (execution_delay_ms: 0), no logging calls, the JSON lines
formatted directly instead of through json.dumps (same objects: every string written is a plain
id, ticker or timestamp), files opened once and buffered, never flushed per order and never fsynced, one coroutine awaiting submit_order in
a loop (no task per order, no event-loop round trip). The order flow is the engine benchmark's:
marketable one-share orders on AAPL, alternately buy and sell, against one standing quote, risk
limits that pass every order (so every check runs and none rejects).

Usage: bench/seed_baseline.py [--orders N] [--repetitions R] [--dir DIR] [--json OUT]
Prints a Google-Benchmark-shaped JSON document (median, mean, stddev of orders/s over the
repetitions) to OUT, or to stdout, so run_all.sh reads it like the other programs.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum


class OrderSide(Enum):
    BUY = "buy"
    SELL = "sell"


class OrderType(Enum):
    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(Enum):
    PENDING = "pending"
    FILLED = "filled"
    REJECTED = "rejected"
    OPEN = "open"


@dataclass(slots=True)
class OrderRequest:
    order_id: str
    ticker: str
    side: OrderSide
    order_type: OrderType
    quantity: float
    price: float | None
    stop_price: float | None
    time_in_force: str
    client_order_id: str | None
    timestamp: str


@dataclass(slots=True)
class OrderExecution:
    order_id: str
    ticker: str
    side: OrderSide
    order_type: OrderType
    quantity: float
    price: float | None
    executed_quantity: float
    average_price: float
    commission: float
    timestamp: str
    status: OrderStatus
    fills: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


@dataclass(slots=True)
class Position:
    ticker: str
    quantity: float = 0.0
    average_price: float = 0.0
    market_value: float = 0.0
    unrealized_pnl: float = 0.0
    realized_pnl: float = 0.0
    timestamp: str = ""


@dataclass(slots=True)
class MarketData:
    ticker: str
    bid: float
    ask: float
    last: float
    volume: int
    timestamp: str
    spread: float
    volatility: float


class ExecutionAgent:
    """The seed's agent in simulation mode, without its I/O overheads."""

    def __init__(self, log_dir, config):
        self.spread_multiplier = config["spread_multiplier"]
        self.slippage_bps = config["slippage_bps"]
        self.commission_rate = config["commission_rate"]
        self.min_commission = config["min_commission"]
        self.max_position_size = config["max_position_size"]
        self.max_order_size = config["max_order_size"]
        self.max_daily_trades = config["max_daily_trades"]
        self.cash = config["initial_cash"]
        self.positions = {}
        self.orders = {}
        self.market_data = {}
        self.daily_trades = 0
        self.daily_volume = 0.0
        self.daily_commission = 0.0
        self.next_id = 0
        os.makedirs(log_dir, exist_ok=True)
        # Opened once, buffered, never fsynced: the seed's files cost more than this.
        self.order_book = open(os.path.join(log_dir, "order_book.json"), "w", buffering=1 << 20)
        self.trade_log = open(os.path.join(log_dir, "trade_log.json"), "w", buffering=1 << 20)

    async def start(self):
        pass

    async def stop(self):
        self.order_book.close()
        self.trade_log.close()

    def set_quote(self, ticker, bid, ask):
        now = datetime.now(timezone.utc).isoformat()
        self.market_data[ticker] = MarketData(ticker, bid, ask, (bid + ask) / 2, 0, now,
                                              ask - bid, 0.0)

    def portfolio_value(self):
        value = self.cash
        for p in self.positions.values():
            md = self.market_data.get(p.ticker)
            if md is not None:
                value += p.quantity * md.last
        return value

    def check_risk(self, req, md):
        reference = req.price if req.price is not None else (md.ask if req.side is OrderSide.BUY
                                                             else md.bid)
        notional = req.quantity * reference
        if notional > self.max_order_size:
            return f"order size {notional:.2f} exceeds max_order_size {self.max_order_size}"
        if self.daily_trades >= self.max_daily_trades:
            return f"daily trade limit {self.max_daily_trades} reached"
        pos = self.positions.get(req.ticker)
        current = pos.quantity if pos is not None else 0.0
        after = current + req.quantity if req.side is OrderSide.BUY else current - req.quantity
        if abs(after) * md.last > self.max_position_size * self.portfolio_value():
            return "position would exceed max_position_size"
        return None

    def simulate_execution(self, req, md):
        half_spread = (md.ask - md.bid) / 2 * self.spread_multiplier
        slip = md.last * self.slippage_bps / 10000.0
        if req.side is OrderSide.BUY:
            fill_price = md.last + half_spread + slip
            crosses = req.price is None or req.price >= md.ask
        else:
            fill_price = md.last - half_spread - slip
            crosses = req.price is None or req.price <= md.bid
        if req.order_type is OrderType.LIMIT and not crosses:
            return OrderExecution(req.order_id, req.ticker, req.side, req.order_type,
                                  req.quantity, req.price, 0.0, 0.0, 0.0, req.timestamp,
                                  OrderStatus.OPEN)
        if req.order_type is OrderType.LIMIT:
            fill_price = min(fill_price, req.price) if req.side is OrderSide.BUY else max(
                fill_price, req.price)
        notional = req.quantity * fill_price
        commission = max(self.min_commission, notional * self.commission_rate)
        fill = {"exec_id": f"E-{req.order_id}", "order_id": req.order_id, "ticker": req.ticker,
                "side": req.side._value_, "quantity": req.quantity, "price": fill_price,
                "commission": commission, "timestamp": req.timestamp}
        return OrderExecution(req.order_id, req.ticker, req.side, req.order_type, req.quantity,
                              req.price, req.quantity, fill_price, commission, req.timestamp,
                              OrderStatus.FILLED, [fill])

    def update_position(self, ex):
        pos = self.positions.get(ex.ticker)
        if pos is None:
            pos = self.positions[ex.ticker] = Position(ex.ticker)
        signed = ex.executed_quantity if ex.side is OrderSide.BUY else -ex.executed_quantity
        price = ex.average_price
        if pos.quantity == 0 or (pos.quantity > 0) == (signed > 0):
            total = pos.quantity + signed
            pos.average_price = (pos.average_price * pos.quantity + price * signed) / total
            pos.quantity = total
        else:
            closed = min(abs(signed), abs(pos.quantity))
            direction = 1.0 if pos.quantity > 0 else -1.0
            pos.realized_pnl += closed * (price - pos.average_price) * direction
            pos.quantity += signed
            if pos.quantity == 0:
                pos.average_price = 0.0
            elif (pos.quantity > 0) != (direction > 0):
                pos.average_price = price
        md = self.market_data[ex.ticker]
        pos.market_value = pos.quantity * md.last
        pos.unrealized_pnl = (md.last - pos.average_price) * pos.quantity
        pos.timestamp = ex.timestamp
        self.cash -= signed * price + ex.commission

    def log_order(self, ex):
        # The same JSON objects json.dumps would write (ids, tickers and timestamps need no
        # escaping; floats print as repr), formatted directly: json.dumps was 40% of the time.
        price = "null" if ex.price is None else repr(ex.price)
        self.order_book.write(
            f'{{"order_id": "{ex.order_id}", "ticker": "{ex.ticker}", "side": "{ex.side._value_}", '
            f'"order_type": "{ex.order_type._value_}", "quantity": {ex.quantity!r}, '
            f'"price": {price}, "executed_quantity": {ex.executed_quantity!r}, '
            f'"average_price": {ex.average_price!r}, "commission": {ex.commission!r}, '
            f'"timestamp": "{ex.timestamp}", "status": "{ex.status._value_}"}}\n')
        for f in ex.fills:
            self.trade_log.write(
                f'{{"exec_id": "{f["exec_id"]}", "order_id": "{f["order_id"]}", '
                f'"ticker": "{f["ticker"]}", "side": "{f["side"]}", "quantity": {f["quantity"]!r}, '
                f'"price": {f["price"]!r}, "commission": {f["commission"]!r}, '
                f'"timestamp": "{f["timestamp"]}"}}\n')

    async def submit_order(self, ticker, side, order_type, quantity, price=None, stop_price=None,
                           time_in_force="day", client_order_id=None):
        self.next_id += 1
        now = datetime.now(timezone.utc).isoformat()
        req = OrderRequest(f"O-{self.next_id}", ticker, side, order_type, quantity, price,
                           stop_price, time_in_force, client_order_id, now)
        md = self.market_data[ticker]
        reason = self.check_risk(req, md)
        if reason is not None:
            ex = OrderExecution(req.order_id, ticker, side, order_type, quantity, price, 0.0,
                                0.0, 0.0, now, OrderStatus.REJECTED, metadata={"reason": reason})
            self.orders[req.order_id] = ex
            self.log_order(ex)
            raise ValueError(reason)
        ex = self.simulate_execution(req, md)
        self.orders[req.order_id] = ex
        if ex.executed_quantity > 0:
            self.update_position(ex)
            self.daily_trades += 1
            self.daily_volume += ex.executed_quantity * ex.average_price
            self.daily_commission += ex.commission
        self.log_order(ex)
        return req.order_id

    def get_order_status(self, order_id):
        return self.orders.get(order_id)


CONFIG = {
    "spread_multiplier": 1.0, "slippage_bps": 5, "commission_rate": 0.001, "min_commission": 1.0,
    "max_position_size": 0.1, "max_order_size": 10000, "max_daily_trades": 10 ** 12,
    "initial_cash": 1e12,  # commissions of $1 an order must not drain it during the run
}


async def one_run(orders, log_dir):
    agent = ExecutionAgent(log_dir, CONFIG)
    await agent.start()
    agent.set_quote("AAPL", 100.00, 100.01)
    submit = agent.submit_order
    buy, sell, market = OrderSide.BUY, OrderSide.SELL, OrderType.MARKET
    t0 = time.perf_counter()
    for i in range(orders):
        await submit("AAPL", buy if i % 2 == 0 else sell, market, 1.0,
                     client_order_id=f"c-{i}")
    elapsed = time.perf_counter() - t0
    filled = sum(1 for e in agent.orders.values() if e.status is OrderStatus.FILLED)
    await agent.stop()
    if filled != orders:
        raise SystemExit(f"seed_baseline: only {filled} of {orders} orders filled")
    return orders / elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=200000)
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--dir", default=None, help="where the JSON files go (a temp dir by default)")
    ap.add_argument("--json", default=None, help="write the result here instead of stdout")
    args = ap.parse_args()
    base = args.dir or tempfile.mkdtemp(prefix="seed-baseline-")
    rates = []
    try:
        for r in range(args.repetitions):
            rates.append(asyncio.run(one_run(args.orders, os.path.join(base, f"run{r}"))))
            print(f"seed_baseline: run {r + 1}: {rates[-1]:,.0f} orders/s", file=sys.stderr)
    finally:
        if args.dir is None:  # only what this script created; a given --dir keeps the files
            shutil.rmtree(base, ignore_errors=True)
    median = statistics.median(rates)
    mean = statistics.fmean(rates)
    stddev = statistics.stdev(rates) if len(rates) > 1 else 0.0
    benchmarks = []
    for agg, v in [("median", median), ("mean", mean), ("stddev", stddev)]:
        benchmarks.append({
            "name": f"seed_baseline_{agg}", "run_name": "seed_baseline", "run_type": "aggregate",
            "aggregate_name": agg, "repetitions": len(rates), "orders_per_s": v,
            "us_per_order": 1e6 / v if agg != "stddev" and v else 0.0,
            "real_time": (args.orders / v * 1e3) if agg != "stddev" and v else 0.0,
            "time_unit": "ms", "orders": args.orders,
        })
    doc = {"context": {"date": datetime.now(timezone.utc).isoformat(),
                       "python": sys.version.split()[0], "executable": sys.executable},
           "benchmarks": benchmarks}
    text = json.dumps(doc, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    print(f"seed_baseline: median {median:,.0f} orders/s over {len(rates)} runs of "
          f"{args.orders} orders", file=sys.stderr)


if __name__ == "__main__":
    main()
