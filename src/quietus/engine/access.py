"""Access methods: reading and writing rows under SQL Server's locking protocol.

One ``RowAccess`` serves one statement of one transaction.  It takes the object-level intent lock, the row (KEY)
locks each isolation level and hint asks for, waits when it must (through the task, so kills and LOCK_TIMEOUT
work), and picks the version the reader may see.

Read protocols (a ``ReadPolicy`` per table reference, from the isolation level and the table hints):

| isolation / hint            | object lock | row lock          | held until        | sees            |
|-----------------------------|-------------|-------------------|-------------------|-----------------|
| READ UNCOMMITTED, NOLOCK    | Sch-S       | none              | -                 | dirty           |
| READ COMMITTED (locking)    | IS          | S                 | the row is read   | latest committed |
| READ_COMMITTED_SNAPSHOT on  | none (1)    | none              | -                 | statement snapshot |
| REPEATABLE READ             | IS          | S                 | end of transaction | latest committed |
| SERIALIZABLE, HOLDLOCK      | S           | none (covered)    | end of transaction | latest committed |
| SNAPSHOT                    | none (1)    | none              | -                 | transaction snapshot |
| UPDLOCK                     | IU          | U                 | end of transaction | latest committed |
| XLOCK                       | IX          | X                 | end of transaction | latest committed |
| TABLOCK / TABLOCKX          | S / X       | none (covered)    | end of transaction | latest committed |
| READPAST                    | as above    | skip locked rows  |                   |                 |
| NOWAIT                      | as above; a lock on the table not granted at once is 1222 (LOCK_TIMEOUT 0 for it) |

(1) SQL Server's row-versioning readers hold schema stability only for the statement, so DDL may run between
their statements; a snapshot that then meets rows of an older column layout fails with 3961 (``_current``).

SERIALIZABLE takes a shared table lock instead of key-range locks: it blocks phantoms by blocking every writer of the
table, which is stricter than SQL Server but never weaker.

Writers take IX on the object and X on every key they write; the rows an UPDATE or DELETE considers are read with U
locks (converted to X when written, released when the row does not qualify), exactly as SQL Server does.  Hints on
the target of an UPDATE or DELETE change that read phase:

| isolation / hint on the target           | object lock | row lock (read phase) | held until                       |
|------------------------------------------|-------------|-----------------------|----------------------------------|
| none, ROWLOCK, PAGLOCK, READCOMMITTEDLOCK | IX         | U                     | freed if the row does not qualify |
| UPDLOCK                                  | IX          | U                     | end of transaction               |
| XLOCK                                    | IX          | X                     | end of transaction               |
| SERIALIZABLE (level or hint), HOLDLOCK   | SIX         | none (covered)        | end of transaction               |
| TABLOCK, TABLOCKX                        | X           | none (covered)        | end of transaction               |
| READPAST, NOWAIT                         | as above, skipping locked rows / failing at once (1222)          |
| NOLOCK, READUNCOMMITTED                  | refused: 1065                                                    |

SERIALIZABLE's SIX (a shared table lock with intent to write) blocks every other writer of the table for the rest of
the transaction, so no phantom can appear among the rows the statement considered: stricter than SQL Server's
key-range locks, never weaker.

Versioned writes (Oracle's write consistency, asked for with ``versioned_writes`` and ``restart_on_conflict``): an
UPDATE or DELETE finds its rows in the statement snapshot without row locks, and locks (X) only the rows it writes;
a row some other transaction committed after the snapshot raises ``WriteConflict``, and the statement is undone
and run again (Oracle restarts it; the runner's second run uses the locking protocol above, which cannot conflict).
So a writer waits only for writers of the rows it changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from quietus.engine.database import Database, stable_items
from quietus.engine.locks import LockMode, LockRequest
from quietus.engine.locks.resources import LockResource, description, key_resource, object_resource
from quietus.engine.scheduler import Task, WaitTimeout
from quietus.engine.storage.keys import NULL_KEY, key_text
from quietus.engine.storage.table import Index, Table
from quietus.engine.storage.usage import next_statement
from quietus.engine.storage.version import Version
from quietus.engine.txn.transaction import Isolation, Transaction, UndoKind, UndoRecord
from quietus.errors import sql_error

Values = tuple[Any, ...]

LOCKING = "locking"
DIRTY = "dirty"
SNAPSHOT = "snapshot"


@dataclass(frozen=True, slots=True)
class ReadPolicy:
    visibility: str = LOCKING
    object_mode: LockMode | None = LockMode.IS  # None: no table lock (row-versioning readers)
    row_mode: LockMode | None = LockMode.S
    hold: bool = False  # keep row locks to the end of the transaction
    readpast: bool = False
    nowait: bool = False  # any lock on this table not granted at once is 1222 (the NOWAIT hint)


DIRTY_READ_HINTS = frozenset({"NOLOCK", "READUNCOMMITTED"})  # on the target of a write: 1065


class WriteConflict(Exception):
    """A versioned write met a row committed by another transaction after the statement's snapshot."""


def read_policy(
    isolation: Isolation, hints: frozenset[str], rcsi: bool, for_write: bool = False, versioned_writes: bool = False
) -> ReadPolicy:
    """The read protocol for one table reference (see the module tables)."""
    policy = _write_policy(isolation, hints, versioned_writes) if for_write else _read_policy(isolation, hints, rcsi)
    return replace(policy, nowait=True) if "NOWAIT" in hints else policy


def _write_policy(isolation: Isolation, hints: frozenset[str], versioned_writes: bool) -> ReadPolicy:
    """How an UPDATE or DELETE reads the rows of its target it considers (the second module table)."""
    if hints & DIRTY_READ_HINTS:
        raise sql_error(1065)
    if versioned_writes:
        return ReadPolicy(SNAPSHOT, LockMode.IX, None)
    if "TABLOCK" in hints or "TABLOCKX" in hints:
        return ReadPolicy(LOCKING, LockMode.X, None, hold=True)
    if "HOLDLOCK" in hints or "SERIALIZABLE" in hints or isolation is Isolation.SERIALIZABLE:
        return ReadPolicy(LOCKING, LockMode.SIX, None, hold=True)
    readpast = "READPAST" in hints
    if "XLOCK" in hints:
        return ReadPolicy(LOCKING, LockMode.IX, LockMode.X, hold=True, readpast=readpast)
    if "UPDLOCK" in hints:
        return ReadPolicy(LOCKING, LockMode.IX, LockMode.U, hold=True, readpast=readpast)
    return ReadPolicy(LOCKING, LockMode.IX, LockMode.U, hold=False, readpast=readpast)


def _read_policy(isolation: Isolation, hints: frozenset[str], rcsi: bool) -> ReadPolicy:
    readpast = "READPAST" in hints
    if hints & DIRTY_READ_HINTS:
        return ReadPolicy(DIRTY, LockMode.SCH_S, None)
    if "TABLOCKX" in hints:
        return ReadPolicy(LOCKING, LockMode.X, None, hold=True)
    if "XLOCK" in hints:
        return ReadPolicy(LOCKING, LockMode.IX, LockMode.X, hold=True, readpast=readpast)
    if "UPDLOCK" in hints:
        return ReadPolicy(LOCKING, LockMode.IU, LockMode.U, hold=True, readpast=readpast)
    if "TABLOCK" in hints or "HOLDLOCK" in hints or "SERIALIZABLE" in hints:
        return ReadPolicy(LOCKING, LockMode.S, None, hold=True)
    if "REPEATABLEREAD" in hints:
        return ReadPolicy(LOCKING, LockMode.IS, LockMode.S, hold=True, readpast=readpast)
    if "READCOMMITTEDLOCK" in hints:
        return ReadPolicy(LOCKING, LockMode.IS, LockMode.S, readpast=readpast)
    if isolation is Isolation.READ_UNCOMMITTED:
        return ReadPolicy(DIRTY, LockMode.SCH_S, None)
    if isolation is Isolation.SNAPSHOT:
        return ReadPolicy(SNAPSHOT, None, None)
    if isolation is Isolation.SERIALIZABLE:
        return ReadPolicy(LOCKING, LockMode.S, None, hold=True)
    if isolation is Isolation.REPEATABLE_READ:
        return ReadPolicy(LOCKING, LockMode.IS, LockMode.S, hold=True, readpast=readpast)
    if rcsi:
        return ReadPolicy(SNAPSHOT, None, None)
    return ReadPolicy(LOCKING, LockMode.IS, LockMode.S, readpast=readpast)


def _version_of(table: Table, row_key: Any) -> Version | None:
    """The newest version of the row at ``row_key``, if any.  ``table.rows`` is a SortedDict, which is a dict: typed
    so, compiled, ``get`` is the dict's own lookup rather than a method found on the SortedDict class every call."""
    rows: dict[Any, Version] = table.rows
    return rows.get(row_key)


class RowAccess:
    """Row reads and writes for one statement of ``txn``, waiting through ``task``."""

    __slots__ = (
        "_fresh_update_locks",
        "_nowait",
        "db",
        "lock_timeout_ms",
        "restart_on_conflict",
        "snapshot_seq",
        "statement",
        "task",
        "txn",
    )

    def __init__(
        self,
        db: Database,
        task: Task,
        txn: Transaction,
        lock_timeout_ms: int = -1,
        snapshot_seq: int | None = None,
        restart_on_conflict: bool = False,
    ) -> None:
        self.db = db
        self.restart_on_conflict = restart_on_conflict
        self.task = task
        self.txn = txn
        self.lock_timeout_ms = lock_timeout_ms
        self.snapshot_seq = snapshot_seq
        self._fresh_update_locks: dict[int, list[Any]] = {}
        self._nowait: set[int] = set()  # the tables this statement reads WITH (NOWAIT): object ids
        self.statement = next_statement()  # this statement's serial: what index usage is counted by

    # -- locks -----------------------------------------------------------------------------------------------

    def lock(self, resource: Any, mode: LockMode, skip_if_busy: bool = False) -> bool:
        """Acquire ``mode`` on ``resource`` for the transaction, waiting if need be.

        Returns False only with ``skip_if_busy`` (READPAST) when the lock is not free.  Raises 1222 when
        LOCK_TIMEOUT runs out, 1205 when chosen as a deadlock victim, ``Interrupted`` when killed.
        """
        locks = self.db.locks
        if skip_if_busy or self.lock_timeout_ms == 0 or (self._nowait and self._nowait_on(resource)):
            # Never queue, not even for an instant: a queued request could close a deadlock cycle.
            if locks.try_acquire(self.txn, resource, mode):
                return True
            if skip_if_busy:
                return False
            raise sql_error(1222)
        request: LockRequest | None = locks.acquire(self.txn, resource, mode)
        if request is None:
            return True
        timeout = None if self.lock_timeout_ms < 0 else self.lock_timeout_ms / 1000.0
        try:
            self.task.wait(
                request.future,
                f"LCK_M_{mode.display.upper().replace('-', '_')}",
                _describe(resource),
                timeout,
            )
        except WaitTimeout:
            if locks.cancel(request):
                raise sql_error(1222) from None
        except BaseException:
            locks.cancel(request)
            raise
        return True

    def _nowait_on(self, resource: Any) -> bool:
        """Whether ``resource`` (an OBJECT or KEY resource names its table third) is of a table read WITH (NOWAIT)."""
        return len(resource) > 2 and resource[2] in self._nowait

    def lock_object(self, table: Table, mode: LockMode) -> None:
        self.lock(object_resource(self.db.database_id, table.object_id), mode)

    def lock_row(self, table: Table, row_key: Any, mode: LockMode, skip_if_busy: bool = False) -> bool:
        return self.lock(key_resource(self.db.database_id, table.object_id, 1, row_key), mode, skip_if_busy)

    def lock_for_update(self, table: Table, row_key: Any) -> None:
        """SELECT ... FOR UPDATE: an update lock on a selected row, to the end of the transaction; with versioned
        writes, a row committed by another transaction after the snapshot is ``WriteConflict``."""
        self.lock_row(table, row_key, LockMode.U)
        self._check_snapshot_conflict(table, row_key)

    def unlock_row(self, table: Table, row_key: Any) -> None:
        self.db.locks.release(self.txn, key_resource(self.db.database_id, table.object_id, 1, row_key))

    # -- reads -----------------------------------------------------------------------------------------------

    def begin_read(self, table: Table, policy: ReadPolicy) -> None:
        if policy.nowait:
            self._nowait.add(table.object_id)  # its row locks and its writes' locks in this statement, too
        if policy.object_mode is not None:
            self.lock_object(table, policy.object_mode)

    def visible(self, head: Version | None, policy: ReadPolicy) -> Version | None:
        txns = self.db.txns
        if policy.visibility is LOCKING:
            return txns.latest_committed(head, self.txn.xid)
        if policy.visibility is DIRTY:
            return txns.latest_dirty(head)
        seq = self.snapshot_seq if self.snapshot_seq is not None else txns.last_commit_seq
        return txns.as_of(head, seq, self.txn.xid)

    def read_row(self, table: Table, row_key: Any, policy: ReadPolicy) -> Values | None:
        """The visible values of one row (by clustered key), locking as the policy says; None if none."""
        mode = policy.row_mode
        if mode is not None:
            resource = key_resource(self.db.database_id, table.object_id, 1, row_key)
            # A READ COMMITTED read of a row nobody locks takes no lock: nobody could see it (LockManager.passes).
            if mode is not LockMode.S or policy.hold or not self.db.locks.passes(self.txn, resource):
                return self._read_locked(table, row_key, policy, mode, resource)
        version = self.visible(_version_of(table, row_key), policy)
        return None if version is None else self._current(table, version)

    def _read_locked(
        self, table: Table, row_key: Any, policy: ReadPolicy, mode: LockMode, resource: LockResource
    ) -> Values | None:
        """``read_row`` under a row lock of ``mode``: kept if the policy holds it, else released after the read."""
        # a U lock the policy does not hold (an UPDATE's or DELETE's read phase without UPDLOCK): the statement
        # frees it if the row does not qualify
        fresh = mode is LockMode.U and not policy.hold and self.db.locks.held(self.txn, resource) is None
        if not self.lock(resource, mode, policy.readpast):
            return None
        if fresh:
            self._fresh_update_locks.setdefault(table.object_id, []).append(row_key)
        version = self.visible(_version_of(table, row_key), policy)
        values = None if version is None else self._current(table, version)
        if not policy.hold and (values is None or mode is LockMode.S):
            self.db.locks.release(self.txn, resource)
        return values

    def _current(self, table: Table, version: Version) -> Values | None:
        """The version's values, if they follow the table's current columns; a snapshot that began before an
        ADD/DROP COLUMN meets older versions and fails with 3961, as SQL Server's does (metadata is not
        versioned)."""
        if version.shape != table.shape and version.values is not None:
            raise sql_error(3961, self.db.name)
        return version.values

    def scan(self, table: Table, policy: ReadPolicy) -> Iterator[tuple[Any, Values]]:
        """Every visible row in clustered-key order."""
        mode = policy.row_mode
        visible = self.visible
        for row_key, head in stable_items(self.task, table):
            if mode is None:
                version = visible(head, policy)
                if version is not None and version.values is not None:
                    yield row_key, self._current(table, version)  # type: ignore[misc]
                continue
            values = self.read_row(table, row_key, policy)
            if values is not None:
                yield row_key, values

    def seek_range(
        self, table: Table, low: Any, high: Any, policy: ReadPolicy, reverse: bool = False
    ) -> Iterator[tuple[Any, Values]]:
        """Rows whose clustered key lies in [low, high]."""
        keys = list(table.rows.irange(low, high, reverse=reverse))
        for row_key in keys:
            self.task.tick()
            values = self.read_row(table, row_key, policy)
            if values is not None:
                yield row_key, values

    def take_fresh_update_locks(self, table: Table) -> list[Any]:
        """Row keys this statement U-locked on ``table`` that the transaction did not hold before (an UPDATE
        releases those of rows that did not qualify, as SQL Server does)."""
        return self._fresh_update_locks.pop(table.object_id, [])

    # -- writes ----------------------------------------------------------------------------------------------

    def insert(self, table: Table, values: Values) -> Any:
        """Insert a row; returns its clustered key.  2627/2601 on a duplicate key."""
        row_key = table.new_row_key(values)
        self.lock_row(table, row_key, LockMode.X)
        if not table.is_heap:
            head = table.rows.get(row_key)
            current = self.db.txns.latest_committed(head, self.txn.xid)
            if current is not None and current.values is not None:
                primary = table.definition.primary_key
                assert primary is not None
                raise sql_error(
                    2627,
                    "PRIMARY KEY",
                    primary.name,
                    _qualified(table),
                    key_text(values, primary.columns),  # the value being written, as SQL Server prints it
                )
        self._check_unique(table, row_key, values, None)
        self._push(table, row_key, values)
        return row_key

    def duplicates_ignored_key(self, table: Table, values: Values) -> bool:
        """IGNORE_DUP_KEY: whether inserting ``values`` would duplicate a key of a unique index that ignores
        duplicates (the INSERT then skips the row).  Waits, as ``insert`` does, for another transaction's
        uncommitted row with that key; the primary key's row lock is taken as the insert would take it."""
        primary = table.definition.primary_key
        if primary is not None and primary.ignore_dup_key and not table.is_heap:
            row_key = table.new_row_key(values)
            self.lock_row(table, row_key, LockMode.X)
            current = self.db.txns.latest_committed(table.rows.get(row_key), self.txn.xid)
            if current is not None and current.values is not None:
                return True
        for index in table.indexes:
            definition = index.definition
            if not (definition.unique and definition.ignore_dup_key) or definition.primary_key:
                continue
            index_key = index.key_of(values)
            while True:
                conflict = self._unique_conflict(table, index, index_key, None)
                if conflict is None:
                    break
                if isinstance(conflict, tuple):
                    return True
                self.lock_row(table, conflict, LockMode.S)
                self.unlock_row(table, conflict)
        return False

    def update(self, table: Table, row_key: Any, old: Values, new: Values, check_unique: bool = True) -> Any:
        """Replace a row's values; a changed primary key moves the row.  Returns the row's (new) key.

        With ``check_unique=False`` the caller checks unique indexes itself once the whole statement has
        written (``check_unique``), as SQL Server checks constraints per statement, not per row."""
        self.lock_row(table, row_key, LockMode.X)
        self._check_snapshot_conflict(table, row_key)
        if not table.is_heap:
            assert table.key_of is not None
            new_key = table.key_of(new)
            if new_key != row_key:
                self._push(table, row_key, None)
                return self.insert(table, new)
        if check_unique:
            self._check_unique(table, row_key, new, old)
        self._push(table, row_key, new)
        return row_key

    def check_unique(self, table: Table, row_key: Any, new: Values, old: Values | None) -> None:
        """2627/2601 if ``new`` duplicates another live row's unique key (deferred statement-level check)."""
        self._check_unique(table, row_key, new, old)

    def delete(self, table: Table, row_key: Any) -> None:
        self.lock_row(table, row_key, LockMode.X)
        self._check_snapshot_conflict(table, row_key)
        self._push(table, row_key, None)

    def _push(self, table: Table, row_key: Any, values: Values | None) -> None:
        version = table.push(row_key, values, self.txn.xid, self.statement)
        self.txn.undo.append(UndoRecord(UndoKind.ROW, table, row_key, version))

    def _check_snapshot_conflict(self, table: Table, row_key: Any) -> None:
        """SNAPSHOT isolation: writing a row someone committed after our snapshot began is error 3960.  Versioned
        writes: the same against the statement's snapshot is ``WriteConflict`` (the statement restarts)."""
        statement_snapshot = self.snapshot_seq if self.restart_on_conflict else None
        if statement_snapshot is not None and self._committed_after(table, row_key, statement_snapshot):
            raise WriteConflict(table.name)
        if self.txn.isolation is not Isolation.SNAPSHOT or self.txn.snapshot_seq is None:
            return
        if self._committed_after(table, row_key, self.txn.snapshot_seq):
            raise sql_error(3960, table.name, self.db.name)

    def _committed_after(self, table: Table, row_key: Any, seq: int) -> bool:
        """Whether another transaction committed a version of the row after commit sequence ``seq``."""
        newest = self.db.txns.latest_committed(table.rows.get(row_key), self.txn.xid)
        if newest is None or newest.xmin == self.txn.xid:
            return False
        return self.db.txns.commit_seq.get(newest.xmin, 0) > seq

    def _check_unique(self, table: Table, row_key: Any, values: Values, old: Values | None) -> None:
        for index in table.indexes:
            definition = index.definition
            if not definition.unique:
                continue
            index_key = index.key_of(values)
            if old is not None and index.key_of(old) == index_key:
                continue
            while True:
                conflict = self._unique_conflict(table, index, index_key, row_key)
                if conflict is None:
                    break
                if isinstance(conflict, tuple):
                    duplicate = key_text(values, definition.columns)  # the value being written
                    if definition.unique_constraint:
                        raise sql_error(2627, "UNIQUE KEY", definition.name, _qualified(table), duplicate)
                    raise sql_error(2601, _qualified(table), definition.name, duplicate)
                # Another transaction's uncommitted write may or may not stand: wait for it to end.
                self.lock_row(table, conflict, LockMode.S)
                self.unlock_row(table, conflict)

    def _unique_conflict(self, table: Table, index: Index, index_key: Any, row_key: Any) -> Any:
        """None if ``index_key`` is free; the duplicate row's values; or the key of a row to wait for."""
        txns = self.db.txns
        for other_key in index.row_keys(index_key):
            if other_key == row_key:
                continue
            head = table.rows.get(other_key)
            newest = txns.latest_dirty(head)
            if newest is None:
                continue
            if newest.xmin != self.txn.xid and newest.xmin in txns.active:
                return other_key
            if newest.values is not None and index.key_of(newest.values) == index_key:
                return newest.values
        return None


def _qualified(table: Table) -> str:
    # A temporary table or table variable is stored as #t/@t + padding + a unique suffix; messages name it as written.
    name = table.name
    padded = _PADDED_NAME.fullmatch(name)
    return f"{table.definition.schema_name}.{padded.group(1) if padded else name}"


_PADDED_NAME = re.compile(r"([#@].*?)_+[0-9A-F]{12}")


def _describe(resource: Any) -> str:
    """wait_resource as SQL Server shows it: ``KEY: 5:72057594043105280 (8194443284a0)``, ``OBJECT: 5:1013:0``."""
    kind = resource[0]
    if kind == "KEY":
        return f"KEY: {resource[1]}:{resource[2]} {description(resource)}"
    if kind == "OBJECT":
        return f"OBJECT: {resource[1]}:{resource[2]}:0"
    return f"{kind}: {resource[1]}"


__all__ = ["DIRTY", "LOCKING", "NULL_KEY", "SNAPSHOT", "ReadPolicy", "RowAccess", "read_policy"]
