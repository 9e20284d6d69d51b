"""``KILL 'uow' [WITH STATUSONLY | COMMIT | ROLLBACK]``: ending or deciding a distributed transaction by its UOW.

The caller's refusals (8169, 6115, 6102) are checked by the KILL statement first.  Then the answer depends on where
the unit of work is (the first row that applies):

| the UOW ...                                   | KILL 'uow'        | WITH COMMIT   | WITH ROLLBACK | WITH STATUSONLY |
|-----------------------------------------------|-------------------|---------------|---------------|-----------------|
| is unknown (never seen, or long gone)         | 6110              | 6110          | 6110          | 6110            |
| was decided: committed                        | 6110              | done already  | 6111          | 6121            |
| was decided: rolled back                      | 6110              | 6111          | done already  | 6121            |
| is still owned by a client session            | 6117              | 6117          | 6117          | 6117            |
| has its outcome being written (busy)          | 6114              | 6114          | 6114          | 6121            |
| is being rolled back (an earlier KILL)        | 6119 (progress)   | 6111          | 6119          | 6119            |
| is orphaned and active (not prepared)         | rolled back       | 6118          | 6118          | 6121            |
| is in doubt (prepared)                        | 6113              | committed     | rolled back   | 6121            |

A commit is durable when the statement completes.  A rollback runs in a task of its own (classic: undo with its
locks held and progress counted, which WITH STATUSONLY reports; accelerated: every lock freed at once), so the KILL
returns at once, as KILL session_id does.  Every KILL that decides something is in the kill history (victim session
-2) and writes its 18100 line to the error log, followed by a line naming the UOW and the outcome.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import time
import uuid
from typing import Any

from quietus.admin.kill import (
    NOMINAL_UNDO_RATE,
    KillHistory,
    KillOutcome,
    KillRecord,
    KillResult,
    audit_text,
    kill_history,
    whole_seconds_left,
)
from quietus.engine.database import Database
from quietus.engine.interrupts import InterruptReason
from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import Transaction, TxnState
from quietus.engine.txn.twophase import Outcome
from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.results import MessageEvent, StatementDone

# Undo records per second assumed before any rollback was measured (as KILL session_id WITH STATUSONLY assumes).
BUSY_STATES = (TxnState.COMMITTING,)
_RESOLVING: set[asyncio.Task[None]] = set()  # rollbacks started by KILL 'uow', kept referenced until done


def uow_text(uow: uuid.UUID) -> str:
    """A UOW as SQL Server prints it: upper case, in braces."""
    return "{" + str(uow).upper() + "}"


def find_uow(ctx: ExecContext, uow: uuid.UUID) -> tuple[Database, Transaction] | None:
    for database in ctx.env.databases.values():
        for txn in database.txns.active.values():
            if txn.uow == uow:
                return database, txn
    return None


def decided_outcome(ctx: ExecContext, uow: uuid.UUID) -> Outcome | None:
    for database in ctx.env.databases.values():
        outcome = database.decided.get(uow)
        if outcome is not None:
            return outcome
    return None


def kill_uow(ctx: ExecContext, uow: uuid.UUID, outcome: str | None, statusonly: bool, statement: str) -> None:
    """Apply ``KILL 'uow'`` (``outcome`` 'COMMIT', 'ROLLBACK' or None) after the caller's refusals."""
    text = uow_text(uow)
    found = find_uow(ctx, uow)
    if found is None:
        _gone(ctx, uow, text, outcome, statusonly)
        ctx.sink.done(StatementDone(None))
        return
    database, txn = found
    if not txn.is_orphaned:
        raise sql_error(6117, text)
    history = kill_history(ctx.env)
    if txn.state is TxnState.ROLLING_BACK:
        if outcome == "COMMIT":  # decided here already (abort), still being carried out: the same mismatch as after
            _heuristic_mismatch(ctx, uow, text, Outcome.ABORTED)
            raise sql_error(6111, text)
        _report(ctx, history, txn, text)
    elif statusonly:
        raise sql_error(6121, text)
    elif txn.state in BUSY_STATES:
        raise sql_error(6114, text)
    elif txn.state is TxnState.PREPARED:
        if outcome is None:
            raise sql_error(6113, text)
        _decide(ctx, history, database, txn, commit=outcome == "COMMIT", statement=statement)
    else:  # orphaned, still active: only a plain KILL 'uow' ends it (by rolling it back)
        if outcome is not None:
            raise sql_error(6118, text)
        _decide(ctx, history, database, txn, commit=False, statement=statement)
    ctx.sink.done(StatementDone(None))


def _gone(ctx: ExecContext, uow: uuid.UUID, text: str, outcome: str | None, statusonly: bool) -> None:
    decided = decided_outcome(ctx, uow)
    if decided is None:
        raise sql_error(6110, text)
    if statusonly:
        raise sql_error(6121, text)
    if outcome is None:
        raise sql_error(6110, text)
    wanted = Outcome.COMMITTED if outcome == "COMMIT" else Outcome.ABORTED
    if wanted is not decided:
        _heuristic_mismatch(ctx, uow, text, decided)
        raise sql_error(6111, text)
    # The same outcome again: already done, nothing changes (a decision is idempotent).


def _heuristic_mismatch(ctx: ExecContext, uow: uuid.UUID, text: str, decided: Outcome) -> None:
    """Someone (a returning coordinator, server/linked.py) asks for the outcome other than the one decided here:
    recorded (error log, sys.dm_tran_heuristic_outcomes) before the 6111 it gets."""
    here = "commit" if decided is Outcome.COMMITTED else "abort"
    mismatches: list[tuple[uuid.UUID, str, datetime.datetime]] = ctx.env.services.setdefault("heuristic_mismatches", [])
    mismatches.append((uow, here, datetime.datetime.now()))
    errorlog: Any = ctx.env.services.get("errorlog")
    if errorlog is not None:
        errorlog.write(
            "spid-2",
            f"Heuristic mismatch for distributed transaction with UOW {text}: it was decided here ({here}); its "
            f"coordinator ({ctx.session.host_name or ctx.session.login_name}) asked for the other outcome.",
        )


def _decide(
    ctx: ExecContext, history: KillHistory, database: Database, txn: Transaction, *, commit: bool, statement: str
) -> None:
    record = _record(ctx, history, txn, statement)
    history.add(record)
    _audit(ctx, record, txn, "commit" if commit else "rollback")
    if commit:
        database.commit(ctx.task, txn)
        release_snapshot(database, txn)
        _finish(record, KillOutcome.COMMITTED, 0)
        return
    resolving = asyncio.get_running_loop().create_task(_roll_back(database, txn, record, history))
    _RESOLVING.add(resolving)
    resolving.add_done_callback(_RESOLVING.discard)


async def _roll_back(database: Database, txn: Transaction, record: KillRecord, history: KillHistory) -> None:
    """The rollback a KILL 'uow' started, in a task of its own (nobody may interrupt it)."""
    task = Task(asyncio.get_running_loop())

    def rollback() -> None:
        with task.noninterruptible():
            database.rollback(task, txn)
        release_snapshot(database, txn)

    try:
        await task.run(rollback)
    finally:
        progress = txn.rollback_progress
        done = 0 if progress is None else progress.done
        elapsed = 0.0 if progress is None else time.monotonic() - progress.started
        if done >= 256 and elapsed > 0:
            history.undo_rate = done / elapsed
        _finish(record, KillOutcome.ROLLED_BACK, done)


def release_snapshot(database: Database, txn: Transaction) -> None:
    if txn.snapshot_seq is not None:
        database.txns.release_snapshot(txn.snapshot_seq)
        txn.snapshot_seq = None


def _finish(record: KillRecord, outcome: KillOutcome, rows_undone: int) -> None:
    result = record.result
    result.ended_at = datetime.datetime.now()
    result.rollback_seconds = time.monotonic() - record.started
    result.rows_undone = rows_undone
    result.outcome = outcome


def _report(ctx: ExecContext, history: KillHistory, txn: Transaction, text: str) -> None:
    """6119: how far the rollback an earlier KILL 'uow' started has come (6121 once nothing is left)."""
    progress = txn.rollback_progress
    if progress is None or progress.total == 0 or progress.done >= progress.total:
        raise sql_error(6121, text)
    total, done = progress.total, progress.done
    percent = min(max(done * 100 // total, 1 if done else 0), 99)
    rate = progress.rate or history.undo_rate or NOMINAL_UNDO_RATE
    message = sql_error(6119, text, percent, whole_seconds_left((total - done) / rate))
    ctx.sink.message(MessageEvent(6119, message.severity, 1, message.message, ctx.line))


def _record(ctx: ExecContext, history: KillHistory, txn: Transaction, statement: str) -> KillRecord:
    killer = ctx.session
    return KillRecord(
        kill_id=history.next_id(),
        victim_session_id=txn.session_id,
        victim_serial=0,
        victim_login="",
        victim_host="",
        victim_program="",
        victim_state="in doubt" if txn.state is TxnState.PREPARED else "orphaned",
        killer_login=killer.login_name,
        killer_host=killer.host_name,
        killer_host_process_id=killer.host_process_id or os.getpid(),
        killer_session_id=killer.session_id,
        killer_serial=killer.serial,
        reason=InterruptReason.KILLED,
        command=statement,
        killed_at=datetime.datetime.now(),
        statement="",
        rows_to_undo=len(txn.undo),
        started=time.monotonic(),
        result=KillResult(),
    )


def _audit(ctx: ExecContext, record: KillRecord, txn: Transaction, decision: str) -> None:
    errorlog: Any = ctx.env.services.get("errorlog")
    if errorlog is None:
        return
    assert txn.uow is not None
    source = f"spid{record.killer_session_id}"
    errorlog.write(source, audit_text(record))
    errorlog.write(
        source,
        f"Distributed transaction with UOW {uow_text(txn.uow)} ({record.victim_state}) decided by KILL: {decision}.",
    )
