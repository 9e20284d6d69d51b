"""Ending a session: the one primitive behind KILL, sp_kill and the idle timeouts (docs/design/kill.md).

``kill_session(env, victim, killer=..., reason=...)`` applies a kill to a user session the caller has already
checked (refusals are the statement's business) and returns at once with a ``KillRecord``.  What happens next
depends on what the victim is doing when the kill lands:

| victim             | what the kill does                       | its client sees             | locks freed when   |
|--------------------|------------------------------------------|-----------------------------|--------------------|
| running a request  | sets its interrupt (waking a lock wait,  | Msg 596, then the           | its own task has   |
| (scan, lock wait,  | WAITFOR, ASYNC_NETWORK_IO); it unwinds   | connection closes           | rolled back (or at |
| WAITFOR, network)  | at its next safe point                   |                             | once: ADR)         |
| idle               | status KILLED; connection closed without | nothing; its next call      | the closing task   |
| (TDS, T-SQL)       | a message; Instance.close_session rolls  | fails with a connection     | has rolled back    |
|                    | back in a task of its own                | error                       |                    |
| idle (Oracle Net,  | status KILLED; rolled back in a task of  | ORA-00028 on its next call, | that task has      |
| Oracle dialect)    | its own; session and connection kept     | which then ends the session | rolled back        |
| already killed     | nothing new: the earlier record returns  |                             |                    |
| gone (id reused)   | nothing: the record says 'already ended' |                             |                    |

Invariants
----------
1. A kill is addressed by (session_id, serial): it is applied only if the registry still maps the id to that very
   session object, so a kill never reaches a newer session that was given the same id.
2. The killer never touches the victim's transaction: it sets the reason (first reason wins) and closes the
   victim's connection; the victim's own task, or the session's closing task, rolls back and releases.
3. ``kill_session`` never waits: not for the victim to reach a safe point, not for its rollback.
4. Every applied kill is in the bounded history and writes one 18100 line to the error log; its outcome and
   rollback duration are filled in when the victim's session is closed (``Instance.close_session`` runs the
   session's ``on_close`` hooks).  The history's listeners hear of both moments (``admin.kill_store`` keeps the
   records in master, so they survive a restart).
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import itertools
import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from quietus.engine.interrupts import InterruptReason
from quietus.engine.txn.transaction import Transaction
from quietus.errors import sql_error
from quietus.sessions.requests import end_session
from quietus.sessions.session import Dialect, Session, SessionStatus, Surface
from quietus.sql.environment import Environment

HISTORY_LIMIT = 1000  # kill records kept (sys.dm_exec_kill_history); the oldest go first
# Undo records per second assumed for an estimate before any rollback was measured on this instance
# (bench/bench_rollback.py: ~520,000 rows/s classic undo).
NOMINAL_UNDO_RATE = 500_000.0
# Messages 6109 and 6119 print whole seconds (SQL Server's text); below this many seconds left no whole number is
# within 20 % of every true value it stands for, so that is where their seconds are judged from (the view's
# estimated_completion_time, in ms, is judged at every mark).
WHOLE_SECONDS_JUDGED_FROM = 2.5
ON_CLOSE = "on_close"  # session.attachments key: callables run by Instance.close_session once the session is gone


class KillOutcome(enum.Enum):
    PENDING = "pending"  # the victim has not ended yet (reaching its safe point, rolling back, flushing)
    ROLLED_BACK = "rolled back"  # it had a transaction; that was rolled back and the session ended
    ENDED = "ended"  # it had nothing to roll back; the session ended
    LEFT_TO_SESSION_MINUS_2 = "left to session -2"  # its distributed transaction outlived it, undecided (KILL 'uow')
    ALREADY_ENDED = "already ended"  # the victim was gone (or its id reused) when the kill was applied
    COMMITTED = "committed"  # KILL 'uow' WITH COMMIT: the in-doubt transaction was committed (kill_uow.py)
    ENDED_BY_RESTART = "ended by restart"  # the server stopped before the victim's end was recorded (kill_store)


@dataclass
class KillResult:
    """The part of a kill record filled in later, when the victim's session is closed."""

    outcome: KillOutcome = KillOutcome.PENDING
    ended_at: datetime.datetime | None = None
    rollback_seconds: float | None = None  # from the kill until the victim's session was closed
    rows_undone: int = 0
    # The estimate judged at 25, 50 and 75 % of a classic rollback: (predicted, actual) seconds left there, the
    # prediction being what STATUSONLY and estimated_completion_time said (records left / rate so far).
    quarters: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class KillRecord:
    """Who killed whom, when, what the victim was doing and what it had to undo (sys.dm_exec_kill_history)."""

    kill_id: int
    victim_session_id: int
    victim_serial: int
    victim_login: str
    victim_host: str
    victim_program: str
    victim_state: str  # what it was doing: 'idle', 'idle in transaction', 'running', 'waiting LCK_M_X' ...
    killer_login: str  # '' when the server itself ended the session (a timeout)
    killer_host: str
    killer_host_process_id: int
    killer_session_id: int | None
    killer_serial: int | None
    reason: InterruptReason
    command: str  # the killer's statement ('KILL 53', 'sp_kill ...') or the policy ('idle_session_timeout')
    killed_at: datetime.datetime
    statement: str  # the victim's current (or, when idle, last) batch, as the views show it
    rows_to_undo: int
    predicted_rollback_seconds: float | None = None  # at the kill: rows to undo / the last measured undo rate
    started: float = field(default=0.0, repr=False, compare=False)  # time.monotonic() at the kill
    result: KillResult = field(default_factory=KillResult, compare=False)

    @property
    def outcome(self) -> KillOutcome:
        return self.result.outcome

    @property
    def rollback_seconds(self) -> float | None:
        return self.result.rollback_seconds

    @property
    def finished(self) -> bool:
        return self.result.outcome is not KillOutcome.PENDING


class KillHistory:
    """The last ``limit`` kills, newest last, and the undo rate last measured (STATUSONLY's fallback)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = HISTORY_LIMIT if limit is None else limit
        self._records: deque[KillRecord] = deque(maxlen=self.limit)
        self._ids = itertools.count(1)
        self.undo_rate: float | None = None  # undo records per second of the last measured classic rollback
        self._closing: set[asyncio.Task[None]] = set()  # tasks closing idle embedded victims (kept referenced)
        self.listeners: list[Callable[[KillRecord], None]] = []  # told of every record added or finished

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, record: KillRecord) -> None:
        self._records.append(record)
        self.changed(record)

    def changed(self, record: KillRecord) -> None:
        for listener in self.listeners:
            listener(record)

    def restore(self, records: list[KillRecord]) -> None:
        """Records kept from before a restart (oldest first); new kill ids continue after theirs."""
        self._records.extend(records)
        if records:
            self._ids = itertools.count(max(record.kill_id for record in records) + 1)

    def __iter__(self) -> Iterator[KillRecord]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def latest_for(self, session_id: int, serial: int | None = None) -> KillRecord | None:
        """The newest kill of ``session_id`` (of that serial, if given)."""
        for record in reversed(self._records):
            if record.victim_session_id == session_id and (serial is None or record.victim_serial == serial):
                return record
        return None


def kill_history(env: Environment) -> KillHistory:
    """The environment's kill history (created on first use)."""
    history = env.services.get("kills")
    if history is None:
        history = env.services["kills"] = KillHistory()
    assert isinstance(history, KillHistory)
    return history


def victim_transactions(env: Environment, session_id: int) -> list[Transaction]:
    """Every active transaction of the session (its explicit one and a running statement's), in every database."""
    return [
        txn
        for database in env.databases.values()
        for txn in database.txns.active.values()
        if txn.session_id == session_id
    ]


def whole_seconds_left(seconds: float) -> int:
    """The seconds 6109 and 6119 print: the nearest whole second (halves up), but at least 1 while anything is left
    (``seconds`` > 0), so 0 only when nothing is.  Rounding up, as first built, said "1 second" of 0.2 s (+400 %);
    truncating would say 0 of 0.9 s.  Nearest is off by at most 0.5 s: within 20 % from 2.5 s left."""
    if seconds <= 0:
        return 0
    return max(1, math.floor(seconds + 0.5))


def victim_state(session: Session) -> str:
    task = session.task
    if task is None:
        return "idle in transaction" if session.trancount > 0 else "idle"
    if task.is_waiting and task.wait_type is not None:
        return f"waiting {task.wait_type}"
    return "running"


def kill_session(
    env: Environment,
    victim: Session,
    *,
    killer: Session | None,
    reason: InterruptReason = InterruptReason.KILLED,
    statement: str = "",
) -> KillRecord:
    """End ``victim`` (a user session; the caller has checked the refusals) and return at once.

    ``killer`` is the session that asked (None: the server itself, e.g. an idle timeout); ``statement`` is what
    it ran ('KILL 53') or the policy's name, kept in the record.  See the module docstring for what follows."""
    history = kill_history(env)
    if not _is_current(env, victim):
        return _record(env, history, victim, killer, reason, statement, [], KillOutcome.ALREADY_ENDED)
    earlier = history.latest_for(victim.session_id, victim.serial)
    if earlier is not None and victim.kill_reason is not None:
        return earlier  # killed already: first reason wins, one record, one audit line
    txns = victim_transactions(env, victim.session_id)
    record = _record(env, history, victim, killer, reason, statement, txns, KillOutcome.PENDING)
    history.add(record)
    victim.attachments.setdefault(ON_CLOSE, []).append(lambda _session: _victim_closed(history, record, txns))
    idle = victim.task is None
    victim.interrupt(reason)
    if idle:
        _end_idle(env, history, victim)
    _audit(env, record)
    return record


def _is_current(env: Environment, victim: Session) -> bool:
    """Invariant 1: the id still names this very session (same serial), and it has not ended."""
    registry: Any = env.services.get("registry")
    if registry is not None and registry.get(victim.session_id) is not victim:
        return False
    return victim.status is not SessionStatus.ENDED


def _record(
    env: Environment,
    history: KillHistory,
    victim: Session,
    killer: Session | None,
    reason: InterruptReason,
    command: str,
    txns: list[Transaction],
    outcome: KillOutcome,
) -> KillRecord:
    if killer is not None:
        killer_login, killer_host = killer.login_name, killer.host_name
        killer_pid = killer.host_process_id or 0
        killer_id: int | None = killer.session_id
        killer_serial: int | None = killer.serial
    else:
        killer_login, killer_host, killer_pid, killer_id, killer_serial = "", env.server_name, os.getpid(), None, None
    return KillRecord(
        kill_id=history.next_id() if outcome is KillOutcome.PENDING else 0,
        victim_session_id=victim.session_id,
        victim_serial=victim.serial,
        victim_login=victim.login_name,
        victim_host=victim.host_name,
        victim_program=victim.program_name,
        victim_state=victim_state(victim),
        killer_login=killer_login,
        killer_host=killer_host,
        killer_host_process_id=killer_pid,
        killer_session_id=killer_id,
        killer_serial=killer_serial,
        reason=reason,
        command=command,
        killed_at=datetime.datetime.now(),
        statement=victim.statement_text,
        rows_to_undo=(rows := sum(len(txn.undo) for txn in txns)),
        predicted_rollback_seconds=rows / (history.undo_rate or NOMINAL_UNDO_RATE) if rows else None,
        started=time.monotonic(),
        result=KillResult(outcome=outcome),
    )


def _end_idle(env: Environment, history: KillHistory, victim: Session) -> None:
    """An idle victim is ended from the killer's side: no request of its own will ever run again."""
    victim.status = SessionStatus.KILLED  # sessions.requests.run_batch runs nothing more for it
    if idle_kill_policy(victim) is IdleKill.MARK:
        _mark_idle(env, history, victim)
        return
    close_connection = victim.attachments.get("close_connection")
    if close_connection is not None:
        # The connection's own close path (server/connection.py) closes the socket without a message, then rolls
        # back and frees the id through Instance.close_session.
        close_connection()
        return
    closing = asyncio.get_running_loop().create_task(_close_embedded(env, victim))
    history._closing.add(closing)
    closing.add_done_callback(history._closing.discard)


class IdleKill(enum.Enum):
    """What a kill does to a victim that is not in a call, by what its client can understand."""

    CLOSE = "close"  # SQL Server: the connection is closed without a word; the closing task rolls back
    MARK = "mark"  # Oracle: rolled back now (locks freed), the session kept as KILLED until its next call,
    # which gets ORA-00028 and then ends it (its row in v$session shows KILLED / PSEUDO meanwhile)


# The policy by the victim's surface and dialect (docs/design/oracle-kill.md).  Only the client decides: a TDS client
# has no way to be told later, an Oracle client expects ORA-00028 on its next call, whoever killed it.
IDLE_KILL: dict[tuple[Surface, Dialect], IdleKill] = {
    (Surface.TDS, Dialect.TSQL): IdleKill.CLOSE,
    (Surface.TDS, Dialect.ORACLE): IdleKill.CLOSE,
    (Surface.EMBEDDED, Dialect.TSQL): IdleKill.CLOSE,
    (Surface.EMBEDDED, Dialect.ORACLE): IdleKill.MARK,
    (Surface.ORACLE_NET, Dialect.ORACLE): IdleKill.MARK,
    (Surface.ORACLE_NET, Dialect.TSQL): IdleKill.MARK,
}
KILL_CLEANUP = "kill_cleanup"  # session.attachments key: the rollback of a MARKed idle victim (an asyncio task)


def idle_kill_policy(session: Session) -> IdleKill:
    return IDLE_KILL.get((session.surface, session.dialect), IdleKill.CLOSE)


def _mark_idle(env: Environment, history: KillHistory, victim: Session) -> None:
    """Roll the victim's transaction back now, in a task of its own; keep the session (and its connection)."""
    cleanup = asyncio.get_running_loop().create_task(end_session(victim, env))
    victim.attachments[KILL_CLEANUP] = cleanup
    history._closing.add(cleanup)
    cleanup.add_done_callback(history._closing.discard)


async def _close_embedded(env: Environment, victim: Session) -> None:
    instance: Any = env.services.get("instance")
    if instance is not None:
        await instance.close_session(victim)
        return
    # An environment without an instance (unit tests of the SQL layer): roll back and run the hooks here.
    await end_session(victim, env)
    run_close_hooks(victim)


def run_close_hooks(session: Session) -> None:
    """Run (once) what was attached to run when ``session`` is gone."""
    for hook in session.attachments.pop(ON_CLOSE, ()):
        hook(session)


def _victim_closed(history: KillHistory, record: KillRecord, txns: list[Transaction]) -> None:
    result = record.result
    if result.outcome is not KillOutcome.PENDING:
        return
    result.ended_at = datetime.datetime.now()
    result.rollback_seconds = time.monotonic() - record.started
    undone = 0
    for txn in txns:
        progress = txn.rollback_progress
        if progress is None:
            continue
        undone += progress.done
        elapsed = (progress.finished or time.monotonic()) - progress.started
        if progress.done >= 256 and elapsed > 0:  # at least one undo batch: a rate worth keeping
            history.undo_rate = progress.done / elapsed
            result.quarters = quarter_estimates(progress.started, progress.finished, progress.quarters)
    result.rows_undone = undone
    if any(txn.is_orphaned for txn in txns):  # sessions/distributed.py handed it to -2: nothing was rolled back
        result.outcome = KillOutcome.LEFT_TO_SESSION_MINUS_2
    else:
        result.outcome = KillOutcome.ROLLED_BACK if txns else KillOutcome.ENDED
    history.changed(record)


def quarter_estimates(
    started: float, finished: float | None, quarters: list[tuple[int, float, float | None]]
) -> tuple[tuple[float, float], ...]:
    """(predicted, actual) seconds left at each quarter mark of a finished rollback: the estimator judged."""
    if finished is None:
        return ()
    return tuple((predicted, finished - at) for _done, at, predicted in quarters if predicted is not None)


def audit_text(record: KillRecord) -> str:
    """Message 18100 as SQL Server writes it, extended with the killer's login and session (or the policy)."""
    victim, host, pid = record.victim_session_id, record.killer_host, record.killer_host_process_id
    base = sql_error(18100, victim, host, pid).message.rstrip(".")
    if record.killer_session_id is None:
        return f"{base} (server: {record.command or record.reason.value})."
    return f"{base} (login '{record.killer_login}', session {record.killer_session_id})."


def _audit(env: Environment, record: KillRecord) -> None:
    errorlog: Any = env.services.get("errorlog")
    if errorlog is None:
        return
    source = "Server" if record.killer_session_id is None else f"spid{record.killer_session_id}"
    errorlog.write(source, audit_text(record))
