"""Oracle's ALTER SYSTEM KILL SESSION, DISCONNECT SESSION and CANCEL SQL, on the one kill path (admin/kill.py).

``ALTER SYSTEM KILL SESSION 'sid,serial#[,@1]' [IMMEDIATE | FORCE | NOREPLAY] [TIMEOUT n]`` ends the session named
by the (SID, SERIAL#) pair of v$session through ``kill_session`` (audit line, kill history, the victim's surface
decides what its client sees: admin.kill.IDLE_KILL), then waits for the victim to end (docs/design/oracle-kill.md):

| clause                  | the issuer waits up to            | when the victim has not ended by then            |
|-------------------------|-----------------------------------|--------------------------------------------------|
| (none), NOREPLAY        | ``kill_session_wait`` (60 s)      | ORA-00031 session marked for kill                 |
| TIMEOUT n               | n seconds                         | ORA-00031                                         |
| IMMEDIATE, TIMEOUT 0    | no time                           | ORA-00031 if it was in a call; success if idle    |
| FORCE [TIMEOUT n]       | 5 s (n)                           | its connection is dropped; success                |

"Ended" means its call has unwound and its transactions are rolled back (its locks released): an idle Oracle
victim is then KILLED / PSEUDO, still in v$session until its client's next call.  The wait is a ``Task.wait`` on a
future set when that happens (never a poll), so the issuer yields and can itself be killed while it waits.

Refusals, in this order (the first that applies):

| #  | the statement ...                                         | error      |
|----|-----------------------------------------------------------|------------|
| 1  | names no 'sid,serial#' (malformed, out of range)          | ORA-00026  |
| 2  | runs for a login without ALTER SYSTEM                     | ORA-01031  |
| 3  | names no live session with that SID *and* SERIAL#, or an instance other than @1 | ORA-00030 |
| 4  | names the caller's own session                            | ORA-00027  |
| 5  | names a system session                                    | ORA-00029  |

The privilege comes before anything about the target, as KILL's 6102 does, so a caller without it learns nothing
about which sessions exist.  ``ALTER SYSTEM`` is held by sysadmin, by holders of ALTER ANY CONNECTION (which covers
it) and by grantees (``GRANT ALTER SYSTEM TO login``).

``DISCONNECT SESSION 'sid,serial#' POST_TRANSACTION`` lets an open transaction finish and ends the session after
the request in which it committed or rolled back (at once when it has none); ``IMMEDIATE`` (or no keyword) kills
it now and drops its connection at once: its client sees the connection end (ORA-03113), whatever its surface.

``CANCEL SQL 'sid, serial#[, @1][, sql_id]'`` ends the victim's running statement, which is rolled back; the session
and its transaction live on.  Its client gets ORA-01013 (Oracle) or Msg 3980 (TDS: SQL Server's error for a batch
aborted from outside the client).  An idle victim, or a sql_id that is not the one it runs: ORA-00030.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from quietus.admin.kill import KILL_CLEANUP, ON_CLOSE, kill_session, victim_transactions
from quietus.admin.oracle_views import INSTANCE_ID, sql_id
from quietus.admin.sp_configure import configuration
from quietus.engine.interrupts import InterruptReason
from quietus.engine.scheduler import WaitTimeout
from quietus.errors import SqlError, oracle_error
from quietus.sessions.registry import MAX_SERIAL, MAX_SESSION_ID
from quietus.sessions.requests import AFTER_REQUEST
from quietus.sessions.session import Dialect, Session, SessionStatus
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.environment import Environment
from quietus.sql.results import StatementDone

PRIVILEGE = "ALTER SYSTEM"
FORCE_WAIT_SECONDS = 5  # FORCE without TIMEOUT: how long the victim may take before its connection is dropped
WAIT_TYPE = "KILL_SESSION_WAIT"  # what the waiting issuer shows in sys.dm_exec_requests / v$session

_SESSION = r"^\s*(\d{1,10})\s*,\s*(\d{1,10})\s*(?:,\s*@\s*(\d{1,10})\s*)?"
SESSION_SPEC = re.compile(_SESSION + r"$")
CANCEL_SPEC = re.compile(_SESSION + r"(?:,\s*([0-9a-z]{13})\s*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    session_id: int
    serial: int
    instance: int
    sql_id: str | None = None


def parse_target(spec: str, pattern: re.Pattern[str] = SESSION_SPEC) -> Target:
    """The (sid, serial#[, @inst][, sql_id]) a statement's string names; ORA-00026 when it names none."""
    found = pattern.match(spec)
    if found is None:
        raise oracle_error("ORA-00026")
    session_id, serial = int(found[1]), int(found[2])
    if not (1 <= session_id <= MAX_SESSION_ID and 1 <= serial <= MAX_SERIAL):
        raise oracle_error("ORA-00026")
    instance = INSTANCE_ID if found[3] is None else int(found[3])
    named_sql = found[4].lower() if pattern.groups >= 4 and found[4] else None
    return Target(session_id, serial, instance, named_sql)


def check_privilege(ctx: ExecContext) -> None:
    security: Any = ctx.env.services.get("security")
    if security is not None and not security.has_server_permission(ctx.session.login_name, PRIVILEGE):
        raise oracle_error("ORA-01031")


def find_victim(ctx: ExecContext, target: Target) -> Session:
    """The live session named by SID *and* SERIAL# (a stale pair never reaches a newer session), else the refusal."""
    registry: Any = ctx.env.services.get("registry")
    victim: Session | None = registry.get(target.session_id) if registry is not None else None
    if (
        victim is None
        or victim.serial != target.serial
        or victim.status is SessionStatus.ENDED
        or target.instance != INSTANCE_ID
    ):
        raise oracle_error("ORA-00030")
    if victim is ctx.session:
        raise oracle_error("ORA-00027")
    if not victim.is_user_process:
        raise oracle_error("ORA-00029")
    return victim


def _prepare(ctx: ExecContext, spec: str, pattern: re.Pattern[str] = SESSION_SPEC) -> tuple[Target, Session]:
    ctx.session.command = "ALTER SYSTEM"
    target = parse_target(spec, pattern)
    check_privilege(ctx)
    return target, find_victim(ctx, target)


# -- KILL SESSION ------------------------------------------------------------------------------------------------


def wait_budget(ctx: ExecContext, statement: st.KillSession) -> int:
    """Seconds the issuer waits for its victim (the table in the module docstring)."""
    if statement.timeout is not None:
        if statement.timeout < 0:
            raise oracle_error("ORA-02017")
        return statement.timeout
    if statement.immediate:
        return 0
    if statement.force:
        return FORCE_WAIT_SECONDS
    return configuration(ctx.env.services)["kill_session_wait"]


def settled(env: Environment, victim: Session) -> bool:
    """The victim has ended, or holds nothing any more (its call unwound, its transactions rolled back)."""
    if victim.status is SessionStatus.ENDED:
        return True
    return (
        victim.status is SessionStatus.KILLED
        and victim.task is None
        and not victim_transactions(env, victim.session_id)
    )


def wait_until_settled(ctx: ExecContext, victim: Session, seconds: int) -> bool:
    """Wait (yielding, killable) up to ``seconds`` for ``victim`` to settle; whether it did."""
    if settled(ctx.env, victim):
        return True
    if seconds <= 0:
        return False
    ended: asyncio.Future[None] = ctx.task.loop.create_future()

    def wake(*_: object) -> None:
        if not ended.done():
            ended.set_result(None)

    victim.attachments.setdefault(ON_CLOSE, []).append(wake)
    cleanup: asyncio.Task[None] | None = victim.attachments.get(KILL_CLEANUP)
    if cleanup is not None:
        cleanup.add_done_callback(wake)
    try:
        ctx.task.wait(ended, WAIT_TYPE, f"{victim.session_id},{victim.serial}", timeout=seconds)
    except WaitTimeout:
        return settled(ctx.env, victim)
    return True


def run_kill_session(ctx: ExecContext, statement: st.KillSession) -> None:
    target, victim = _prepare(ctx, statement.spec)
    budget = wait_budget(ctx, statement)
    in_call = victim.task is not None
    kill_session(ctx.env, victim, killer=ctx.session, statement=_text(statement, "KILL SESSION", target))
    if not wait_until_settled(ctx, victim, budget):
        if statement.force and drop_connection(ctx.env, victim):
            pass  # FORCE: the connection is cut, whatever the victim was doing
        elif in_call or budget > 0:
            raise oracle_error("ORA-00031")
    ctx.sink.done(StatementDone(None))


def _text(statement: st.Statement, verb: str, target: Target) -> str:
    return statement.text or f"ALTER SYSTEM {verb} '{target.session_id},{target.serial}'"


# -- DISCONNECT SESSION ------------------------------------------------------------------------------------------


def drop_connection(env: Environment, victim: Session) -> bool:
    """Close the victim's connection now (its client sees the connection end); a killed embedded session that is not
    in a call is closed as its connection would be.  An embedded request in a call cannot be cut off (it ends itself
    at its next safe point): False then."""
    close_connection = victim.attachments.get("close_connection")
    if close_connection is not None:
        close_connection()
        return True
    instance: Any = env.services.get("instance")
    if victim.status is SessionStatus.ENDED:
        return True
    if victim.task is None and instance is not None:
        closing = asyncio.get_running_loop().create_task(instance.close_session(victim))
        victim.attachments["disconnecting"] = closing  # referenced until done
        return True
    return False


def disconnect_now(env: Environment, victim: Session, killer: Session | None, text: str) -> None:
    if victim.status is SessionStatus.ENDED:
        return
    kill_session(env, victim, killer=killer, statement=text)
    drop_connection(env, victim)


def run_disconnect_session(ctx: ExecContext, statement: st.DisconnectSession) -> None:
    target, victim = _prepare(ctx, statement.spec)
    text = _text(statement, "DISCONNECT SESSION", target)
    if statement.post_transaction and victim.trancount > 0:
        _after_transaction(ctx.env, victim, ctx.session, text)
    else:
        disconnect_now(ctx.env, victim, ctx.session, text)
    ctx.sink.done(StatementDone(None))


def _after_transaction(env: Environment, victim: Session, killer: Session, text: str) -> None:
    """End ``victim`` once a request of its own ends with no transaction open (it committed or rolled back)."""
    loop = asyncio.get_running_loop()

    def hook(session: Session) -> None:
        if session.trancount > 0:
            return
        hooks = session.attachments.get(AFTER_REQUEST, [])
        if hook in hooks:
            hooks.remove(hook)
        # after the request's response has gone out (the connection writes it when this request returns)
        loop.call_soon(disconnect_now, env, session, killer, text)

    victim.attachments.setdefault(AFTER_REQUEST, []).append(hook)


# -- what a killed Oracle client is told -------------------------------------------------------------------------

# The error a killed session's next call gets, by why it ended (its row stayed in v$session until that call).
NEXT_CALL_ERRORS: dict[InterruptReason | None, str] = {
    InterruptReason.KILLED: "ORA-00028",  # your session has been killed
    InterruptReason.IDLE_TIMEOUT: "ORA-02396",  # exceeded maximum idle time (STATUS was SNIPED)
}
DROPPED = "ORA-03113"  # end-of-file on communication channel: the connection was dropped (DISCONNECT SESSION)


def next_call_error(session: Session) -> SqlError:
    """What an Oracle client's next call gets when its session was ended while it was not in a call: the listener
    (and the embedded dbapi) send it, then close the session, and the row leaves v$session."""
    if session.status is SessionStatus.KILLED:
        return oracle_error(NEXT_CALL_ERRORS.get(session.kill_reason, "ORA-00028"))
    return oracle_error(DROPPED)


def ended_session_error(session: Session, *, first_call: bool) -> SqlError | None:
    """The embedded client's answer to a call on an ended session: for an Oracle session the next-call error the
    first time, ORA-01012 'not logged on' after; None for a T-SQL session (its client sees a closed connection)."""
    if session.dialect is not Dialect.ORACLE:
        return None
    return next_call_error(session) if first_call else oracle_error("ORA-01012")


# -- CANCEL SQL --------------------------------------------------------------------------------------------------


def run_cancel_sql(ctx: ExecContext, statement: st.CancelSql) -> None:
    target, victim = _prepare(ctx, statement.spec, CANCEL_SPEC)
    if victim.task is None or (target.sql_id is not None and target.sql_id != sql_id(victim.statement_text)):
        raise oracle_error("ORA-00030")  # no such call: the victim is idle, or runs another statement
    victim.interrupt(InterruptReason.CANCEL_SQL)
    ctx.sink.done(StatementDone(None))


HANDLERS: dict[type, Any] = {
    st.KillSession: run_kill_session,
    st.DisconnectSession: run_disconnect_session,
    st.CancelSql: run_cancel_sql,
}
