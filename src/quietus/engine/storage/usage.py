"""sys.dm_db_index_usage_stats: how many statements sought, scanned or changed each heap or index.

Counts are of statements, not rows (as SQL Server's are: an UPDATE of a thousand rows is one user_update): a
statement counts at most once per heap or index and kind, however often it reads it (a table joined with itself, a
correlated subquery run per outer row, a WHILE loop's statement counts once each time the statement runs).  A
``RowAccess`` serves exactly one statement and carries a serial drawn once per statement (``next_statement``); a
count is taken only when that serial differs from the last one counted.  (A serial, not the RowAccess itself: a
kept reference would hold the statement's transaction and its undo records alive.)

| count        | taken when a statement                                                            |
|--------------|-----------------------------------------------------------------------------------|
| user_seeks   | seeks the table's clustered key (``TableScan`` with a seek, ``PointLookup``)      |
| user_scans   | scans the table's heap or clustered index                                         |
| user_updates | writes a row: on the heap or clustered index, and on each index whose entries change |

user_lookups stays 0: the planner seeks no nonclustered index, so nothing looks a row up from one.  The counts
live in memory and start at 0 when the server starts, as SQL Server's do; recovery's redo and a rollback's undo are
not statements and count nothing.  A row shows only once its structure has been used, as in SQL Server.
"""

from __future__ import annotations

import itertools
import time
from typing import Final

_statements: Final = itertools.count(1)


def next_statement() -> int:
    """A serial for one statement's ``RowAccess``: never 0, never repeated."""
    return next(_statements)


class IndexUsage:
    """The usage counts of one heap or index (the table in the module note)."""

    __slots__ = ("_scanned_by", "_sought_by", "_updated_by", "last_scan", "last_seek", "last_update", "scans",
                 "seeks", "updates")  # fmt: skip

    def __init__(self) -> None:
        self.seeks = self.scans = self.updates = 0
        self.last_seek = self.last_scan = self.last_update = 0.0  # time.time(); 0.0: never
        self._sought_by = self._scanned_by = self._updated_by = 0

    @property
    def used(self) -> bool:
        return bool(self.seeks or self.scans or self.updates)

    def sought(self, statement: int) -> None:
        if self._sought_by != statement:
            self._sought_by = statement
            self.seeks += 1
            self.last_seek = time.time()

    def scanned(self, statement: int) -> None:
        if self._scanned_by != statement:
            self._scanned_by = statement
            self.scans += 1
            self.last_scan = time.time()

    def updated(self, statement: int) -> None:
        if self._updated_by != statement:
            self._updated_by = statement
            self.updates += 1
            self.last_update = time.time()
