"""Which asyncio event loop ``quietus serve`` runs on: uvloop where it is installed (its socket writes, reads and
polling are C, which is where most of a round trip's server CPU goes: docs/design/performance.md), else the
standard loop.  Setting ``event_loop``: ``auto`` (the default: uvloop if importable), ``uvloop`` (required: a
start-up error without it) or ``asyncio`` (the standard loop).

The embedded API's engine thread always runs the standard loop: its selector lets go of the engine's ownership
while it sleeps (engine/scheduler.py), which uvloop's libuv loop has no place for."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable

LOOP_KINDS = ("auto", "uvloop", "asyncio")

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


class LoopUnavailable(Exception):
    """``event_loop = uvloop`` but uvloop cannot be imported."""


def loop_factory(kind: str) -> tuple[str, LoopFactory]:
    """(the loop's name, a factory making one) for setting ``kind``."""
    if kind != "asyncio":
        try:
            uvloop = importlib.import_module("uvloop")
        except ImportError:
            if kind == "uvloop":
                raise LoopUnavailable("event_loop = uvloop, but uvloop is not installed (pip install uvloop)") from None
        else:
            factory: LoopFactory = uvloop.new_event_loop
            return "uvloop", factory
    return "asyncio", asyncio.new_event_loop
