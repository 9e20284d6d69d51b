"""sys.dm_exec_sessions, sys.dm_exec_connections, sys.dm_exec_requests and sys.sysprocesses.

Column lists follow SQL Server 2022's documentation, in order; Quietus's own columns come after them
(``sys.dm_exec_sessions.session_serial``: with session_id, it names one session for ever).  Each row builder is one
loop of plain tuple construction over the visible sessions (10,000 sessions must list in well under 100 ms:
bench/bench_views.py), so it reads attributes directly instead of calling a getter per column.  docs/design/views.md
maps every column to its source; columns Quietus does not measure (reads, memory_usage ...) are 0.  cpu_time is the
engine thread's CPU time inside the session's requests (``Task.cpu_ns``, measured at every switch into a task).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from quietus.admin.activity import Activity, Snapshot
from quietus.admin.columns import columns, padded
from quietus.admin.identity import address, connection_id, nt_names
from quietus.sessions.session import Session, SessionStatus
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable
from quietus.sql.types_datetime import round_datetime

# sys.dm_exec_sessions.status by session state.  A killed session still unwinding is running its rollback.
SESSION_STATUS: dict[SessionStatus, str] = {
    SessionStatus.SLEEPING: "sleeping",
    SessionStatus.RUNNING: "running",
    SessionStatus.DORMANT: "dormant",
    SessionStatus.KILLED: "running",
    SessionStatus.ENDED: "sleeping",
}

# endpoint_id: SQL Server's built-in endpoints (2 = TSQL Local Machine, 4 = TSQL Default TCP); 0 for system tasks.
ENDPOINT_LOCAL = 2
ENDPOINT_TCP = 4
# group_id: Resource Governor's internal and default workload groups.
GROUP_INTERNAL = 1
GROUP_DEFAULT = 2
MASTER_ID = 1
NO_GUID = None

# The eight SET options both dm_exec_sessions and dm_exec_requests show, in their column order.
SET_OPTION_COLUMNS = (
    "QUOTED_IDENTIFIER",
    "ARITHABORT",
    "ANSI_NULL_DFLT_ON",
    "ANSI_DEFAULTS",
    "ANSI_WARNINGS",
    "ANSI_PADDING",
    "ANSI_NULLS",
    "CONCAT_NULL_YIELDS_NULL",
)
_set_options = itemgetter(*SET_OPTION_COLUMNS)

# The session settings both dm_exec_sessions and dm_exec_requests show, in the same order in both.
SESSION_SETTINGS = """
text_size int
language nvarchar(128)
date_format nvarchar(3)
date_first smallint
quoted_identifier bit
arithabort bit
ansi_null_dflt_on bit
ansi_defaults bit
ansi_warnings bit
ansi_padding bit
ansi_nulls bit
concat_null_yields_null bit
transaction_isolation_level smallint
lock_timeout int
deadlock_priority int
row_count bigint
prev_error int
"""

DM_EXEC_SESSIONS = columns(f"""
session_id smallint
login_time datetime
host_name nvarchar(128)
program_name nvarchar(128)
host_process_id int
client_version int
client_interface_name nvarchar(32)
security_id varbinary(85)
login_name nvarchar(128)
nt_domain nvarchar(128)
nt_user_name nvarchar(128)
status nvarchar(30)
context_info varbinary(128)
cpu_time int
memory_usage int
total_scheduled_time int
total_elapsed_time int
endpoint_id int
last_request_start_time datetime
last_request_end_time datetime
reads bigint
writes bigint
logical_reads bigint
is_user_process bit
{SESSION_SETTINGS.strip()}
original_security_id varbinary(85)
original_login_name nvarchar(128)
last_successful_logon datetime
last_unsuccessful_logon datetime
unsuccessful_logons bigint
group_id int
database_id smallint
authenticating_database_id int
open_transaction_count int
page_server_reads bigint
contained_availability_group_id uniqueidentifier
session_serial int
""")


def session_settings(s: Session) -> tuple[Any, ...]:
    """The values of the SESSION_SETTINGS columns."""
    options: tuple[Any, ...] = _set_options(s.options)
    head = (s.textsize, s.language, s.date_format, s.date_first)
    # tuples joined: cheaper than unpacking (this runs once a row of the 10,000-session view)
    return head + options + (int(s.isolation), s.lock_timeout_ms, s.deadlock_priority, s.rowcount, s.error)


def client_version(session: Session) -> int | None:
    """The TDS major version the client logged in with (7 for TDS 7.x), NULL for sessions without a client."""
    connection = session.connection
    if connection is None or not connection.protocol_version:
        return None
    return connection.protocol_version >> 28


def session_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """One row per visible session.  Its datetimes go out on the 1/300 s tick (the view is ``on_ticks``): a
    session's login time is rounded once and stands in for the request times it has not had yet."""
    snap = Snapshot(ctx)
    now = snap.now
    status_text = SESSION_STATUS
    database_id = snap.database_id
    on_tick = round_datetime
    identities: dict[str, tuple[bytes, str | None, str | None]] = {}  # login -> (sid, nt_domain, nt_user_name)
    for s in snap.sessions:
        user = s.is_user_process
        login = s.login_name
        identity = identities.get(login)
        if identity is None:
            identity = identities[login] = (snap.sid(login), *nt_names(login))
        sid, domain, nt_user = identity
        connection = s.connection
        login_time = s.login_time
        logged_in = on_tick(login_time)
        started = s.last_request_start_time
        ended = s.last_request_end_time
        yield (  # noqa: RUF005 -- three tuples joined: cheaper than unpacking the settings into the row
            s.session_id,
            logged_in,
            s.host_name if user else None,
            s.program_name if user else None,
            s.host_process_id if user else None,
            None if connection is None else client_version(s),
            s.client_interface_name if user else None,
            sid,
            login,
            domain,
            nt_user,
            status_text[s.status],
            None,
            s.cpu_time_ms,
            0,
            0,
            int((now - login_time).total_seconds() * 1000),
            (ENDPOINT_LOCAL if connection is None else ENDPOINT_TCP) if user else 0,
            logged_in if started is None else on_tick(started),
            logged_in if ended is None else on_tick(ended),
            0,
            0,
            0,
            user,
        ) + session_settings(s) + (
            sid,
            login,
            None,
            None,
            None,
            GROUP_DEFAULT if user else GROUP_INTERNAL,
            database_id(s.database),
            MASTER_ID,
            s.trancount,
            0,
            NO_GUID,
            s.serial,
        )


DM_EXEC_CONNECTIONS = columns("""
session_id int
most_recent_session_id int
connect_time datetime
net_transport nvarchar(40)
protocol_type nvarchar(40)
protocol_version int
endpoint_id int
encrypt_option nvarchar(40)
auth_scheme nvarchar(40)
node_affinity smallint
num_reads int
num_writes int
last_read datetime
last_write datetime
net_packet_size int
client_net_address varchar(48)
client_tcp_port int
local_net_address varchar(48)
local_tcp_port int
connection_id uniqueidentifier
parent_connection_id uniqueidentifier
most_recent_sql_handle varbinary(64)
""")


def connection_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """One row per network connection: embedded and system sessions have none (as SQL Server's internal ones)."""
    for s in Snapshot(ctx).sessions:
        c = s.connection
        if c is None:
            continue
        yield (
            s.session_id,
            s.session_id,
            c.connect_time,
            c.net_transport,
            c.protocol_type,
            c.protocol_version,
            ENDPOINT_TCP,
            c.encrypt_option,
            c.auth_scheme,
            0,
            c.num_reads,
            c.num_writes,
            c.last_read or c.connect_time,
            c.last_write or c.connect_time,
            c.packet_size,
            c.client_net_address,
            c.client_tcp_port,
            c.local_net_address,
            c.local_tcp_port,
            connection_id(s),
            None,
            None if s.sql is None else s.sql.sql.sql_handle,
        )


DM_EXEC_REQUESTS = columns(f"""
session_id smallint
request_id int
start_time datetime
status nvarchar(30)
command nvarchar(32)
sql_handle varbinary(64)
statement_start_offset int
statement_end_offset int
plan_handle varbinary(64)
database_id smallint
user_id int
connection_id uniqueidentifier
blocking_session_id smallint
wait_type nvarchar(60)
wait_time int
last_wait_type nvarchar(60)
wait_resource nvarchar(256)
open_transaction_count int
open_resultset_count int
transaction_id bigint
context_info varbinary(128)
percent_complete real
estimated_completion_time bigint
cpu_time int
total_elapsed_time int
scheduler_id int
task_address varbinary(8)
reads bigint
writes bigint
logical_reads bigint
{SESSION_SETTINGS.strip()}
nest_level int
granted_query_memory int
executing_managed_code bit
group_id int
query_hash binary(8)
query_plan_hash binary(8)
statement_sql_handle varbinary(64)
statement_context_id bigint
dop int
parallel_worker_count int
external_script_request_id uniqueidentifier
is_resumable bit
page_resource binary(8)
page_server_reads bigint
dist_statement_id uniqueidentifier
""")

# last_wait_type is never NULL: the current wait, else the task's previous one, else this.
NO_WAIT = "MISCELLANEOUS"


def last_wait_type(session: Any, current: str | None) -> str:
    task = session.task
    return current or (task.last_wait_type if task is not None else None) or NO_WAIT


def request_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    now = snap.now
    for s in snap.sessions:
        a = snap.activity(s)
        if a is None:
            continue
        running = s.sql if s.task is not None else None  # a rollback after the batch has no statement
        yield (
            s.session_id,
            0,  # request_id: the MARS request number; one request per session here
            a.start_time,
            a.status,
            a.command,
            None if running is None else running.sql.sql_handle,
            0 if running is None else running.start,
            -1 if running is None else running.end,
            None if running is None else running.sql.plan_handle,
            snap.database_id(s.database),
            1,
            connection_id(s),
            a.blocking_session_id,
            a.wait_type,
            a.wait_time_ms,
            last_wait_type(s, a.wait_type),
            a.wait_resource,
            s.trancount,
            1 if s.is_user_process else 0,
            a.transaction_id,
            None,
            a.percent_complete,
            a.estimated_completion_ms,
            0 if s.task is None else s.task.cpu_ns // 1_000_000,
            int((now - a.start_time).total_seconds() * 1000),
            0,
            None if s.task is None else address(s.task),
            0,
            0,
            0,
            *session_settings(s),
            1 if s.session_id == ctx.session.session_id else 0,
            0,
            False,
            GROUP_DEFAULT if s.is_user_process else GROUP_INTERNAL,
            None,
            None,
            None,
            0,
            1,
            1,
            None,
            False,
            None,
            0,
            None,
        )


SYSPROCESSES = columns("""
spid smallint
kpid smallint
blocked smallint
waittype binary(2)
waittime bigint
lastwaittype nchar(32)
waitresource nchar(256)
dbid smallint
uid smallint
cpu int
physical_io bigint
memusage int
login_time datetime
last_batch datetime
ecid smallint
open_tran smallint
status nchar(30)
sid binary(86)
hostname nchar(128)
program_name nchar(128)
hostprocess nchar(10)
cmd nchar(16)
nt_domain nchar(128)
nt_username nchar(128)
net_address nchar(12)
net_library nchar(12)
loginame nchar(128)
context_info binary(128)
sql_handle binary(20)
stmt_start int
stmt_end int
request_id int
page_resource binary(8)
""")

# sysprocesses.waittype: the numeric code of a lock wait (the old documented values); other waits show 0x0000.
LOCK_WAIT_CODES: dict[str, int] = {
    "LCK_M_SCH_S": 0x01,
    "LCK_M_SCH_M": 0x02,
    "LCK_M_S": 0x03,
    "LCK_M_U": 0x04,
    "LCK_M_X": 0x05,
    "LCK_M_IS": 0x06,
    "LCK_M_IU": 0x07,
    "LCK_M_IX": 0x08,
    "LCK_M_SIU": 0x09,
    "LCK_M_SIX": 0x0A,
    "LCK_M_UIX": 0x0B,
}
AWAITING_COMMAND = "AWAITING COMMAND"


def process_status(session: Session, activity: Activity | None) -> str:
    """sysprocesses.status and sp_who.status: the request's status, or sleeping when there is none."""
    return "sleeping" if activity is None else activity.status


def process_command(activity: Activity | None) -> str:
    return AWAITING_COMMAND if activity is None else activity.command


def last_batch(session: Session) -> datetime.datetime:
    """sysprocesses.last_batch, sp_who2.LastBatch: when the last request started (login time before any)."""
    return session.last_request_start_time or session.login_time


def net_library(session: Session) -> str:
    if session.connection is not None:
        return "TCP/IP"
    return "LPC" if session.is_user_process else ""


def sysprocess_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    zero_context = bytes(128)
    zero_handle = bytes(20)
    for s in snap.sessions:
        a = snap.activity(s)
        domain, nt_user = nt_names(s.login_name)
        wait_type = None if a is None else a.wait_type
        running = s.sql if a is not None and s.task is not None else None  # a request's batch; zeros when idle
        yield (
            s.session_id,
            0,
            0 if a is None else a.blocking_session_id,
            LOCK_WAIT_CODES.get(wait_type or "", 0).to_bytes(2, "big"),
            0 if a is None else a.wait_time_ms,
            padded(last_wait_type(s, wait_type), 32),
            padded("" if a is None else a.wait_resource, 256),
            snap.database_id(s.database),
            1,
            s.cpu_time_ms,
            0,
            0,
            s.login_time,
            last_batch(s),
            0,
            s.trancount,
            padded(process_status(s, a), 30),
            snap.sid(s.login_name).ljust(86, b"\x00"),
            padded(s.host_name if s.is_user_process else "", 128),
            padded(s.program_name if s.is_user_process else "", 128),
            padded("" if s.host_process_id is None else str(s.host_process_id), 10),
            padded(process_command(a), 16),
            padded(domain or "", 128),
            padded(nt_user or "", 128),
            padded("", 12),
            padded(net_library(s), 12),
            padded(s.login_name, 128),
            zero_context,
            zero_handle if running is None else running.sql.sql_handle[:20],
            0 if running is None else running.start,
            0 if running is None else running.end,
            0,
            None,
        )


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_exec_sessions", DM_EXEC_SESSIONS, session_rows, on_ticks=True),
    VirtualTable("sys.dm_exec_connections", DM_EXEC_CONNECTIONS, connection_rows),
    VirtualTable("sys.dm_exec_requests", DM_EXEC_REQUESTS, request_rows),
    VirtualTable("sys.sysprocesses", SYSPROCESSES, sysprocess_rows),
)
