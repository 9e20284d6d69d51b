"""A session's distributed transaction: BEGIN DISTRIBUTED TRANSACTION, phase one, and what the session leaves behind.

| the session ...                               | its distributed transaction ...                                |
|-----------------------------------------------|----------------------------------------------------------------|
| runs BEGIN DISTRIBUTED TRAN[SACTION] [name]   | begins (explicit, with a new UOW); inside a local transaction, |
|                                               | the local one is promoted: it gets a UOW, @@TRANCOUNT + 1      |
| runs EXEC sp_enlist_distributed_transaction   | as BEGIN DISTRIBUTED, with the UOW its coordinator names (3910 |
| @uow = 'guid' (or TM_PROPAGATE_XACT)          | when another session has it); one session -2 holds is taken    |
|                                               | over (the coordinator is back): the session owns it again      |
| runs EXEC sp_prepare_distributed_transaction  | is prepared (phase one durable); the procedure returns its UOW |
|                                               | or, when it cannot be (8509: it changed the catalog), is rolled|
|                                               | back at once (a "no" vote) and the error returned              |
| runs COMMIT / ROLLBACK                        | is decided (phase two) like any transaction                    |
| runs any other statement after the prepare    | 8525: only a decision may follow a prepare                     |
| disconnects, is killed, or the server restarts| is orphaned (active) or in doubt (prepared): session -2 owns   |
|                                               | it; never decided just because the connection went (§1.10),    |
|                                               | unless 'in-doubt xact resolution' presumes an outcome (1, 2)   |

The procedures (``admin/distributed_procedures.py``) are Quietus extensions: ``sp_prepare_distributed_transaction``
stands for the transaction manager's prepare request (SQL Server receives it from MS DTC, which Quietus has none
of), so that a client can reach exactly the state a coordinator leaves behind when it fails between the two phases.
"""

from __future__ import annotations

import uuid
from typing import Any

from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import IN_DOUBT_SESSION_ID, Transaction, TxnState
from quietus.engine.txn.twophase import InDoubtResolution
from quietus.errors import SqlError, sql_error
from quietus.sessions.session import Session
from quietus.sql.batch import BatchRunner
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.environment import Environment
from quietus.sql.results import TransactionEvent

IN_DOUBT_OPTION = "in-doubt xact resolution"  # the server option (admin/sp_configure.py's table)
REATTACH_PERMISSION = "ALTER ANY CONNECTION"  # to take over a unit of work session -2 holds
DTC_TRANSACTION_NAME = "DTCXact"  # what SQL Server names an unnamed distributed transaction


def run_begin_distributed(ctx: ExecContext, statement: st.BeginDistributedTransaction) -> None:
    runner = BatchRunner(ctx)
    enlist(ctx, uuid.uuid4(), runner._name(statement.name))


def enlist(ctx: ExecContext, uow: uuid.UUID, name: str = "") -> Transaction:
    """Begin (or promote the session's local transaction into) a distributed transaction with unit of work ``uow``;
    a distributed transaction already open in the session stays as it is (@@TRANCOUNT + 1, as BEGIN TRAN)."""
    session = ctx.session
    txn = session.txn
    if txn is not None and txn.uow is not None:
        session.trancount += 1
        return txn
    for database in ctx.env.databases.values():
        for other in database.txns.active.values():
            if other.uow == uow:
                if not other.is_orphaned:
                    raise sql_error(3910)  # the unit of work is another session's
                return _reattach(ctx, other)
    if txn is None:
        txn = BatchRunner(ctx).begin_transaction(explicit=True, name=name or DTC_TRANSACTION_NAME)
    else:
        session.trancount += 1
    txn.uow = uow
    return txn


def _reattach(ctx: ExecContext, txn: Transaction) -> Transaction:
    """A coordinator comes back for a unit of work session -2 holds (orphaned or in doubt): the session takes it
    over, so that the coordinator can finish it (work on, prepare, COMMIT, ROLLBACK) as its owner.  Only in the
    NULL transaction (8525), and only for a login with ALTER ANY CONNECTION (15247), as KILL 'uow' needs."""
    session = ctx.session
    if session.txn is not None:
        raise sql_error(8525)
    security: Any = ctx.env.services.get("security")
    if security is not None and not security.has_server_permission(session.login_name, REATTACH_PERMISSION):
        raise sql_error(15247)
    txn.session_id = session.session_id
    session.txn = txn
    session.trancount = 1
    ctx.sink.transaction(TransactionEvent("begin", txn.xid))
    return txn


def prepare_session_transaction(ctx: ExecContext) -> Transaction:
    """Phase one for the session's distributed transaction (8509 when it has none, 8525 when already prepared).
    A transaction that cannot be prepared (it changed the catalog: 8509; the log failed) is rolled back before the
    error is raised: the participant's "no" vote, after which its coordinator can only abort."""
    txn = ctx.session.txn
    if txn is None or txn.uow is None or ctx.session.trancount == 0:
        raise sql_error(8509, "the session has no distributed transaction (BEGIN DISTRIBUTED TRANSACTION first)")
    if txn.state is not TxnState.ACTIVE:
        raise sql_error(8525)
    if ctx.session.doomed:
        raise sql_error(3930)
    try:
        ctx.database.prepare(ctx.task, txn)
    except SqlError:  # a participant that cannot prepare votes no: its part is aborted at once, as in XA
        BatchRunner(ctx).rollback_all()
        raise
    return txn


def orphan(session: Session, env: Environment, task: Task) -> bool:
    """The session is going away: hand its distributed transaction, if it has one, to session -2 (undecided,
    locks held) and return True; False when it has none (the caller rolls back as usual).

    A prepared one is in doubt from now on: its coordinator (the client) cannot be reached any more, so the server
    option 'in-doubt xact resolution' applies at once when it presumes an outcome (1 commit, 2 abort)."""
    txn = session.txn
    if txn is None or txn.uow is None or txn.state not in (TxnState.ACTIVE, TxnState.PREPARED):
        return False
    coordinator: Any = env.services.get("dtc")
    if coordinator is not None:  # its participants on linked servers are left as the local part is
        coordinator.session_gone(session.session_id)
    txn.session_id = IN_DOUBT_SESSION_ID
    session.txn = None
    session.trancount = 0
    session.doomed = False
    if txn.state is TxnState.PREPARED:
        _presume(env, task, txn)
    return True


def _presume(env: Environment, task: Task, txn: Transaction) -> None:
    config: Any = env.services.get("configuration")
    resolution = InDoubtResolution(0 if config is None else config[IN_DOUBT_OPTION])
    if resolution is InDoubtResolution.NONE:
        return
    database = next(d for d in env.databases.values() if d.txns.active.get(txn.xid) is txn)
    commit = resolution is InDoubtResolution.PRESUME_COMMIT
    with task.noninterruptible():
        if commit:
            database.commit(task, txn)
        else:
            database.rollback(task, txn)
    if txn.snapshot_seq is not None:
        database.txns.release_snapshot(txn.snapshot_seq)
        txn.snapshot_seq = None
    errorlog: Any = env.services.get("errorlog")
    if errorlog is not None:
        outcome = "committed" if commit else "aborted"
        uow = "{" + str(txn.uow).upper() + "}"
        errorlog.write(
            "Server",
            f"In-doubt distributed transaction with UOW {uow} presumed {outcome} (in-doubt xact resolution "
            f"{int(resolution)}): its client is gone.",
        )


HANDLERS: dict[type, Any] = {st.BeginDistributedTransaction: run_begin_distributed}
