"""Index keys: values normalised so that Python ordering and equality follow SQL Server's.

Strings compare under SQL_Latin1_General_CP1_CI_AS: case-insensitive, accent-sensitive, trailing spaces ignored, so
``'jward'`` and ``'JWARD '`` are one key.  NULL sorts below every value (SQL Server's ascending order).  A key for a
one-column index is the normalised value itself; for several columns, a tuple of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import total_ordering
from typing import Any


@total_ordering
class _Extreme:
    """A sentinel ordered below (or above) every other key part."""

    __slots__ = ("_low", "_name")

    def __init__(self, low: bool, name: str) -> None:
        self._low = low
        self._name = name

    def __lt__(self, other: object) -> bool:
        return self._low and other is not self

    def __gt__(self, other: object) -> bool:
        return not self._low and other is not self

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name


NULL_KEY = _Extreme(True, "NULL_KEY")  # NULL in an index: below every value
LOW = NULL_KEY  # the bottom of a range scan
HIGH = _Extreme(False, "HIGH")  # the top of a range scan


def collation_key(text: str) -> str:
    """SQL_Latin1_General_CP1_CI_AS equality/ordering key: case folded, trailing spaces dropped."""
    return text.rstrip(" ").casefold()


def normalise(value: Any) -> Any:
    """One key part: NULL → NULL_KEY, strings → collation key, everything else as it is."""
    if value is None:
        return NULL_KEY
    if type(value) is str:
        return collation_key(value)
    return value


def key_function(
    positions: Sequence[int], string_positions: Sequence[int]
) -> Callable[[tuple[Any, ...]], Any]:
    """Build ``values -> key`` for an index over ``positions`` (string columns listed in ``string_positions``).

    Specialised for the common shapes so that the hot path (one integer column) is a single tuple index.
    """
    strings = set(string_positions)
    if len(positions) == 1:
        (p,) = positions
        if p in strings:
            return lambda values: normalise(values[p])
        return lambda values: NULL_KEY if values[p] is None else values[p]
    ps = tuple(positions)
    return lambda values: tuple(normalise(values[p]) for p in ps)
