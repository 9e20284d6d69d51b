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

Full collections are also made rarer (``configure_collector``, when the engine thread starts): CPython starts one
after ten collections of the middle generation (700 x 10 net allocations) once the objects that survived them add a
quarter to the old generation, so a request that builds a tree of a million live objects (a 50,000-term sum, a
100,000-value IN list) paid for a dozen full collections of 40-140 ms, each walking the tree it was still building.
With ``FULL_COLLECTION_THRESHOLD`` middle collections instead of ten, such a request meets none.  What would pile up
meanwhile is cyclic garbage; the big one, a long batch's parse trees, is taken apart when the batch ends
(``quietus.sql.tree_release``), and what remains is about one cyclic object per batch (measured: 4,232 after 4,000
batches of inserts, selects, errors and rollbacks), so memory stays bounded.
"""

from __future__ import annotations

import gc

FREEZE_ROWS = 50_000  # rows written by one statement before the objects it created are frozen
FULL_COLLECTION_THRESHOLD = 1_000  # middle-generation collections between full ones (CPython's default: 10)


def configure_collector() -> None:
    """Make full collections rarer (see the module docstring); never lowers a threshold set higher already."""
    young, middle, old = gc.get_threshold()
    if old < FULL_COLLECTION_THRESHOLD:
        gc.set_threshold(young, middle, FULL_COLLECTION_THRESHOLD)


def settle_long_lived() -> None:
    """Move every live object out of the collector's reach (see the module docstring)."""
    gc.freeze()


def after_rows_written(rows: int) -> None:
    if rows >= FREEZE_ROWS:
        settle_long_lived()
