"""The servers bench_kill.py and bench_oracle_kill.py drive the same way: Quietus over TDS (pytds), Quietus over
Oracle Net (python-oracledb thin, killing with ALTER SYSTEM KILL SESSION) and PostgreSQL 15 (psycopg 3).

A `Peer` is data: the SQL text of each step, the statement that kills, and how its activity view names the
victim's state.  The measuring code (`_kill_latency.py`, `_kill_rollback.py`) never branches on which server it
drives; a difference between the two lives in this file's tables.

Victim states (the issue's four), each reached from "victim holds row 1 in an open transaction":

| state               | victim's next statement (Quietus / PostgreSQL)    | the view shows (Quietus / PostgreSQL)     |
|---------------------|---------------------------------------------------|-------------------------------------------|
| idle in transaction | none                                              | no request / `idle in transaction`        |
| lock wait           | UPDATE row 2 (held all along by a third session)  | LCK_M_* / wait_event_type `Lock`          |
| WAITFOR             | WAITFOR DELAY '00:10:00' / SELECT pg_sleep(600)   | WAITFOR / wait_event `PgSleep`            |
| CPU-busy scan       | COUNT(*) of a 3-way CROSS JOIN of 1,000 rows      | no wait type / `active`, no wait event    |

Over Oracle Net the victim begins with SET TRANSACTION (the client then stops committing after each statement), the
view is v$session (INACTIVE; ACTIVE waiting on `enq: TX - row lock contention`; ACTIVE not waiting), and there is no
WAITFOR state (Oracle sleeps in PL/SQL, which Quietus does not run).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

IDLE, LOCK_WAIT, WAITFOR, BUSY = "idle in transaction", "lock wait", "WAITFOR", "CPU-busy scan"
STATES = (IDLE, LOCK_WAIT, WAITFOR, BUSY)
# Three tables, not eight digits: PostgreSQL plans an 8-way join for tens of ms, and a kill landing in the planner
# would not measure a scan.
CROSS_JOIN_COUNT = "SELECT COUNT(*) FROM thousands a CROSS JOIN thousands b CROSS JOIN thousands c"
# Row 1 is the contended row, row 2 the one the holder keeps locked for the lock-wait state.
HOLD_ROW = "UPDATE t SET v = v + 1 WHERE id = 1"
WAITER = "UPDATE t SET v = v + 1 WHERE id = 1"
SETUP = (
    "CREATE TABLE digits (n INT PRIMARY KEY)",
    "INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)",
    "CREATE TABLE t (id INT PRIMARY KEY, v INT)",
    "INSERT INTO t VALUES (1, 0), (2, 0)",
    "CREATE TABLE thousands (n INT PRIMARY KEY)",
    "INSERT INTO thousands SELECT a.n + 10 * b.n + 100 * c.n FROM digits a CROSS JOIN digits b CROSS JOIN digits c",
)
# After the view first shows the victim in a state, how long it stays there before the kill: a scan that has just
# started may still be in parse and plan.
SETTLE = {BUSY: 0.02}
WAIT_LIMIT = 20.0  # seconds a step may take before the run is declared stuck


def create_tables(peer: Peer) -> None:
    admin = peer.connect()
    admin.run_all(SETUP)
    admin.close()


class Conn:
    """One client connection in autocommit mode: runs SQL text, knows its server-side session id."""

    def __init__(self, raw: Any, session_id_query: str) -> None:
        self.raw = raw
        self.cursor = raw.cursor()
        found = self.run(session_id_query)[0]
        self.session_id = int(found[0])
        self.serial = int(found[1]) if len(found) > 1 else 0  # Oracle's SERIAL#: ALTER SYSTEM KILL SESSION names it

    def run(self, text: str) -> list[tuple[Any, ...]]:
        self.cursor.execute(text)
        return [tuple(row) for row in self.cursor.fetchall()] if self.cursor.description else []

    def run_all(self, texts: Sequence[str]) -> None:
        for text in texts:
            self.run(text)

    def messages(self) -> list[str]:
        """Informational messages of the last statement (pytds keeps them; psycopg drops notices here)."""
        found = getattr(self.cursor, "messages", None) or []
        return [str(exc) for _kind, exc in found]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a killed connection may already be gone; closing is all we want
            self.raw.close()


@dataclass(frozen=True)
class Activity:
    """What the peer's activity view says about one session: the state it is in, and who blocks it."""

    state: str | None
    blockers: frozenset[int]


@dataclass(frozen=True)
class Peer:
    name: str
    connect: Callable[[], Conn]
    begin: str
    kill: str  # format with the victim's session id and serial
    next_statement: dict[str, str | None]  # per victim state
    activity_query: str  # format with a comma-separated id list
    read_activity: Callable[[tuple[Any, ...]], tuple[int, Activity]]
    outcome: Callable[[BaseException], str]  # how the victim's client saw its end, in a few words
    absent: Activity  # what a session the activity view does not list is doing
    abort_modes: dict[str, str | None]  # the rollback modes measured: mode -> the statement that selects it
    # mode -> what reports a rollback's progress (format with the victim's id): the report, then the view's row;
    # a mode without one is not sampled (an accelerated abort has nothing to report, and samples cost the server)
    progress: dict[str, str] = field(default_factory=dict)

    def activity(self, admin: Conn, session_id: int, *others: int) -> tuple[Activity, ...]:
        """The activity of each session named, in order."""
        rows = admin.run(self.activity_query.format(", ".join(map(str, (session_id, *others)))))
        found = dict(self.read_activity(row) for row in rows)
        return tuple(found.get(n, self.absent) for n in (session_id, *others))

    def open_many(self, count: int, parallel: int = 16) -> list[Conn]:
        with ThreadPoolExecutor(parallel) as pool:
            return list(pool.map(lambda _: self.connect(), range(count)))


def wait_until(condition: Callable[[], bool], what: str, limit: float = WAIT_LIMIT) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.002)


def next_statements(sleep: str) -> dict[str, str | None]:
    """What the victim runs after locking row 1, per state: only the way to sleep differs between the peers."""
    return {IDLE: None, LOCK_WAIT: "UPDATE t SET v = v + 1 WHERE id = 2", WAITFOR: sleep, BUSY: CROSS_JOIN_COUNT}


class Job:
    """One statement run on its own thread; records the instant it completed and what it raised."""

    def __init__(self, conn: Conn, text: str) -> None:
        self.conn = conn
        self.text = text
        self.finished_at = 0.0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.conn.run(self.text)
        except BaseException as exc:  # the victim's end is what we came to see
            self.error = exc
        self.finished_at = time.perf_counter()

    def join(self, limit: float = WAIT_LIMIT) -> bool:
        self.thread.join(limit)
        return not self.thread.is_alive()


# -- Quietus ------------------------------------------------------------------------------------------------------

QUIETUS_WAITS = {"LCK_M_": LOCK_WAIT, "WAITFOR": WAITFOR, None: BUSY}  # by wait type, or its LCK_M_ prefix


def _quietus_activity(row: tuple[Any, ...]) -> tuple[int, Activity]:
    session_id, wait_type, blocker = row
    state = QUIETUS_WAITS.get(wait_type) or QUIETUS_WAITS.get((wait_type or "")[:6])
    return int(session_id), Activity(state, frozenset([int(blocker)]) if blocker else frozenset())


def _quietus_outcome(exc: BaseException) -> str:
    number = getattr(exc, "number", 0)
    return f"Msg {number}" if number else "closed"


def quietus_peer(port: int, password: str) -> Peer:
    import pytds  # type: ignore[import-untyped]

    def connect() -> Conn:
        raw = pytds.connect(
            server="127.0.0.1", port=port, user="sa", password=password, autocommit=True, timeout=3 * WAIT_LIMIT
        )
        return Conn(raw, "SELECT @@SPID")

    return Peer(
        name="Quietus",
        connect=connect,
        begin="BEGIN TRANSACTION",
        kill="KILL {}",
        next_statement=next_statements("WAITFOR DELAY '00:10:00'"),
        activity_query="SELECT session_id, wait_type, blocking_session_id FROM sys.dm_exec_requests "
        "WHERE session_id IN ({})",
        read_activity=_quietus_activity,
        outcome=_quietus_outcome,
        # No request row: the session is idle (the harness knows it holds an open transaction).
        absent=Activity(IDLE, frozenset()),
        abort_modes={
            "classic": "ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF",
            "accelerated": "ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = ON",
        },
        progress={
            "classic": "KILL {0} WITH STATUSONLY; "
            "SELECT percent_complete, estimated_completion_time FROM sys.dm_exec_requests WHERE session_id = {0}"
        },
    )


# -- Quietus over Oracle Net ---------------------------------------------------------------------------------------


class OracleConn(Conn):
    """A python-oracledb connection that commits each statement, until SET TRANSACTION begins one it keeps open."""

    def run(self, text: str) -> list[tuple[Any, ...]]:
        if text.startswith("SET TRANSACTION"):
            self.raw.autocommit = False
        return super().run(text)


def _oracle_activity(row: tuple[Any, ...]) -> tuple[int, Activity]:
    sid, status, state, event, blocker = row
    kind = IDLE if status == "INACTIVE" else LOCK_WAIT if state == "WAITING" and event.startswith("enq: TX") else BUSY
    return int(sid), Activity(kind, frozenset([int(blocker)]) if blocker else frozenset())


def oracle_net_peer(port: int, password: str) -> Peer:
    import oracledb

    def connect() -> Conn:
        raw = oracledb.connect(user="sa", password=password, dsn=f"127.0.0.1:{port}/master")
        raw.autocommit = True
        return OracleConn(raw, "SELECT sid, serial# FROM v$session WHERE sid = SYS_CONTEXT('USERENV', 'SID')")

    return Peer(
        name="Oracle Net",
        connect=connect,
        begin="SET TRANSACTION READ WRITE",
        kill="ALTER SYSTEM KILL SESSION '{0},{1}'",
        next_statement={IDLE: None, LOCK_WAIT: "UPDATE t SET v = v + 1 WHERE id = 2", BUSY: CROSS_JOIN_COUNT},
        activity_query="SELECT sid, status, state, event, blocking_session FROM v$session WHERE sid IN ({})",
        read_activity=_oracle_activity,
        outcome=lambda exc: f"ORA-{getattr(exc.args[0], 'code', 0):05d}" if exc.args else "closed",
        absent=Activity(None, frozenset()),  # gone
        abort_modes={},
    )


# -- PostgreSQL ---------------------------------------------------------------------------------------------------

POSTGRES_WAITS = {"Lock": LOCK_WAIT, "PgSleep": WAITFOR, None: BUSY}  # by wait_event_type, else wait_event


def _postgres_activity(row: tuple[Any, ...]) -> tuple[int, Activity]:
    pid, state, wait_type, wait_event, blockers = row
    kind = {"idle in transaction": IDLE}.get(state)
    if state == "active":
        kind = POSTGRES_WAITS.get(wait_type) or POSTGRES_WAITS.get(wait_event)
    return int(pid), Activity(kind, frozenset(blockers or ()))


def _postgres_outcome(exc: BaseException) -> str:
    sqlstate = getattr(exc, "sqlstate", None)
    return f"SQLSTATE {sqlstate}" if sqlstate else "closed"


def postgres_peer(port: int, password: str) -> Peer:
    import psycopg

    def connect() -> Conn:
        raw = psycopg.connect(
            host="127.0.0.1", port=port, user="bench", password=password, dbname="postgres", autocommit=True
        )
        return Conn(raw, "SELECT pg_backend_pid()")

    return Peer(
        name="PostgreSQL",
        connect=connect,
        begin="BEGIN",
        kill="SELECT pg_terminate_backend({})",
        next_statement=next_statements("SELECT pg_sleep(600)"),
        activity_query="SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid) FROM pg_stat_activity "
        "WHERE pid IN ({})",
        read_activity=_postgres_activity,
        outcome=_postgres_outcome,
        absent=Activity(None, frozenset()),  # gone
        abort_modes={"no undo": None},  # an aborted transaction's versions are dead at once; VACUUM comes later
    )
