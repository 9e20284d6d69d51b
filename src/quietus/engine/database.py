"""A database: its catalog, transactions, locks, log and background cleaner.

Theory of operation
-------------------
Tables live in memory as version chains.  A transaction pushes versions and keeps an undo record for each.  At
commit, the undo log is turned into one redo record (the final values of each written row, table definitions for
DDL) which is appended to the write-ahead log; the transaction becomes visible only when the record is durable, then
its locks are released.  Uncommitted work never reaches the log, so recovery is "load the checkpoint, replay the
log", and a crash at any instant shows no uncommitted change.

Rollback has two modes, per database (``ALTER DATABASE ... SET ACCELERATED_DATABASE_RECOVERY``):

* classic: undo one record at a time, newest first, locks held until the end, progress counted (KILL ... WITH
  STATUSONLY reads it); it cannot be interrupted;
* accelerated: mark the transaction aborted (its versions become invisible at once), release every lock at once,
  and leave the unlinking of its versions to the background cleaner, whose backlog is observable.

Redo record (MessagePack, one per committed transaction): ``[xid, [op, ...]]`` where op is one of

| op                                   | meaning                                                     |
|--------------------------------------|-------------------------------------------------------------|
| ``["w", object_id, row_id, values]`` | the row now has ``values`` (row_id only for heaps, else nil) |
| ``["d", object_id, row_id, values]`` | the row is gone (``values`` = a prior image, to find its key) |
| ``["ct", object_id, table_def]``     | table created                                                |
| ``["rt", object_id, table_def]``     | table redefined                                              |
| ``["dt", object_id]``                | table dropped                                                |
| ``["id", object_id, last_identity]`` | identity high-water mark                                     |
| ``["opt", name, value]``             | database option set                                          |

Checkpoint chunks: the first is ``["catalog", next_object_id, options, [[table_def, identity_last, next_row_id],
...]]``; then ``["rows", object_id, [[row_id, values], ...]]`` batches; then one PREPARE record per prepared
transaction not yet decided, and the recent decisions (``engine/txn/twophase.py``).

Distributed transactions (two-phase commit: PREPARE, then a COMMIT or ABORT decision) have records of their own,
documented in ``engine/txn/twophase.py``; ``docs/design/distributed-transactions.md`` tells the whole story.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from quietus.engine.crashpoints import crash_point
from quietus.engine.locks import LockManager
from quietus.engine.locks.resources import KEY as KEY_RESOURCE
from quietus.engine.memory import settle_long_lived
from quietus.engine.scheduler import Task
from quietus.engine.storage.codec import RowCodec
from quietus.engine.storage.schema import TableDef
from quietus.engine.storage.table import Table
from quietus.engine.storage.version import Version
from quietus.engine.txn import twophase
from quietus.engine.txn.manager import TransactionManager
from quietus.engine.txn.transaction import (
    IN_DOUBT_SESSION_ID,
    Isolation,
    RollbackProgress,
    Transaction,
    TxnState,
    UndoKind,
    UndoRecord,
)
from quietus.engine.wal import Recovered, WriteAheadLog, recover, write_checkpoint
from quietus.errors import SqlError, sql_error

log = logging.getLogger("quietus.engine")

_ROWS_PER_CHUNK = 10_000
SYSTEM_SCHEMA = "sys"  # tables of this schema are the server's own: never found by name
_UNDO_BATCH = 256  # undo records between yields in a rollback
CLEANER_DEFERRAL_SECONDS = 0.05


@dataclass
class DatabaseOptions:
    accelerated_recovery: bool = False
    read_committed_snapshot: bool = False
    allow_snapshot_isolation: bool = True

    OPTION_NAMES = ("ACCELERATED_DATABASE_RECOVERY", "READ_COMMITTED_SNAPSHOT", "ALLOW_SNAPSHOT_ISOLATION")

    def set(self, name: str, value: bool) -> None:
        attribute = {
            "ACCELERATED_DATABASE_RECOVERY": "accelerated_recovery",
            "READ_COMMITTED_SNAPSHOT": "read_committed_snapshot",
            "ALLOW_SNAPSHOT_ISOLATION": "allow_snapshot_isolation",
        }[name]
        setattr(self, attribute, value)

    def as_dict(self) -> dict[str, bool]:
        return {
            "ACCELERATED_DATABASE_RECOVERY": self.accelerated_recovery,
            "READ_COMMITTED_SNAPSHOT": self.read_committed_snapshot,
            "ALLOW_SNAPSHOT_ISOLATION": self.allow_snapshot_isolation,
        }


@dataclass
class CleanerStats:
    """The background cleaner's backlog and work done (the accelerated-rollback view reads it)."""

    aborted_versions_pending: int = 0
    aborted_versions_removed: int = 0
    superseded_pending: int = 0
    superseded_removed: int = 0
    aborted_transactions_pending: int = 0


class Database:
    def __init__(self, name: str, database_id: int, directory: Path | None, loop: asyncio.AbstractEventLoop):
        self.name = name
        self.database_id = database_id
        self.directory = directory
        self.loop = loop
        self.options = DatabaseOptions()
        self.txns = TransactionManager()
        self.locks = LockManager(loop)
        self.tables: dict[int, Table] = {}
        self._names: dict[str, int] = {}
        self._codecs: dict[int, RowCodec] = {}
        self.next_object_id = 1_000
        self.catalog_version = 0  # grows with every change of a table definition (plans depend on it)
        self.commits = 0  # committed transactions that wrote (the monitor's quietus_commits_total)
        self.wal: WriteAheadLog | None = None
        # when the last checkpoint (automatic or CHECKPOINT) began, the LSN it covers and the log's bytes written then
        self.checkpointed: tuple[float, int, int] = (time.monotonic(), 0, 0)
        self._committing: dict[int, int] = {}  # xid -> lsn of its record, while not yet durable
        # Set by an embedder whose callers drive their own requests on their own threads (the embedded API): on
        # such a thread, a context manager that lets go of the engine around a blocking call, so a commit writes
        # and fsyncs its record there (no thread hop); None on the loop's own thread, which never blocks on I/O.
        self.let_go: Callable[[], AbstractContextManager[object] | None] | None = None
        self._pending_creates: dict[int, int] = {}  # object_id -> xid that created it, uncommitted
        self._pending_drops: dict[int, tuple[int, Table]] = {}  # object_id -> (xid, table), uncommitted
        self._pending_defs: dict[int, TableDef] = {}  # object_id -> committed definition while redefined
        self._aborted_work: deque[tuple[int, list[UndoRecord]]] = deque()
        self._superseded: deque[tuple[Table, Any]] = deque()
        self.cleaner = CleanerStats()
        self._cleaner_wakeup = asyncio.Event()
        self.failed: SqlError | None = None
        self.decided = twophase.Decisions()  # outcomes of prepared UOWs (twophase invariant 3)
        self._prepared_records: dict[uuid.UUID, tuple[bytes, list[Any]]] = {}  # during recovery: undecided

    # -- lifecycle -------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        name: str,
        database_id: int,
        directory: Path | None,
        loop: asyncio.AbstractEventLoop,
        in_doubt_resolution: twophase.InDoubtResolution = twophase.InDoubtResolution.NONE,
    ) -> Database:
        """Open (recovering if it exists) the database stored in ``directory``; None keeps it in memory only.

        Prepared transactions left undecided are restored in doubt (session -2, locks held) before this returns,
        then decided at once if ``in_doubt_resolution`` presumes an outcome (their coordinator is unreachable)."""
        database = cls(name, database_id, directory, loop)
        if directory is not None:
            recovered = database._recover(directory)
            database.wal = WriteAheadLog.open(directory, recovered=recovered)
            if in_doubt_resolution is not twophase.InDoubtResolution.NONE:
                database._presume_outcomes(in_doubt_resolution)
            for table in database.tables.values():
                table.reset_counts()
            settle_long_lived()  # the recovered rows live long: keep full collections from walking them
        return database

    def close(self) -> None:
        if self.wal is not None:
            self.wal.flush()
            self.wal.close()
            self.wal = None

    def _recover(self, directory: Path) -> Recovered:
        recovered = recover(directory)
        decoder = msgspec.msgpack.Decoder()
        loading: dict[int, dict[Any, tuple[Any, ...]]] = {}
        for chunk in recovered.checkpoint_chunks():
            self._load_chunk(decoder.decode(chunk), loading)
            crash_point("recovery-checkpoint")
        for object_id, rows in loading.items():
            self.tables[object_id].bulk_insert(rows)
        records = 0
        for _lsn, payload in recovered.records():
            record = decoder.decode(payload)
            if twophase.is_two_phase(record):
                self._replay_two_phase(payload, record)
            else:
                self._replay(record)
            records += 1
            crash_point("recovery-replay")
        for payload, record in self._prepared_records.values():
            self._restore_in_doubt(payload, record)
            crash_point("recovery-in-doubt")
        self._prepared_records.clear()
        log.info(
            "recovered database %s: checkpoint lsn %d, %d log records replayed",
            self.name,
            recovered.checkpoint_lsn,
            records,
        )
        return recovered

    def _replay_two_phase(self, payload: bytes, record: list[Any]) -> None:
        uow = twophase.record_uow(record)
        if record[0] == twophase.PREPARE:
            self._prepared_records[uow] = (payload, record)
            return
        outcome = twophase.DECISIONS[record[0]]
        self.decided[uow] = outcome
        prepared = self._prepared_records.pop(uow, None)
        if prepared is not None and outcome is twophase.Outcome.COMMITTED:
            _payload, (_, xid, _uow, ops, *_rest) = prepared
            self._replay([xid, ops])

    def _restore_in_doubt(self, payload: bytes, record: list[Any]) -> Transaction:
        """Rebuild an undecided prepared transaction under session -2: its changes as uncommitted versions with
        undo records, its locks re-acquired (nobody else holds any yet, so each is granted at once)."""
        _, _xid, uow, ops, *_rest = record
        txn = self.txns.begin(IN_DOUBT_SESSION_ID, Isolation.READ_COMMITTED, explicit=True, name="DTCXact")
        txn.uow = uuid.UUID(bytes=bytes(uow))
        txn.prepare_info = twophase.prepared_info(record)
        txn.recovered = True
        txn.prepare_payload = payload
        for op in ops:
            kind = op[0]
            if kind == "id":
                table = self.tables[op[1]]
                txn.identity_changes[op[1]] = op[2]
                table.identity_last = max(table.identity_last or 0, op[2])
                continue
            _, object_id, row_id, raw = op
            table = self.tables[object_id]
            values = self._codecs[object_id].decode(raw)
            if table.is_heap:
                row_key = row_id
                table.next_row_id = max(table.next_row_id, row_id + 1)
            else:
                row_key = table.new_row_key(values)
            if kind == "d" and row_key not in table.rows:
                continue
            version = table.push(row_key, values if kind == "w" else None, txn.xid)
            txn.undo.append(UndoRecord(UndoKind.ROW, table, row_key, version))
        held = twophase.prepared_locks(record, self.database_id)
        held.sort(key=lambda pair: pair[0][0] == KEY_RESOURCE)  # object locks first: they may cover the keys
        for resource, mode in held:
            granted_at_once = self.locks.acquire(txn, resource, mode)
            assert granted_at_once is None, "an in-doubt transaction's locks conflict at recovery"
        txn.state = TxnState.PREPARED
        return txn

    def in_doubt(self) -> list[Transaction]:
        """Prepared transactions no client session owns (session -2), in transaction id order."""
        return [
            txn
            for txn in self.txns.active.values()
            if txn.state is TxnState.PREPARED and txn.session_id == IN_DOUBT_SESSION_ID
        ]

    def _presume_outcomes(self, resolution: twophase.InDoubtResolution) -> None:
        """'in-doubt xact resolution' 1 or 2 at start-up: decide every in-doubt transaction as presumed, durably,
        before any session exists (so the log's writer is waited for on this thread)."""
        commit = resolution is twophase.InDoubtResolution.PRESUME_COMMIT
        outcome = twophase.Outcome.COMMITTED if commit else twophase.Outcome.ABORTED
        assert self.wal is not None
        for txn in self.in_doubt():
            assert txn.uow is not None
            self.wal.append(twophase.decision_record(outcome, txn.uow)).result()
            txn.prepare_payload = None
            self.decided[txn.uow] = outcome
            if commit:
                self.txns.mark_committed(txn)
                txn.state = TxnState.COMMITTED
            else:
                while txn.undo:
                    self._undo_one(txn, txn.undo.pop())
                self.txns.mark_aborted(txn, versions_left=False)
                txn.state = TxnState.ROLLED_BACK
            self.locks.release_all(txn)
            log.warning("in-doubt transaction with UOW {%s} presumed %s", str(txn.uow).upper(), outcome.value)

    def _load_chunk(self, chunk: list[Any], loading: dict[int, dict[Any, tuple[Any, ...]]]) -> None:
        if chunk[0] == twophase.PREPARE:
            self._prepared_records[twophase.record_uow(chunk)] = (msgspec.msgpack.encode(chunk), chunk)
        elif chunk[0] == twophase.DECIDED:
            self.decided.load(chunk)
        elif chunk[0] == "catalog":
            _, self.next_object_id, options, tables = chunk
            for option, value in options.items():
                self.options.set(option, value)
            for raw_def, identity_last, next_row_id in tables:
                table = self._install_table(msgspec.convert(raw_def, TableDef))
                table.identity_last = identity_last
                table.next_row_id = next_row_id
        else:
            _, object_id, rows = chunk
            table = self.tables[object_id]
            decode = self._codecs[object_id].decode
            target = loading.setdefault(object_id, {})
            if table.is_heap:
                for row_id, raw in rows:
                    target[row_id] = decode(raw)
            else:
                key_of = table.key_of
                assert key_of is not None
                for _row_id, raw in rows:
                    values = decode(raw)
                    target[key_of(values)] = values

    def _replay(self, record: list[Any]) -> None:
        """Apply one committed transaction's redo.  Rows new to their table are gathered and inserted in bulk at
        the end of the record (or before a catalog change); rows that exist are changed in place."""
        _xid, ops = record
        new_rows: dict[int, dict[Any, tuple[Any, ...]]] = {}
        for op in ops:
            kind = op[0]
            if kind == "w" or kind == "d":
                _, object_id, row_id, raw = op
                table = self.tables[object_id]
                values = self._codecs[object_id].decode(raw)
                row_key = row_id if table.is_heap else table.new_row_key(values)
                if table.is_heap and row_id >= table.next_row_id:
                    table.next_row_id = row_id + 1
                pending = new_rows.setdefault(object_id, {})
                if row_key not in table.rows:
                    if kind == "w":
                        pending[row_key] = values
                    else:
                        pending.pop(row_key, None)
                    continue
                version = table.push(row_key, values if kind == "w" else None, 0)
                table.truncate_chain(row_key, version)
                continue
            self._flush_new_rows(new_rows)  # catalog changes see every row written before them
            if kind == "ct":
                self._install_table(msgspec.convert(op[2], TableDef))
            elif kind == "rt":
                self._redefine(self.tables[op[1]], msgspec.convert(op[2], TableDef))
            elif kind == "dt":
                self._uninstall_table(self.tables[op[1]])
            elif kind == "id":
                self.tables[op[1]].identity_last = op[2]
            elif kind == "opt":
                self.options.set(op[1], op[2])
        self._flush_new_rows(new_rows)

    def _flush_new_rows(self, new_rows: dict[int, dict[Any, tuple[Any, ...]]]) -> None:
        for object_id, rows in new_rows.items():
            table = self.tables.get(object_id)
            if table is not None:
                table.bulk_insert(rows)
        new_rows.clear()

    # -- catalog ---------------------------------------------------------------------------------------------

    def table_by_name(self, name: str) -> Table | None:
        object_id = self._names.get(name.casefold())
        return None if object_id is None else self.tables[object_id]

    def allocate_object_id(self) -> int:
        self.next_object_id += 1
        return self.next_object_id

    def codec(self, table: Table) -> RowCodec:
        return self._codecs[table.object_id]

    def _name_table(self, table: Table) -> None:
        """Make ``table`` findable by name, unless it is a system table (schema ``sys``): those are reached by
        object id only, so no user statement can name them and a user table may share the name."""
        if table.definition.schema_name != SYSTEM_SCHEMA:
            self._names[table.name.casefold()] = table.object_id

    def _install_table(self, definition: TableDef) -> Table:
        self.catalog_version += 1
        table = Table(definition)
        self.tables[definition.object_id] = table
        self._name_table(table)
        self._codecs[definition.object_id] = RowCodec(definition)
        self.next_object_id = max(self.next_object_id, definition.object_id)
        return table

    def _uninstall_table(self, table: Table) -> None:
        self.catalog_version += 1
        self.tables.pop(table.object_id, None)
        if self._names.get(table.name.casefold()) == table.object_id:
            del self._names[table.name.casefold()]

    def _redefine(self, table: Table, definition: TableDef) -> None:
        self.catalog_version += 1
        old_name = table.name.casefold()
        if self._names.get(old_name) == table.object_id:
            del self._names[old_name]
        table.redefine(definition)
        self._name_table(table)
        self._codecs[table.object_id] = RowCodec(definition)

    def create_table(self, txn: Transaction, definition: TableDef) -> Table:
        table = self._install_table(definition)
        self._pending_creates[table.object_id] = txn.xid
        txn.undo.append(UndoRecord(UndoKind.CREATE_TABLE, table))
        txn.catalog_changes += 1
        return table

    def drop_table(self, txn: Transaction, table: Table) -> None:
        self._uninstall_table(table)
        self._pending_drops[table.object_id] = (txn.xid, table)
        txn.undo.append(UndoRecord(UndoKind.DROP_TABLE, table))
        txn.catalog_changes += 1

    def redefine_table(self, txn: Transaction, table: Table, definition: TableDef) -> None:
        """Change a table's definition (ALTER TABLE, CREATE/DROP INDEX) inside ``txn``."""
        self._pending_defs.setdefault(table.object_id, table.definition)
        txn.undo.append(UndoRecord(UndoKind.REDEFINE_TABLE, table, before=table.definition))
        txn.catalog_changes += 1
        self._redefine(table, definition)

    def set_option(self, txn: Transaction, name: str, value: bool) -> None:
        self.options.set(name, value)
        txn.undo.append(UndoRecord(UndoKind.SET_OPTION, _OPTION_TABLE, row_key=name, before=not value))
        txn.catalog_changes += 1

    # -- transactions ----------------------------------------------------------------------------------------

    def begin(self, session_id: int, isolation: Isolation, explicit: bool, name: str = "") -> Transaction:
        return self.txns.begin(session_id, isolation, explicit, name)

    def commit(self, task: Task, txn: Transaction) -> None:
        """Make ``txn`` durable and visible, then release its locks.  Runs inside ``task``; not interruptible
        once the record is appended (a kill arriving now finds the transaction committed).  A prepared
        transaction's commit is its COMMIT decision record (its changes are in its PREPARE record)."""
        if txn.state is TxnState.COMMITTED:
            return  # decided already (a prepared transaction's commit may be asked for twice)
        if self.failed is not None:
            raise self.failed
        prepared = txn.state is TxnState.PREPARED
        writes = txn.has_writes
        txn.state = TxnState.COMMITTING
        if self.wal is not None and (prepared or writes):
            if prepared:
                assert txn.uow is not None
                payload = twophase.decision_record(twophase.Outcome.COMMITTED, txn.uow)
            else:
                payload = self._redo_record(txn)
            self._write_durably(task, txn, payload)
            if prepared:
                crash_point("decision-logged")
        if txn.uow is not None:
            txn.prepare_payload = None
            self.decided[txn.uow] = twophase.Outcome.COMMITTED
        self.txns.mark_committed(txn)
        txn.state = TxnState.COMMITTED
        if writes or prepared:
            self.commits += 1  # transactions that changed something (read-only ones are not counted)
        undo = txn.undo
        if undo:  # (a read -- the usual autocommit statement -- changed no catalog and left no version behind)
            self._settle_catalog(txn)
        self.locks.release_all(txn)
        if not undo:
            return
        # A new row's first version supersedes nothing: nothing for the cleaner (nor a loop wake-up) per insert.
        superseding = [(r.table, r.row_key) for r in undo if r.kind is UndoKind.ROW and _supersedes(r.version)]
        if superseding:
            self._superseded.extend(superseding)
            self.cleaner.superseded_pending = len(self._superseded)
            self._cleaner_wakeup.set()

    def _write_durably(self, task: Task, txn: Transaction, payload: bytes) -> None:
        """Append ``payload`` and wait until it is on disk (not interruptible).  A failed write stops the
        database: the record may or may not be on disk, so the outcome is in doubt (as PostgreSQL panics on a
        failed fsync) rather than guessed.

        On an embedded caller's thread (``let_go``) the caller lets go of the engine and makes the record durable
        itself (``WriteAheadLog.sync``: it writes and fsyncs the queue, or waits for the batch in flight), then
        takes the engine back; elsewhere the log's writer thread does, and the task waits for its future."""
        assert self.wal is not None
        section = self.let_go() if self.let_go is not None else None
        try:
            if section is None:
                future = self.wal.append(payload)
                self._committing[txn.xid] = self.wal.last_lsn
                with task.noninterruptible():
                    task.wait(asyncio.wrap_future(future), "WRITELOG")
            else:
                lsn = self._committing[txn.xid] = self.wal.enqueue(payload)
                _sync_on_caller(task, section, self.wal, lsn)
        except Exception as exc:
            self.failed = sql_error(9001, self.name)
            log.critical("log write failed; database %s stops accepting commits: %s", self.name, exc)
            raise self.failed from exc
        finally:
            self._committing.pop(txn.xid, None)

    def prepare(self, task: Task, txn: Transaction) -> None:
        """Phase one of two-phase commit: make ``txn``'s changes and its PREPARE record (UOW, locks) durable.
        It keeps every lock and stays invisible to others; only a decision (commit or rollback) ends it."""
        if self.failed is not None:
            raise self.failed
        assert txn.uow is not None and txn.state is TxnState.ACTIVE
        if txn.catalog_changes:
            raise sql_error(8509, "a transaction that changed the catalog (DDL) cannot be prepared")
        txn.prepare_info.setdefault("prepared_xid", txn.xid)
        payload = twophase.prepare_record(
            txn.xid, txn.uow, self._redo_ops(txn), self.locks.owner_locks(txn).items(), txn.prepare_info
        )
        if self.wal is not None:
            self._write_durably(task, txn, payload)
            crash_point("prepare-durable")
        txn.prepare_payload = payload
        txn.state = TxnState.PREPARED

    def _redo_record(self, txn: Transaction) -> bytes:
        return msgspec.msgpack.encode((txn.xid, self._redo_ops(txn)))

    def _redo_ops(self, txn: Transaction) -> list[Any]:
        ops: list[Any] = []
        for record in txn.undo:
            table = record.table
            if record.kind is UndoKind.ROW:
                version = record.version
                assert version is not None
                row_id = record.row_key if table.is_heap else None
                codec = self._codecs[table.object_id]
                if version.values is not None:
                    ops.append(("w", table.object_id, row_id, codec.encode(version.values)))
                else:
                    image = _prior_image(version)
                    if image is not None:
                        ops.append(("d", table.object_id, row_id, codec.encode(image)))
            elif record.kind is UndoKind.CREATE_TABLE:
                ops.append(("ct", table.object_id, msgspec.to_builtins(table.definition)))
            elif record.kind is UndoKind.DROP_TABLE:
                ops.append(("dt", table.object_id))
            elif record.kind is UndoKind.SET_OPTION:
                ops.append(("opt", record.row_key, not record.before))
            else:
                ops.append(("rt", table.object_id, msgspec.to_builtins(table.definition)))
        for object_id, last in txn.identity_changes.items():
            ops.append(("id", object_id, last))
        return ops

    def _settle_catalog(self, txn: Transaction) -> None:
        """The transaction committed: its catalog changes are no longer pending."""
        for record in txn.undo:
            object_id = record.table.object_id
            if record.kind is UndoKind.CREATE_TABLE:
                self._pending_creates.pop(object_id, None)
            elif record.kind is UndoKind.DROP_TABLE:
                self._pending_drops.pop(object_id, None)
            elif record.kind is UndoKind.REDEFINE_TABLE:
                self._pending_defs.pop(object_id, None)

    def rollback(self, task: Task, txn: Transaction) -> None:
        """Roll ``txn`` back completely and release its locks (classic or accelerated, by database option)."""
        if txn.state in (TxnState.ROLLED_BACK, TxnState.COMMITTED):
            return
        if txn.state is TxnState.PREPARED:
            self._decide_abort(task, txn)
        if txn.uow is not None:
            self.decided[txn.uow] = twophase.Outcome.ABORTED
        # DDL is always undone the classic way: catalog changes have no versions to hide.
        accelerated = self.options.accelerated_recovery and txn.catalog_changes == 0
        if accelerated:
            self._abort_accelerated(txn)
        else:
            txn.state = TxnState.ROLLING_BACK
            self._undo(task, txn, 0)
            self.txns.mark_aborted(txn, versions_left=False)
            txn.state = TxnState.ROLLED_BACK
            self.locks.release_all(txn)

    def _decide_abort(self, task: Task, txn: Transaction) -> None:
        """A prepared transaction's rollback starts with its durable ABORT decision: a crash during the undo
        that follows must not bring it back in doubt."""
        assert txn.uow is not None
        txn.state = TxnState.ROLLING_BACK  # decided: nobody else may decide it while the record is written
        if self.wal is not None:
            self._write_durably(task, txn, twophase.decision_record(twophase.Outcome.ABORTED, txn.uow))
            crash_point("decision-logged")
        txn.prepare_payload = None

    def rollback_to_savepoint(self, task: Task, txn: Transaction, savepoint_index: int) -> None:
        """ROLLBACK TRAN savepoint: undo after the savepoint, keep the locks and the savepoint itself."""
        _, position = txn.savepoints[savepoint_index]
        self._undo(task, txn, position)
        del txn.savepoints[savepoint_index + 1 :]

    def undo_to(self, task: Task, txn: Transaction, position: int) -> None:
        """Undo the records after ``position`` (a failed statement inside a transaction); locks stay held."""
        self._undo(task, txn, position)

    def _abort_accelerated(self, txn: Transaction) -> None:
        """Constant-time abort: invisible at once, every lock released at once, versions left to the cleaner."""
        undo = txn.undo
        txn.undo = []
        self.txns.mark_aborted(txn, versions_left=bool(undo))
        txn.state = TxnState.ROLLED_BACK
        txn.rollback_progress = RollbackProgress(total=0)
        self.locks.release_all(txn)
        if undo:
            self._aborted_work.append((txn.xid, undo))
            self.cleaner.aborted_versions_pending += len(undo)
            self.cleaner.aborted_transactions_pending += 1
            self._cleaner_wakeup.set()

    def _undo(self, task: Task, txn: Transaction, stop: int) -> None:
        """Undo records newest first down to position ``stop``; counts progress; cannot be interrupted."""
        undo = txn.undo
        progress = RollbackProgress(total=len(undo) - stop)
        midway = progress.total // 2
        if stop == 0:
            txn.rollback_progress = progress
        with task.noninterruptible():
            while len(undo) > stop:
                for _ in range(min(_UNDO_BATCH, len(undo) - stop)):
                    self._undo_one(txn, undo.pop())
                    progress.done += 1
                progress.note()
                if len(undo) > stop:  # never pause with nothing left: the end must follow the last record at once
                    if progress.done >= midway > progress.done - _UNDO_BATCH:
                        crash_point("rollback-midway")
                    task.yield_if_due()
        progress.finished = progress.started if progress.total == 0 else time.monotonic()
        if stop == 0:
            txn.identity_changes.clear()

    def _undo_one(self, txn: Transaction, record: UndoRecord) -> None:
        table = record.table
        if record.kind is UndoKind.ROW:
            assert record.version is not None
            table.unlink(record.row_key, record.version)
        elif record.kind is UndoKind.CREATE_TABLE:
            self._uninstall_table(table)
            self._pending_creates.pop(table.object_id, None)
        elif record.kind is UndoKind.DROP_TABLE:
            self.catalog_version += 1
            self.tables[table.object_id] = table
            self._name_table(table)
            self._pending_drops.pop(table.object_id, None)
        elif record.kind is UndoKind.SET_OPTION:
            self.options.set(record.row_key, record.before)
        else:
            self._redefine(table, record.before)
            if self._pending_defs.get(table.object_id) is record.before:
                self._pending_defs.pop(table.object_id, None)

    # -- background cleaner ----------------------------------------------------------------------------------

    async def run_cleaner(self, task: Task) -> None:
        """The version cleaner: a system task removing aborted and superseded versions, yielding as it goes."""
        while True:
            await self._cleaner_wakeup.wait()
            # Background work waits a moment: the sessions an abort just released go first.
            await asyncio.sleep(CLEANER_DEFERRAL_SECONDS)
            self._cleaner_wakeup.clear()
            await task.run(self.clean_once, task)

    def clean_once(self, task: Task) -> None:
        while self._aborted_work:
            xid, undo = self._aborted_work[0]
            while undo:
                record = undo.pop()
                if record.kind is UndoKind.ROW and record.version is not None:
                    record.table.unlink(record.row_key, record.version)
                self.cleaner.aborted_versions_pending -= 1
                self.cleaner.aborted_versions_removed += 1
                if not len(undo) % _UNDO_BATCH:
                    task.yield_if_due()
            self._aborted_work.popleft()
            self.txns.forget_aborted(xid)
            self.cleaner.aborted_transactions_pending -= 1
        horizon = self.txns.oldest_snapshot
        if horizon is not None:
            return  # superseded versions may still be seen by a snapshot: keep them until it ends
        while self._superseded:
            table, row_key = self._superseded.popleft()
            head = table.rows.get(row_key)
            if head is not None:
                keep = self.txns.latest_committed(head, -1)
                if keep is not None and keep.xmin not in self.txns.active:
                    table.truncate_chain(row_key, keep)
            self.cleaner.superseded_removed += 1
            self.cleaner.superseded_pending = len(self._superseded)
            task.tick()

    # -- checkpoint ------------------------------------------------------------------------------------------

    def checkpoint(self, task: Task) -> int:
        """Write the committed state to a checkpoint and truncate the log; returns the checkpoint's LSN."""
        if self.wal is None or self.directory is None:
            return 0
        lsn = min(self._committing.values()) - 1 if self._committing else self.wal.last_lsn
        began = (time.monotonic(), lsn, self.wal.statistics().bytes)
        prepared = [txn.prepare_payload for txn in self.txns.active.values() if txn.prepare_payload is not None]
        prepared.append(self.decided.chunk())
        seq = self.txns.take_snapshot()
        try:
            chunks = list(self._checkpoint_chunks(task, seq))
        finally:
            self.txns.release_snapshot(seq)
        chunks.extend(prepared)  # twophase invariant 1: undecided PREPARE records outlive the log they were in
        directory = self.directory
        task.wait(self.loop.run_in_executor(None, write_checkpoint, directory, lsn, chunks), "CHECKPOINT")
        self.checkpointed = began
        return lsn

    def since_checkpoint(self) -> tuple[float, int]:
        """Seconds and log bytes since the last checkpoint began; no bytes if no record came after the LSN it
        covers (the byte count is the writer's, which may lag the records appended; the log replayed at open is
        not counted)."""
        at, lsn, written = self.checkpointed
        if self.wal is None or self.wal.last_lsn <= lsn:
            return time.monotonic() - at, 0
        return time.monotonic() - at, max(1, self.wal.statistics().bytes - written)

    def _committed_tables(self) -> list[Table]:
        tables = [t for oid, t in self.tables.items() if oid not in self._pending_creates]
        tables.extend(table for _, table in self._pending_drops.values())
        return tables

    def _checkpoint_chunks(self, task: Task, seq: int) -> Iterator[bytes]:
        encode = msgspec.msgpack.encode
        tables = self._committed_tables()
        catalog = []
        for table in tables:
            definition = self._pending_defs.get(table.object_id, table.definition)
            catalog.append((msgspec.to_builtins(definition), table.identity_last, table.next_row_id))
        yield encode(("catalog", self.next_object_id, self.options.as_dict(), catalog))
        for table in tables:
            codec = self._codecs[table.object_id]
            batch: list[Any] = []
            for row_key, values in self.scan_as_of(task, table, seq):
                batch.append((row_key if table.is_heap else None, codec.encode(values)))
                if len(batch) >= _ROWS_PER_CHUNK:
                    yield encode(("rows", table.object_id, batch))
                    batch = []
            if batch:
                yield encode(("rows", table.object_id, batch))

    def scan_as_of(self, task: Task, table: Table, seq: int) -> Iterator[tuple[Any, tuple[Any, ...]]]:
        """Every row visible at commit sequence ``seq``, in key order; survives yields by re-seeking."""
        as_of = self.txns.as_of
        for row_key, head in stable_items(task, table):
            version = as_of(head, seq, -1)
            if version is not None and version.values is not None:
                yield row_key, version.values


class _OptionTable:
    """Stands in for a table in undo records of database option changes."""

    object_id = -1
    name = "(database options)"


_OPTION_TABLE: Any = _OptionTable()


def _prior_image(version: Version) -> tuple[Any, ...] | None:
    older = version.prev
    while older is not None:
        if older.values is not None:
            return older.values
        older = older.prev
    return None


def stable_items(task: Task, table: Table, batch: int = 256) -> Iterator[tuple[Any, Version]]:
    """Iterate a table's (row_key, head) in key order in batches, re-seeking after each batch so that the
    iteration survives yields and concurrent inserts and deletes (the caller may wait between rows)."""
    rows = table.rows
    keys = list(itertools.islice(rows.irange(), batch))
    while keys:
        for row_key in keys:
            head = rows.get(row_key)
            if head is not None:
                yield row_key, head
            task.tick()
        keys = list(itertools.islice(rows.irange(minimum=keys[-1], inclusive=(False, True)), batch))


def _supersedes(version: Version | None) -> bool:
    """A committed version the cleaner may later cut older versions from (it has some)."""
    return version is not None and version.prev is not None


def _sync_on_caller(task: Task, section: AbstractContextManager[object], wal: WriteAheadLog, lsn: int) -> None:
    """Make record ``lsn`` durable on this (an embedded caller's) thread with the engine let go; the time is the
    task's WRITELOG wait (shown while it lasts, counted after it, with no signal time: nothing hands it back).  The
    main thread is where Ctrl-C lands: its write must survive being cut short (``WriteAheadLog.sync``)."""
    interruptible = threading.get_ident() == threading.main_thread().ident
    with task.blocked("WRITELOG"), section:
        wal.sync(lsn, interruptible=interruptible)
