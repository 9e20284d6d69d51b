"""Extended Events: Quietus has none, so their catalog views and DMVs are here with SQL Server's columns and no rows.

sp_BlitzLock reads deadlock reports from an Extended Events session (system_health by default); it looks the
session up in sys.server_event_sessions joined to sys.dm_xe_sessions, finds none here, and says so ("A session
with the name system_health does not exist or is not currently active.") instead of reporting deadlocks that no
session recorded.  CREATE EVENT SESSION is not supported (a syntax error).

| view or function | rows |
|---|---|
| sys.server_event_sessions, sys.server_event_session_targets | none: no event session is defined |
| sys.dm_xe_sessions, sys.dm_xe_session_targets | none: no event session runs |
| sys.fn_xe_file_target_read_file(path, mdpath, initial_file_name, initial_offset) | none: no event file is written |
"""

from __future__ import annotations

from quietus.admin.columns import columns, no_rows
from quietus.sql.environment import TableFunction, VirtualTable

SERVER_EVENT_SESSIONS = columns("""
event_session_id int
name sysname
event_retention_mode nchar(1)
event_retention_mode_desc nvarchar(60)
max_dispatch_latency int
max_memory int
max_event_size int
memory_partition_mode nchar(1)
memory_partition_mode_desc nvarchar(60)
track_causality bit
startup_state bit
has_long_running_target bit
""")

SERVER_EVENT_SESSION_TARGETS = columns("""
event_session_id int
target_id int
name nvarchar(128)
package nvarchar(128)
module nvarchar(128)
""")

DM_XE_SESSIONS = columns("""
address varbinary(8)
name nvarchar(256)
pending_buffers int
total_regular_buffers int
regular_buffer_size bigint
total_large_buffers int
large_buffer_size bigint
total_buffer_size bigint
buffer_policy_flags int
buffer_policy_desc nvarchar(256)
flags int
flag_desc nvarchar(256)
dropped_event_count int
dropped_buffer_count int
blocked_event_fire_time int
create_time datetime
largest_event_dropped_size int
session_source nvarchar(256)
buffer_processed_count bigint
buffer_full_count bigint
total_bytes_generated bigint
""")

DM_XE_SESSION_TARGETS = columns("""
event_session_address varbinary(8)
target_name nvarchar(60)
target_package_guid uniqueidentifier
execution_count bigint
execution_duration_ms bigint
target_data nvarchar(max)
bytes_written bigint
""")

FN_XE_FILE_TARGET_READ_FILE = columns("""
module_guid uniqueidentifier
package_guid uniqueidentifier
object_name nvarchar(256)
event_data nvarchar(max)
file_name nvarchar(260)
file_offset bigint
timestamp_utc datetime2
""")


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.server_event_sessions", SERVER_EVENT_SESSIONS, no_rows),
    VirtualTable("sys.server_event_session_targets", SERVER_EVENT_SESSION_TARGETS, no_rows),
    VirtualTable("sys.dm_xe_sessions", DM_XE_SESSIONS, no_rows),
    VirtualTable("sys.dm_xe_session_targets", DM_XE_SESSION_TARGETS, no_rows),
)

FUNCTIONS: tuple[TableFunction, ...] = (
    TableFunction(
        "sys.fn_xe_file_target_read_file",
        columns("path nvarchar(260)\nmdpath nvarchar(260)\ninitial_file_name nvarchar(260)\ninitial_offset bigint"),
        FN_XE_FILE_TARGET_READ_FILE,
        no_rows,
    ),
)
