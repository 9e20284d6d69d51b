"""Row versions: the unit of multi-version storage.

A row is a chain of versions, newest first.  A write never changes a version: it pushes a new one owned by its
transaction (``xmin``).  ``values is None`` marks a deletion.  ``xmin == FROZEN`` means the version was committed
before every live snapshot (everything loaded at start-up is frozen), so no status lookup is needed.  ``shape``
names the column layout the values follow: ADD/DROP COLUMN writes every row again in the new layout, and the older
versions keep theirs until the cleaner drops them.
"""

from __future__ import annotations

from typing import Any

FROZEN = 0


class Version:
    __slots__ = ("prev", "shape", "values", "xmin")

    def __init__(self, values: tuple[Any, ...] | None, xmin: int, prev: Version | None, shape: int = 0) -> None:
        self.values = values
        self.xmin = xmin
        self.prev = prev
        self.shape = shape  # the table's column layout when written (see Table.shape)

    def __repr__(self) -> str:
        return f"Version({self.values!r}, xmin={self.xmin})"
