"""What the monitor shows, read on the engine thread from the sources the views read (admin.activity.Snapshot,
admin.blocking, admin.kill_views): never a second copy of their logic.

One ``Board`` is one moment seen by one web login: its sessions (VIEW SERVER STATE scoping as in every session
view), the blocking tree, the rollbacks in progress and the kill history.  The sessions table is read in slices of
``SLICE`` sessions with a yield to the loop between them: each slice is one consistent moment, the table as a whole
spans a few milliseconds, and no other session's request waits for more than one slice.

``server_board`` is the server's own view of every session, for /metrics (counts, not one login's view).

| part          | source                                                    | scoping                               |
|---------------|-----------------------------------------------------------|---------------------------------------|
| sessions      | Snapshot.sessions, Snapshot.activity (dm_exec_requests)   | visible sessions                      |
| blocking tree | blocking.blocking_graph over all sessions                 | invisible nodes left out (children    |
|               |                                                           | move up to the nearest visible one)   |
| rollbacks     | Activity.percent_complete / estimated_completion_ms       | visible sessions                      |
| kill history  | kill_views.kill_history_rows (sys.dm_exec_kill_history)   | the view's own rule                   |
| locks         | tran_views.lock_rows (sys.dm_tran_locks), one session's   | the view's own rule                   |
"""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from typing import Any

from quietus.admin.activity import Activity, Snapshot
from quietus.admin.blocking import BlockingGraph, all_sessions, blocking_graph, idle_seconds
from quietus.admin.exec_views import process_command, process_status
from quietus.admin.kill import KillOutcome
from quietus.admin.kill_views import DM_EXEC_KILL_HISTORY, error_percent, kill_history_rows, visible_kills
from quietus.admin.tran_views import DM_TRAN_LOCKS, lock_rows
from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import TxnState
from quietus.sessions.session import Session, SessionStatus, Surface
from quietus.sql.context import ExecContext
from quietus.sql.environment import Environment
from quietus.sql.results import CollectingSink

ORPHANED_SESSION_ID = -2  # SQL Server's id for an orphaned distributed transaction's locks
HISTORY_SHOWN = 50  # newest kills sent to the page
SLICE = 500  # sessions read between two yields to the loop (about 3 ms of work)
KILL_HISTORY_COLUMNS = tuple(name for name, _ in DM_EXEC_KILL_HISTORY)
LOCK_COLUMNS = tuple(name for name, _ in DM_TRAN_LOCKS)
LOCK_SESSION = LOCK_COLUMNS.index("request_session_id")
LOCK_FIELDS = frozenset(
    ("resource_type", "resource_database_id", "resource_description", "request_mode", "request_status")
)


def context(env: Environment, session: Session) -> ExecContext:
    """An execution context for reading views as ``session`` (no request of its own runs in it)."""
    return ExecContext(session, Task(asyncio.get_running_loop()), env, CollectingSink())


def session_row(snap: Snapshot, s: Session, a: Activity | None) -> dict[str, Any]:
    """One row of the sessions table (the columns of sp_who2 / dm_exec_requests the monitor shows)."""
    rows_to_undo = sum(len(txn.undo) for _, txn in snap.transactions(s.session_id))
    started = None if a is None else a.start_time
    return {
        "session_id": s.session_id,
        "serial": s.serial,
        "login": s.login_name,
        "host": s.host_name,
        "program": s.program_name,
        "surface": s.surface.value,
        "status": process_status(s, a),
        "command": process_command(a),
        "wait_type": None if a is None else a.wait_type,
        "wait_ms": 0 if a is None else a.wait_time_ms,
        "blocked_by": 0 if a is None else a.blocking_session_id,
        "open_transactions": s.trancount,
        "rows_to_undo": rows_to_undo,
        "cpu_ms": s.cpu_time_ms,  # the engine thread's CPU time in its requests (dm_exec_sessions.cpu_time)
        "elapsed_ms": 0 if started is None else max(0, int((snap.now - started).total_seconds() * 1000)),
        "statement": s.statement_text,  # the current batch, or the last one while idle (as the kill record)
        "killed": s.kill_reason is not None,
    }


@dataclass
class Board:
    snap: Snapshot
    sessions: list[Session]  # every session of the instance (the graph needs them all)
    graph: BlockingGraph

    @property
    def visible(self) -> list[Session]:
        return self.snap.sessions

    async def session_rows(self) -> list[dict[str, Any]]:
        """Every visible user session's row, built SLICE sessions at a time with a yield to the loop between
        slices, so 10,000 sessions never hold up other sessions' requests for more than one slice's time."""
        snap = self.snap
        sessions = [s for s in snap.sessions if s.is_user_process]
        rows: list[dict[str, Any]] = []
        for start in range(0, len(sessions), SLICE):
            if start:
                await asyncio.sleep(0)
                snap.refresh()
            rows.extend(
                session_row(snap, s, snap.activity(s))
                for s in sessions[start : start + SLICE]
                if s.status is not SessionStatus.ENDED
            )
        return rows

    def blocking_tree(self) -> list[dict[str, Any]]:
        """Chain heads first (the longest queue first), each with the sessions waiting behind it."""
        by_id = {s.session_id: s for s in self.sessions}
        graph = self.graph
        children: dict[int, list[int]] = {}
        for waiter, blockers in graph.waits_for.items():
            if not graph.is_head(waiter):
                children.setdefault(blockers[0], []).append(waiter)
        trees: list[dict[str, Any]] = []
        for head in sorted(graph.heads(), key=lambda h: (-graph.waiting_count(h), h)):
            trees.extend(self._nodes(head, by_id, children))
        return trees

    def _nodes(self, member: int, by_id: dict[int, Session], children: dict[int, list[int]]) -> list[dict[str, Any]]:
        below = [node for child in sorted(children.get(member, ())) for node in self._nodes(child, by_id, children)]
        if not self.snap.visible(member):
            return below  # what the caller may not see is left out; its visible waiters move up
        s = by_id.get(member)
        a = None if s is None else self.snap.activity(s)
        waits = [node["longest_wait_ms"] for node in below] + [node["wait_ms"] for node in below]
        return [
            {
                "session_id": member,
                "serial": None if s is None else s.serial,
                "login": None if s is None else s.login_name,
                "status": "orphaned" if s is None else process_status(s, a),
                "sleeping": s is not None and s.task is None,
                "orphaned": member == ORPHANED_SESSION_ID,
                "in_cycle": member in self.graph.cycle_members,
                "is_head": self.graph.is_head(member),
                "waiting_count": self.graph.waiting_count(member),
                "longest_wait_ms": max(waits, default=0),
                "wait_type": None if a is None else a.wait_type,
                "wait_ms": 0 if a is None else a.wait_time_ms,
                "idle_seconds": None if s is None else idle_seconds(self.snap, s),
                "statement": "" if s is None else s.statement_text,
                "waiters": below,
            }
        ]

    def rollbacks(self) -> list[dict[str, Any]]:
        """Sessions whose transaction is rolling back (found from the active transactions, not all sessions)."""
        found = []
        registry: Any = self.snap.ctx.env.services.get("registry")
        rolling = {txn.session_id for _, txn in self.snap.all_transactions() if txn.state is TxnState.ROLLING_BACK}
        for session_id in sorted(rolling):
            s = None if registry is None else registry.get(session_id)
            a = None if s is None or not s.is_user_process else self.snap.activity(s)
            if s is None or a is None or a.status != "rollback":
                continue
            total = done = 0
            for _, txn in self.snap.transactions(s.session_id):
                progress = txn.rollback_progress
                total += len(txn.undo) if progress is None else progress.total
                done += 0 if progress is None else progress.done
            found.append(
                {
                    "session_id": s.session_id,
                    "serial": s.serial,
                    "login": s.login_name,
                    "command": a.command,
                    "percent": round(a.percent_complete, 1),
                    "remaining_ms": a.estimated_completion_ms,
                    "rows_total": total,
                    "rows_done": done,
                }
            )
        return found

    def estimator(self) -> dict[str, Any]:
        """How far to trust a rollback's time left: the finished classic rollbacks of kills the caller may see
        (sys.dm_exec_rollback_estimates), and their estimates' mean error in per cent of the truth, at the kill
        and at 25/50/75 % of the rollback."""
        errors: list[float] = []
        finished = 0
        for record in visible_kills(self.snap.ctx):
            result = record.result
            if result.outcome is not KillOutcome.ROLLED_BACK or not result.rows_undone:
                continue
            finished += 1
            judged = [error_percent(record.predicted_rollback_seconds, result.rollback_seconds)]
            judged += [error_percent(predicted, actual) for predicted, actual in result.quarters]
            errors += [abs(error) for error in judged if error is not None]
        mean = round(sum(errors) / len(errors), 1) if errors else None
        return {"finished": finished, "estimates": len(errors), "mean_error_percent": mean}

    def locks(self, session_id: int) -> list[dict[str, Any]]:
        """The session's lock requests, granted and waiting, as sys.dm_tran_locks shows them (and to whom)."""
        return [
            {name: _plain(value) for name, value in zip(LOCK_COLUMNS, row, strict=True) if name in LOCK_FIELDS}
            for row in lock_rows(self.snap.ctx)
            if row[LOCK_SESSION] == session_id
        ]

    def kill_history(self, limit: int = HISTORY_SHOWN) -> list[dict[str, Any]]:
        rows = list(kill_history_rows(self.snap.ctx))[-limit:]
        return [dict(zip(KILL_HISTORY_COLUMNS, map(_plain, row), strict=True)) for row in reversed(rows)]


def _plain(value: Any) -> Any:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime.datetime) else value


def board(env: Environment, session: Session) -> Board:
    """The moment as ``session``'s login may see it."""
    snap = Snapshot(context(env, session))
    sessions = snap.sessions if snap.sees_all else all_sessions(snap.ctx)  # the graph needs every session
    return Board(snap, sessions, blocking_graph(snap, sessions))


def server_board(env: Environment) -> Board:
    """Every session, whoever asks: what /metrics counts."""
    observer = Session(0, 0, login_name="", is_user_process=False, surface=Surface.SYSTEM)
    snap = Snapshot(context(env, observer))
    sessions = all_sessions(snap.ctx)
    snap.sees_all = True
    snap.sessions = sessions
    return Board(snap, sessions, blocking_graph(snap, sessions))
