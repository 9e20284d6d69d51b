"""What a DBA reads before a kill: a session's SQL text and input buffer.

| object                                           | columns                               | rows                     |
|--------------------------------------------------|---------------------------------------|--------------------------|
| ``sys.dm_exec_sql_text(sql_handle|plan_handle)`` | dbid, objectid, number, encrypted, text | 1 if the text is known |
| ``sys.dm_exec_plan_attributes(plan_handle)``     | attribute, value, is_cache_key        | dbid if the text is known |
| ``sys.dm_exec_input_buffer(session_id, request_id)`` | event_type, parameters, event_info | 1 if it has a buffer   |
| ``DBCC INPUTBUFFER(session_id [, request_id])``  | EventType, Parameters, EventInfo      | 1, then message 2528     |

Handles and texts come from ``sessions.sql_text`` (the bounded text cache, and each session's current batch: a
running request's text is found even after the cache let it go).  ``request_id`` is 0 for a session's one request
(``sys.dm_exec_requests.request_id``); NULL means "the session's"; another number names no request.

sys.dm_exec_plan_attributes shows the one attribute Quietus keeps with a plan handle: ``dbid``, the database the
text was compiled in (a cache key: the same text in another database has another plan handle).  SQL Server's value
column is sql_variant; Quietus has no sql_variant, and dbid is an integer, so it is ``int``.  The attributes SQL
Server keeps and Quietus does not (set_options, objectid, user_id, the cursor and execution-context counts...)
have no row.

Permissions, as SQL Server: with VIEW SERVER STATE every session; without it only the caller's own.  The functions
then give no row for another session's buffer or text; DBCC INPUTBUFFER refuses with 2571.  A session id naming
no session: no row from the function, 7940 from DBCC.  The texts shown are the masked ones (``session.masked``):
a batch that may carry a password never shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quietus.admin import trace_flags
from quietus.admin.columns import columns
from quietus.admin.procedures import emit
from quietus.admin.visibility import sees_server_state
from quietus.errors import sql_error
from quietus.sessions.session import Session
from quietus.sessions.sql_text import NO_EVENT, InputBuffer, SqlText, names, sql_texts
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.environment import TableFunction
from quietus.sql.expressions import compile_expression
from quietus.sql.planner import Planner
from quietus.sql.results import MessageEvent

DM_EXEC_SQL_TEXT = columns("""
dbid smallint
objectid int
number smallint
encrypted bit
text nvarchar(max)
""")

DM_EXEC_PLAN_ATTRIBUTES = columns("""
attribute nvarchar(128)
value int
is_cache_key bit
""")

DM_EXEC_INPUT_BUFFER = columns("""
event_type nvarchar(256)
parameters smallint
event_info nvarchar(max)
""")

DBCC_INPUTBUFFER = columns("""
EventType nvarchar(30)
Parameters smallint
EventInfo nvarchar(4000)
""")

EVENT_INFO_LIMIT = 4000  # DBCC INPUTBUFFER shows the first 4,000 characters
MAIN_REQUEST = 0  # sys.dm_exec_requests.request_id of a session's request


def _registry(ctx: ExecContext) -> Any:
    return ctx.env.services.get("registry")


def _session(ctx: ExecContext, session_id: int) -> Session | None:
    if session_id == ctx.session.session_id:
        return ctx.session
    registry = _registry(ctx)
    return None if registry is None else registry.get(session_id)


def find_text(ctx: ExecContext, handle: bytes) -> SqlText | None:
    """The text a handle names, if the caller may see it: any with VIEW SERVER STATE, else its own session's."""
    if not sees_server_state(ctx):
        running = ctx.session.sql
        return running.sql if running is not None and names(handle, running.sql) else None
    found = sql_texts(ctx.env).lookup(handle)
    if found is not None:
        return found
    for session in _registry(ctx) or [ctx.session]:  # a running batch outlives its cache entry
        running = session.sql
        if running is not None and names(handle, running.sql):
            return running.sql  # type: ignore[no-any-return]
    return None


def sql_text_rows(ctx: ExecContext, arguments: tuple[Any, ...]) -> Iterable[tuple[Any, ...]]:
    handle = arguments[0]
    if handle is None:
        return ()
    found = find_text(ctx, bytes(handle))
    if found is None:
        return ()
    database = ctx.env.database(found.database)
    return ((None if database is None else database.database_id, None, None, False, found.text),)


def plan_attribute_rows(ctx: ExecContext, arguments: tuple[Any, ...]) -> Iterable[tuple[Any, ...]]:
    handle = arguments[0]
    found = None if handle is None else find_text(ctx, bytes(handle))
    database = None if found is None else ctx.env.database(found.database)
    return () if database is None else (("dbid", database.database_id, True),)


def input_buffer(ctx: ExecContext, session_id: Any, request_id: Any) -> tuple[Session | None, InputBuffer | None]:
    """The session ``session_id`` names (None: no such session) and its input buffer (None: no such request)."""
    session = None if session_id is None else _session(ctx, int(session_id))
    if session is None:
        return None, None
    if request_id is not None and int(request_id) != MAIN_REQUEST:
        return session, None
    return session, session.input_buffer


def input_buffer_rows(ctx: ExecContext, arguments: tuple[Any, ...]) -> Iterable[tuple[Any, ...]]:
    session, buffer = input_buffer(ctx, *arguments)
    if session is None or buffer is None:
        return ()
    if session is not ctx.session and not sees_server_state(ctx):
        return ()
    return ((buffer.event_type, buffer.parameters, buffer.event_info),)


FUNCTIONS: tuple[TableFunction, ...] = (
    TableFunction("sys.dm_exec_sql_text", columns("handle varbinary(64)"), DM_EXEC_SQL_TEXT, sql_text_rows),
    TableFunction(
        "sys.dm_exec_plan_attributes",
        columns("plan_handle varbinary(64)"),
        DM_EXEC_PLAN_ATTRIBUTES,
        plan_attribute_rows,
    ),
    TableFunction(
        "sys.dm_exec_input_buffer",
        columns("session_id smallint\nrequest_id int"),
        DM_EXEC_INPUT_BUFFER,
        input_buffer_rows,
    ),
)


# -- DBCC ------------------------------------------------------------------------------------------------------

NO_INFOMSGS = "NO_INFOMSGS"


def _evaluate(ctx: ExecContext, node: Any) -> Any:
    return compile_expression(node, Planner(ctx).scope([], None)).fn((), ctx)


def dbcc_inputbuffer(ctx: ExecContext, statement: st.Dbcc) -> None:
    if not 1 <= len(statement.arguments) <= 2 or set(statement.options) - {NO_INFOMSGS}:
        raise sql_error(2526)
    values = [_evaluate(ctx, argument) for argument in statement.arguments]
    session_id = values[0]
    request_id = values[1] if len(values) > 1 else None
    if session_id is None:
        raise sql_error(2526)
    session_id = int(session_id)
    if session_id != ctx.session.session_id and not sees_server_state(ctx):
        raise sql_error(2571, ctx.session.login_name, "INPUTBUFFER")
    session, buffer = input_buffer(ctx, session_id, request_id)
    if session is None or (request_id is not None and int(request_id) != MAIN_REQUEST):
        raise sql_error(7940, session_id)
    shown = buffer or InputBuffer(NO_EVENT, 0, "")
    emit(ctx, DBCC_INPUTBUFFER, iter([(shown.event_type, shown.parameters, shown.event_info[:EVENT_INFO_LIMIT])]))
    if NO_INFOMSGS not in statement.options:
        done = sql_error(2528)
        ctx.sink.message(MessageEvent(done.number, done.severity, done.state, done.message, ctx.line))


def dbcc_tracestatus(ctx: ExecContext, statement: st.Dbcc) -> None:
    trace_flags.dbcc_tracestatus(ctx, statement, _evaluate)


DBCC_COMMANDS = {"INPUTBUFFER": dbcc_inputbuffer, "TRACESTATUS": dbcc_tracestatus}


def run_dbcc(ctx: ExecContext, statement: st.Dbcc) -> None:
    ctx.session.command = "DBCC"
    command = DBCC_COMMANDS.get(statement.command)
    if command is None:
        raise sql_error(2526)
    command(ctx, statement)


HANDLERS: dict[type, Any] = {st.Dbcc: run_dbcc}
