"""``sys.dm_tran_units_of_work``: every distributed transaction, and what a DBA needs to resolve it (Quietus).

SQL Server spreads this over sys.dm_tran_locks (request_owner_guid), sys.dm_tran_active_transactions (dtc_state),
the error log and the MS DTC monitor; semantics.md §5 asks for one UOW listing.  One row per distributed transaction
(docs/design/distributed-transactions.md):

| column          | meaning                                                                                   |
|-----------------|-------------------------------------------------------------------------------------------|
| uow             | the unit of work, as KILL 'uow' takes it                                                   |
| session_id      | the owning client session, or -2                                                           |
| situation       | owned (a client has it), orphaned (-2, not prepared), in doubt (-2, prepared)              |
| state           | active, prepared, committing, rolling back                                                |
| recovered       | 1 when it was restored in doubt by recovery (dtc_state RECOVERED)                          |
| locks_held      | locks it holds                                                                             |
| sessions_blocked| sessions whose lock wait it blocks directly                                                |
| rows_to_undo    | undo records a rollback would apply                                                        |
| resolve_with    | the statement that ends it (KILL 'uow' for an orphan, KILL 'uow' WITH COMMIT | ROLLBACK     |
|                 | for one in doubt), NULL while a client owns it or a decision is under way                  |

Without VIEW SERVER STATE a login sees only the units of work its own session owns.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from quietus.admin.activity import Snapshot
from quietus.admin.columns import columns
from quietus.admin.kill_uow import uow_text
from quietus.engine.txn.transaction import Transaction, TxnState
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

DM_TRAN_UNITS_OF_WORK = columns("""
uow uniqueidentifier
session_id int
situation nvarchar(30)
state nvarchar(30)
recovered bit
transaction_id bigint
database_id int
transaction_begin_time datetime
locks_held int
sessions_blocked int
rows_to_undo bigint
resolve_with nvarchar(100)
""")


def situation(txn: Transaction) -> str:
    if not txn.is_orphaned:
        return "owned"
    return "in doubt" if txn.state is TxnState.PREPARED else "orphaned"


def resolve_with(txn: Transaction) -> str | None:
    assert txn.uow is not None
    if not txn.is_orphaned:
        return None
    if txn.state is TxnState.PREPARED:
        return f"KILL '{uow_text(txn.uow)}' WITH COMMIT | ROLLBACK"
    if txn.state is TxnState.ACTIVE:
        return f"KILL '{uow_text(txn.uow)}'"
    return None


def blocked_counts(snap: Snapshot) -> dict[int, int]:
    """Transaction id -> how many sessions wait for a lock it holds (or asked for ahead of them)."""
    counts: dict[int, int] = {}
    for session in snap.sessions:
        wait = snap.lock_wait(session)
        if wait is not None:
            for blocker in wait.blockers:
                counts[blocker.xid] = counts.get(blocker.xid, 0) + 1
    return counts


def unit_of_work_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    blocked = blocked_counts(snap)
    for database, txn in snap.all_transactions():
        if txn.uow is None:
            continue
        yield (
            txn.uow,
            txn.session_id,
            situation(txn),
            txn.state.value,
            txn.recovered,
            txn.xid,
            database.database_id,
            datetime.datetime.fromtimestamp(txn.begin_time),
            database.locks.lock_count(txn),
            blocked.get(txn.xid, 0),
            len(txn.undo),
            resolve_with(txn),
        )


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_tran_units_of_work", DM_TRAN_UNITS_OF_WORK, unit_of_work_rows),
)
