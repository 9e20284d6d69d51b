"""System procedures: sp_who, sp_who2, sp_lock, sp_validatelogins.

Each is a ``Procedure`` (context, positional arguments, named arguments) -> return status, registered by lower-case
name.  They read the same snapshot as the views (``quietus.admin.activity``) and return their result set as SQL
Server does: fixed-width columns blank-padded, the same column names and order.  Scoping is the views': without
VIEW SERVER STATE a login sees only its own session.

``sp_who [[@loginame =] 'login' | session_id | 'ACTIVE']``: ACTIVE leaves out sessions waiting for their next
command (sleeping, AWAITING COMMAND), as SQL Server's own sp_who does; a number (or a string of digits) picks one
session; anything else is a login name.  ``sp_who2`` takes the same argument.  ``sp_lock [[@spid1 =] id [,
[@spid2 =] id]]`` lists the locks of one or two sessions, or of every session.  ``sp_validatelogins`` lists the
Windows logins whose Windows account no longer exists; Quietus has SQL logins only, so its result set (SID, NT
Login) is always empty; as in SQL Server it needs ALTER ANY LOGIN (sysadmin, securityadmin), else 15247.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from quietus.admin.activity import Activity, Snapshot
from quietus.admin.columns import Columns, columns, padded
from quietus.admin.exec_views import AWAITING_COMMAND, last_batch, process_command, process_status
from quietus.admin.tran_views import lock_entries
from quietus.engine.locks import description
from quietus.errors import sql_error
from quietus.sessions.session import Session
from quietus.sql.context import ExecContext
from quietus.sql.environment import Procedure
from quietus.sql.results import ResultColumn, StatementDone
from quietus.sql.types_base import NVARCHAR, VARBINARY

SUCCESS = 0

SP_WHO = columns("""
spid smallint
ecid smallint
status nchar(30)
loginame nchar(128)
hostname nchar(128)
blk char(5)
dbname nchar(128)
cmd nchar(16)
request_id int
""")

SP_WHO2 = columns("""
SPID char(5)
Status varchar(30)
Login nvarchar(128)
HostName nvarchar(128)
BlkBy char(5)
DBName nvarchar(128)
Command nvarchar(16)
CPUTime int
DiskIO int
LastBatch varchar(14)
ProgramName nvarchar(128)
SPID char(5)
REQUESTID int
""")

SP_LOCK = columns("""
spid smallint
dbid smallint
ObjId int
IndId smallint
Type nchar(4)
Resource nchar(32)
Mode nvarchar(8)
Status nvarchar(5)
""")

# sp_lock.Type by sys.dm_tran_locks.resource_type.
LOCK_TYPE_ABBREVIATIONS: dict[str, str] = {
    "DATABASE": "DB",
    "OBJECT": "TAB",
    "KEY": "KEY",
    "PAGE": "PAG",
    "RID": "RID",
    "EXTENT": "EXT",
    "FILE": "FIL",
    "APPLICATION": "APP",
    "METADATA": "MD",
    "HOBT": "HBT",
    "ALLOCATION_UNIT": "AU",
}
# sp_lock.Status by request_status.
LOCK_STATUS_ABBREVIATIONS: dict[str, str] = {"GRANT": "GRANT", "WAIT": "WAIT", "CONVERT": "CNVT"}


def bind_arguments(
    procedure: str, parameters: Sequence[str], positional: list[Any], named: dict[str, Any]
) -> list[Any]:
    """Positional and ``@name =`` arguments in parameter order (8144 too many, 8145 unknown name)."""
    if len(positional) > len(parameters):
        raise sql_error(8144, procedure)
    values = list(positional) + [None] * (len(parameters) - len(positional))
    for name, value in named.items():
        bare = name.lstrip("@").casefold()
        if bare not in parameters:
            raise sql_error(8145, "@" + name.lstrip("@"), procedure)
        values[parameters.index(bare)] = value
    return values


def emit(ctx: ExecContext, spec: Columns, rows: Iterator[tuple[Any, ...]]) -> None:
    """Send one result set and its DONE (the row count unless NOCOUNT is ON)."""
    sink = ctx.sink
    sink.start_result([ResultColumn(name, type_) for name, type_ in spec])
    count = 0
    try:
        for row in rows:
            ctx.task.tick()
            sink.row(row)
            count += 1
    finally:
        sink.end_result()
    sink.done(StatementDone(None if ctx.session.options["NOCOUNT"] else count, command="SELECT"))


# -- sp_who, sp_who2 -------------------------------------------------------------------------------------------

WhoFilter = Callable[[Session, Activity | None], bool]


def who_filter(argument: Any) -> WhoFilter:
    """The session filter sp_who's one argument asks for."""
    if argument is None:
        return lambda session, activity: True
    if isinstance(argument, int) or (isinstance(argument, str) and argument.strip().isdigit()):
        spid = int(argument)
        return lambda session, activity: session.session_id == spid
    text = str(argument).strip()
    if text.casefold() == "active":
        return lambda session, activity: activity is not None
    folded = text.casefold()
    return lambda session, activity: session.login_name.casefold() == folded


def _who(ctx: ExecContext, argument: Any) -> Iterator[tuple[Session, Activity | None]]:
    snap = Snapshot(ctx)
    keep = who_filter(argument)
    for session in snap.sessions:
        activity = snap.activity(session)
        if keep(session, activity):
            yield session, activity


def sp_who(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    (argument,) = bind_arguments("sp_who", ("loginame",), positional, named)

    def rows() -> Iterator[tuple[Any, ...]]:
        for s, a in _who(ctx, argument):
            user = s.is_user_process
            yield (
                s.session_id,
                0,
                padded(process_status(s, a), 30),
                padded(s.login_name, 128),
                padded(s.host_name if user else "", 128),
                padded(str(0 if a is None else a.blocking_session_id), 5),
                padded(s.database, 128),
                padded(process_command(a), 16),
                0,
            )

    emit(ctx, SP_WHO, rows())
    return SUCCESS


def _who2_status(session: Session, activity: Activity | None) -> str:
    # sp_who2 upper-cases every status but sleeping.
    status = process_status(session, activity)
    return status if status == "sleeping" else status.upper()


def sp_who2(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    (argument,) = bind_arguments("sp_who2", ("loginame",), positional, named)

    def rows() -> Iterator[tuple[Any, ...]]:
        for s, a in _who(ctx, argument):
            user = s.is_user_process
            spid = padded(str(s.session_id), 5)
            blocker = 0 if a is None else a.blocking_session_id
            yield (
                spid,
                _who2_status(s, a),
                s.login_name,
                s.host_name if user else "  .",
                padded(str(blocker) if blocker else "  .", 5),
                s.database,
                AWAITING_COMMAND if a is None else a.command[:16],
                s.cpu_time_ms,
                0,
                last_batch(s).strftime("%m/%d %H:%M:%S"),
                s.program_name if user else "",
                spid,
                0,
            )

    emit(ctx, SP_WHO2, rows())
    return SUCCESS


# -- sp_lock ----------------------------------------------------------------------------------------------------


def sp_lock(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    spid1, spid2 = bind_arguments("sp_lock", ("spid1", "spid2"), positional, named)
    wanted = {int(spid) for spid in (spid1, spid2) if spid is not None}

    def rows() -> Iterator[tuple[Any, ...]]:
        found = [lock for lock in lock_entries(Snapshot(ctx)) if not wanted or lock.session_id in wanted]
        found.sort(key=lambda lock: lock.session_id)
        for lock in found:
            resource = lock.resource
            kind = str(resource[0])
            below_database = kind != "DATABASE"
            yield (
                lock.session_id,
                resource[1],
                resource[2] if below_database else 0,
                resource[3] if kind == "KEY" else 0,
                padded(LOCK_TYPE_ABBREVIATIONS.get(kind, kind[:4]), 4),
                padded(description(resource), 32),
                lock.mode,
                LOCK_STATUS_ABBREVIATIONS[lock.status],
            )

    emit(ctx, SP_LOCK, rows())
    return SUCCESS


# -- sp_validatelogins -------------------------------------------------------------------------------------------

SP_VALIDATELOGINS: Columns = (("SID", VARBINARY(85)), ("NT Login", NVARCHAR(128)))


def sp_validatelogins(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    bind_arguments("sp_validatelogins", (), positional, named)
    security = ctx.env.services.get("security")
    if security is not None and not security.has_server_permission(ctx.session.login_name, "ALTER ANY LOGIN"):
        raise sql_error(15247)
    emit(ctx, SP_VALIDATELOGINS, iter(()))  # no Windows logins: none can have lost its account
    return SUCCESS


PROCEDURES: dict[str, Procedure] = {
    "sp_who": sp_who,
    "sp_who2": sp_who2,
    "sp_lock": sp_lock,
    "sp_validatelogins": sp_validatelogins,
}
