"""Running a request for a session, and ending sessions: where a kill is turned into its consequences.

The victim unwinds itself: a request whose task was interrupted rolls its own work back (a kill: the whole
transaction; an attention: the current statement, the transaction stays as SQL Server leaves it), inside its own
task and without further interruption, and then reports what its client should see.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from quietus.engine.interrupts import ENDS_SESSION, Interrupted, InterruptReason
from quietus.engine.scheduler import Task
from quietus.sessions import distributed
from quietus.sessions.safety_net import caught
from quietus.sessions.session import Dialect, Session, SessionStatus, masked
from quietus.sessions.sql_text import LANGUAGE_EVENT, InputBuffer, begin_batch
from quietus.sql import temp_tables, utf16
from quietus.sql.batch import BatchRunner
from quietus.sql.context import ExecContext, parameter_key
from quietus.sql.environment import Environment
from quietus.sql.oracle import OracleContext, OracleRunner
from quietus.sql.results import MessageEvent, ResultSink, StatementDone, TransactionEvent
from quietus.sql.types_base import SqlType

# session.attachments key: callables run with the session after each of its requests has ended (its task gone),
# e.g. ALTER SYSTEM DISCONNECT SESSION ... POST_TRANSACTION waiting for the transaction to end.
AFTER_REQUEST: Final = "after_request"


class Outcome(enum.Enum):
    COMPLETED = "completed"  # the batch ran to its end (errors included)
    CANCELLED = "cancelled"  # attention: the client gets DONE_ATTN; the session lives
    SESSION_ENDED = "session ended"  # killed (596 sent) or otherwise ended: close the connection


# A session's dialect → the execution context and the runner its requests use.
RUNNERS: Final[dict[Dialect, tuple[type[ExecContext], type[BatchRunner]]]] = {
    Dialect.TSQL: (ExecContext, BatchRunner),
    Dialect.ORACLE: (OracleContext, OracleRunner),
}


async def run_batch(
    session: Session,
    env: Environment,
    text: str,
    sink: ResultSink,
    parameters: Mapping[str, Any] | None = None,
    types: Mapping[str, SqlType] | None = None,
    event: InputBuffer | None = None,
    outputs: dict[str, Any] | None = None,
) -> Outcome:
    """Run ``text`` for ``session``.  ``event`` is what the client sent, for the input buffer: an RPC names its
    procedure; by default the text itself is the event (a language event).  ``outputs``: parameter names whose
    values when the batch ends are written into it (an RPC's OUTPUT parameters)."""
    text = utf16.clean(text)  # a lone surrogate from an embedded caller becomes U+FFFD, as from a TDS client
    return await _request(
        session, env, text, sink, lambda runner: runner.run(text), parameters, types, event, outputs
    )


async def run_call(
    session: Session, env: Environment, label: str, sink: ResultSink, call: Callable[[BatchRunner], None]
) -> Outcome:
    """Run ``call`` with the session's runner as one request: a protocol call that is no SQL text (an XA tpc_*
    call over Oracle Net); ``label`` is what the session's SQL text and input buffer show while it runs."""
    return await _request(session, env, label, sink, call)


async def closing_ended(
    request: Callable[[], Awaitable[Outcome]], session: Session, close: Callable[[Session], Awaitable[object]]
) -> Outcome:
    """The outcome of ``request()``, once ``close(session)`` has closed the session if the request ended it (a kill,
    the connection gone).  Compiled, it awaits the request natively: the wrapper a caller would write costs a Python
    coroutine a request.  The request's coroutine is made only when this one starts (one closed unstarted leaves
    none behind that was never awaited)."""
    outcome = await request()
    if outcome is Outcome.SESSION_ENDED:
        await close(session)
    return outcome


async def _request(
    session: Session,
    env: Environment,
    text: str,
    sink: ResultSink,
    work: Callable[[BatchRunner], None],
    parameters: Mapping[str, Any] | None = None,
    types: Mapping[str, SqlType] | None = None,
    event: InputBuffer | None = None,
    outputs: dict[str, Any] | None = None,
) -> Outcome:
    if session.status in (SessionStatus.KILLED, SessionStatus.ENDED):
        return Outcome.SESSION_ENDED  # killed while idle (its connection is closed): nothing more runs for it
    task = Task()  # its loop is the running one, looked up only if it waits
    session.begin_request(task, text)
    prefix = event.statement_prefix if event is not None else ""
    full = prefix + text  # what sys.dm_exec_sql_text shows: "(@P1 int)SELECT ..." for sp_executesql
    session.sql = begin_batch(env, session, full, masked(full) if prefix else session.statement_text, len(prefix))
    session.input_buffer = event or _language_event(session.input_buffer, session.statement_text)
    context_class, runner_class = RUNNERS[session.dialect]
    ctx = context_class(session, task, env, sink)
    if parameters:
        ctx.bind_parameters(parameters, types)
    try:
        return await task.run(_run, ctx, runner_class(ctx), work)
    finally:
        if outputs is not None:
            for name in outputs:
                outputs[name] = ctx.variables.get(parameter_key(name))
        session.end_request()
        hooks = session.attachments.get(AFTER_REQUEST)
        if hooks:
            for hook in tuple(hooks):  # a hook may remove itself
                hook(session)


def _language_event(previous: InputBuffer | None, text: str) -> InputBuffer:
    """The input buffer of a language event of ``text``: the previous one when it is that same value (a caller
    running one statement text again, as the embedded API's cursors do), a new one otherwise."""
    if (
        previous is not None
        and previous.event_info == text
        and previous.event_type == LANGUAGE_EVENT
        and previous.parameters == 0
        and not previous.statement_prefix
    ):
        return previous
    return InputBuffer(LANGUAGE_EVENT, 0, text)


def _run(ctx: ExecContext, runner: BatchRunner, work: Callable[[BatchRunner], None]) -> Outcome:
    try:
        work(runner)
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
    if not interrupt.ends_session and session.kill_reason is not None:
        interrupt = Interrupted(session.kill_reason)  # killed while a cancel unwound: the kill wins
    if interrupt.ends_session:
        if not distributed.orphan(session, ctx.env, ctx.task):  # a distributed transaction outlives its session
            runner.rollback_all()
        error = interrupt.client_error()
        if error is not None:
            error = runner.client_error(error)
            ctx.sink.message(MessageEvent(error.number, error.severity, error.state, error.message, ctx.line))
            ctx.sink.done(StatementDone(None, error=True))
        session.status = SessionStatus.KILLED
        return Outcome.SESSION_ENDED
    # ATTENTION, CANCEL SQL: the running statement was undone by the runner; an open transaction survives unless
    # XACT_ABORT is ON (SQL Server's behaviour on a client cancel or query timeout).
    if session.options["XACT_ABORT"]:
        runner.rollback_all()
    error = interrupt.client_error()
    if error is None:
        return Outcome.CANCELLED  # the client asked: it gets its acknowledgement (TDS DONE_ATTN)
    # Cancelled from outside (ALTER SYSTEM CANCEL SQL): the batch ends with an error, the session lives on.
    error = runner.client_error(error)  # 3980; an Oracle client's runner shows ORA-01013
    ctx.sink.message(MessageEvent(error.number, error.severity, error.state, error.message, ctx.line))
    ctx.sink.done(StatementDone(None, error=True))
    return Outcome.COMPLETED


_ENDING = "ending"  # session.attachments key: the rollback of a session being ended, shared by every caller


async def end_session(session: Session, env: Environment) -> None:
    """The connection is gone (closed, killed, lost): roll back what it left open and drop its temporary tables, in
    a task of its own.

    Single-flight: a second caller while the rollback runs (a kill's closing task and the connection's own close,
    a RESETCONNECTION) waits for the same rollback instead of undoing the same transaction twice."""
    ending: asyncio.Future[None] | None = session.attachments.get(_ENDING)
    if ending is None:
        if session.txn is None and not session.temp_tables and not env.services.get(temp_tables.GLOBAL_OWNERS):
            return
        ending = asyncio.ensure_future(_roll_back(session, env))
        session.attachments[_ENDING] = ending
        ending.add_done_callback(lambda _: session.attachments.pop(_ENDING, None))
    await asyncio.shield(ending)


async def _roll_back(session: Session, env: Environment) -> None:
    task = Task()  # its loop is the running one, looked up only if it waits

    def rollback() -> None:
        txn = session.txn
        database = env.database(session.database)
        if txn is not None and not distributed.orphan(session, env, task):  # a distributed one goes to -2
            if database is not None:
                with task.noninterruptible():
                    database.rollback(task, txn)
            session.txn = None
            session.trancount = 0
        if database is not None:
            with task.noninterruptible():
                temp_tables.drop_session_tables(task, database, session, env.services.get(temp_tables.GLOBAL_OWNERS))

    await task.run(rollback)


__all__ = ["InterruptReason", "Outcome", "TransactionEvent", "end_session", "run_batch", "run_call"]
