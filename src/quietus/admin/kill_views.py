"""Views of kills and of what they leave behind (Quietus extensions; docs/design/kill.md).

``sys.dm_exec_kill_history``: one row per kill in the bounded history (``env.services["kills"]``), oldest first.
``outcome`` is 'pending' until the victim's session is gone, then 'rolled back' (it had a transaction), 'ended',
or 'left to session -2' (its distributed transaction outlived it, undecided, for KILL 'uow');
``rollback_duration_ms`` is the time from the kill until the session was gone (its transaction rolled back and its
locks released), NULL while pending.  Without VIEW SERVER STATE a login sees the kills it made or suffered.

``sys.dm_exec_rollback_estimates``: one row per finished classic rollback of a kill, so a DBA knows how far to
trust the estimate: the duration predicted at the kill (rows to undo over the last measured undo rate) against the
actual one, and at 25, 50 and 75 % of the rollback the seconds left that STATUSONLY and estimated_completion_time
said against the seconds it really still took (``KillResult.quarters``); errors in per cent of the truth.

``sys.dm_tran_version_cleanup``: per database, the background cleaner's backlog.  With ACCELERATED_DATABASE_RECOVERY
ON a killed transaction's locks go at once and its versions are left to the cleaner; this is where that deferred
work stays visible until it is done (SQL Server shows the like in sys.dm_tran_persistent_version_store_stats).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.kill import KillOutcome, KillRecord, kill_history
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
predicted_rollback_ms bigint
""")

DM_EXEC_ROLLBACK_ESTIMATES = columns("""
kill_id int
victim_session_id smallint
kill_time datetime
rows_undone bigint
predicted_rollback_ms bigint
actual_rollback_ms bigint
error_percent real
predicted_left_ms_25 bigint
actual_left_ms_25 bigint
error_percent_25 real
predicted_left_ms_50 bigint
actual_left_ms_50 bigint
error_percent_50 real
predicted_left_ms_75 bigint
actual_left_ms_75 bigint
error_percent_75 real
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


def visible_kills(ctx: ExecContext) -> Iterator[KillRecord]:
    """The kills the caller may see: all with VIEW SERVER STATE, else those it made or suffered."""
    everything = sees_server_state(ctx)
    caller = ctx.session.login_name.casefold()
    for r in kill_history(ctx.env):
        if everything or caller in (r.killer_login.casefold(), r.victim_login.casefold()):
            yield r


def milliseconds(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * 1000)


def error_percent(predicted: float | None, actual: float | None) -> float | None:
    """How far a prediction was off, in per cent of the truth (positive: it said longer)."""
    if predicted is None or not actual:
        return None
    return 100.0 * (predicted - actual) / actual


def kill_history_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for r in visible_kills(ctx):
        result = r.result
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
            milliseconds(result.rollback_seconds),
            result.ended_at,
            result.outcome.value,
            milliseconds(r.predicted_rollback_seconds),
        )


def rollback_estimate_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """One row per finished classic rollback of a kill: what was predicted against what it took."""
    for r in visible_kills(ctx):
        result = r.result
        if result.outcome is not KillOutcome.ROLLED_BACK or not result.rows_undone:
            continue
        actual = result.rollback_seconds
        judged: list[Any] = []
        for index in range(3):
            if index < len(result.quarters):
                predicted_left, actual_left = result.quarters[index]
                judged += [
                    milliseconds(predicted_left),
                    milliseconds(actual_left),
                    error_percent(predicted_left, actual_left),
                ]
            else:
                judged += [None, None, None]
        yield (
            r.kill_id,
            r.victim_session_id,
            r.killed_at,
            result.rows_undone,
            milliseconds(r.predicted_rollback_seconds),
            milliseconds(actual),
            error_percent(r.predicted_rollback_seconds, actual),
            *judged,
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
    VirtualTable("sys.dm_exec_rollback_estimates", DM_EXEC_ROLLBACK_ESTIMATES, rollback_estimate_rows),
    VirtualTable("sys.dm_tran_version_cleanup", DM_TRAN_VERSION_CLEANUP, version_cleanup_rows),
)
