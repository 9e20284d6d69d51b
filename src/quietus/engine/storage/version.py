"""Row versions: the unit of multi-version storage.

A row is a chain of versions, newest first.  A write never changes a version: it pushes a new one owned by its
transaction (``xmin``).  ``values is None`` marks a deletion.  ``xmin == FROZEN`` means the version was committed
before every live snapshot (everything loaded at start-up is frozen), so no status lookup is needed.
"""

from __future__ import annotations

from typing import Any

FROZEN = 0


class Version:
    __slots__ = ("prev", "values", "xmin")

    def __init__(self, values: tuple[Any, ...] | None, xmin: int, prev: Version | None) -> None:
        self.values = values
        self.xmin = xmin
        self.prev = prev

    def __repr__(self) -> str:
        return f"Version({self.values!r}, xmin={self.xmin})"
