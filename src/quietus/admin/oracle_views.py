"""Oracle's dynamic performance views over the one session space: v$session, gv$session, v$process, v$transaction,
v$lock, v$sql and v$dead_cleanup.

Every session (TDS, Oracle Net, embedded, system) is a row, SID = ``session_id`` and SERIAL# = ``serial``, the pair
ALTER SYSTEM KILL SESSION names (admin/oracle_kill.py).  The rows come from the same sources as the sys.dm_* views:
``activity.Snapshot`` (sessions, requests, transactions, lock waits), ``blocking.blocking_graph`` (blocker and head of
a chain) and ``tran_views.lock_entries`` (locks), so BLOCKING_SESSION and sys.dm_exec_requests.blocking_session_id
always agree.  Scoping is the session views' (VIEW SERVER STATE; visibility.py).  docs/design/oracle-kill.md maps every
column to its source.

STATUS and SERVER (semantics.md §2.2, §2.4):

| the session ...                                             | STATUS   | SERVER    |
|-------------------------------------------------------------|----------|-----------|
| is in a call (a request runs, or a rollback it owns runs)   | ACTIVE   | DEDICATED |
| is not in a call                                            | INACTIVE | DEDICATED |
| was killed and has not finished unwinding / rolling back    | KILLED   | DEDICATED |
| was killed, holds nothing more, waits for its client's next | KILLED   | PSEUDO    |
| call to tell it ORA-00028                                   |          |           |
| as the two above, ended by an idle timeout                  | SNIPED   | as above  |
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
from collections.abc import Iterator
from typing import Any

from quietus.admin.activity import Activity, Snapshot
from quietus.admin.blocking import BlockingGraph, all_sessions, blocking_graph
from quietus.admin.columns import columns
from quietus.admin.identity import address, hashed_address
from quietus.admin.kill import kill_history
from quietus.admin.tran_views import WORKSPACE, lock_entries
from quietus.engine.interrupts import InterruptReason
from quietus.engine.txn.transaction import TxnState
from quietus.sessions.session import Session, SessionStatus, Surface
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

INSTANCE_ID = 1  # gv$ views: one instance
ORACLE_CLIENT = "oracle_client"  # session.attachments key: OSUSER, MACHINE, TERMINAL, PROGRAM, PROCESS from logon
SQL_ID_ALPHABET = "0123456789abcdfghjkmnpqrstuvwxyz"

# STATUS of a session whose session-ending reason is set, by the reason (a lost connection or a shutdown is no kill).
ENDED_STATUS: dict[InterruptReason, str] = {
    InterruptReason.KILLED: "KILLED",
    InterruptReason.IDLE_TIMEOUT: "SNIPED",
}

# EVENT and WAIT_CLASS by the task's wait type (Oracle's names for the nearest wait); the prefix match is for LCK_M_*.
WAIT_EVENTS: dict[str, tuple[str, str]] = {
    "LCK_M_": ("enq: TX - row lock contention", "Application"),
    "WAITFOR": ("PL/SQL lock timer", "Idle"),
    "ASYNC_NETWORK_IO": ("SQL*Net more data to client", "Network"),
    "WRITELOG": ("log file sync", "Commit"),
    "KILL_SESSION_WAIT": ("kill session wait", "Administrative"),
}
IDLE_EVENT = ("SQL*Net message from client", "Idle")  # a user session between calls
BACKGROUND_EVENT = ("rdbms ipc message", "Idle")  # a system session with nothing to do


@functools.lru_cache(maxsize=4096)
def sql_id(text: str) -> str:
    """Oracle's SQL_ID of a statement text: the low 64 bits of MD5(text + NUL), each 32-bit half read little-endian,
    written in base 32 (13 characters).  Quietus hashes the batch text as the client sent it (UTF-8)."""
    digest = hashlib.md5(text.encode() + b"\x00", usedforsecurity=False).digest()
    number = (int.from_bytes(digest[8:12], "little") << 32) | int.from_bytes(digest[12:16], "little")
    return "".join(SQL_ID_ALPHABET[(number >> (5 * (12 - i))) & 31] for i in range(13))


def wait_event(wait_type: str) -> tuple[str, str]:
    for prefix, event in WAIT_EVENTS.items():
        if wait_type.startswith(prefix):
            return event
    return wait_type, "Other"


def username(session: Session) -> str | None:
    """Oracle stores user names upper-cased; background sessions have none."""
    return session.login_name.upper() if session.is_user_process else None


def session_address(session: Session) -> bytes:
    """SADDR (v$transaction.SES_ADDR joins it)."""
    return address(session)


def process_address(session: Session) -> bytes:
    """PADDR = v$process.ADDR: one dedicated 'process' per session."""
    return hashed_address(("process", session.session_id, session.serial))


def in_call(session: Session, activity: Activity | None) -> bool:
    return session.task is not None or activity is not None


def resources_freed(snap: Snapshot, session: Session) -> bool:
    """A killed session that holds nothing any more: its call unwound, its transactions rolled back."""
    return session.task is None and not snap.transactions(session.session_id)


def status_and_server(snap: Snapshot, session: Session, activity: Activity | None) -> tuple[str, str]:
    reason = session.kill_reason
    if reason in ENDED_STATUS or session.status is SessionStatus.KILLED:
        status = ENDED_STATUS.get(reason, "KILLED") if reason is not None else "KILLED"
        freed = session.status is SessionStatus.KILLED and resources_freed(snap, session)
        return status, "PSEUDO" if freed else "DEDICATED"
    if not session.is_user_process:
        return "ACTIVE", "DEDICATED"
    return ("ACTIVE" if in_call(session, activity) else "INACTIVE"), "DEDICATED"


def wait_columns(snap: Snapshot, s: Session, activity: Activity | None, calling: bool) -> tuple[str, str, str, int]:
    """EVENT, WAIT_CLASS, STATE, SECONDS_IN_WAIT: the current wait; between calls the wait for the client; in a call
    and not waiting, the last wait with WAITED SHORT TIME (Oracle's 'on CPU')."""
    task = s.task
    if task is not None and task.is_waiting and task.wait_type is not None:
        return *wait_event(task.wait_type), "WAITING", int(snap.clock - task.wait_started)
    if not s.is_user_process:
        waits = activity.wait_type if activity is not None else None
        return *(BACKGROUND_EVENT if waits is None else (waits, "Idle")), "WAITING", 0
    if not calling:
        since = s.last_request_end_time or s.login_time
        return *IDLE_EVENT, "WAITING", max(0, int((snap.now - since).total_seconds()))
    last = task.last_wait_type if task is not None else None
    return *(IDLE_EVENT if last is None else wait_event(last)), "WAITED SHORT TIME", 0


def program(session: Session) -> str:
    if session.is_user_process:
        return session.program_name
    return f"quietus@{os.uname().nodename} ({session.command})"


V_SESSION = columns("""
SADDR varbinary(8)
SID int
SERIAL# int
PADDR varbinary(8)
USERNAME nvarchar(128)
STATUS nvarchar(8)
SERVER nvarchar(9)
OSUSER nvarchar(128)
PROCESS nvarchar(24)
MACHINE nvarchar(64)
PORT int
TERMINAL nvarchar(30)
PROGRAM nvarchar(84)
TYPE nvarchar(10)
SQL_ID nvarchar(13)
SQL_EXEC_START datetime
PREV_SQL_ID nvarchar(13)
LOGON_TIME datetime
LAST_CALL_ET int
EVENT nvarchar(64)
WAIT_CLASS nvarchar(64)
STATE nvarchar(19)
SECONDS_IN_WAIT int
BLOCKING_SESSION int
BLOCKING_SESSION_STATUS nvarchar(11)
FINAL_BLOCKING_SESSION int
SCHEMANAME nvarchar(128)
""")


def _final_blocker(graph: BlockingGraph, session_id: int) -> int | None:
    link = graph.link(session_id)
    if link is None or link.depth == 0:
        return None
    return link.head


def _session_row(snap: Snapshot, graph: BlockingGraph, s: Session) -> tuple[Any, ...]:
    a = snap.activity(s)
    status, server = status_and_server(snap, s, a)
    task = s.task
    calling = s.is_user_process and in_call(s, a)
    event, wait_class, state, seconds_in_wait = wait_columns(snap, s, a, calling)
    blocker = a.blocking_session_id if a is not None and a.blocking_session_id else None
    if blocker is not None:
        blocking_status = "VALID"
    elif task is not None and task.is_waiting:
        blocking_status = "NO HOLDER"
    else:
        blocking_status = "NOT IN WAIT"
    text = s.statement_text
    started = s.last_request_start_time if calling else None
    since_call = started if calling else (s.last_request_end_time or s.login_time)
    conn = s.connection
    # What an Oracle Net client said about itself at logon (the listener keeps it); other sessions have none.
    client: dict[str, Any] = (s.attachments.get(ORACLE_CLIENT) or {}) if s.is_user_process else {}
    return (
        session_address(s),
        s.session_id,
        s.serial,
        process_address(s),
        username(s),
        status,
        server,
        (client.get("OSUSER") or None) if s.is_user_process else "quietus",
        client.get("PROCESS") or (None if s.host_process_id is None else str(s.host_process_id)),
        (client.get("MACHINE") or s.host_name or None) if s.is_user_process else os.uname().nodename,
        0 if conn is None else conn.client_tcp_port,
        client.get("TERMINAL") or None,
        (client.get("PROGRAM") or program(s))[:84],
        "USER" if s.is_user_process else "BACKGROUND",
        sql_id(text) if calling and text else None,
        started,
        sql_id(text) if not calling and text else None,
        s.login_time,
        max(0, int((snap.now - (since_call or s.login_time)).total_seconds())),
        event,
        wait_class,
        state,
        seconds_in_wait,
        blocker,
        blocking_status,
        _final_blocker(graph, s.session_id) if blocker is not None else None,
        s.database.upper() if s.is_user_process else "SYS",
    )


def session_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    graph = blocking_graph(snap, all_sessions(ctx))
    for s in snap.sessions:
        yield _session_row(snap, graph, s)


GV_SESSION = (("INST_ID", columns("INST_ID int")[0][1]), *V_SESSION)


def gv_session_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for row in session_rows(ctx):
        yield (INSTANCE_ID, *row)


V_PROCESS = columns("""
ADDR varbinary(8)
PID int
SOSID nvarchar(24)
SPID nvarchar(24)
PNAME nvarchar(5)
USERNAME nvarchar(15)
PROGRAM nvarchar(84)
BACKGROUND nvarchar(1)
""")


def process_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """One dedicated 'server process' per session.  All sessions live in the one Quietus process, so SPID is that
    process id joined to the session id ('4242.53'): never a bare pid a `kill -9` would take the whole server with."""
    pid = os.getpid()
    for s in Snapshot(ctx).sessions:
        spid = f"{pid}.{s.session_id}"
        surface = {Surface.TDS: "TDS", Surface.ORACLE_NET: "TNS", Surface.EMBEDDED: "LPC"}.get(s.surface)
        yield (
            process_address(s),
            s.session_id,
            spid,
            spid,
            None if s.is_user_process else s.command[:5],
            "quietus",
            program(s)[:84] if not s.is_user_process else f"quietus@{os.uname().nodename} ({surface})",
            None if s.is_user_process else "1",
        )


V_TRANSACTION = columns("""
ADDR varbinary(8)
XIDUSN int
XIDSLOT int
XIDSQN bigint
STATUS nvarchar(16)
START_TIME nvarchar(20)
START_DATE datetime
USED_UBLK bigint
USED_UREC bigint
SES_ADDR varbinary(8)
""")

TRANSACTION_STATUS: dict[TxnState, str] = {TxnState.ROLLING_BACK: "ROLLING BACK", TxnState.PREPARED: "PREPARED"}


def transaction_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """USED_UREC is the undo records still to apply: it falls while a rollback runs, as Oracle's does."""
    snap = Snapshot(ctx)
    registry: Any = ctx.env.services.get("registry")
    for database, txn in snap.all_transactions():
        progress = txn.rollback_progress
        undo = len(txn.undo)
        if txn.state is TxnState.ROLLING_BACK and progress is not None:
            undo = max(0, progress.total - progress.done)
        owner = registry.get(txn.session_id) if registry is not None else None
        begun = datetime.datetime.fromtimestamp(txn.begin_time)
        yield (
            hashed_address(("txn", database.database_id, txn.xid)),
            database.database_id,
            txn.xid & 0x7FFF,
            txn.xid,
            TRANSACTION_STATUS.get(txn.state, "ACTIVE"),
            begun.strftime("%m/%d/%y %H:%M:%S"),
            begun,
            (undo + 63) // 64,
            undo,
            None if owner is None else session_address(owner),
        )


V_LOCK = columns("""
ADDR varbinary(8)
KADDR varbinary(8)
SID int
TYPE nvarchar(2)
ID1 bigint
ID2 bigint
LMODE int
REQUEST int
CTIME int
BLOCK int
""")

# Oracle's lock modes: 1 null, 2 row share (SS), 3 row exclusive (SX), 4 share, 5 share row exclusive, 6 exclusive.
LOCK_MODES: dict[str, int] = {
    "Sch-S": 1, "IS": 2, "IU": 2, "IX": 3, "S": 4, "U": 4, "SIU": 5, "SIX": 5, "UIX": 5, "X": 6, "Sch-M": 6,
}  # fmt: skip
LOCK_TYPES: dict[str, str] = {"KEY": "TX", "OBJECT": "TM"}


def lock_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """Key locks show as TX (Oracle's row locks are its transaction's TX enqueue), table locks as TM; a waiting
    request has LMODE 0 and REQUEST its mode; BLOCK 1 on a granted lock of a session someone waits for."""
    snap = Snapshot(ctx)
    graph = blocking_graph(snap, all_sessions(ctx))
    for lock in lock_entries(snap):
        kind = LOCK_TYPES.get(str(lock.resource[0]))
        if kind is None or lock.owner_type == WORKSPACE:
            continue
        mode = LOCK_MODES.get(lock.mode, 4)
        granted = lock.status == "GRANT"
        entity = lock.resource[2] if len(lock.resource) > 2 and isinstance(lock.resource[2], int) else 0
        yield (
            lock.address,
            lock.address,
            lock.session_id,
            kind,
            entity,
            lock.owner_id if kind == "TX" else 0,
            mode if granted else 0,
            0 if granted else mode,
            0,
            1 if granted and lock.session_id in graph.waited_by else 0,
        )


V_SQL = columns("""
SQL_ID nvarchar(13)
SQL_TEXT nvarchar(1000)
SQL_FULLTEXT nvarchar(max)
USERS_EXECUTING int
""")


def sql_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """The statements sessions are running or ran last (Quietus keeps no shared SQL area beyond those)."""
    running: dict[str, int] = {}
    texts: dict[str, str] = {}
    for s in Snapshot(ctx).sessions:
        text = s.statement_text
        if not text:
            continue
        key = sql_id(text)
        texts.setdefault(key, text)
        running[key] = running.get(key, 0) + (1 if s.task is not None else 0)
    for key, text in texts.items():
        yield key, text[:1000], text, running[key]


V_DEAD_CLEANUP = columns("""
TYPE nvarchar(14)
PADDR varbinary(8)
SADDR varbinary(8)
SID int
SERIAL# int
STATE nvarchar(30)
DEAD_TIME datetime
CLEANUP_ATTEMPTS int
LAST_ATTEMPT datetime
CLEANUP_TIME datetime
NUM_BLOCKED int
""")


def cleanup_state(snap: Snapshot, session: Session) -> str:
    """Oracle's cleanup states, for a killed session still in the registry."""
    if session.task is not None and not any(
        txn.state is TxnState.ROLLING_BACK for _, txn in snap.transactions(session.session_id)
    ):
        return "CLEANUP PENDING"  # its call has not reached a safe point yet
    if snap.transactions(session.session_id) or session.task is not None:
        return "IN PROGRESS"  # rolling back
    if session.status is SessionStatus.KILLED:
        return "RESOURCES FREED - PENDING ACK"  # KILLED / PSEUDO: the client has not come back for its ORA-00028
    return "RESOURCES FREED"


def dead_cleanup_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """Killed sessions not gone yet (our extension: SID and SERIAL# beside Oracle's columns)."""
    snap = Snapshot(ctx)
    graph = blocking_graph(snap, all_sessions(ctx))
    history = kill_history(ctx.env)
    for s in snap.sessions:
        if s.kill_reason not in ENDED_STATUS or s.status is SessionStatus.ENDED:
            continue
        record = history.latest_for(s.session_id, s.serial)
        killed_at = record.killed_at if record is not None else None
        yield (
            "KILLED SESSION",
            process_address(s),
            session_address(s),
            s.session_id,
            s.serial,
            cleanup_state(snap, s),
            killed_at,
            1,
            killed_at,
            None,
            graph.waiting_count(s.session_id),
        )


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("v$session", V_SESSION, session_rows),
    VirtualTable("gv$session", GV_SESSION, gv_session_rows),
    VirtualTable("v$process", V_PROCESS, process_rows),
    VirtualTable("v$transaction", V_TRANSACTION, transaction_rows),
    VirtualTable("v$lock", V_LOCK, lock_rows),
    VirtualTable("v$sql", V_SQL, sql_rows),
    VirtualTable("v$dead_cleanup", V_DEAD_CLEANUP, dead_cleanup_rows),
)
