"""Views of kills and of what they leave behind (Quietus extensions; docs/design/kill.md).

``sys.dm_exec_kill_history``: one row per kill in the bounded history (``env.services["kills"]``), oldest first.
``outcome`` is 'pending' until the victim's session is gone, then 'rolled back' (it had a transaction) or 'ended';
``rollback_duration_ms`` is the time from the kill until the session was gone (its transaction rolled back and its
locks released), NULL while pending.  Without VIEW SERVER STATE a login sees the kills it made or suffered.

``sys.dm_tran_version_cleanup``: per database, the background cleaner's backlog.  With ACCELERATED_DATABASE_RECOVERY
ON a killed transaction's locks go at once and its versions are left to the cleaner; this is where that deferred
work stays visible until it is done (SQL Server shows the like in sys.dm_tran_persistent_version_store_stats).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.kill import kill_history
from quietus.admin.visibility import sees_server_state
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

DM_EXEC_KILL_HISTORY = columns("""
kill_id int
victim_session_id smallint
victim_serial int
victim_login_name nvarchar(128)
victim_host_name nvarchar(128)
victim_program_name nvarchar(128)
victim_state nvarchar(60)
killer_login_name nvarchar(128)
killer_host_name nvarchar(128)
killer_host_process_id int
killer_session_id smallint
reason nvarchar(30)
command nvarchar(max)
kill_time datetime
statement_text nvarchar(max)
rows_to_undo bigint
rows_undone bigint
rollback_duration_ms bigint
end_time datetime
outcome nvarchar(30)
""")

DM_TRAN_VERSION_CLEANUP = columns("""
database_id int
database_name nvarchar(128)
accelerated_database_recovery bit
aborted_transactions_pending bigint
aborted_versions_pending bigint
aborted_versions_removed bigint
superseded_versions_pending bigint
superseded_versions_removed bigint
""")


def kill_history_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    everything = sees_server_state(ctx)
    caller = ctx.session.login_name.casefold()
    for r in kill_history(ctx.env):
        if not everything and caller not in (r.killer_login.casefold(), r.victim_login.casefold()):
            continue
        result = r.result
        seconds = result.rollback_seconds
        yield (
            r.kill_id,
            r.victim_session_id,
            r.victim_serial,
            r.victim_login,
            r.victim_host,
            r.victim_program,
            r.victim_state,
            r.killer_login or None,
            r.killer_host,
            r.killer_host_process_id,
            r.killer_session_id,
            r.reason.value,
            r.command,
            r.killed_at,
            r.statement,
            r.rows_to_undo,
            result.rows_undone,
            None if seconds is None else int(seconds * 1000),
            result.ended_at,
            result.outcome.value,
        )


def version_cleanup_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for database in ctx.env.databases.values():
        stats = database.cleaner
        yield (
            database.database_id,
            database.name,
            database.options.accelerated_recovery,
            stats.aborted_transactions_pending,
            stats.aborted_versions_pending,
            stats.aborted_versions_removed,
            stats.superseded_pending,
            stats.superseded_removed,
        )


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_exec_kill_history", DM_EXEC_KILL_HISTORY, kill_history_rows),
    VirtualTable("sys.dm_tran_version_cleanup", DM_TRAN_VERSION_CLEANUP, version_cleanup_rows),
)
