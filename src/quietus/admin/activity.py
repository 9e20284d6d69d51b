"""What each session is doing now, read once per view evaluation.

A view runs on the engine thread inside the requesting session's task, so nothing moves while it builds its rows:
the snapshot below is consistent without any locking.  It gathers what several views need (the visible sessions,
database ids, every active transaction by session) once, and derives each session's *request* on demand:

| a session ...                                      | request status | command                                  |
|----------------------------------------------------|----------------|------------------------------------------|
| that is a system session                           | background     | its own (LOCK MONITOR, CHECKPOINT ...)   |
| with a transaction being rolled back (classic)     | rollback       | KILLED/ROLLBACK when killed, else        |
|                                                    |                | ROLLBACK TRANSACTION                     |
| whose task is the one evaluating the view          | running        | the statement's (SELECT ...)             |
| whose task waits with a wait type (lock, WAITFOR)  | suspended      | the statement's                          |
| whose task gave up its time slice                  | runnable       | the statement's                          |
| with no task and nothing rolling back              | (no request)   | AWAITING COMMAND in sp_who               |

``blocking_session_id`` is the first owner the lock manager names as blocking the session's waiting lock request
(holders first, then requests queued ahead), and 0 when the session is not waiting for a lock: SQL Server 2022
shows 0, not NULL, for a request that is not blocked.
"""

from __future__ import annotations

import datetime
import time
from typing import NamedTuple

from quietus.admin.identity import login_sid
from quietus.admin.visibility import sees_server_state, visible_sessions
from quietus.engine.database import Database
from quietus.engine.interrupts import InterruptReason
from quietus.engine.locks import LockRequest
from quietus.engine.txn.transaction import Transaction, TxnState
from quietus.sessions.session import Session
from quietus.sql.context import ExecContext

# The command a session rolling back shows, by the reason its session is ending (sp_who.cmd, requests.command).
ROLLBACK_COMMANDS: dict[InterruptReason | None, str] = {
    InterruptReason.KILLED: "KILLED/ROLLBACK",
    InterruptReason.IDLE_TIMEOUT: "KILLED/ROLLBACK",
}
ROLLBACK_COMMAND = "ROLLBACK TRANSACTION"

# What an idle system task waits on, by its command, as SQL Server names those waits.
IDLE_WAITS: dict[str, str] = {
    "LOCK MONITOR": "REQUEST_FOR_DEADLOCK_SEARCH",
    "LOG WRITER": "LOGMGR_QUEUE",
    "CHECKPOINT": "CHECKPOINT_QUEUE",
    "GHOST CLEANUP": "SLEEP_TASK",
}


class Activity(NamedTuple):
    """A session's current request (sys.dm_exec_requests, sys.sysprocesses, sp_who)."""

    status: str
    command: str
    wait_type: str | None
    wait_time_ms: int
    wait_resource: str
    blocking_session_id: int
    percent_complete: float
    estimated_completion_ms: int
    transaction_id: int
    start_time: datetime.datetime


class LockWait(NamedTuple):
    database: Database
    request: LockRequest
    blockers: list[Transaction]


class Snapshot:
    """The live state one view evaluation reads."""

    def __init__(self, ctx: ExecContext) -> None:
        self.ctx = ctx
        self.sees_all = sees_server_state(ctx)
        self.sessions = visible_sessions(ctx)
        self.now = datetime.datetime.now()
        self.clock = time.monotonic()
        self.databases = list(ctx.env.databases.values())
        self._database_ids: dict[str, int] = {}
        for database in self.databases:
            self._database_ids[database.name] = database.database_id
            self._database_ids[database.name.casefold()] = database.database_id
        self._transactions: dict[int, list[tuple[Database, Transaction]]] | None = None
        self._sids: dict[str, bytes] = {}

    def refresh(self) -> None:
        """Read the clocks and the transactions again: for a reader that yields to other tasks between slices of
        sessions (quietus.monitor), so each slice is consistent in itself and no wait time comes out negative."""
        self.now = datetime.datetime.now()
        self.clock = time.monotonic()
        self._transactions = None

    def database_id(self, name: str) -> int | None:
        found = self._database_ids.get(name)
        return found if found is not None else self._database_ids.get(name.casefold())

    def sid(self, login: str) -> bytes:
        """The login's SID as sys.server_principals shows it (security_id joins on it), cached per evaluation."""
        found = self._sids.get(login)
        if found is None:
            found = self._sids[login] = login_sid(login, self.ctx.env.services.get("security"))
        return found

    def visible(self, session_id: int) -> bool:
        return self.sees_all or session_id == self.ctx.session.session_id

    # -- transactions ----------------------------------------------------------------------------------------

    def transactions(self, session_id: int) -> list[tuple[Database, Transaction]]:
        """The session's active transactions (its own and its running statement's), in every database."""
        by_session = self._transactions
        if by_session is None:
            by_session = self._transactions = {}
            for database in self.databases:
                for txn in database.txns.active.values():
                    by_session.setdefault(txn.session_id, []).append((database, txn))
        return by_session.get(session_id, [])

    def all_transactions(self) -> list[tuple[Database, Transaction]]:
        """Every active transaction the caller may see, in transaction id order."""
        found = [
            (database, txn)
            for database in self.databases
            for txn in database.txns.active.values()
            if self.visible(txn.session_id)
        ]
        found.sort(key=lambda pair: pair[1].xid)
        return found

    def lock_wait(self, session: Session) -> LockWait | None:
        """The lock request the session waits on, and who blocks it."""
        for database, txn in self.transactions(session.session_id):
            request = database.locks.waiting_request(txn)
            if request is not None:
                blockers = [owner for owner in database.locks.blockers(request) if isinstance(owner, Transaction)]
                return LockWait(database, request, blockers)
        return None

    # -- requests --------------------------------------------------------------------------------------------

    def activity(self, session: Session) -> Activity | None:
        """The session's current request, or None when it has none (an idle user session)."""
        task = session.task
        if not session.is_user_process:
            return self._background(session)
        txns = self.transactions(session.session_id)
        rolling = None
        for _, txn in txns:
            if txn.state is TxnState.ROLLING_BACK:
                rolling = txn
        if task is None and rolling is None:
            return None
        wait_type = None
        wait_ms = 0
        wait_resource = ""
        blocker = 0
        if task is not None and task.is_waiting and task.wait_type is not None:
            wait_type = task.wait_type
            wait_ms = int((self.clock - task.wait_started) * 1000)
            wait_resource = task.wait_resource
            if wait_type.startswith("LCK_M_"):
                wait = self.lock_wait(session)
                if wait is not None and wait.blockers:
                    blocker = wait.blockers[0].session_id
        command = session.command
        percent = 0.0
        remaining_ms = 0
        if rolling is not None:
            status = "rollback"
            command = ROLLBACK_COMMANDS.get(session.kill_reason, ROLLBACK_COMMAND)
            progress = rolling.rollback_progress
            if progress is not None:
                percent = progress.percent
                seconds_left = progress.seconds_left()
                remaining_ms = 0 if seconds_left is None else int(seconds_left * 1000)
        elif task is self.ctx.task:
            status = "running"
        elif wait_type is not None:
            status = "suspended"
        elif task is not None and task.is_waiting:
            status = "runnable"
        else:
            status = "running"
        current = session.txn or (txns[0][1] if txns else None)
        xid = 0 if current is None else current.xid
        started = session.last_request_start_time or session.login_time
        return Activity(
            status, command, wait_type, wait_ms, wait_resource, blocker, percent, remaining_ms, xid, started
        )

    def _background(self, session: Session) -> Activity:
        task = session.task
        if task is not None and task.is_waiting and task.wait_type is not None:
            wait_type: str | None = task.wait_type
            wait_ms = int((self.clock - task.wait_started) * 1000)
            wait_resource = task.wait_resource
        else:
            wait_type = IDLE_WAITS.get(session.command)
            wait_ms = 0
            wait_resource = ""
        return Activity(
            "background", session.command, wait_type, wait_ms, wait_resource, 0, 0.0, 0, 0, session.login_time
        )
