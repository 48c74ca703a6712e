"""Strategies in Python for the execution engine, through its strategy gateway (ZeroMQ + msgpack).

The callbacks are those of the C++ API (actors/strategy.hpp): on_start, on_quote, on_update,
on_fill, on_stop, and the context offers submit, cancel, replace, position, last_quote, account,
now, name and log. Every price, quantity and amount is a decimal.Decimal, exact as the engine
has it. The protocol is described in docs/STRATEGIES.md ("Strategies in Python").
"""
from .client import (Account, Context, Fill, Order, OrderUpdate, Quote, Strategy, StrategyClient,
                     TERMINAL)

__all__ = ["Account", "Context", "Fill", "Order", "OrderUpdate", "Quote", "Strategy",
           "StrategyClient", "TERMINAL"]
