"""A session: one authenticated connection's identity, SET options, transaction nesting and current request.

State diagram (sys.dm_exec_sessions.status; the method behind each transition in parentheses)::

    sleeping --(begin_request)--> running --(end_request)--> sleeping
    sleeping|running --(Registry.kill)--> killed --(the session's own task unwinds: rollback, release)--> ended

Invariants
----------
1. ``trancount`` is 0 exactly when ``txn`` is None or ``txn`` is an autocommit statement transaction.
2. ``(session_id, serial)`` names one session for ever: an id is reused only with a higher serial.
3. Only the session's own task changes its transaction; a killer only sets the task's interrupt reason.
"""

from __future__ import annotations

import datetime
import enum
import re
import time
from dataclasses import dataclass, field
from typing import Any, Final

from quietus.engine.interrupts import ENDS_SESSION, InterruptReason
from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import Isolation, Transaction
from quietus.engine.wait_stats import WaitStatistics
from quietus.enums import IdentityEnum
from quietus.sessions.sql_text import InputBuffer, RunningText


class Surface(enum.Enum):
    """How a session reached the server: which protocol (and so which client) it speaks."""

    TDS = "TDS"
    ORACLE_NET = "Oracle Net"
    EMBEDDED = "embedded"
    SYSTEM = "system"


class Dialect(IdentityEnum):
    """The SQL language a session's requests are written in (which batch runner and error catalogue apply)."""

    TSQL = "tsql"
    ORACLE = "oracle"


class SessionStatus(enum.Enum):
    SLEEPING = "sleeping"
    RUNNING = "running"
    DORMANT = "dormant"
    KILLED = "killed"
    ENDED = "ended"


# SET options a session carries, with their defaults for a connection that did not change them (the ODBC/TDS
# defaults SQL Server applies at login).  What each does, and which values are refused: quietus.sql.session_options.
ON_OFF_OPTIONS: dict[str, bool] = {
    "XACT_ABORT": False,
    "IMPLICIT_TRANSACTIONS": False,
    "NOCOUNT": False,
    "ANSI_NULLS": True,
    "ANSI_WARNINGS": True,
    "ANSI_PADDING": True,
    "ANSI_NULL_DFLT_ON": True,
    "ANSI_NULL_DFLT_OFF": False,
    "ARITHIGNORE": False,
    "ARITHABORT": True,
    "CONCAT_NULL_YIELDS_NULL": True,
    "QUOTED_IDENTIFIER": True,
    "CURSOR_CLOSE_ON_COMMIT": False,
    "NUMERIC_ROUNDABORT": False,
    "ANSI_DEFAULTS": False,
    "FMTONLY": False,
    "NOEXEC": False,
    "PARSEONLY": False,
    "SHOWPLAN_TEXT": False,
    "SHOWPLAN_ALL": False,
    "SHOWPLAN_XML": False,
    "STATISTICS IO": False,
    "STATISTICS TIME": False,
    "STATISTICS XML": False,
    "STATISTICS PROFILE": False,
    "FORCEPLAN": False,
    "NO_BROWSETABLE": False,
}

DEADLOCK_PRIORITY_NAMES = {"LOW": -5, "NORMAL": 0, "HIGH": 5}


_SECRET_STATEMENT: Final = re.compile(r"\b(CREATE|ALTER)\s+LOGIN\b|\bPASSWORD\b", re.IGNORECASE)


def local_time(seconds: float) -> datetime.datetime | None:
    """A moment kept as ``time.time()`` (0.0: never) as the views show it: local time, as ``datetime.now()``."""
    return datetime.datetime.fromtimestamp(seconds) if seconds else None


def masked(text: str) -> str:
    """The text the views may show: a batch that may carry a password is replaced, as SQL Server does in traces."""
    if text.isascii():  # the usual text: neither word in it, found by a scan in C (the pattern tries every position)
        upper = text.upper()
        if "LOGIN" not in upper and "PASSWORD" not in upper:
            return text
    match = _SECRET_STATEMENT.search(text)
    if match is None:
        return text
    kind = re.search(r"\b(CREATE|ALTER)\s+LOGIN\b", text, re.IGNORECASE)
    shown = " ".join(kind.group(0).upper().split()) if kind else "PASSWORD"
    return (
        f"-- '{shown}' was found in the text of this event.\n"
        "-- The text has been replaced with this comment for security reasons."
    )


@dataclass
class ErrorState:
    """What ERROR_NUMBER(), ERROR_MESSAGE() ... return inside a CATCH block."""

    number: int
    severity: int
    state: int
    message: str
    line: int
    procedure: str = ""


@dataclass
class ConnectionInfo:
    """What sys.dm_exec_connections shows for a session's connection (set by the listener; None when embedded)."""

    connect_time: datetime.datetime
    client_net_address: str
    client_tcp_port: int
    local_net_address: str
    local_tcp_port: int
    net_transport: str = "TCP"
    protocol_type: str = "TSQL"
    protocol_version: int = 0  # the TDS version as the client sent it (e.g. 0x74000004)
    encrypt_option: str = "FALSE"
    auth_scheme: str = "SQL"
    packet_size: int = 4096
    connection_id: str = ""  # a GUID string
    # When the connection last read and wrote, as time.time(): a datetime made on every packet cost ~0.3 us each
    # way a request; the view makes it when it is read (last_read, last_write).
    read_at: float = 0.0
    written_at: float = 0.0
    num_reads: int = 0
    num_writes: int = 0

    def was_read(self) -> None:
        """A packet came in (the TDS and Oracle Net connections both count through here)."""
        self.num_reads += 1
        self.read_at = time.time()

    def was_written(self) -> None:
        """A packet went out."""
        self.num_writes += 1
        self.written_at = time.time()

    @property
    def last_read(self) -> datetime.datetime | None:
        return local_time(self.read_at)

    @property
    def last_write(self) -> datetime.datetime | None:
        return local_time(self.written_at)


@dataclass
class Session:
    session_id: int
    serial: int
    login_name: str = "sa"
    is_user_process: bool = True
    surface: Surface = Surface.EMBEDDED
    dialect: Dialect = Dialect.TSQL
    host_name: str = ""
    program_name: str = ""
    host_process_id: int | None = None
    client_interface_name: str = ""
    database: str = "master"
    login_time: datetime.datetime = field(default_factory=datetime.datetime.now)
    status: SessionStatus = SessionStatus.SLEEPING
    # Replaced, never changed in place (session_options.set_on_off): a procedure's or sp_executesql's scope keeps the
    # dict it started with and puts it back as it is.
    options: dict[str, bool] = field(default_factory=lambda: dict(ON_OFF_OPTIONS))
    isolation: Isolation = Isolation.READ_COMMITTED
    lock_timeout_ms: int = -1
    deadlock_priority: int = 0
    rowcount_limit: int = 0
    textsize: int = 2147483647
    language: str = "us_english"
    date_format: str = "mdy"
    date_first: int = 7
    identity_insert: str | None = None  # the table with IDENTITY_INSERT ON, if any
    # transaction nesting
    txn: Transaction | None = None
    trancount: int = 0
    doomed: bool = False  # the transaction is uncommittable (XACT_STATE() = -1)
    # per-request state
    task: Task | None = None
    request_id: int = 0
    request_start: float = 0.0
    # When the last request started and ended, as time.time() (0.0: none yet): a datetime made at both ends of every
    # request cost ~0.3 us each; last_request_start_time / _end_time make it when a view reads them.
    request_started_at: float = 0.0
    request_ended_at: float = 0.0
    statement_text: str = ""
    sql: RunningText | None = None  # the current (else last) batch's text and handles, the statement's offsets
    input_buffer: InputBuffer | None = None  # the last event the client sent (DBCC INPUTBUFFER)
    command: str = "AWAITING COMMAND"
    rowcount: int = 0  # @@ROWCOUNT
    error: int = 0  # @@ERROR
    identity: Any = None  # @@IDENTITY
    scope_identity: Any = None
    catch_stack: list[ErrorState] = field(default_factory=list)
    # #temp tables: name (casefolded, without #) -> stack of (nesting level that made it, stored name)
    temp_tables: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    cursors: dict[str, Any] = field(default_factory=dict)  # GLOBAL cursors, by name (casefolded)
    fetch_status: int = -1  # @@FETCH_STATUS
    kill_reason: InterruptReason | None = None
    # CPU time of the requests that ended, in ns (the running one's is its task's cpu_ns): summed before it is cut
    # to milliseconds, or a session of many sub-millisecond requests would show 0 for ever
    cpu_ns: int = 0
    waits: WaitStatistics | None = None  # sys.dm_exec_session_wait_stats: made by its first request
    connection: ConnectionInfo | None = None  # None for embedded and system sessions
    # What the server layer attaches (audit hooks, the transport); the engine never reads it.
    attachments: dict[str, Any] = field(default_factory=dict)

    @property
    def open_transaction_count(self) -> int:
        return self.trancount

    @property
    def last_request_start_time(self) -> datetime.datetime | None:
        return local_time(self.request_started_at)

    @property
    def last_request_end_time(self) -> datetime.datetime | None:
        return local_time(self.request_ended_at)

    @property
    def cpu_time_ms(self) -> int:
        """sys.dm_exec_sessions.cpu_time: every request's CPU time on the engine thread, the running one's so far."""
        task = self.task
        return (self.cpu_ns + (0 if task is None else task.cpu_ns)) // 1_000_000

    def option(self, name: str) -> bool:
        return self.options[name]

    def temp_table_key(self) -> tuple[tuple[str, str], ...]:
        """What a cached plan must also be keyed by: which tables this session's ``#`` names stand for now (plans
        are shared by text across sessions, and ``#t`` is a different table in each)."""
        if not self.temp_tables:
            return ()
        return tuple((name, stack[-1][1]) for name, stack in self.temp_tables.items() if stack)

    def begin_request(self, task: Task, text: str) -> None:
        self.task = task
        if self.waits is None:
            self.waits = WaitStatistics()
        task.waits = self.waits
        self.request_id += 1
        self.status = SessionStatus.RUNNING
        self.request_start = time.monotonic()
        self.request_started_at = time.time()
        self.statement_text = masked(text)
        if self.kill_reason is not None:
            task.set_interrupt(self.kill_reason)

    def end_request(self) -> None:
        if self.task is not None:
            self.cpu_ns += self.task.cpu_ns
        self.task = None
        self.command = "AWAITING COMMAND"
        if self.status is SessionStatus.RUNNING:
            self.status = SessionStatus.SLEEPING
        self.request_ended_at = time.time()

    def interrupt(self, reason: InterruptReason) -> bool:
        """Set the kill/cancel reason for the current request (first reason wins); wake it if it waits.  Only a
        reason that ends the session is remembered on the session (a cancel ends one request, not the next)."""
        if reason in ENDS_SESSION and self.kill_reason is None:
            self.kill_reason = reason
        task = self.task
        if task is None:
            return False
        return task.set_interrupt(reason)
