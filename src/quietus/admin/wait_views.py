"""What sessions waited on: sys.dm_os_wait_stats (the server's, since start) and sys.dm_exec_session_wait_stats (each
session's, since it logged in or was reset); the counting is engine/wait_stats.py's.

A login without VIEW SERVER STATE sees its own session's waits only (admin/visibility.py), as in SQL Server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.visibility import visible_sessions
from quietus.engine.wait_stats import SERVER_WAITS
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

WAIT_STATS = columns("""
wait_type nvarchar(60)
waiting_tasks_count bigint
wait_time_ms bigint
max_wait_time_ms bigint
signal_wait_time_ms bigint
""")

DM_EXEC_SESSION_WAIT_STATS = columns("session_id smallint") + WAIT_STATS


def server_wait_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    return SERVER_WAITS.rows()


def session_wait_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for session in visible_sessions(ctx):
        if session.waits is not None:
            for row in session.waits.rows():
                yield (session.session_id, *row)


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_os_wait_stats", WAIT_STATS, server_wait_rows),
    VirtualTable("sys.dm_exec_session_wait_stats", DM_EXEC_SESSION_WAIT_STATS, session_wait_rows),
)
