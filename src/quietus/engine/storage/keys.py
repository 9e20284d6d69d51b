"""Index keys: values normalised so that Python ordering and equality follow the comparison of their column.

Two values are one key exactly when the column's ``=`` finds them equal, so a unique index refuses what that ``=``
calls a duplicate and a seek finds what it would find.  How a column's values become key parts (``key_part``):

| column                                            | key of a value                         | one key             |
|---------------------------------------------------|----------------------------------------|---------------------|
| string, the server's SQL_Latin1_General_CP1_CI_AS | trailing spaces dropped, case folded   | 'jward', 'JWARD '   |
| string, BINARY, varying (VARCHAR2, NVARCHAR2)     | as it is (Oracle's nonpadded compare)  | only itself         |
| string, BINARY, fixed (CHAR, NCHAR)               | trailing spaces dropped (blank-padded) | 'a', 'a   '         |
| binary, varbinary, image                          | trailing zero bytes dropped            | 0x01, 0x0100        |
| anything else                                     | as it is                               |                     |

BINARY is the collation of a string column an Oracle session created (NLS_COMP=BINARY).  Binary values compare as
SQL Server pads the shorter operand with 0x00; an Oracle session's RAW compares through the same shared comparison.
NULL sorts below every value (SQL Server's ascending order).  A key for a one-column index is the normalised value
itself; for several columns, a tuple of them.  A seek normalises the value it looks for with the same ``key_part``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import total_ordering
from typing import Any, Final

from quietus.engine.storage.schema import STRING_TYPES, ColumnDef


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


NULL_KEY: Final = _Extreme(True, "NULL_KEY")  # NULL in an index: below every value
LOW = NULL_KEY  # the bottom of a range scan
HIGH = _Extreme(False, "HIGH")  # the top of a range scan


def collation_key(text: str) -> str:
    """SQL_Latin1_General_CP1_CI_AS equality/ordering key: case folded, trailing spaces dropped."""
    return text.rstrip(" ").casefold()


def normalise(value: Any) -> Any:
    """One key part under the server's default rules (``key_part`` of a column without a collation of its own):
    NULL → NULL_KEY, strings → collation key, binary values without their trailing zeros, everything else as it
    is."""
    if value is None:
        return NULL_KEY
    kind = type(value)
    if kind is str:
        return collation_key(value)
    if kind is bytes:
        return value.rstrip(b"\0")
    return value


def _as_it_is(value: Any) -> Any:
    return NULL_KEY if value is None else value


def _blank_padded(value: Any) -> Any:
    return NULL_KEY if value is None else value.rstrip(" ")


BINARY = "BINARY"  # ColumnDef.collation of a string column an Oracle session created: code points, case-sensitive
_FIXED_LENGTH = frozenset({"char", "nchar"})
_BINARY_TYPES = frozenset({"binary", "varbinary", "image"})


def key_part(column: ColumnDef) -> Callable[[Any], Any]:
    """How the values of ``column`` become key parts (the table in the module note)."""
    if column.type_name in STRING_TYPES:
        if column.collation is None:
            return normalise
        if column.collation == BINARY:
            return _blank_padded if column.type_name in _FIXED_LENGTH else _as_it_is
        raise ValueError(f"no key rule for collation {column.collation!r}")  # the DDL records no other one
    if column.type_name in _BINARY_TYPES:
        return normalise
    return _as_it_is


def key_function(columns: Sequence[ColumnDef], positions: Sequence[int]) -> Callable[[Sequence[Any]], Any]:
    """Build ``values -> key`` for an index over the columns at ``positions`` of a table of ``columns``."""
    return keyed_by(tuple(key_part(columns[p]) for p in positions), positions)


def keyed_by(parts: Sequence[Callable[[Any], Any]], positions: Sequence[int]) -> Callable[[Sequence[Any]], Any]:
    """``values -> key`` from the values at ``positions``, each made a key part by its ``parts`` (another table's
    key rules: a foreign key's values are compared as the referenced key's).  Specialised for the common shapes so
    that the hot path (one integer column) is a single tuple index."""
    if len(positions) == 1:
        (p,), (part,) = positions, parts
        if part is _as_it_is:
            return lambda values: NULL_KEY if values[p] is None else values[p]
        return lambda values: part(values[p])
    pairs = tuple(zip(parts, positions, strict=True))
    return lambda values: tuple(part(values[p]) for part, p in pairs)


def key_text(values: Sequence[Any], columns: Sequence[int]) -> str:
    """A duplicate key as SQL Server prints it in 2627, 2601 and 1505: ``(1)``, ``(abc, 2)``, ``(<NULL>)``,
    ``(0x0100)``."""
    return "(" + ", ".join(_key_value_text(values[c]) for c in columns) + ")"


def _key_value_text(value: Any) -> str:
    if value is None:
        return "<NULL>"
    if type(value) is bytes:
        return "0x" + value.hex().upper()
    return str(value)
