"""``DBCC TRACESTATUS``: which trace flags are on.  Quietus has no trace flags, so none is ever on.

``DBCC TRACESTATUS`` or ``DBCC TRACESTATUS(-1)`` lists the flags that are on: no rows.  ``DBCC TRACESTATUS(n [, m
...])`` lists each flag asked for, as SQL Server does, each off (Status, Global and Session 0).  Then message 2528
unless ``WITH NO_INFOMSGS``.  A flag that is not a whole number between -1 and 32767, or another option: 2526.
DBCC TRACEON / TRACEOFF stay unknown DBCC commands (2526): there is nothing to turn on.
"""

from __future__ import annotations

from typing import Any

from quietus.admin.columns import columns
from quietus.admin.procedures import emit
from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.results import MessageEvent

NO_INFOMSGS = "NO_INFOMSGS"
ALL_FLAGS = -1
MAX_FLAG = 32767

DBCC_TRACESTATUS = columns("""
TraceFlag int
Status int
Global int
Session int
""")


def dbcc_tracestatus(ctx: ExecContext, statement: st.Dbcc, evaluate: Any) -> None:
    if set(statement.options) - {NO_INFOMSGS}:
        raise sql_error(2526)
    flags = [evaluate(ctx, argument) for argument in statement.arguments]
    if any(not isinstance(flag, int) or not ALL_FLAGS <= flag <= MAX_FLAG for flag in flags):
        raise sql_error(2526)
    asked = [flag for flag in flags if flag != ALL_FLAGS]
    emit(ctx, DBCC_TRACESTATUS, iter([(flag, 0, 0, 0) for flag in asked]))
    if NO_INFOMSGS not in statement.options:
        done = sql_error(2528)
        ctx.sink.message(MessageEvent(done.number, done.severity, done.state, done.message, ctx.line))
