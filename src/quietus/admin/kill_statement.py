"""The KILL statement: ``KILL { session_id [WITH STATUSONLY] | 'uow' [WITH STATUSONLY | COMMIT | ROLLBACK] }``.

Refusals, in the order they are checked (the first that applies is the answer; docs/design/kill.md says why):

| #  | the statement ...                                       | Msg  | Sev | State |
|----|---------------------------------------------------------|------|-----|-------|
| 1  | names a string that is not a GUID                       | 8169 | 16  | 1     |
| 2  | names a session id WITH COMMIT or WITH ROLLBACK         | 6108 | 16  | 1     |
| 3  | runs inside a user transaction (BEGIN TRAN, implicit)   | 6115 | 16  | 1     |
| 4  | runs for a login without ALTER ANY CONNECTION           | 6102 | 14  | 2     |
| 5  | names a UOW: kill_uow.py's table (6110 ... 6121)        |      |     |       |
| 6  | names an id outside 1..32767 (KILL 0, KILL -2)          | 6101 | 16  | 1     |
| 7  | names the caller's own session                          | 6104 | 16  | 1     |
| 8  | (WITH STATUSONLY) names a session not rolling back      | 6120 | 16  | 1     |
| 9  | names no live session                                   | 6106 | 16  | 2     |
| 10 | names a system session                                  | 6107 | 14  | 1     |

What a KILL that passes them does:

| target session n ...                                  | KILL n                          | ... WITH STATUSONLY  |
|-------------------------------------------------------|---------------------------------|----------------------|
| being killed (an earlier kill, not yet ended)         | kills nothing; reports as the   | 6109 (progress), or  |
|                                                       | right-hand column               | 6120: nothing left   |
| any other user session (a newer one holding id n too) | kill_session; returns at once   | 6120                 |

As on SQL Server, a plain ``KILL n`` ends whoever holds id n now.  Reuse safety belongs where the caller names the
exact session: ``sp_kill @SPID = n, @Serial = s`` (admin/sp_kill.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from quietus.admin.kill import (
    NOMINAL_UNDO_RATE,
    KillHistory,
    kill_history,
    kill_session,
    victim_transactions,
    whole_seconds_left,
)
from quietus.admin.kill_uow import kill_uow
from quietus.engine.txn.transaction import TxnState
from quietus.errors import SqlError, sql_error
from quietus.sessions.registry import MAX_SESSION_ID
from quietus.sessions.session import Session
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.results import MessageEvent, StatementDone

KILL_PERMISSION = "ALTER ANY CONNECTION"

# States that differ from 1 (semantics.md §1.2: observed on live servers; the templates carry no state).
STATES = {6102: 2, 6106: 2}


def refusal(number: int, *args: object) -> SqlError:
    return sql_error(number, *args, state=STATES.get(number, 1))


def run_kill(ctx: ExecContext, statement: st.Kill) -> None:
    ctx.session.command = "KILL"
    target = statement.target
    if target.is_string:
        _kill_uow(ctx, statement, _as_uow(target.this))
        return
    if statement.outcome is not None:
        raise refusal(6108)
    _check_caller(ctx)
    session_id = int(target.this)
    if not 1 <= session_id <= MAX_SESSION_ID:
        raise refusal(6101, session_id, MAX_SESSION_ID)
    if session_id == ctx.session.session_id:
        raise refusal(6104)
    registry: Any = ctx.env.services.get("registry")
    victim: Session | None = registry.get(session_id) if registry is not None else None
    history = kill_history(ctx.env)
    if statement.statusonly:
        _report(ctx, history, session_id, victim)
    elif victim is None:
        raise refusal(6106, session_id)
    elif not victim.is_user_process:
        raise refusal(6107)
    elif victim.kill_reason is not None:  # its own rollback runs: a repeat reports, kills nothing new
        _report(ctx, history, session_id, victim)
    else:
        kill_session(ctx.env, victim, killer=ctx.session, statement=f"KILL {session_id}")
    ctx.sink.done(StatementDone(None))


def _as_uow(text: str) -> str:
    """The UOW a string names, as SQL Server prints it; 8169 when the string is not a uniqueidentifier."""
    try:
        return "{" + str(uuid.UUID(text.strip())).upper() + "}"
    except ValueError:
        raise refusal(8169) from None


def _kill_uow(ctx: ExecContext, statement: st.Kill, uow: str) -> None:
    """A unit of work: after the caller's refusals, kill_uow.py's table decides (6110, 6111, 6113, 6114, 6117,
    6118, 6119, 6121, or the rollback or commit itself)."""
    _check_caller(ctx)
    option = " WITH STATUSONLY" if statement.statusonly else f" WITH {statement.outcome}" if statement.outcome else ""
    kill_uow(ctx, uuid.UUID(uow.strip("{}")), statement.outcome, statement.statusonly, f"KILL '{uow}'{option}")


def _check_caller(ctx: ExecContext) -> None:
    session = ctx.session
    if session.trancount > 0:
        raise refusal(6115)
    security: Any = ctx.env.services.get("security")
    if security is not None and not security.has_server_permission(session.login_name, KILL_PERMISSION):
        raise refusal(6102)


def _report(ctx: ExecContext, history: KillHistory, session_id: int, victim: Session | None) -> None:
    progress = rollback_progress(ctx, history, victim) if victim is not None else None
    if progress is None:
        raise refusal(6120, session_id)
    percent, seconds = progress
    message = sql_error(6109, session_id, percent, seconds)
    ctx.sink.message(MessageEvent(6109, message.severity, 1, message.message, ctx.line))


def rollback_progress(ctx: ExecContext, history: KillHistory, victim: Session) -> tuple[int, int] | None:
    """(percent done, seconds left) of the rollback a kill started in ``victim``, or None if none is under way.

    Percent is undo records done / total, rounded down, never 0 once a record is undone and never 100 before the
    last one is.  Seconds are the undo records left (exact: counted, never guessed) over this rollback's weighted
    pace (``RollbackProgress.rate_at``); before its first batch is undone, over the rate of the last rollback
    measured on this instance, else NOMINAL_UNDO_RATE; then ``whole_seconds_left`` (the nearest second, at least 1
    while a record is left)."""
    if victim.kill_reason is None:
        return None
    total = done = 0
    rate: float | None = None
    for txn in victim_transactions(ctx.env, victim.session_id):
        progress = txn.rollback_progress
        if txn.state is TxnState.ROLLING_BACK and progress is not None:
            total += progress.total
            done += progress.done
            rate = progress.rate or rate
        else:  # killed, not yet rolling back (the victim is on its way to its next safe point)
            total += len(txn.undo)
    if total == 0:
        return None
    percent = done * 100 // total
    if done and percent == 0:
        percent = 1
    if done < total and percent == 100:
        percent = 99
    rate = rate or history.undo_rate or NOMINAL_UNDO_RATE
    return percent, whole_seconds_left((total - done) / rate)


HANDLERS: dict[type, Any] = {st.Kill: run_kill}
