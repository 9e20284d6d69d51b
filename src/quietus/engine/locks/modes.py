"""Lock modes, their compatibility and their conversions, as tables.

Both tables are written out below exactly as they are read: rows and columns in the order of Microsoft's full
lock compatibility matrix (NL, SIU, UIX, BU and the key-range modes left out), so a reviewer can check them
cell by cell against the vendor's documentation.

Invariants (checked by tests/unit/test_lock_modes.py):

1. Compatibility is symmetric: ``compatible(a, b) == compatible(b, a)``.
2. Sch-S is compatible with every mode but Sch-M; Sch-M with none.
3. ``convert(held, requested)`` is the least mode that conflicts with everything either mode conflicts with:
   whoever could not coexist with one of the two modes cannot coexist with the result, and no smaller mode of
   the nine has that property.  Hence it is commutative and idempotent, and ``convert(m, m) == m``.
"""

from __future__ import annotations

import enum
from typing import Final, cast


class LockMode(enum.IntEnum):
    """A lock mode; the value indexes the tables below, ``display`` is sys.dm_tran_locks.request_mode."""

    S = 0
    U = 1
    X = 2
    IS = 3
    IU = 4
    IX = 5
    SIX = 6
    SCH_S = 7
    SCH_M = 8

    @property
    def display(self) -> str:
        return _DISPLAY[self]

    def __str__(self) -> str:
        return _DISPLAY[self]


_DISPLAY = {mode: mode.name.replace("SCH_", "Sch-") for mode in LockMode}
_BY_DISPLAY = {text: mode for mode, text in _DISPLAY.items()}


def mode_named(display: str) -> LockMode:
    """The mode whose request_mode text is ``display`` ("Sch-S", "SIX", ...)."""
    return _BY_DISPLAY[display]


# Rows: the requested mode.  Columns: the existing granted mode.
# fmt: off
COMPATIBILITY_TABLE = """
Requested mode | Sch-S | Sch-M | S   | U   | X   | IS  | IU  | IX  | SIX
Sch-S          | Yes   | No    | Yes | Yes | Yes | Yes | Yes | Yes | Yes
Sch-M          | No    | No    | No  | No  | No  | No  | No  | No  | No
S              | Yes   | No    | Yes | Yes | No  | Yes | Yes | No  | No
U              | Yes   | No    | Yes | No  | No  | Yes | No  | No  | No
X              | Yes   | No    | No  | No  | No  | No  | No  | No  | No
IS             | Yes   | No    | Yes | Yes | No  | Yes | Yes | Yes | Yes
IU             | Yes   | No    | Yes | No  | No  | Yes | Yes | Yes | No
IX             | Yes   | No    | No  | No  | No  | Yes | Yes | Yes | No
SIX            | Yes   | No    | No  | No  | No  | Yes | No  | No  | No
"""

# Rows: the mode held.  Columns: the mode requested.  Cell: the mode held afterwards.
CONVERSION_TABLE = """
Held \\ Requested | Sch-S | Sch-M | S     | U     | X     | IS    | IU    | IX    | SIX
Sch-S            | Sch-S | Sch-M | S     | U     | X     | IS    | IU    | IX    | SIX
Sch-M            | Sch-M | Sch-M | Sch-M | Sch-M | Sch-M | Sch-M | Sch-M | Sch-M | Sch-M
S                | S     | Sch-M | S     | U     | X     | S     | U     | SIX   | SIX
U                | U     | Sch-M | U     | U     | X     | U     | U     | SIX   | SIX
X                | X     | Sch-M | X     | X     | X     | X     | X     | X     | X
IS               | IS    | Sch-M | S     | U     | X     | IS    | IU    | IX    | SIX
IU               | IU    | Sch-M | U     | U     | X     | IU    | IU    | IX    | SIX
IX               | IX    | Sch-M | SIX   | SIX   | X     | IX    | IX    | IX    | SIX
SIX              | SIX   | Sch-M | SIX   | SIX   | X     | SIX   | SIX   | SIX   | SIX
"""
# fmt: on


def parse_table(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """Split a ``|`` table into its column headings and its rows keyed by their first cell."""
    lines = [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]
    header, *body = lines
    return header[1:], {row[0]: row[1:] for row in body}


def _square(text: str, cell: dict[str, object]) -> tuple[tuple[object, ...], ...]:
    columns, rows = parse_table(text)
    grid: list[list[object]] = [[None] * len(LockMode) for _ in LockMode]
    for row_name, cells in rows.items():
        for column_name, value in zip(columns, cells, strict=True):
            grid[mode_named(row_name)][mode_named(column_name)] = cell[value]
    return tuple(tuple(row) for row in grid)


# COMPATIBLE_GRID[granted][requested] and CONVERT_GRID[held][requested], indexed by mode value: the lock
# manager's hot path reads these grids directly.
COMPATIBLE_GRID: Final[tuple[tuple[bool, ...], ...]] = tuple(
    tuple(bool(v) for v in row) for row in zip(*_square(COMPATIBILITY_TABLE, {"Yes": True, "No": False}), strict=True)
)
CONVERT_GRID: Final[tuple[tuple[LockMode, ...], ...]] = tuple(
    tuple(cast(LockMode, v) for v in row) for row in _square(CONVERSION_TABLE, dict(_BY_DISPLAY))
)


def compatible(held: LockMode, requested: LockMode) -> bool:
    """May ``requested`` be granted to one owner while another owner holds ``held``?"""
    return COMPATIBLE_GRID[held][requested]


def convert(held: LockMode, requested: LockMode) -> LockMode:
    """The mode an owner holding ``held`` ends with once ``requested`` is also granted to it."""
    return CONVERT_GRID[held][requested]


def covers(held: LockMode, requested: LockMode) -> bool:
    """Does holding ``held`` already give everything ``requested`` would?"""
    return CONVERT_GRID[held][requested] == held


# What a lock on an OBJECT grants over each row beneath it: a KEY request it covers needs no lock of its own.
# Intent modes grant nothing below (they announce locks to be taken there).
CHILD_GRANT: Final[dict[LockMode, LockMode]] = {
    LockMode.S: LockMode.S,
    LockMode.U: LockMode.U,
    LockMode.SIX: LockMode.S,
    LockMode.X: LockMode.X,
    LockMode.SCH_M: LockMode.X,  # nobody else can touch the object at all
}
