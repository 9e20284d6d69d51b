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
   rate, never from guesses.
"""

from __future__ import annotations

import bisect
import enum
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


# The pace of a rollback is measured over its last max(RATE_WINDOW_SECONDS, half its elapsed time): long enough
# that a scheduling hiccup does not swing the estimate, short enough to follow a pace that changed (more or less
# concurrent work; docs/design/kill-bench.md "Rollback estimates").
RATE_WINDOW_SECONDS = 0.5
CHECKPOINT_SECONDS = 0.05  # how often (at most) the (time, done) pairs the window reads are kept


@dataclass(slots=True)
class RollbackProgress:
    """What KILL ... WITH STATUSONLY and sys.dm_exec_requests.percent_complete read."""

    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    # (done, time.monotonic(), seconds left as estimated then) when done first reached 25, 50 and 75 % of total:
    # where the estimate is judged once the rollback has ended (sys.dm_exec_rollback_estimates)
    quarters: list[tuple[int, float, float | None]] = field(default_factory=list)
    checkpoints: list[tuple[float, int]] = field(default_factory=list)  # (time, done), oldest first

    def note(self) -> None:
        """After each undo batch: keep a checkpoint for the pace, and the instant a quarter mark is passed."""
        now = time.monotonic()
        checkpoints = self.checkpoints
        if not checkpoints or now - checkpoints[-1][0] >= CHECKPOINT_SECONDS:
            checkpoints.append((now, self.done))
        while len(self.quarters) < 3 and self.done * 4 >= self.total * (len(self.quarters) + 1):
            self.quarters.append((self.done, now, self.seconds_left(now)))

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.done / self.total

    @property
    def rate(self) -> float | None:
        """Undo records per second at the recent pace, or None before any was undone."""
        return self.rate_at(time.monotonic())

    def rate_at(self, now: float) -> float | None:
        elapsed = now - self.started
        if self.done == 0 or elapsed <= 0:
            return None
        since = now - max(RATE_WINDOW_SECONDS, elapsed / 2)
        index = bisect.bisect_right(self.checkpoints, (since, self.total + 1)) - 1
        then, done_then = self.checkpoints[index] if index >= 0 else (self.started, 0)
        if now <= then or self.done <= done_then:
            return self.done / elapsed  # nothing measured in the window: the average since the start
        return (self.done - done_then) / (now - then)

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
