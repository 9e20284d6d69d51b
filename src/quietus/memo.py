"""A cache keyed by the identity of immutable objects a hot path meets again and again (a cached plan's result
columns, their TDS descriptions): a lookup is an ``id`` and a dict probe, where hashing the objects themselves
would call their dataclass ``__hash__`` field by field.

Invariant: an entry holds its key objects, so no id in the cache can be reused by another object while the entry
lives; only immutable keys (tuples, frozen dataclasses) are remembered.  Bounded: full, it starts again empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
C = TypeVar("C")
V = TypeVar("V")


class IdentityMemo(Generic[K, C, V]):
    """``make(key, context)`` remembered per (key object, context object) by identity."""

    __slots__ = ("_entries", "_limit", "_make")

    def __init__(self, make: Callable[[K, C], V], limit: int = 1024) -> None:
        self._make = make
        self._limit = limit
        self._entries: dict[tuple[int, int], tuple[K, C, V]] = {}

    def get(self, key: K, context: C) -> V:
        entry = self._entries.get((id(key), id(context)))
        if entry is not None and entry[0] is key and entry[1] is context:
            return entry[2]
        value = self._make(key, context)
        if isinstance(key, tuple):  # a list could change under the same id: made again every time
            if len(self._entries) >= self._limit:
                self._entries.clear()
            self._entries[(id(key), id(context))] = (key, context, value)
        return value
