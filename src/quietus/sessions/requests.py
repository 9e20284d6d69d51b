"""Running a request for a session, and ending sessions: where a kill is turned into its consequences.

The victim unwinds itself: a request whose task was interrupted rolls its own work back (a kill: the whole
transaction; an attention: the current statement, the transaction stays as SQL Server leaves it), inside its own
task and without further interruption, and then reports what its client should see.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Mapping
from typing import Any

from quietus.engine.interrupts import ENDS_SESSION, Interrupted, InterruptReason
from quietus.engine.scheduler import Task
from quietus.sessions.safety_net import caught
from quietus.sessions.session import Session, SessionStatus
from quietus.sql import utf16
from quietus.sql.batch import BatchRunner
from quietus.sql.context import ExecContext
from quietus.sql.environment import Environment
from quietus.sql.results import MessageEvent, ResultSink, StatementDone, TransactionEvent
from quietus.sql.types_base import SqlType


class Outcome(enum.Enum):
    COMPLETED = "completed"  # the batch ran to its end (errors included)
    CANCELLED = "cancelled"  # attention: the client gets DONE_ATTN; the session lives
    SESSION_ENDED = "session ended"  # killed (596 sent) or otherwise ended: close the connection


async def run_batch(
    session: Session,
    env: Environment,
    text: str,
    sink: ResultSink,
    parameters: Mapping[str, Any] | None = None,
    types: Mapping[str, SqlType] | None = None,
) -> Outcome:
    if session.status in (SessionStatus.KILLED, SessionStatus.ENDED):
        return Outcome.SESSION_ENDED  # killed while idle (its connection is closed): nothing more runs for it
    text = utf16.clean(text)  # a lone surrogate from an embedded caller becomes U+FFFD, as from a TDS client
    loop = asyncio.get_running_loop()
    task = Task(loop)
    session.begin_request(task, text)
    ctx = ExecContext(session, task, env, sink)
    if parameters:
        ctx.bind_parameters(parameters, types)
    try:
        return await task.run(_run, ctx, text)
    finally:
        session.end_request()


def _run(ctx: ExecContext, text: str) -> Outcome:
    runner = BatchRunner(ctx)
    try:
        runner.run(text)
        reason = ctx.task.interrupt
        if reason is not None and reason in ENDS_SESSION:
            raise Interrupted(reason)  # a kill that came after the last safe point still ends the session
        return Outcome.COMPLETED
    except Interrupted as interrupt:
        with ctx.task.noninterruptible():
            return _unwind(runner, ctx, interrupt)
    except Exception as escaped:  # a bug: the safety net answers the client and keeps the session
        with ctx.task.noninterruptible():
            return _catch(runner, ctx, escaped)


def _catch(runner: BatchRunner, ctx: ExecContext, escaped: Exception) -> Outcome:
    error = caught(ctx.env.services, ctx.session.session_id, escaped, "a request")
    try:
        runner.rollback_all()
    except Exception as failed:  # the rollback itself failed: the session cannot be trusted any more
        caught(ctx.env.services, ctx.session.session_id, failed, "the safety net's rollback")
        ctx.session.status = SessionStatus.KILLED
        return Outcome.SESSION_ENDED
    ctx.session.error = error.number
    ctx.sink.message(MessageEvent(error.number, error.severity, error.state, error.message, ctx.line))
    ctx.sink.done(StatementDone(None, error=True))
    return Outcome.COMPLETED


def _unwind(runner: BatchRunner, ctx: ExecContext, interrupt: Interrupted) -> Outcome:
    session = ctx.session
    if interrupt.ends_session:
        runner.rollback_all()
        error = interrupt.client_error()
        if error is not None:
            ctx.sink.message(MessageEvent(error.number, error.severity, error.state, error.message, ctx.line))
            ctx.sink.done(StatementDone(None, error=True))
        session.status = SessionStatus.KILLED
        return Outcome.SESSION_ENDED
    # ATTENTION: the running statement was undone by the runner; an open transaction survives unless
    # XACT_ABORT is ON (SQL Server's behaviour on a client cancel or query timeout).
    if session.options["XACT_ABORT"]:
        runner.rollback_all()
    return Outcome.CANCELLED


_ENDING = "ending"  # session.attachments key: the rollback of a session being ended, shared by every caller


async def end_session(session: Session, env: Environment) -> None:
    """The connection is gone (closed, killed, lost): roll back what it left open, in a task of its own.

    Single-flight: a second caller while the rollback runs (a kill's closing task and the connection's own close,
    a RESETCONNECTION) waits for the same rollback instead of undoing the same transaction twice."""
    ending: asyncio.Future[None] | None = session.attachments.get(_ENDING)
    if ending is None:
        if session.txn is None:
            return
        ending = asyncio.ensure_future(_roll_back(session, env))
        session.attachments[_ENDING] = ending
        ending.add_done_callback(lambda _: session.attachments.pop(_ENDING, None))
    await asyncio.shield(ending)


async def _roll_back(session: Session, env: Environment) -> None:
    loop = asyncio.get_running_loop()
    task = Task(loop)

    def rollback() -> None:
        txn = session.txn
        if txn is None:
            return
        database = env.database(session.database)
        if database is not None:
            with task.noninterruptible():
                database.rollback(task, txn)
        session.txn = None
        session.trancount = 0

    await task.run(rollback)


__all__ = ["InterruptReason", "Outcome", "TransactionEvent", "end_session", "run_batch"]
