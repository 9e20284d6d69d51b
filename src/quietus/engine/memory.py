"""Keeping Python's cyclic garbage collector from stalling the engine.

A full (generation 2) collection walks every tracked object; with millions of row versions that takes about a second
(0.8 s for 2,000,000 versions on the development machine), and it runs on whichever thread allocates next — the
engine's, so every session would stall.  Row versions, value tuples and undo records form no reference cycles: when
they die, reference counting frees them.  So after work that creates many long-lived objects (recovery, a statement
that wrote many rows) the engine moves everything alive into the collector's permanent generation
(``gc.freeze()``, O(1)), which later collections skip.

Trade-off: cyclic garbage that was alive at a freeze is never collected.  The engine's own structures hold no cycles;
objects of the layers above that happened to be alive then (a few sessions, tasks) may leak a little per freeze, which
is bounded by ``FREEZE_ROWS`` (at most one freeze per that many rows written).
"""

from __future__ import annotations

import gc

FREEZE_ROWS = 50_000  # rows written by one statement before the objects it created are frozen


def settle_long_lived() -> None:
    """Move every live object out of the collector's reach (see the module docstring)."""
    gc.freeze()


def after_rows_written(rows: int) -> None:
    if rows >= FREEZE_ROWS:
        settle_long_lived()
