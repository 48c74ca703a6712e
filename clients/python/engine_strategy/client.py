"""The strategy client: one DEALER socket to the engine's strategy gateway, callbacks on one thread."""
import json
import logging
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, Optional

import msgpack
import zmq

TERMINAL = {"filled", "canceled", "rejected", "expired", "replaced"}


def _dec(x) -> Decimal:
    return Decimal(x) if x not in (None, "") else Decimal(0)


def _text(d: Decimal) -> str:
    """Fixed-point text the engine parses exactly (never "1E+1")."""
    return format(Decimal(d), "f")


@dataclass
class Quote:
    ticker: str
    bid: Decimal
    ask: Decimal
    bid_size: Decimal
    ask_size: Decimal
    ts: int

    @property
    def mid(self) -> Decimal:
        return ((self.bid + self.ask) / 2).quantize(Decimal("0.000001"))


@dataclass
class Order:
    ticker: str
    side: str                      # buy | sell
    quantity: Decimal
    order_type: str = "market"     # market | limit | stop | stop_limit | ...
    price: Decimal = Decimal(0)    # limit price
    stop_price: Decimal = Decimal(0)
    time_in_force: str = "day"
    client_order_id: str = ""      # generated when empty
    order_class: str = "simple"    # simple | bracket | oco | oto (legs: docs/BROKERS_ALPACA.md)
    take_profit_limit_price: Decimal = Decimal(0)
    stop_loss_stop_price: Decimal = Decimal(0)
    stop_loss_limit_price: Decimal = Decimal(0)  # zero: a stop leg, not a stop_limit
    extended_hours: bool = False   # limit + day only


@dataclass
class OrderUpdate:
    order_id: str
    client_order_id: str
    ticker: str
    side: str
    status: str
    executed_quantity: Decimal
    leaves_quantity: Decimal
    average_price: Decimal
    commission: Decimal
    reason: str  # for people: "name: detail"
    ts: int
    reject: str = "none"  # the refusal's code (max_order_size, ...): match on this, not on reason


@dataclass
class Fill:
    exec_id: str
    order_id: str
    client_order_id: str
    ticker: str
    side: str
    quantity: Decimal
    price: Decimal
    commission: Decimal
    ts: int


@dataclass
class Account:
    cash: Decimal = Decimal(0)
    equity: Decimal = Decimal(0)
    buying_power: Decimal = Decimal(0)
    initial_cash: Decimal = Decimal(0)
    ts: int = 0


class Strategy:
    """Override what you need; every callback gets the context."""

    def on_start(self, ctx: "Context") -> None: ...
    def on_quote(self, ctx: "Context", q: Quote) -> None: ...
    def on_update(self, ctx: "Context", u: OrderUpdate) -> None: ...
    def on_fill(self, ctx: "Context", f: Fill) -> None: ...
    def on_stop(self, ctx: "Context") -> None: ...

    # What the strategy must remember across a restart (JSON-able); see StrategyClient(state_file=).
    def save_state(self) -> dict:
        return {}

    def restore_state(self, state: dict) -> None: ...


class Context:
    """What a strategy can do and see; calls are asynchronous, as in C++."""

    def __init__(self, client: "StrategyClient"):
        self._c = client
        self.log = logging.getLogger("strategy." + client.name)

    @property
    def name(self) -> str:
        return self._c.name

    def submit(self, order: Order) -> str:
        """Sends a new order; returns its client_order_id (its updates carry it)."""
        return self._c._submit(order)

    def cancel(self, order_id: str) -> None:
        self._c._send({"t": "cancel", "order_id": order_id})

    def replace(self, order_id: str, quantity: Optional[Decimal] = None,
                price: Optional[Decimal] = None, stop_price: Optional[Decimal] = None) -> None:
        m = {"t": "replace", "order_id": order_id}
        for k, v in (("quantity", quantity), ("price", price), ("stop_price", stop_price)):
            if v is not None:
                m[k] = _text(v)
        self._c._send(m)

    def position(self, ticker: str) -> Decimal:
        """This strategy's own position, from its own fills (exact)."""
        return self._c.positions.get(ticker, Decimal(0))

    def last_quote(self, ticker: str) -> Optional[Quote]:
        return self._c.quotes.get(ticker)

    def account(self) -> Account:
        return self._c.account

    def now(self) -> int:
        """The engine's time in nanoseconds: the data's time in simulation."""
        return self._c.now_ns

    def open_orders(self) -> set:
        """Order ids of this strategy's orders that are not finished."""
        return set(self._c.open_orders)


class StrategyClient:
    """Runs `strategy` as strategy `name` of the engine, through the gateway at `endpoint`.

    server_key: the gateway's CURVE public key (z85 text), when it has keys; client_keys: this
    process's (public, secret) pair (generated when omitted). state_file: where the last processed
    sequence number, positions, open orders and the strategy's save_state() are kept, so that a
    restarted process resumes exactly where the killed one stopped (nothing lost, nothing twice).
    """

    def __init__(self, strategy: Strategy, name: str, endpoint: str, server_key: str = None,
                 client_keys=None, state_file: str = None, heartbeat_s: float = 0.5,
                 gone_after_s: float = 10.0, record_fills: bool = False):
        self.strategy, self.name, self.endpoint = strategy, name, endpoint
        self.state_file, self.heartbeat_s, self.gone_after_s = state_file, heartbeat_s, gone_after_s
        self.record_fills = record_fills
        self.seq = 0
        self.positions: Dict[str, Decimal] = {}
        self.quotes: Dict[str, Quote] = {}
        self.open_orders = set()
        self.account = Account()
        self.now_ns = 0
        self.fills = []          # exec ids seen, when record_fills (for tests)
        self.repeats = 0         # frames sent again that were already processed (dropped)
        self.resyncs = 0         # times a frame was missing and the rest was asked for again
        self.incarnation = 0
        self.stopped = False
        self._frame_seq = 0      # seq of the frame being handled, for client order ids
        self._n_in_frame = 0
        self._ctx = Context(self)
        self._load()
        self.incarnation += 1
        self._zctx = zmq.Context.instance()
        self._sock = self._zctx.socket(zmq.DEALER)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.setsockopt(zmq.RCVHWM, 0)  # never drop what the gateway sends
        self._sock.setsockopt(zmq.SNDHWM, 0)
        if server_key:
            pub, sec = client_keys or zmq.curve_keypair()
            self._sock.curve_serverkey = server_key.encode() if isinstance(server_key, str) else server_key
            self._sock.curve_publickey = pub.encode() if isinstance(pub, str) else pub
            self._sock.curve_secretkey = sec.encode() if isinstance(sec, str) else sec
        self._sock.connect(endpoint)

    # -- state across restarts ------------------------------------------------------------------
    def _load(self):
        if not self.state_file or not os.path.exists(self.state_file):
            return
        with open(self.state_file) as f:
            s = json.load(f)
        self.seq = s["seq"]
        self.positions = {t: Decimal(q) for t, q in s["positions"].items()}
        self.open_orders = set(s["open_orders"])
        self.account = Account(**{k: (Decimal(v) if k != "ts" else v) for k, v in s["account"].items()})
        self.fills = s.get("fills", [])
        self.repeats = s.get("repeats", 0)
        self.resyncs = s.get("resyncs", 0)
        self.incarnation = s.get("incarnation", 0)
        self.strategy.restore_state(s.get("strategy", {}))

    def _save(self):
        if not self.state_file:
            return
        s = {"seq": self.seq, "positions": {t: _text(q) for t, q in self.positions.items()},
             "open_orders": sorted(self.open_orders),
             "account": {"cash": _text(self.account.cash), "equity": _text(self.account.equity),
                         "buying_power": _text(self.account.buying_power),
                         "initial_cash": _text(self.account.initial_cash), "ts": self.account.ts},
             "fills": self.fills, "repeats": self.repeats,
             "resyncs": self.resyncs,
             "incarnation": self.incarnation, "strategy": self.strategy.save_state()}
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(s, f)
        os.replace(tmp, self.state_file)  # atomic: a kill leaves the old state or the new

    # -- sending --------------------------------------------------------------------------------
    def _send(self, m: dict):
        self._sock.send(msgpack.packb(m, use_bin_type=True))

    def _submit(self, o: Order) -> str:
        cid = o.client_order_id
        if not cid:
            # Named after the frame that caused it: a frame handled again after a restart makes
            # the same ids, and the engine answers a known id with the existing order.
            self._n_in_frame += 1
            cid = "%s-%d-%d" % (self.name, self._frame_seq, self._n_in_frame) if self._frame_seq \
                else "%s-s%d-%d" % (self.name, self.incarnation, self._n_in_frame)
        self._send({"t": "order", "client_order_id": cid, "ticker": o.ticker, "side": o.side,
                    "order_type": o.order_type, "quantity": _text(o.quantity),
                    "price": _text(o.price), "stop_price": _text(o.stop_price),
                    "time_in_force": o.time_in_force, "order_class": o.order_class,
                    "take_profit_limit_price": _text(o.take_profit_limit_price),
                    "stop_loss_stop_price": _text(o.stop_loss_stop_price),
                    "stop_loss_limit_price": _text(o.stop_loss_limit_price),
                    "extended_hours": bool(o.extended_hours)})
        return cid

    # -- the loop -------------------------------------------------------------------------------
    def run(self, max_seconds: float = None) -> None:
        """Subscribes and handles frames until the engine says stop or goes silent."""
        self._send({"t": "subscribe", "strategy": self.name, "ack": self.seq})
        started = last_heard = last_sent = time.monotonic()
        poller = zmq.Poller()
        poller.register(self._sock, zmq.POLLIN)
        welcomed = False
        resyncing = False
        while not self.stopped:
            now = time.monotonic()
            if max_seconds is not None and now - started > max_seconds:
                break
            if now - last_heard > self.gone_after_s:
                self._ctx.log.warning("the engine is silent for %.1f s: leaving", now - last_heard)
                break
            if now - last_sent >= self.heartbeat_s:
                self._send({"t": "hb"})
                last_sent = now
            if not poller.poll(int(self.heartbeat_s * 1000)):
                continue
            last_heard = time.monotonic()
            processed = False
            while True:  # everything that is there, then one save and one ack
                try:
                    raw = self._sock.recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                m = msgpack.unpackb(raw, raw=False)
                t = m.get("t")
                if t == "welcome":
                    self._welcome(m)
                    if not welcomed:
                        welcomed = True
                        self.strategy.on_start(self._ctx)
                    continue
                if t == "error":
                    raise RuntimeError("gateway: " + m.get("message", "?"))
                if "seq" not in m:
                    continue  # heartbeat
                seq = m["seq"]
                if seq <= self.seq:
                    self.repeats += 1
                    continue
                if seq != self.seq + 1:
                    # A frame is missing: never process past a hole; ask for the rest again.
                    if not resyncing:
                        resyncing = True
                        self.resyncs += 1
                        self._ctx.log.warning("frame %d missing: subscribing again", self.seq + 1)
                        self._send({"t": "subscribe", "strategy": self.name, "ack": self.seq})
                    continue
                resyncing = False
                self._frame_seq, self._n_in_frame = seq, 0
                self._handle(m)
                self.seq = seq
                processed = True
            self._frame_seq = 0
            if processed:
                self._save()
                self._send({"t": "ack", "seq": self.seq})
                last_sent = time.monotonic()
        self._save()

    def _welcome(self, m):
        if m["next_seq"] <= self.seq:
            # A new node (restarted): its numbering starts again; its books are what it knows.
            self._ctx.log.warning("the engine restarted (next seq %d, we had %d): starting over",
                                  m["next_seq"], self.seq)
            self.seq = m["resumed_after"]
            self.positions = {t: Decimal(q) for t, q in m["positions"].items()}
            self.open_orders = set(m["open_orders"])
            return
        # The gateway has more than we remember only when our state was lost: take its books.
        if m["resumed_after"] > self.seq:
            self._ctx.log.warning("resuming after seq %d (no state for %d..%d)",
                                  m["resumed_after"], self.seq + 1, m["resumed_after"])
            self.seq = m["resumed_after"]
            self.positions = {t: Decimal(q) for t, q in m["positions"].items()}
            self.open_orders = set(m["open_orders"])

    def _handle(self, m):
        t, s, c = m["t"], self.strategy, self._ctx
        if t == "quotes":
            for x in m["quotes"]:
                q = Quote(x["ticker"], _dec(x["bid"]), _dec(x["ask"]), _dec(x["bid_size"]),
                          _dec(x["ask_size"]), x["ts"])
                self.quotes[q.ticker] = q
                self.now_ns = q.ts
                s.on_quote(c, q)
        elif t == "update":
            u = OrderUpdate(m["order_id"], m["client_order_id"], m["ticker"], m["side"],
                            m["status"], _dec(m["executed_quantity"]), _dec(m["leaves_quantity"]),
                            _dec(m["average_price"]), _dec(m["commission"]), m["reason"], m["ts"],
                            m.get("reject", "none"))  # an older engine does not send it
            if u.order_id:
                if u.status in TERMINAL:
                    self.open_orders.discard(u.order_id)
                else:
                    self.open_orders.add(u.order_id)
            s.on_update(c, u)
        elif t == "fill":
            f = Fill(m["exec_id"], m["order_id"], m["client_order_id"], m["ticker"], m["side"],
                     _dec(m["quantity"]), _dec(m["price"]), _dec(m["commission"]), m["ts"])
            if self.record_fills:
                self.fills.append(f.exec_id)
            sign = 1 if f.side == "buy" else -1
            self.positions[f.ticker] = self.positions.get(f.ticker, Decimal(0)) + sign * f.quantity
            s.on_fill(c, f)
        elif t == "position":
            self.positions[m["ticker"]] = _dec(m["quantity"])
        elif t == "account":
            self.account = Account(_dec(m["cash"]), _dec(m["equity"]), _dec(m["buying_power"]),
                                   _dec(m["initial_cash"]), m["ts"])
        elif t == "stop":
            s.on_stop(c)
            self.stopped = True
