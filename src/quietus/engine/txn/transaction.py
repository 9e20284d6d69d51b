"""A transaction: its identity, isolation, undo log, savepoints and rollback progress.

State diagram (the function that makes each transition in parentheses)::

    ACTIVE --(TransactionManager.commit: record appended)--> COMMITTING --(record durable)--> COMMITTED
    ACTIVE --(TransactionManager.rollback, classic)--> ROLLING_BACK --(undo log empty)--> ROLLED_BACK
    ACTIVE --(TransactionManager.rollback, accelerated)--> ROLLED_BACK   (versions left to the cleaner)
    ACTIVE --(doom: an error under XACT_ABORT, a kill)--> ACTIVE with doomed=True (only rollback is allowed)
    ACTIVE --(Database.prepare: PREPARE record durable; distributed only)--> PREPARED
    PREPARED --(TransactionManager.commit: COMMIT decision durable)--> COMMITTED
    PREPARED --(TransactionManager.rollback: ABORT decision durable)--> ROLLING_BACK / ROLLED_BACK as above

A distributed transaction has a unit of work (``uow``, a GUID).  Its ``session_id`` is its client session's while
one owns it and ``IN_DOUBT_SESSION_ID`` (-2) once the client is gone or the server restarted
(docs/design/distributed-transactions.md).

Invariants
----------
1. Every change the transaction made to a table has an undo record, in order; the undo log is both the rollback
   plan and (at commit) the source of the redo record written to the log.
2. A savepoint is a position in the undo log; rolling back to it undoes the records after it and keeps the locks.
3. ``undo_done <= undo_total`` during a rollback; progress figures come only from these counters and the measured
   pace, never from guesses.
"""

from __future__ import annotations

import enum
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from quietus.engine.storage.table import Table
from quietus.engine.storage.version import Version


class Isolation(enum.IntEnum):
    """Values as the TDS ISOLATION_LEVEL byte and sys.dm_exec_sessions.transaction_isolation_level."""

    READ_UNCOMMITTED = 1
    READ_COMMITTED = 2
    REPEATABLE_READ = 3
    SERIALIZABLE = 4
    SNAPSHOT = 5


IN_DOUBT_SESSION_ID = -2  # the session every orphaned or in-doubt distributed transaction belongs to


class TxnState(enum.Enum):
    ACTIVE = "active"
    PREPARED = "prepared"  # phase one of two-phase commit is durable: only a decision may end it
    COMMITTING = "committing"
    COMMITTED = "committed"
    ROLLING_BACK = "rolling back"
    ROLLED_BACK = "rolled back"


class UndoKind(enum.Enum):
    ROW = "row"  # a version pushed onto a row chain
    CREATE_TABLE = "create table"
    DROP_TABLE = "drop table"
    REDEFINE_TABLE = "redefine table"
    SET_OPTION = "set option"  # a database option; row_key holds its name, before its old value


@dataclass(slots=True)
class UndoRecord:
    kind: UndoKind
    table: Table
    row_key: Any = None
    version: Version | None = None
    before: Any = None  # the previous definition for REDEFINE_TABLE


# The pace of a rollback: undo records per second of wall time, an exponentially weighted average with this time
# constant (each interval between two undo batches weighs exp(-age / PACE_TIME_CONSTANT_SECONDS)); the weights never
# reach zero, so early on it is the average since the start.  Chosen against recorded rollbacks under load
# (docs/design/kill-bench.md "Issue 9, second pass"): a changed pace tends to stay changed for seconds, so the
# recent pace predicts the rest better than a long average; 0.5 s did best on every set (1, 2, 4 s, a constant
# growing with the elapsed time, and the average since the start all did worse).
PACE_TIME_CONSTANT_SECONDS = 0.5


@dataclass(slots=True)
class RollbackProgress:
    """What KILL ... WITH STATUSONLY and sys.dm_exec_requests.percent_complete read.

    The work left is exact: ``total - done`` undo records (the transaction's undo log, newest first).  The time left
    is that work over the pace (``rate_at``).  ``note`` is called after every undo batch with the clock read once
    there; readers pass the instant they ask at, so an estimate read while the rollback waits for its next turn
    counts that wait."""

    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    # (done, time.monotonic(), seconds left as estimated then) when done first reached 25, 50 and 75 % of total:
    # where the estimate is judged once the rollback has ended (sys.dm_exec_rollback_estimates)
    quarters: list[tuple[int, float, float | None]] = field(default_factory=list)
    # the weighted sums of the pace, folded in up to (paced_at, paced_done)
    weighted_records: float = 0.0
    weighted_seconds: float = 0.0
    paced_at: float | None = None
    paced_done: int = 0

    def note(self, now: float | None = None) -> None:
        """After each undo batch: fold the batch into the pace, and note the instant a quarter mark is passed."""
        now = time.monotonic() if now is None else now
        self.weighted_records, self.weighted_seconds = self._weighted(now)
        self.paced_at, self.paced_done = now, self.done
        while len(self.quarters) < 3 and self.done * 4 >= self.total * (len(self.quarters) + 1):
            self.quarters.append((self.done, now, self.seconds_left(now)))

    def _weighted(self, now: float) -> tuple[float, float]:
        """The weighted (records, seconds) at ``now``: what was folded, decayed, plus the interval since."""
        since = self.started if self.paced_at is None else self.paced_at
        elapsed = max(0.0, now - since)
        decay = math.exp(-elapsed / PACE_TIME_CONSTANT_SECONDS)
        return (
            self.weighted_records * decay + (self.done - self.paced_done),
            self.weighted_seconds * decay + elapsed,
        )

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.done / self.total

    @property
    def rate(self) -> float | None:
        """Undo records per second at the weighted pace, or None before any was undone."""
        return self.rate_at(time.monotonic())

    def rate_at(self, now: float) -> float | None:
        if self.done == 0:
            return None
        records, seconds = self._weighted(now)
        if seconds <= 0 or records <= 0:
            return None
        return records / seconds

    def seconds_left(self, now: float | None = None) -> float | None:
        rate = self.rate_at(time.monotonic() if now is None else now)
        if rate is None:
            return None
        return (self.total - self.done) / rate


class Transaction:
    __slots__ = (
        "begin_time",
        "catalog_changes",
        "deadlock_priority",
        "doomed",
        "explicit",
        "identity_changes",
        "isolation",
        "name",
        "prepare_info",
        "prepare_payload",
        "recovered",
        "rollback_progress",
        "savepoints",
        "session_id",
        "snapshot_seq",
        "state",
        "undo",
        "uow",
        "xid",
    )

    def __init__(self, xid: int, session_id: int, isolation: Isolation, explicit: bool, name: str = "") -> None:
        self.xid = xid
        self.session_id = session_id
        self.isolation = isolation
        self.explicit = explicit
        self.name = name
        self.state = TxnState.ACTIVE
        self.begin_time = time.time()
        self.undo: list[UndoRecord] = []
        self.savepoints: list[tuple[str, int]] = []
        self.deadlock_priority = 0
        self.doomed = False
        self.snapshot_seq: int | None = None
        self.rollback_progress: RollbackProgress | None = None
        self.identity_changes: dict[int, int] = {}
        self.catalog_changes = 0  # undo records that are not row versions (DDL, database options)
        self.uow: uuid.UUID | None = None  # the unit of work of a distributed transaction
        self.prepare_payload: bytes | None = None  # its durable PREPARE record, until a decision is durable
        # what its coordinator and client said about it (an XA XID, the client's user and host), written with its
        # PREPARE record and restored with it; "prepared_xid" is added at prepare (its id before any restart)
        self.prepare_info: dict[str, Any] = {}
        self.recovered = False  # restored in doubt by recovery (dtc_state RECOVERED)

    # The LockOwner protocol: session_id, deadlock_priority, work.
    @property
    def work(self) -> int:
        return len(self.undo)

    @property
    def has_writes(self) -> bool:
        return bool(self.undo) or bool(self.identity_changes)

    @property
    def is_distributed(self) -> bool:
        return self.uow is not None

    @property
    def is_orphaned(self) -> bool:
        """No client session owns it any more (session -2)."""
        return self.session_id == IN_DOUBT_SESSION_ID

    def savepoint(self, name: str) -> None:
        self.savepoints.append((name, len(self.undo)))

    def find_savepoint(self, name: str) -> int | None:
        """Index in ``savepoints`` of the newest savepoint called ``name`` (case-insensitive), if any."""
        folded = name.casefold()
        for position in range(len(self.savepoints) - 1, -1, -1):
            if self.savepoints[position][0].casefold() == folded:
                return position
        return None

    def __repr__(self) -> str:
        return f"Transaction(xid={self.xid}, session={self.session_id}, {self.state.value})"
