"""A table in memory: version chains ordered by clustered key, plus secondary indexes.

Invariants
----------
1. ``rows`` maps each clustered key to the newest version of that row; older versions hang off ``prev``.
2. Every version of a row that some snapshot may still see has an entry ``(index_key, row_key)`` in every secondary
   index (entries for keys no version carries any more are removed by the version cleaner, or at once by a classic
   rollback); readers therefore re-check the visible version against the index key they came from.
3. A table without a primary key is a heap: its clustered key is a hidden, ever-increasing row id.
4. Every version records the column layout (``shape``) it was written in; one layout has one shape number for the
   life of the table (so rolling back an ALTER restores the old number).  Index maintenance reads only versions of
   the current shape: older ones (superseded by ADD/DROP COLUMN, awaiting the cleaner) never mix into keys.

Only storage lives here: which version a reader may see, and who may write, is the transaction layer's business.

Operation counts (sys.dm_db_index_operational_stats): every new version ``push`` makes is counted once, on the table
(its heap or clustered index) and on each secondary index it changes: a row that did not exist (or whose newest
version is a deletion) is an insert, a deletion is a ghost (the row stays, marked deleted, until the version cleaner
removes it: SQL Server's ghost records), anything else an update.  A secondary index sees an insert when a version
adds an entry it did not hold, and a ghost when a deletion or a key change leaves an entry behind; an update that
keeps the index key leaves the index alone.  A rollback's undo is not counted; recovery's redo is not counted
(``reset_counts`` after it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sortedcontainers import SortedDict, SortedList

from quietus.engine.storage.keys import HIGH, LOW, key_function
from quietus.engine.storage.schema import IndexDef, TableDef
from quietus.engine.storage.usage import IndexUsage
from quietus.engine.storage.version import Version

Key = Any
Values = tuple[Any, ...]


class Index:
    """A secondary index: sorted ``(index_key, row_key)`` entries."""

    __slots__ = ("definition", "entries", "ghosts", "inserts", "key_of", "usage")

    def __init__(self, definition: IndexDef, key_of: Callable[[Values], Key]) -> None:
        self.definition = definition
        self.key_of = key_of
        self.entries: SortedList = SortedList()
        self.inserts = 0
        self.ghosts = 0
        self.usage = IndexUsage()  # sys.dm_db_index_usage_stats (storage/usage.py)

    def add(self, values: Values, row_key: Key) -> bool:
        """Add the entry for ``values``; True when it is new (the index changed)."""
        entry = (self.key_of(values), row_key)
        entries = self.entries
        position = entries.bisect_left(entry)
        if position == len(entries) or entries[position] != entry:
            entries.add(entry)
            return True
        return False

    def discard(self, index_key: Key, row_key: Key) -> None:
        self.entries.discard((index_key, row_key))

    def row_keys(self, index_key: Key) -> list[Key]:
        """Row keys of every entry with exactly ``index_key``."""
        return [row_key for _, row_key in self.entries.irange((index_key, LOW), (index_key, HIGH))]

    def scan(self, low: Key = LOW, high: Key = HIGH, reverse: bool = False) -> Iterator[tuple[Key, Key]]:
        return self.entries.irange((low, LOW), (high, HIGH), reverse=reverse)  # type: ignore[no-any-return]


class Table:
    __slots__ = (
        "_shapes",
        "definition",
        "ghosts",
        "identity_last",
        "indexes",
        "inserts",
        "is_heap",
        "key_of",
        "next_row_id",
        "object_id",
        "rows",
        "shape",
        "updates",
        "usage",
    )

    def __init__(self, definition: TableDef) -> None:
        self.object_id = definition.object_id
        self.rows: SortedDict = SortedDict()
        self.identity_last: int | None = None
        self.next_row_id = 1
        self.indexes: list[Index] = []
        self.definition = definition
        self.is_heap = True
        self.key_of: Callable[[Values], Key] | None = None
        self._shapes: dict[tuple[Any, ...], int] = {}
        self.shape = 0
        self.inserts = self.updates = self.ghosts = 0  # operation counts: see the module's docstring
        self.usage = IndexUsage()  # of its heap or clustered index (storage/usage.py)
        self.redefine(definition)

    @property
    def name(self) -> str:
        return self.definition.name

    def redefine(self, definition: TableDef) -> None:
        """Install a new definition (DDL); secondary indexes are rebuilt from the stored versions."""
        self.definition = definition
        self.shape = self._shapes.setdefault(definition.columns, len(self._shapes))
        columns = definition.columns
        primary = definition.primary_key
        self.is_heap = primary is None
        self.key_of = None if primary is None else key_function(columns, primary.columns)
        old = {index.definition.index_id: index for index in self.indexes}
        self.indexes = []
        for index_def in definition.indexes:
            if index_def.primary_key:
                continue
            existing = old.get(index_def.index_id)
            if existing is not None and existing.definition.columns == index_def.columns:
                existing.definition = index_def
                self.indexes.append(existing)
                continue
            index = Index(index_def, key_function(columns, index_def.columns))
            shape = self.shape
            for row_key, head in self.rows.items():
                version: Version | None = head
                while version is not None:
                    if version.values is not None and version.shape == shape:
                        index.add(version.values, row_key)
                    version = version.prev
            self.indexes.append(index)

    def index_by_name(self, name: str) -> Index | None:
        folded = name.casefold()
        for index in self.indexes:
            if index.definition.name.casefold() == folded:
                return index
        return None

    # -- keys ------------------------------------------------------------------------------------------------

    def new_row_key(self, values: Values) -> Key:
        """The clustered key a new row gets: its primary key, or the next hidden row id of a heap."""
        if self.key_of is not None:
            return self.key_of(values)
        row_id = self.next_row_id
        self.next_row_id = row_id + 1
        return row_id

    # -- versions --------------------------------------------------------------------------------------------

    def head(self, row_key: Key) -> Version | None:
        return self.rows.get(row_key)  # type: ignore[no-any-return]

    def push(self, row_key: Key, values: Values | None, xmin: int, statement: int = 0) -> Version:
        """Make a new newest version of the row at ``row_key`` and index it; ``statement``: the serial of the
        statement writing it, whose use of the table and of the indexes it changes is counted (0: recovery or undo,
        not counted)."""
        rows = self.rows
        previous = rows.get(row_key)
        version = Version(values, xmin, previous, self.shape)
        rows[row_key] = version
        existed = previous is not None and previous.values is not None
        if statement:
            self.usage.updated(statement)
        if values is None:
            if not existed:
                return version
            self.ghosts += 1
            for index in self.indexes:
                index.ghosts += 1
                if statement:
                    index.usage.updated(statement)
        elif existed:
            self.updates += 1
            for index in self.indexes:
                if index.add(values, row_key):  # the key changed: a new entry, the old one left as a ghost
                    index.inserts += 1
                    index.ghosts += 1
                    if statement:
                        index.usage.updated(statement)
        else:
            self.inserts += 1
            for index in self.indexes:
                index.add(values, row_key)
                index.inserts += 1
                if statement:
                    index.usage.updated(statement)
        return version

    def reset_counts(self) -> None:
        """Forget the operation counts (after recovery: redo is not work the server did for its clients)."""
        self.inserts = self.updates = self.ghosts = 0
        for index in self.indexes:
            index.inserts = index.ghosts = 0

    def unlink(self, row_key: Key, version: Version) -> None:
        """Remove ``version`` from its chain (rollback or cleanup), dropping index entries no version needs."""
        rows = self.rows
        head: Version | None = rows.get(row_key)
        if head is version:
            if version.prev is None:
                del rows[row_key]
            else:
                rows[row_key] = version.prev
        else:
            newer = head
            while newer is not None and newer.prev is not version:
                newer = newer.prev
            if newer is None:
                return
            newer.prev = version.prev
        if version.values is not None and self.indexes and version.shape == self.shape:
            self._drop_index_entries(row_key, version.values, rows.get(row_key))

    def truncate_chain(self, row_key: Key, keep: Version) -> None:
        """Drop every version older than ``keep`` (nobody can see them any more), with their index entries."""
        dropped = keep.prev
        keep.prev = None
        if keep.values is None and self.rows.get(row_key) is keep:
            del self.rows[row_key]
        while dropped is not None:
            if dropped.values is not None and self.indexes and dropped.shape == self.shape:
                self._drop_index_entries(row_key, dropped.values, self.rows.get(row_key))
            dropped = dropped.prev

    def _drop_index_entries(self, row_key: Key, values: Values, head: Version | None) -> None:
        for index in self.indexes:
            index_key = index.key_of(values)
            version = head
            while version is not None:
                if (
                    version.values is not None
                    and version.shape == self.shape
                    and index.key_of(version.values) == index_key
                ):
                    break
                version = version.prev
            else:
                index.discard(index_key, row_key)

    def bulk_insert(self, rows: dict[Key, Values]) -> None:
        """Recovery: install committed (frozen) rows whose keys are not in the table yet, all at once.

        One sorted merge per structure instead of an insertion per row: restart time is dominated by this."""
        if not rows:
            return
        shape = self.shape
        self.rows.update({row_key: Version(values, 0, None, shape) for row_key, values in rows.items()})
        for index in self.indexes:
            key_of = index.key_of
            index.entries.update([(key_of(values), row_key) for row_key, values in rows.items()])
        if self.is_heap:
            self.next_row_id = max(self.next_row_id, max(rows) + 1)
