"""sys.dm_tran_locks, the three dm_tran_*_transactions views, and sys.dm_os_waiting_tasks.

Locks come from each database's lock manager (``LockManager.rows()``: granted, converting and waiting requests);
transactions from each database's ``TransactionManager.active``.  Two kinds of row are derived rather than stored:

* every user session holds a shared DATABASE lock on its current database, owned by its
  SHARED_TRANSACTION_WORKSPACE, as SQL Server shows it (that lock keeps a database in use from being dropped);
  the engine takes no such lock, so the view adds one row per user session;
* a lock wait appears in sys.dm_os_waiting_tasks once per blocker, as SQL Server lists it.

The address columns (lock_owner_address, resource_address, waiting/blocking_task_address) are built the same way
everywhere (``quietus.admin.identity``), so the views join on them.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple

from quietus.admin.activity import Snapshot
from quietus.admin.columns import columns
from quietus.admin.identity import address, hashed_address
from quietus.engine.database import Database
from quietus.engine.locks import LockResource, description
from quietus.engine.txn.transaction import Transaction, TxnState
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

NO_UOW = uuid.UUID(int=0)  # request_owner_guid of a transaction that is not distributed
TRANSACTION = "TRANSACTION"
WORKSPACE = "SHARED_TRANSACTION_WORKSPACE"

DM_TRAN_LOCKS = columns("""
resource_type nvarchar(60)
resource_subtype nvarchar(60)
resource_database_id int
resource_description nvarchar(256)
resource_associated_entity_id bigint
resource_lock_partition int
request_mode nvarchar(60)
request_type nvarchar(60)
request_status nvarchar(60)
request_reference_count smallint
request_lifetime int
request_session_id int
request_exec_context_id int
request_request_id int
request_owner_type nvarchar(60)
request_owner_id bigint
request_owner_guid uniqueidentifier
request_owner_lockspace_id nvarchar(32)
lock_owner_address varbinary(8)
""")


def associated_entity(resource: LockResource) -> int:
    """resource_associated_entity_id: the object id of an OBJECT lock; for a KEY, the hobt id of its index.

    Quietus has one partition per index and shows the clustered index's hobt id as the object id, which is also
    what ``wait_resource`` prints (``KEY: 1:1000 (hash)``).
    """
    if resource[0] == "DATABASE":
        return 0
    entity = resource[2]
    assert isinstance(entity, int)
    return entity


def lock_address(resource: LockResource, owner: object) -> bytes:
    return hashed_address((resource, id(owner)))


class LockEntry(NamedTuple):
    """A lock as the views see it: the lock manager's row, or a session's derived DATABASE lock."""

    session_id: int
    resource: LockResource
    mode: str
    status: str  # GRANT, CONVERT, WAIT
    owner_type: str  # TRANSACTION, SHARED_TRANSACTION_WORKSPACE
    owner_id: int
    address: bytes
    uow: uuid.UUID = NO_UOW  # request_owner_guid: the unit of work of a distributed transaction


def lock_entries(snap: Snapshot) -> Iterator[LockEntry]:
    """Every lock the caller may see: the sessions' database locks first, then each lock manager's rows."""
    for s in snap.sessions:
        db_id = snap.database_id(s.database)
        if s.is_user_process and db_id is not None:
            yield LockEntry(s.session_id, ("DATABASE", db_id), "S", "GRANT", WORKSPACE, 0, address(s))
    visible = snap.visible
    for database in snap.databases:
        for resource, owner, mode, status in database.locks.rows():
            session_id = owner.session_id
            if visible(session_id):
                xid, uow = (owner.xid, owner.uow or NO_UOW) if isinstance(owner, Transaction) else (0, NO_UOW)
                yield LockEntry(
                    session_id, resource, mode.display, status, TRANSACTION, xid, lock_address(resource, owner), uow
                )


def lock_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for lock in lock_entries(Snapshot(ctx)):
        resource = lock.resource
        yield (
            resource[0],
            "",
            resource[1],
            description(resource),
            associated_entity(resource),
            0,
            lock.mode,
            "LOCK",
            lock.status,
            1,
            0,
            lock.session_id,
            0,
            0,
            lock.owner_type,
            lock.owner_id,
            lock.uow,
            "",
            lock.address,
        )


DM_TRAN_ACTIVE_TRANSACTIONS = columns("""
transaction_id bigint
name nvarchar(32)
transaction_begin_time datetime
transaction_type int
transaction_uow uniqueidentifier
transaction_state int
transaction_status int
transaction_status2 int
dtc_state int
dtc_status int
dtc_isolation_level int
filestream_transaction_id varbinary(128)
""")

# dm_tran_active_transactions.transaction_state by engine state (2 active, 6 committed, 7 being rolled back,
# 8 rolled back).  A commit waiting for its log flush is still active: it is not durable yet.
TRANSACTION_STATE: dict[TxnState, int] = {
    TxnState.ACTIVE: 2,
    TxnState.PREPARED: 5,  # prepared, waiting for its resolution
    TxnState.COMMITTING: 2,
    TxnState.COMMITTED: 6,
    TxnState.ROLLING_BACK: 7,
    TxnState.ROLLED_BACK: 8,
}
# dm_tran_database_transactions.database_transaction_state (3 no log yet, 4 log generated, 12 being committed).
DATABASE_TRANSACTION_STATE: dict[TxnState, int] = {
    TxnState.ACTIVE: 4,
    TxnState.PREPARED: 5,
    TxnState.COMMITTING: 12,
    TxnState.COMMITTED: 10,
    TxnState.ROLLING_BACK: 4,
    TxnState.ROLLED_BACK: 11,
}
READ_WRITE = 1
READ_ONLY = 2
DISTRIBUTED = 4
# dm_tran_active_transactions.dtc_state of a distributed transaction (1 active, 2 prepared, 3 committed,
# 4 aborted, 5 recovered: restored in doubt by recovery); 0 for a local one.
DTC_STATE: dict[TxnState, int] = {
    TxnState.ACTIVE: 1,
    TxnState.PREPARED: 2,
    TxnState.COMMITTING: 3,
    TxnState.COMMITTED: 3,
    TxnState.ROLLING_BACK: 4,
    TxnState.ROLLED_BACK: 4,
}
DTC_RECOVERED = 5


def transaction_name(snap: Snapshot, txn: Transaction) -> str:
    """BEGIN TRAN's name, user_transaction for an unnamed one, and the statement's command for an autocommit one."""
    if txn.name:
        return txn.name[:32]
    if txn.explicit:
        return "user_transaction"
    registry: Any = snap.ctx.env.services.get("registry")
    session = None if registry is None else registry.get(txn.session_id)
    return "user_transaction" if session is None else str(session.command)[:32]


def transaction_type(txn: Transaction) -> int:
    if txn.uow is not None:
        return DISTRIBUTED
    return READ_WRITE if txn.explicit or txn.has_writes else READ_ONLY


def dtc_state(txn: Transaction) -> int:
    if txn.uow is None:
        return 0
    if txn.recovered and txn.state is TxnState.PREPARED:
        return DTC_RECOVERED
    return DTC_STATE[txn.state]


def active_transaction_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    for _, txn in snap.all_transactions():
        yield (
            txn.xid,
            transaction_name(snap, txn),
            datetime.datetime.fromtimestamp(txn.begin_time),
            transaction_type(txn),
            txn.uow,
            TRANSACTION_STATE[txn.state],
            0,
            0,
            dtc_state(txn),
            0,
            0,
            None,
        )


DM_TRAN_SESSION_TRANSACTIONS = columns("""
session_id int
transaction_id bigint
transaction_descriptor binary(8)
enlist_count int
is_user_transaction bit
is_local bit
is_enlisted bit
is_bound bit
open_transaction_count int
""")


def session_transaction_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    registry: Any = ctx.env.services.get("registry")
    for _, txn in snap.all_transactions():
        session = None if registry is None else registry.get(txn.session_id)
        if session is None:
            continue
        yield (
            txn.session_id,
            txn.xid,
            txn.xid.to_bytes(8, "little"),  # the descriptor TDS ENVCHANGE carries
            1,
            txn.explicit,
            True,
            False,
            False,
            session.trancount if session.txn is txn else 0,
        )


DM_TRAN_DATABASE_TRANSACTIONS = columns("""
transaction_id bigint
database_id int
database_transaction_begin_time datetime
database_transaction_type int
database_transaction_state int
database_transaction_status int
database_transaction_status2 int
database_transaction_log_record_count bigint
database_transaction_replicate_record_count int
database_transaction_log_bytes_used bigint
database_transaction_log_bytes_reserved bigint
database_transaction_log_bytes_used_system int
database_transaction_log_bytes_reserved_system int
database_transaction_begin_lsn numeric(25,0)
database_transaction_last_lsn numeric(25,0)
database_transaction_most_recent_savepoint_lsn numeric(25,0)
database_transaction_commit_lsn numeric(25,0)
database_transaction_last_rollback_lsn numeric(25,0)
database_transaction_next_undo_lsn numeric(25,0)
database_transaction_first_repl_lsn numeric(25,0)
""")


def database_transaction_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """Log counters are the transaction's undo records still to apply: Quietus logs a transaction only at commit
    (one redo record), so its undo log is what SQL Server's log records for it stand for."""
    snap = Snapshot(ctx)
    for database, txn in snap.all_transactions():
        records = len(txn.undo)
        state = DATABASE_TRANSACTION_STATE[txn.state]
        if state == 4 and not records:
            state = 3
        yield (
            txn.xid,
            database.database_id,
            datetime.datetime.fromtimestamp(txn.begin_time) if records else None,
            transaction_type(txn),
            state,
            0,
            0,
            records,
            0,
            0,
            0,
            0,
            0,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )


DM_OS_WAITING_TASKS = columns("""
waiting_task_address varbinary(8)
session_id smallint
exec_context_id int
wait_duration_ms bigint
wait_type nvarchar(60)
resource_address varbinary(8)
blocking_task_address varbinary(8)
blocking_session_id smallint
blocking_exec_context_id int
resource_description nvarchar(3072)
""")

_LOCK_NOUNS = {"KEY": "keylock", "OBJECT": "objectlock", "DATABASE": "databaselock"}


def lock_wait_description(database: Database, resource: LockResource, holder: Transaction) -> str:
    """resource_description of a lock wait as SQL Server writes it, naming the mode the blocker holds."""
    held = database.locks.held(holder, resource)
    mode = "" if held is None else held.display
    lock = f"id=lock{lock_address(resource, holder).hex()} mode={mode}"
    kind = str(resource[0])
    if kind == "KEY":
        return f"keylock hobtid={resource[2]} dbid={resource[1]} {lock} associatedObjectId={resource[2]}"
    if kind == "OBJECT":
        return (
            f"objectlock lockPartition=0 objid={resource[2]} subresource=FULL dbid={resource[1]} {lock} "
            f"associatedObjectId={resource[2]}"
        )
    return f"{_LOCK_NOUNS.get(kind, kind.lower() + 'lock')} subresource=FULL dbid={resource[1]} {lock}"


def waiting_task_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    registry: Any = ctx.env.services.get("registry")
    for s in snap.sessions:
        a = snap.activity(s)
        if a is None or a.wait_type is None:
            continue
        task_address = address(s.task if s.task is not None else s)
        wait = snap.lock_wait(s) if a.wait_type.startswith("LCK_M_") else None
        if wait is None or not wait.blockers:
            yield (task_address, s.session_id, 0, a.wait_time_ms, a.wait_type, None, None, None, None,
                   a.wait_resource or None)  # fmt: skip
            continue
        resource = wait.request.resource
        for blocker in wait.blockers:
            blocking_session = None if registry is None else registry.get(blocker.session_id)
            blocking_task = None
            if blocking_session is not None and blocking_session.task is not None:
                blocking_task = address(blocking_session.task)
            yield (
                task_address,
                s.session_id,
                0,
                a.wait_time_ms,
                a.wait_type,
                lock_address(resource, wait.request.owner),
                blocking_task,
                blocker.session_id,
                0 if blocking_task is not None else None,
                lock_wait_description(wait.database, resource, blocker),
            )


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_tran_locks", DM_TRAN_LOCKS, lock_rows),
    VirtualTable("sys.dm_tran_active_transactions", DM_TRAN_ACTIVE_TRANSACTIONS, active_transaction_rows),
    VirtualTable("sys.dm_tran_session_transactions", DM_TRAN_SESSION_TRANSACTIONS, session_transaction_rows),
    VirtualTable("sys.dm_tran_database_transactions", DM_TRAN_DATABASE_TRANSACTIONS, database_transaction_rows),
    VirtualTable("sys.dm_os_waiting_tasks", DM_OS_WAITING_TASKS, waiting_task_rows),
)
