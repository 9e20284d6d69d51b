"""sp_kill: the First Responder Kit's procedure for killing by filter, built in (docs/reference/kill.md).

``EXEC sp_kill [@ExecuteKills = 'N' | 'Y'] [, @SPID = n [, @Serial = s]] [, @LoginName = ..] [, @AppName = ..]
[, @DatabaseName = ..] [, @HostName = ..] [, @LeadBlockers = 'Y'] [, @ReadOnly = 'Y'] [, @OrderBy = 'duration']
[, @SPIDState = 'S' | 'R'] [, @OmitLogin = ..] [, @HasOpenTran = 'Y'] [, @RequestsOlderThanSeconds = n]
[, @Help = 1]`` plus Quietus's own filters ``@login, @host, @program, @database, @idle_seconds, @open_tran,
@blocking`` and ``@preview``.

It lists every user session but the caller's, one row each in the Kit's output table, marks the ones the
parameters target (``KillRecommended``) with a reason, and with ``@ExecuteKills = 'Y'`` ends those through
``admin.kill.kill_session`` (the KILL path: 596 to a running victim, the connection closed, rollback, the 18100
audit line and a kill-history record naming the caller).  The default, 'N', only lists.

Selection, as in the Kit:

| call                                   | recommended                                                            |
|----------------------------------------|------------------------------------------------------------------------|
| @SPID = n                              | session n alone (other filters are not consulted); 50106 if n is not a |
|                                        | listed session, 50107 if it is rolling back (both severity 11, the rows |
|                                        | are still returned)                                                    |
| @SPID = n, @Serial = s (Quietus)       | session n only while its serial is s; otherwise 50108 and nothing      |
| no filter, @ExecuteKills = 'N'         | nothing: the sessions are only shown                                   |
| no filter, @ExecuteKills = 'Y'         | every listed session (the Kit's "kill everything")                     |
| filters                                | the sessions every filter accepts (AND)                                |

Never recommended: sessions rolling back or already being killed (reason 'Session is rolling back - not safe to
kill.'); never listed: the caller's own session and system sessions.  ``@preview = 1`` is ``@ExecuteKills = 'N'``
and ``@preview = 0`` is ``'Y'`` (the first version's dry-run switch); both given and disagreeing is 50110.

The return status is the number of sessions killed ('Y') or recommended ('N').  Permission as KILL: ALTER ANY
CONNECTION, else 6102.  Unlike KILL (6115), sp_kill may run inside a user transaction: the kills are not part of it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
from quietus.sql.results import MessageEvent
from quietus.sql.types_base import BIT, INT, NVARCHAR, VARCHAR, SqlType, type_of_value
from quietus.sql.types_convert import convert, msg_name

PROCEDURE = "sp_kill"
KILL_PERMISSION = "ALTER ANY CONNECTION"

# name (case-insensitive) -> declared type, in positional order: the Kit's parameters, then Quietus's.
PARAMETERS: dict[str, SqlType] = {
    "executekills": VARCHAR(1),
    "spid": INT,
    "loginname": NVARCHAR(256),
    "appname": NVARCHAR(256),
    "databasename": NVARCHAR(256),
    "hostname": NVARCHAR(256),
    "leadblockers": VARCHAR(1),
    "readonly": VARCHAR(1),
    "orderby": VARCHAR(20),
    "spidstate": VARCHAR(1),
    "omitlogin": NVARCHAR(256),
    "hasopentran": VARCHAR(1),
    "requestsolderthanseconds": INT,
    "help": BIT,
    "serial": INT,
    "login": NVARCHAR(128),
    "host": NVARCHAR(128),
    "program": NVARCHAR(128),
    "database": NVARCHAR(128),
    "idle_seconds": INT,
    "open_tran": BIT,
    "blocking": BIT,
    "preview": BIT,
}
# How the call text spells each parameter (the Kit's capitalisation).
SPELLING = {
    "executekills": "ExecuteKills",
    "spid": "SPID",
    "loginname": "LoginName",
    "appname": "AppName",
    "databasename": "DatabaseName",
    "hostname": "HostName",
    "leadblockers": "LeadBlockers",
    "readonly": "ReadOnly",
    "orderby": "OrderBy",
    "spidstate": "SPIDState",
    "omitlogin": "OmitLogin",
    "hasopentran": "HasOpenTran",
    "requestsolderthanseconds": "RequestsOlderThanSeconds",
    "help": "Help",
    "serial": "Serial",
}
NOT_FILTERS = frozenset({"executekills", "spid", "serial", "orderby", "help", "preview"})
YES_FLAGS = ("leadblockers", "readonly", "hasopentran")  # 'Y' or NULL

UNMEASURED_ORDERS = {"cpu": "CPU time", "reads": "reads", "tempdb": "tempdb allocations"}

# The Kit's output table, then Quietus's columns.
SP_KILL = columns("""
Id int
ServerName nvarchar(128)
CheckDate datetime
CallerLoginName nvarchar(128)
CallerHostName nvarchar(128)
ParametersUsed nvarchar(4000)
OrderByNum int
KillCommand nvarchar(100)
KillRecommended bit
KillStartedTime datetime
KillEndedTime datetime
KillError nvarchar(4000)
Reason nvarchar(4000)
session_id int
status nvarchar(30)
blocking_session_id int
wait_type nvarchar(60)
wait_time_ms bigint
wait_resource nvarchar(256)
open_transaction_count int
is_implicit_transaction bit
cpu_time_ms bigint
reads bigint
writes bigint
logical_reads bigint
memory_grant_mb decimal(38,2)
tempdb_allocations_mb decimal(38,2)
login_name nvarchar(128)
host_name nvarchar(128)
program_name nvarchar(256)
database_name nvarchar(128)
start_time datetime
last_request_start_time datetime
last_request_end_time datetime
command nvarchar(32)
sql_text nvarchar(max)
sql_handle varbinary(64)
plan_handle varbinary(64)
query_plan nvarchar(max)
live_query_plan nvarchar(max)
transaction_isolation_level nvarchar(50)
is_read_only bit
FreeProcCacheCommand nvarchar(200)
session_serial int
rows_to_undo bigint
waiting_count int
idle_seconds int
""")

ISOLATION_NAMES = {
    0: "Unspecified",
    1: "Read Uncommitted",
    2: "Read Committed",
    3: "Repeatable Read",
    4: "Serializable",
    5: "Snapshot",
}
READ_COMMANDS = frozenset({"SELECT", "FETCH", "RECEIVE"})
ROLLING_BACK = "Session is rolling back - not safe to kill."
TARGETED = "Targeted by @SPID parameter."

HELP = """sp_kill (Quietus's built-in, after the First Responder Kit's procedure of that name)

Lists the user sessions (not yours, not system ones), recommends which to kill and why, and with
@ExecuteKills = 'Y' kills the recommended ones. The full reference: docs/reference/kill.md.

  @ExecuteKills 'N' (default: only list) or 'Y' (kill what is recommended)
  @SPID n [, @Serial s]  only session n (and, with @Serial, only while its serial is s)
  @LoginName, @AppName (LIKE pattern), @DatabaseName, @HostName, @OmitLogin
  @LeadBlockers 'Y', @ReadOnly 'Y', @HasOpenTran 'Y', @SPIDState 'S' | 'R', @RequestsOlderThanSeconds n
  @OrderBy duration (default) | writes | transactions
  Quietus's own filters: @login, @host, @program, @database, @idle_seconds, @open_tran = 1, @blocking = 1
  @preview = 1 is @ExecuteKills = 'N', @preview = 0 is @ExecuteKills = 'Y'
  @Help = 1 prints this text."""


@dataclass
class Candidate:
    """One listed session, read from one snapshot, and what sp_kill decided about it."""

    session: Session
    activity: Activity | None
    status: str
    idle_seconds: int | None
    is_head: bool
    rows_to_undo: int
    blocked_by_it: list[Candidate]
    recommended: bool = False
    reason: str | None = None
    order: int | None = None
    kill_time: datetime.datetime | None = None

    @property
    def rolling_back(self) -> bool:
        return self.status == "rollback" or self.session.kill_reason is not None

    @property
    def is_read_only(self) -> bool:
        """The Kit's test, with undo records standing for writes (Quietus counts no per-session writes)."""
        command = None if self.activity is None else self.activity.command
        return self.rows_to_undo == 0 and (command is None or command in READ_COMMANDS) and self.session.trancount <= 1

    def running_seconds(self, now: datetime.datetime) -> int:
        started = self.activity.start_time if self.activity is not None else self.session.last_request_start_time
        return 0 if started is None else max(0, int((now - started).total_seconds()))


# @OrderBy -> what it sorts by (descending); the Kit's keys Quietus cannot measure are refused (50114).
ORDER_KEYS: dict[str, Callable[[Candidate, datetime.datetime], int]] = {
    "duration": lambda c, now: c.running_seconds(now),
    "writes": lambda c, now: c.rows_to_undo,
    "transactions": lambda c, now: c.session.trancount,
}


def _like(value: str, pattern: str) -> bool:
    """LIKE with % and _ (the Kit's @AppName), case-insensitive."""
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


def _same_text(value: str, wanted: Any) -> bool:
    return value.casefold() == str(wanted).casefold()


def _older_than(c: Candidate, seconds: int) -> bool:
    started = c.session.last_request_start_time or c.session.login_time
    return started <= datetime.datetime.now() - datetime.timedelta(seconds=seconds)


def _spid_state(c: Candidate, state: str) -> bool:
    # The Kit compares status = 'running'; a busy Quietus request alternates between running and runnable on the
    # one engine loop and a blocked one is suspended, so 'R' takes every session with a request.
    return c.activity is None if state == "S" else c.activity is not None


# filter -> predicate(candidate, value): the Kit's, then Quietus's own.
FILTERS: dict[str, Callable[[Candidate, Any], bool]] = {
    "loginname": lambda c, v: _same_text(c.session.login_name, v),
    "appname": lambda c, v: _like(c.session.program_name, str(v)),
    "databasename": lambda c, v: _same_text(c.session.database, v),
    "hostname": lambda c, v: _same_text(c.session.host_name, v),
    "leadblockers": lambda c, v: c.is_head,
    "readonly": lambda c, v: c.is_read_only,
    "spidstate": _spid_state,
    "omitlogin": lambda c, v: not _same_text(c.session.login_name, v),
    "hasopentran": lambda c, v: c.session.trancount > 0,
    "requestsolderthanseconds": _older_than,
    "login": lambda c, v: _same_text(c.session.login_name, v),
    "host": lambda c, v: _same_text(c.session.host_name, v),
    "program": lambda c, v: _same_text(c.session.program_name, v),
    "database": lambda c, v: _same_text(c.session.database, v),
    "idle_seconds": lambda c, v: c.idle_seconds is not None and c.idle_seconds >= v,
    "open_tran": lambda c, v: c.session.trancount > 0,
    "blocking": lambda c, v: c.is_head,
}
assert set(FILTERS) | NOT_FILTERS == set(PARAMETERS)


def listed(session: Session, caller: Session) -> bool:
    """The sessions sp_kill shows: user sessions other than the caller's that have not ended."""
    return session is not caller and session.is_user_process and session.status is not SessionStatus.ENDED


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
    if target is BIT:
        return bool(converted)
    return converted.upper() if target.name == "varchar" and name != "orderby" else converted


def filters_of(arguments: dict[str, Any]) -> dict[str, Any]:
    """The filters given: a value other than NULL, and other than 0 for a bit flag."""
    return {
        name: value
        for name, value in arguments.items()
        if name not in NOT_FILTERS and value is not None and value is not False
    }


def execute_kills(arguments: dict[str, Any]) -> bool:
    """@ExecuteKills, with @preview as its older spelling (50110 when they disagree)."""
    execute, preview = arguments["executekills"], arguments["preview"]
    if execute is not None and execute not in ("Y", "N"):
        raise sql_error(50101)
    if preview is not None and execute is not None and preview == (execute == "Y"):
        raise sql_error(50110, int(preview), execute)
    if preview is not None:
        return not preview
    return bool(execute == "Y")


def check(arguments: dict[str, Any]) -> str:
    """The Kit's parameter checks; returns the order key's name."""
    for name in YES_FLAGS:
        if arguments[name] is not None and arguments[name] != "Y":
            raise sql_error(50102, SPELLING[name])
    if arguments["spidstate"] is not None and arguments["spidstate"] not in ("S", "R"):
        raise sql_error(50103)
    if arguments["requestsolderthanseconds"] is not None and arguments["requestsolderthanseconds"] < 0:
        raise sql_error(50104)
    order = (arguments["orderby"] or "duration").strip().lower()
    if order in UNMEASURED_ORDERS:
        raise sql_error(50114, order, UNMEASURED_ORDERS[order])
    if order not in ORDER_KEYS:
        raise sql_error(50105)
    if arguments["serial"] is not None and arguments["spid"] is None:
        raise sql_error(50109)
    return order


def candidates(ctx: ExecContext, snap: Snapshot, graph: BlockingGraph) -> list[Candidate]:
    """Every listed session, in session id order (one snapshot, no yield while it is read)."""
    found: dict[int, Candidate] = {}
    for session in all_sessions(ctx):
        if not listed(session, ctx.session):
            continue
        activity = snap.activity(session)
        found[session.session_id] = Candidate(
            session,
            activity,
            process_status(session, activity),
            idle_seconds(snap, session),
            graph.is_head(session.session_id),
            sum(len(txn.undo) for _, txn in snap.transactions(session.session_id)),
            [],
        )
    for candidate in found.values():
        blocker = 0 if candidate.activity is None else candidate.activity.blocking_session_id
        if blocker in found:
            found[blocker].blocked_by_it.append(candidate)
    return list(found.values())


def _stale(ctx: ExecContext, spid: int, serial: int) -> SqlError:
    registry: Any = ctx.env.services.get("registry")
    holder: Session | None = None if registry is None else registry.get(spid)
    now = f"no session has ID {spid} now" if holder is None else f"session ID {spid} now has serial {holder.serial}"
    return sql_error(50108, spid, serial, now)


def target_spid(ctx: ExecContext, found: list[Candidate], spid: int, serial: int | None) -> None:
    """@SPID (and @Serial): recommend that one session, or say why not."""
    chosen = next((c for c in found if c.session.session_id == spid), None)
    if serial is not None and (chosen is None or chosen.session.serial != serial):
        raise _stale(ctx, spid, serial)
    if chosen is None:
        _warn(ctx, sql_error(50106, spid))
    elif chosen.rolling_back:
        _warn(ctx, sql_error(50107, spid))
    else:
        chosen.recommended, chosen.reason = True, TARGETED


def _warn(ctx: ExecContext, error: SqlError) -> None:
    """A message that does not end the call (the Kit's RAISERROR ... WITH NOWAIT, then carrying on)."""
    ctx.sink.message(MessageEvent(error.number, error.severity, error.state, error.message, ctx.line, PROCEDURE))


def reason(c: Candidate, now: datetime.datetime) -> str:
    """Why a recommended session is a target, in the Kit's words."""
    not_blocked = c.activity is None or not c.activity.blocking_session_id
    if c.blocked_by_it and not_blocked and c.reason in (None, TARGETED):
        longest = max((b.activity.wait_time_ms if b.activity else 0) for b in c.blocked_by_it)
        return f"Lead blocker: blocking {len(c.blocked_by_it)} session(s) for {longest // 1000} seconds."
    if c.reason is not None:
        return c.reason
    if c.activity is None and c.session.trancount > 0:
        return (
            f"Sleeping session with {c.session.trancount} open transaction(s), idle for {c.idle_seconds or 0} seconds."
        )
    if c.activity is not None and c.is_read_only:
        return f"Long-running read-only query: running for {c.running_seconds(now)} seconds."
    if c.activity is not None:
        return f"Long-running query: running for {c.running_seconds(now)} seconds, writes: {c.rows_to_undo}."
    return "Matched filter criteria."


def call_text(arguments: dict[str, Any]) -> str:
    """The call as the audit records it: ``sp_kill @ExecuteKills = 'Y', @LoginName = N'app'``."""
    shown = []
    for name, value in arguments.items():
        if value is None:
            continue
        spelled = SPELLING.get(name, name)
        if isinstance(value, str):
            prefix = "" if PARAMETERS[name].name == "varchar" else "N"
            text = prefix + "'" + value.replace("'", "''") + "'"
        else:
            text = str(int(value))
        shown.append(f"@{spelled} = {text}")
    return f"{PROCEDURE} {', '.join(shown)}".rstrip()


def result_row(
    ctx: ExecContext, snap: Snapshot, number: int, c: Candidate, graph: BlockingGraph, call: str
) -> tuple[Any, ...]:
    s, a = c.session, c.activity
    spid = s.session_id
    return (
        number,
        ctx.env.server_name,
        snap.now,
        ctx.session.login_name,
        ctx.session.host_name,
        "EXEC " + call,
        c.order,
        f"KILL {spid};" if c.recommended else None,
        c.recommended,
        c.kill_time,
        c.kill_time,
        None,
        c.reason,
        spid,
        c.status,
        None if a is None else a.blocking_session_id,
        None if a is None else a.wait_type,
        None if a is None else a.wait_time_ms,
        None if a is None else a.wait_resource,
        s.trancount,
        bool(s.options.get("IMPLICIT_TRANSACTIONS")) and s.trancount > 0,
        0,
        0,
        c.rows_to_undo,
        0,
        None,
        None,
        s.login_name,
        s.host_name,
        s.program_name,
        s.database,
        None if a is None else a.start_time,
        s.last_request_start_time,
        s.last_request_end_time,
        None if a is None else process_command(a),
        s.statement_text or None,
        None,
        None,
        None,
        None,
        ISOLATION_NAMES.get(int(s.isolation), "Unknown"),
        c.is_read_only,
        None,
        s.serial,
        c.rows_to_undo,
        graph.waiting_count(spid),
        c.idle_seconds,
    )


def sp_kill(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    values = bind_arguments(PROCEDURE, tuple(PARAMETERS), positional, named)
    arguments = {name: _converted(name, value) for name, value in zip(PARAMETERS, values, strict=True)}
    if arguments["help"]:
        _warn(ctx, sql_error(0, HELP))
        return 0
    execute = execute_kills(arguments)
    order = check(arguments)
    if not may_kill(ctx):
        raise sql_error(6102)
    snap = Snapshot(ctx)
    graph = blocking_graph(snap, all_sessions(ctx))
    found = candidates(ctx, snap, graph)
    filters = filters_of(arguments)
    if arguments["spid"] is not None:
        target_spid(ctx, found, arguments["spid"], arguments["serial"])
    elif filters or execute:  # no filter: 'N' only shows, 'Y' targets everything (the Kit's rule)
        for c in found:
            c.recommended = not c.rolling_back and all(FILTERS[n](c, v) for n, v in filters.items())
    now = snap.now
    for c in found:
        if c.rolling_back:
            c.recommended, c.reason = False, ROLLING_BACK
        elif c.recommended:
            c.reason = reason(c, now)
    targets = sorted(
        (c for c in found if c.recommended), key=lambda c: (-ORDER_KEYS[order](c, now), c.session.session_id)
    )
    for number, c in enumerate(targets, start=1):
        c.order = number
    rolling = sum(1 for c in found if c.rolling_back)
    if rolling:
        _warn(ctx, sql_error(50111, rolling))
    call = call_text(arguments)
    if execute:
        if not targets:
            _warn(ctx, sql_error(50112))
        for c in targets:
            c.kill_time = datetime.datetime.now()
            kill_session(ctx.env, c.session, killer=ctx.session, reason=InterruptReason.KILLED, statement=call)
        _warn(ctx, sql_error(50113, len(targets)))
    shown = sorted(found, key=lambda c: (not c.recommended, c.order or 0, c.session.session_id))
    rows = [result_row(ctx, snap, number, c, graph, call) for number, c in enumerate(shown, start=1)]
    emit(ctx, SP_KILL, iter(rows))
    return len(targets)
