"""sp_kill: end many sessions at once, chosen by filter, with a dry run and a count (semantics.md §4 row 4, §5.5).

``EXEC [@n =] sp_kill [@login =] 'l', [@host =] 'h', [@program =] 'p', [@database =] 'd', [@idle_seconds =] n,
[@open_tran =] 1, [@blocking =] 1, [@preview =] 1``

Filters combine with AND; a filter is a parameter given with a value other than NULL (and, for the bit flags,
other than 0).  At least one is required: a bare ``EXEC sp_kill`` (or only ``@preview``) is refused with 201 for
its first parameter, so "everything" is never the default.

| parameter      | a session matches when ...                                                                |
|----------------|--------------------------------------------------------------------------------------------|
| @login         | its login name equals it (case-insensitive; no wildcards: a kill must not surprise)        |
| @host          | its host_name equals it (client-supplied, as in sys.dm_exec_sessions)                      |
| @program       | its program_name equals it                                                                 |
| @database      | its current database equals it                                                             |
| @idle_seconds  | it runs no request and its last one ended at least n seconds ago (login time before any)   |
| @open_tran = 1 | its open_transaction_count > 0                                                             |
| @blocking = 1  | it heads a blocking chain (admin/blocking.py: blocks others, is itself not blocked; a      |
|                | sleeping head too)                                                                         |

Never matched, whatever the filters: the caller's own session, system sessions, sessions already being killed.

``@preview = 1`` returns the matches and kills nothing.  Otherwise each match is ended with
``admin.kill.kill_session`` (the KILL path: 596 to a running victim, the connection closed, rollback, the 18100
audit line naming the caller) and the result set lists the sessions ended.  Both return one row per session
(``SP_KILL`` below), captured before any kill, and the return status is the number of rows: ended, or that would
be ended.  Permission as KILL: ALTER ANY CONNECTION (sysadmin, processadmin), else 6102.

Unlike KILL (6115), sp_kill may run inside a user transaction: the kills are not part of it and a ROLLBACK does not
undo them (drivers with autocommit off open one implicitly, semantics.md §4 row 8).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from quietus.admin.activity import Activity, Snapshot
from quietus.admin.blocking import BlockingGraph, all_sessions, blocking_graph, idle_seconds
from quietus.admin.columns import columns
from quietus.admin.exec_views import process_command, process_status
from quietus.admin.kill import kill_session
from quietus.admin.procedures import bind_arguments, emit
from quietus.engine.interrupts import InterruptReason
from quietus.errors import SqlError, sql_error
from quietus.sessions.session import Session, SessionStatus
from quietus.sql.context import ExecContext
from quietus.sql.types_base import BIT, INT, NVARCHAR, SqlType, type_of_value
from quietus.sql.types_convert import convert, msg_name

PROCEDURE = "sp_kill"
KILL_PERMISSION = "ALTER ANY CONNECTION"

# name -> declared type, in positional order
PARAMETERS: dict[str, SqlType] = {
    "login": NVARCHAR(128),
    "host": NVARCHAR(128),
    "program": NVARCHAR(128),
    "database": NVARCHAR(128),
    "idle_seconds": INT,
    "open_tran": BIT,
    "blocking": BIT,
    "preview": BIT,
}
NOT_FILTERS = frozenset({"preview"})

SP_KILL = columns("""
session_id smallint
serial int
login_name nvarchar(128)
host_name nvarchar(128)
program_name nvarchar(128)
database_name nvarchar(128)
status nvarchar(30)
open_transaction_count int
rows_to_undo bigint
blocking_count int
idle_seconds int
command nvarchar(32)
last_statement nvarchar(max)
""")


class Candidate(NamedTuple):
    """What the filters read about one session, from one snapshot."""

    session: Session
    activity: Activity | None
    idle_seconds: int | None
    is_head: bool


def _same_text(value: str, wanted: Any) -> bool:
    return value.casefold() == str(wanted).casefold()


# filter -> predicate(candidate, value); the semantics table above, as data
FILTERS: dict[str, Callable[[Candidate, Any], bool]] = {
    "login": lambda c, v: _same_text(c.session.login_name, v),
    "host": lambda c, v: _same_text(c.session.host_name, v),
    "program": lambda c, v: _same_text(c.session.program_name, v),
    "database": lambda c, v: _same_text(c.session.database, v),
    "idle_seconds": lambda c, v: c.idle_seconds is not None and c.idle_seconds >= v,
    "open_tran": lambda c, v: c.session.trancount > 0,
    "blocking": lambda c, v: c.is_head,
}
assert set(FILTERS) | NOT_FILTERS == set(PARAMETERS)


def exempt(session: Session, caller: Session) -> bool:
    """Sessions sp_kill never touches, whatever the filters say."""
    return (
        session is caller
        or not session.is_user_process
        or session.kill_reason is not None
        or session.status in (SessionStatus.KILLED, SessionStatus.ENDED)
    )


def may_kill(ctx: ExecContext) -> bool:
    """ALTER ANY CONNECTION, as KILL; an environment without a security service allows everything."""
    security: Any = ctx.env.services.get("security")
    return security is None or bool(security.has_server_permission(ctx.session.login_name, KILL_PERMISSION))


def _converted(name: str, value: Any) -> Any:
    if value is None:
        return None
    target = PARAMETERS[name]
    source = type_of_value(value)
    try:
        converted = convert(value, source, target, explicit=False)
    except SqlError:
        raise sql_error(8114, msg_name(source), msg_name(target)) from None
    return bool(converted) if target is BIT else converted


def filters_of(arguments: dict[str, Any]) -> dict[str, Any]:
    """The filters given: a value other than NULL, and other than 0 for a bit flag."""
    return {
        name: value
        for name, value in arguments.items()
        if name not in NOT_FILTERS and value is not None and value is not False
    }


def matches(ctx: ExecContext, filters: dict[str, Any]) -> tuple[Snapshot, BlockingGraph, list[Candidate]]:
    """The sessions every filter accepts, in session id order (one snapshot, no yield while it is read)."""
    snap = Snapshot(ctx)
    sessions = all_sessions(ctx)
    graph = blocking_graph(snap, sessions)
    found = []
    for session in sessions:
        if exempt(session, ctx.session):
            continue
        candidate = Candidate(
            session, snap.activity(session), idle_seconds(snap, session), graph.is_head(session.session_id)
        )
        if all(FILTERS[name](candidate, value) for name, value in filters.items()):
            found.append(candidate)
    return snap, graph, found


def result_row(snap: Snapshot, graph: BlockingGraph, candidate: Candidate) -> tuple[Any, ...]:
    s, a = candidate.session, candidate.activity
    return (
        s.session_id,
        s.serial,
        s.login_name,
        s.host_name,
        s.program_name,
        s.database,
        process_status(s, a),
        s.trancount,
        sum(len(txn.undo) for _, txn in snap.transactions(s.session_id)),
        graph.waiting_count(s.session_id),
        candidate.idle_seconds,
        process_command(a),
        s.statement_text,
    )


def call_text(arguments: dict[str, Any]) -> str:
    """The call as the audit records it: ``sp_kill @login = N'app', @open_tran = 1``."""
    shown = []
    for name, value in arguments.items():
        if value is None:
            continue
        text = "N'" + value.replace("'", "''") + "'" if isinstance(value, str) else str(int(value))
        shown.append(f"@{name} = {text}")
    return f"{PROCEDURE} {', '.join(shown)}".rstrip()


def sp_kill(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    values = bind_arguments(PROCEDURE, tuple(PARAMETERS), positional, named)
    arguments = {name: _converted(name, value) for name, value in zip(PARAMETERS, values, strict=True)}
    filters = filters_of(arguments)
    if not filters:
        raise sql_error(201, PROCEDURE, "@" + next(iter(PARAMETERS)))
    if not may_kill(ctx):
        raise sql_error(6102)
    snap, graph, found = matches(ctx, filters)
    rows = [result_row(snap, graph, candidate) for candidate in found]
    if not arguments["preview"]:
        statement = call_text(arguments)
        for candidate in found:
            kill_session(
                ctx.env, candidate.session, killer=ctx.session, reason=InterruptReason.KILLED, statement=statement
            )
    emit(ctx, SP_KILL, iter(rows))
    return len(rows)
