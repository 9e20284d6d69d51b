"""The other DMVs and catalog views the DBA tools (sp_WhoIsActive, sp_BlitzWho) read (a database's files and their
I/O: file_views.py; wait statistics: wait_views.py).

Rows tell the truth about Quietus: where it has the thing, real values; where it has no such thing, no rows (never a
made-up number).  Column lists are SQL Server's, in order, cut after the commonly used columns.

- sys.dm_os_sys_info: one row (CPUs, memory, start time, ticks of this machine and process).
- sys.dm_os_tasks, sys.dm_os_workers: one row per running request (its task; all run on the engine thread).
- sys.dm_os_schedulers: one VISIBLE ONLINE scheduler, the engine thread (its tasks, the runnable ones, its CPU).
- sys.database_mirroring: one row per database, its mirroring columns NULL (no database is mirrored; SQL Server
  shows an unmirrored database so).
- sys.dm_os_nodes: one ONLINE node (0) holding that scheduler, in memory node 0, with this machine's CPUs.
- sys.dm_os_performance_counters: the counters Quietus keeps (user connections, blocked processes, transactions).
- sys.partitions: one row per table and index, with its row count.
- sys.database_principals: the fixed principals every database has (public, dbo, guest, INFORMATION_SCHEMA, sys).
- sys.endpoints: the TDS endpoint.
- No rows, because Quietus keeps no plan XML: sys.dm_exec_query_plan, dm_exec_text_query_plan,
  dm_exec_query_statistics_xml.
- No rows, because Quietus does not have the thing: sys.dm_exec_query_stats and its siblings per procedure,
  trigger and function (dm_exec_procedure_stats, dm_exec_trigger_stats, dm_exec_function_stats: Quietus keeps no
  execution statistics of cached plans), dm_exec_query_memory_grants,
  dm_exec_query_resource_semaphores, dm_db_task_space_usage,
  dm_db_session_space_usage, sys.allocation_units, the resource governor, HADR and Service Broker views, and
  msdb's agent tables (sysjobs, sysjobsteps, sysjobhistory, sysjobschedules, sysjobactivity, sysschedules,
  sysalerts, sysoperators, sysmaintplan_subplans, sysssispackages: Quietus has no agent), msdb.dbo.backupset,
  backupmediafamily and restorehistory (Quietus has no BACKUP or RESTORE), msdb.dbo.suspect_pages (no pages), and
  sys.dm_os_ring_buffers (Quietus keeps no ring buffers), sys.dm_server_audit_status (Quietus has no server
  audits: CREATE SERVER AUDIT is not supported), sys.resource_governor_configuration (no resource governor, so no
  configuration of one), sys.dm_os_cluster_nodes and sys.dm_hadr_availability_replica_cluster_states (not a
  failover cluster, in no availability group), sys.server_triggers (Quietus has no triggers),
  sys.dm_exec_query_optimizer_info (the planner counts no optimizer events).
"""

from __future__ import annotations

import datetime
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from quietus.admin.activity import Snapshot
from quietus.admin.catalog_views import user_tables
from quietus.admin.columns import columns, no_rows
from quietus.sessions.session import SessionStatus
from quietus.sql.context import ExecContext
from quietus.sql.environment import TableFunction, VirtualTable

_STARTED = datetime.datetime.now()
_STARTED_MONOTONIC = time.monotonic()


# -- sys.dm_os_sys_info ------------------------------------------------------------------------------------------

DM_OS_SYS_INFO = columns("""
cpu_ticks bigint
ms_ticks bigint
cpu_count int
hyperthread_ratio int
physical_memory_kb bigint
virtual_memory_kb bigint
committed_kb int
committed_target_kb int
visible_target_kb int
stack_size_in_bytes int
os_quantum bigint
os_error_mode int
max_workers_count int
scheduler_count int
scheduler_total_count int
sqlserver_start_time_ms_ticks bigint
sqlserver_start_time datetime
affinity_type int
affinity_type_desc nvarchar(60)
process_kernel_time_ms bigint
process_user_time_ms bigint
time_source int
time_source_desc nvarchar(60)
virtual_machine_type int
virtual_machine_type_desc nvarchar(60)
""")


def physical_memory_kb() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1024
    except (ValueError, OSError, AttributeError):
        return None


def sys_info_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    now_ms = int(time.monotonic() * 1000)
    times = os.times()
    cpus = os.cpu_count() or 1
    yield (
        time.perf_counter_ns(), now_ms, cpus, 1, physical_memory_kb(), None, None, None, None, None, None, None,
        1, 1, 1, int(_STARTED_MONOTONIC * 1000), _STARTED, 2, "AUTO", int(times.system * 1000),
        int(times.user * 1000), 0, "QUERY_PERFORMANCE_COUNTER", 0, "NONE",
    )  # fmt: skip


# -- tasks and workers: one per running request ---------------------------------------------------------------

DM_OS_TASKS = columns("""
task_address varbinary(8)
task_state nvarchar(60)
context_switches_count int
pending_io_count int
pending_io_byte_count bigint
pending_io_byte_average int
scheduler_id int
session_id smallint
exec_context_id int
request_id int
worker_address varbinary(8)
host_address varbinary(8)
parent_task_address varbinary(8)
""")

DM_OS_WORKERS = columns("""
worker_address varbinary(8)
status int
is_preemptive bit
is_fiber bit
is_sick bit
is_in_cc_exception bit
is_fatal_exception bit
is_inside_catch bit
is_in_polling_io_completion_routine bit
context_switch_count int
pending_io_count int
pending_io_byte_count bigint
pending_io_byte_average int
wait_started_ms_ticks bigint
wait_resumed_ms_ticks bigint
task_bound_ms_ticks bigint
worker_created_ms_ticks bigint
exception_num int
exception_severity int
exception_address varbinary(8)
affinity bigint
state nvarchar(60)
start_quantum bigint
end_quantum bigint
last_wait_type nvarchar(60)
return_code int
quantum_used bigint
max_quantum bigint
boost_count int
tasks_processed_count int
fiber_address varbinary(8)
task_address varbinary(8)
memory_object_address varbinary(8)
thread_address varbinary(8)
signal_worker_address varbinary(8)
scheduler_address varbinary(8)
""")


def _address(value: int) -> bytes:
    return (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def _running(ctx: ExecContext) -> Iterator[Any]:
    """The sessions with a running request that the caller may see (VIEW SERVER STATE, or only its own)."""
    for session in Snapshot(ctx).sessions:
        if session.task is not None and session.status is SessionStatus.RUNNING:
            yield session


def task_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for session in _running(ctx):
        task = _address(id(session.task))
        yield (
            task, "RUNNING" if session.task.wait_type is None else "SUSPENDED", None, 0, 0, 0, 0,
            session.session_id, 0, 0, _address(id(session.task) + 1), None, None,
        )  # fmt: skip


def worker_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """One worker per running request, bound to it when the request started; every worker is the engine thread.
    wait_resumed_ms_ticks is NULL: Quietus does not record when a wait ended."""
    now = datetime.datetime.now()
    now_monotonic = time.monotonic()
    thread = _address(threading.get_ident())
    for session in _running(ctx):
        task = session.task
        started = session.last_request_start_time or now
        # floored once, after subtracting: flooring the elapsed part first put the tick up to 1 ms after "now"
        bound_ms = int((now_monotonic - (now - started).total_seconds()) * 1000)
        waited_ms = int(task.wait_started * 1000) if task.wait_started else None
        state = "RUNNING" if task.wait_type is None else "SUSPENDED"
        yield (
            _address(id(task) + 1), 0, False, False, False, False, False, False, False, None, 0, 0, 0,
            waited_ms, None, bound_ms, bound_ms, None, None, None, None, state, None, None,
            task.wait_type or task.last_wait_type or "", None, None, None, None, None, None, _address(id(task)), None,
            thread, None, _address(0),
        )  # fmt: skip


# -- the scheduler: the engine thread ---------------------------------------------------------------------------

DM_OS_SCHEDULERS = columns("""
scheduler_address varbinary(8)
parent_node_id int
scheduler_id int
cpu_id int
status nvarchar(60)
is_online bit
is_idle bit
preemptive_switches_count int
context_switches_count int
idle_switches_count int
current_tasks_count int
runnable_tasks_count int
current_workers_count int
active_workers_count int
work_queue_count bigint
pending_disk_io_count int
load_factor int
yield_count int
last_timer_activity bigint
failed_to_create_worker bit
active_worker_address varbinary(8)
memory_object_address varbinary(8)
task_memory_object_address varbinary(8)
quantum_length_us bigint
total_cpu_usage_ms bigint
total_cpu_idle_capped_ms bigint
total_scheduler_delay_ms bigint
ideal_workers_limit int
""")


def scheduler_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """One scheduler: the engine thread, which runs every request (runnable: those not waiting).  The counts
    Quietus does not keep (switches, yields, delays) are NULL."""
    running = list(_running(ctx))
    runnable = sum(1 for session in running if session.task.wait_type is None)
    thread = _address(threading.get_ident())
    yield (
        thread, 0, 0, 0, "VISIBLE ONLINE", True, not running, None, None, None, len(running), runnable,
        len(running), runnable, 0, 0, len(running), None, int(time.monotonic() * 1000), False,
        _address(id(ctx.session.task) + 1) if ctx.session.task is not None else None, None, None, None,
        int(time.thread_time() * 1000), 0, None, None,
    )  # fmt: skip


DM_OS_NODES = columns("""
node_id smallint
node_state_desc nvarchar(256)
memory_object_address varbinary(8)
memory_clerk_address varbinary(8)
io_completion_worker_address varbinary(8)
memory_node_id smallint
cpu_affinity_mask bigint
online_scheduler_count smallint
idle_scheduler_count smallint
active_worker_count int
avg_load_balance int
timer_task_affinity_mask bigint
permanent_task_affinity_mask bigint
resource_monitor_state bit
online_scheduler_mask bigint
processor_group smallint
cpu_count int
""")


def node_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """The one node: its one scheduler is idle when no request runs; its workers are the running requests'."""
    running = len(list(_running(ctx)))
    cpus = os.cpu_count() or 1
    yield 0, "ONLINE", None, None, None, 0, None, 1, int(not running), running, None, None, None, None, 1, 0, cpus


# -- performance counters -------------------------------------------------------------------------------------

DM_OS_PERFORMANCE_COUNTERS = columns("""
object_name nchar(128)
counter_name nchar(128)
instance_name nchar(128)
cntr_value bigint
cntr_type int
""")
RAW_COUNT = 65792  # PERF_COUNTER_LARGE_RAWCOUNT: a value as it is now


def counter_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snapshot = Snapshot(ctx)
    users = [s for s in snapshot.sessions if s.is_user_process]
    blocked = 0
    for session in users:
        activity = snapshot.activity(session)
        if activity is not None and activity.blocking_session_id:
            blocked += 1
    active_transactions = sum(1 for s in users if s.txn is not None)
    rows = (
        ("SQLServer:General Statistics", "User Connections", "", len(users)),
        ("SQLServer:General Statistics", "Processes blocked", "", blocked),
        ("SQLServer:Transactions", "Transactions", "", active_transactions),
    )
    for object_name, counter, instance, value in rows:
        yield (object_name.ljust(128), counter.ljust(128), instance.ljust(128), value, RAW_COUNT)


# -- catalog ------------------------------------------------------------------------------------------------------

SYS_PARTITIONS = columns("""
partition_id bigint
object_id int
index_id int
partition_number int
hobt_id bigint
rows bigint
filestream_filegroup_id smallint
data_compression tinyint
data_compression_desc nvarchar(60)
""")


def partition_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        count = len(table.rows)
        indexes = [1 if index.primary_key else index.index_id for index in table.definition.indexes]
        if table.definition.primary_key is None:
            indexes.insert(0, 0)  # the heap
        for index_id in indexes:
            # the table's own rows (heap or clustered index) have the hobt id its key locks name, the object id
            # (sys.dm_tran_locks.resource_associated_entity_id, wait_resource "KEY: db:id (hash)")
            partition_id = table.object_id if index_id <= 1 else (table.object_id << 16) | index_id
            yield (partition_id, table.object_id, index_id, 1, partition_id, count, 0, 0, "NONE")


SYS_DATABASE_PRINCIPALS = columns("""
name sysname
principal_id int
type char(1)
type_desc nvarchar(60)
default_schema_name sysname
create_date datetime
modify_date datetime
owning_principal_id int
sid varbinary(85)
is_fixed_role bit
authentication_type int
authentication_type_desc nvarchar(60)
""")

DATABASE_PRINCIPALS = (
    ("public", 0, "R", "DATABASE_ROLE", None, None, True, 0, "NONE"),
    ("dbo", 1, "S", "SQL_USER", "dbo", b"\x01", False, 1, "INSTANCE"),
    ("guest", 2, "S", "SQL_USER", "guest", b"\x00", False, 0, "NONE"),
    ("INFORMATION_SCHEMA", 3, "S", "SQL_USER", None, None, False, 0, "NONE"),
    ("sys", 4, "S", "SQL_USER", None, None, False, 0, "NONE"),
)


def principal_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for name, principal_id, kind, description, schema, sid, fixed, auth, auth_desc in DATABASE_PRINCIPALS:
        owner = 1 if kind == "R" else None
        yield (name, principal_id, kind, description, schema, None, None, owner, sid, fixed, auth, auth_desc)


SYS_ENDPOINTS = columns("""
name sysname
endpoint_id int
principal_id int
protocol tinyint
protocol_desc nvarchar(60)
type tinyint
type_desc nvarchar(60)
state tinyint
state_desc nvarchar(60)
is_admin_endpoint bit
""")


def endpoint_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    yield ("TSQL Default TCP", 4, 1, 2, "TCP", 2, "TSQL", 0, "STARTED", False)


# -- views and functions of things Quietus does not have: their columns, no rows ---------------------------------

DM_EXEC_QUERY_PLAN = columns("""
dbid smallint
objectid int
number smallint
encrypted bit
query_plan nvarchar(max)
""")

DM_EXEC_TEXT_QUERY_PLAN = DM_EXEC_QUERY_PLAN

DM_EXEC_QUERY_STATISTICS_XML = columns("""
session_id smallint
request_id int
sql_handle varbinary(64)
plan_handle varbinary(64)
query_plan nvarchar(max)
""")

# sys.dm_exec_procedure_stats, _trigger_stats and _function_stats: the object, then the plan's counters.
DM_EXEC_OBJECT_STATS = columns("""
database_id int
object_id int
type char(2)
type_desc nvarchar(60)
sql_handle varbinary(64)
plan_handle varbinary(64)
cached_time datetime
last_execution_time datetime
execution_count bigint
total_worker_time bigint
last_worker_time bigint
min_worker_time bigint
max_worker_time bigint
total_physical_reads bigint
last_physical_reads bigint
min_physical_reads bigint
max_physical_reads bigint
total_logical_writes bigint
last_logical_writes bigint
min_logical_writes bigint
max_logical_writes bigint
total_logical_reads bigint
last_logical_reads bigint
min_logical_reads bigint
max_logical_reads bigint
total_elapsed_time bigint
last_elapsed_time bigint
min_elapsed_time bigint
max_elapsed_time bigint
total_spills bigint
last_spills bigint
min_spills bigint
max_spills bigint
""")

DM_EXEC_QUERY_STATS = columns("""
sql_handle varbinary(64)
statement_start_offset int
statement_end_offset int
plan_generation_num bigint
plan_handle varbinary(64)
creation_time datetime
last_execution_time datetime
execution_count bigint
total_worker_time bigint
last_worker_time bigint
min_worker_time bigint
max_worker_time bigint
total_physical_reads bigint
last_physical_reads bigint
min_physical_reads bigint
max_physical_reads bigint
total_logical_writes bigint
last_logical_writes bigint
min_logical_writes bigint
max_logical_writes bigint
total_logical_reads bigint
last_logical_reads bigint
min_logical_reads bigint
max_logical_reads bigint
total_clr_time bigint
last_clr_time bigint
min_clr_time bigint
max_clr_time bigint
total_elapsed_time bigint
last_elapsed_time bigint
min_elapsed_time bigint
max_elapsed_time bigint
query_hash binary(8)
query_plan_hash binary(8)
total_rows bigint
last_rows bigint
min_rows bigint
max_rows bigint
statement_sql_handle varbinary(64)
statement_context_id bigint
total_dop bigint
last_dop bigint
min_dop bigint
max_dop bigint
total_grant_kb bigint
last_grant_kb bigint
min_grant_kb bigint
max_grant_kb bigint
total_used_grant_kb bigint
last_used_grant_kb bigint
min_used_grant_kb bigint
max_used_grant_kb bigint
total_ideal_grant_kb bigint
last_ideal_grant_kb bigint
min_ideal_grant_kb bigint
max_ideal_grant_kb bigint
total_reserved_threads bigint
last_reserved_threads bigint
min_reserved_threads bigint
max_reserved_threads bigint
total_used_threads bigint
last_used_threads bigint
min_used_threads bigint
max_used_threads bigint
""")

DM_EXEC_QUERY_MEMORY_GRANTS = columns("""
session_id smallint
request_id int
scheduler_id int
dop smallint
request_time datetime
grant_time datetime
requested_memory_kb bigint
granted_memory_kb bigint
required_memory_kb bigint
used_memory_kb bigint
max_used_memory_kb bigint
ideal_memory_kb bigint
query_cost float
timeout_sec int
resource_semaphore_id smallint
queue_id smallint
wait_order int
is_next_candidate bit
wait_time_ms bigint
plan_handle varbinary(64)
sql_handle varbinary(64)
group_id int
pool_id int
is_small bit
""")

DM_EXEC_QUERY_RESOURCE_SEMAPHORES = columns("""
resource_semaphore_id smallint
target_memory_kb bigint
max_target_memory_kb bigint
total_memory_kb bigint
available_memory_kb bigint
granted_memory_kb bigint
used_memory_kb bigint
grantee_count int
waiter_count int
timeout_error_count bigint
forced_grant_count bigint
pool_id int
""")

SPACE_USAGE = columns("""
session_id smallint
database_id smallint
user_objects_alloc_page_count bigint
user_objects_dealloc_page_count bigint
internal_objects_alloc_page_count bigint
internal_objects_dealloc_page_count bigint
""")

DM_DB_TASK_SPACE_USAGE = columns("""
session_id smallint
request_id int
exec_context_id int
database_id smallint
user_objects_alloc_page_count bigint
user_objects_dealloc_page_count bigint
internal_objects_alloc_page_count bigint
internal_objects_dealloc_page_count bigint
""")

SYS_ALLOCATION_UNITS = columns("""
allocation_unit_id bigint
type tinyint
type_desc nvarchar(60)
container_id bigint
data_space_id int
total_pages bigint
used_pages bigint
data_pages bigint
""")

RESOURCE_GOVERNOR_WORKLOAD_GROUPS = columns("""
group_id int
name sysname
importance sysname
request_max_memory_grant_percent int
request_max_cpu_time_sec int
request_memory_grant_timeout_sec int
max_dop int
group_max_requests int
pool_id int
""")

RESOURCE_GOVERNOR_RESOURCE_POOLS = columns("""
pool_id int
name sysname
min_cpu_percent int
max_cpu_percent int
min_memory_percent int
max_memory_percent int
cap_cpu_percent int
""")

HADR_GROUP_STATES = columns("""
group_id uniqueidentifier
primary_replica nvarchar(128)
primary_recovery_health tinyint
primary_recovery_health_desc nvarchar(60)
synchronization_health tinyint
synchronization_health_desc nvarchar(60)
""")

AVAILABILITY_REPLICAS = columns("""
replica_id uniqueidentifier
group_id uniqueidentifier
replica_metadata_id int
replica_server_name nvarchar(256)
owner_sid varbinary(85)
endpoint_url nvarchar(128)
availability_mode tinyint
availability_mode_desc nvarchar(60)
failover_mode tinyint
failover_mode_desc nvarchar(60)
session_timeout int
primary_role_allow_connections tinyint
primary_role_allow_connections_desc nvarchar(60)
secondary_role_allow_connections tinyint
secondary_role_allow_connections_desc nvarchar(60)
create_date datetime
modify_date datetime
backup_priority int
read_only_routing_url nvarchar(256)
seeding_mode tinyint
seeding_mode_desc nvarchar(60)
read_write_routing_url nvarchar(256)
""")

BROKER_ACTIVATED_TASKS = columns("""
spid int
database_id smallint
queue_id int
procedure_name nvarchar(650)
execute_as int
""")

BACKUPSET = columns("""
backup_set_id int
backup_set_uuid uniqueidentifier
media_set_id int
first_family_number tinyint
first_media_number smallint
last_family_number tinyint
last_media_number smallint
catalog_family_number tinyint
catalog_media_number smallint
position int
expiration_date datetime
software_vendor_id int
name nvarchar(128)
description nvarchar(255)
user_name nvarchar(128)
software_major_version tinyint
software_minor_version tinyint
software_build_version smallint
time_zone smallint
mtf_minor_version tinyint
first_lsn numeric(25,0)
last_lsn numeric(25,0)
checkpoint_lsn numeric(25,0)
database_backup_lsn numeric(25,0)
database_creation_date datetime
backup_start_date datetime
backup_finish_date datetime
type char(1)
sort_order smallint
code_page smallint
compatibility_level tinyint
database_version int
backup_size numeric(20,0)
database_name nvarchar(128)
server_name nvarchar(128)
machine_name nvarchar(128)
flags int
unicode_locale int
unicode_compare_style int
collation_name nvarchar(128)
is_password_protected bit
recovery_model nvarchar(60)
has_bulk_logged_data bit
is_snapshot bit
is_readonly bit
is_single_user bit
has_backup_checksums bit
is_damaged bit
begins_log_chain bit
has_incomplete_metadata bit
is_force_offline bit
is_copy_only bit
first_recovery_fork_guid uniqueidentifier
last_recovery_fork_guid uniqueidentifier
fork_point_lsn numeric(25,0)
database_guid uniqueidentifier
family_guid uniqueidentifier
differential_base_lsn numeric(25,0)
differential_base_guid uniqueidentifier
compressed_backup_size numeric(20,0)
key_algorithm nvarchar(32)
encryptor_thumbprint varbinary(20)
encryptor_type nvarchar(32)
""")

BACKUPMEDIAFAMILY = columns("""
media_set_id int
family_sequence_number tinyint
media_family_id uniqueidentifier
media_count int
logical_device_name nvarchar(128)
physical_device_name nvarchar(260)
device_type tinyint
physical_block_size int
mirror tinyint
""")

RESTOREHISTORY = columns("""
restore_history_id int
restore_date datetime
destination_database_name nvarchar(128)
user_name nvarchar(128)
backup_set_id int
restore_type char(1)
replace bit
recovery bit
restart bit
stop_at datetime
device_count tinyint
stop_at_mark_name nvarchar(128)
stop_before bit
""")

SUSPECT_PAGES = columns("""
database_id int
file_id int
page_id bigint
event_type int
error_count int
last_update_date datetime
""")

SYSJOBHISTORY = columns("""
instance_id int
job_id uniqueidentifier
step_id int
step_name sysname
sql_message_id int
sql_severity int
message nvarchar(4000)
run_status int
run_date int
run_time int
run_duration int
operator_id_emailed int
operator_id_netsent int
operator_id_paged int
retries_attempted int
server sysname
""")

SYSJOBSCHEDULES = columns("""
schedule_id int
job_id uniqueidentifier
next_run_date int
next_run_time int
""")

SYSJOBACTIVITY = columns("""
session_id int
job_id uniqueidentifier
run_requested_date datetime
run_requested_source sysname
queued_date datetime
start_execution_date datetime
last_executed_step_id int
last_executed_step_date datetime
stop_execution_date datetime
job_history_id int
next_scheduled_run_date datetime
""")

SYSSCHEDULES = columns("""
schedule_id int
schedule_uid uniqueidentifier
originating_server_id int
name sysname
owner_sid varbinary(85)
enabled int
freq_type int
freq_interval int
freq_subday_type int
freq_subday_interval int
freq_relative_interval int
freq_recurrence_factor int
active_start_date int
active_end_date int
active_start_time int
active_end_time int
date_created datetime
date_modified datetime
version_number int
""")

SYSALERTS = columns("""
id int
name sysname
event_source nvarchar(100)
event_category_id int
event_id int
message_id int
severity int
enabled tinyint
delay_between_responses int
last_occurrence_date int
last_occurrence_time int
last_response_date int
last_response_time int
notification_message nvarchar(512)
include_event_description tinyint
database_name nvarchar(512)
event_description_keyword nvarchar(100)
occurrence_count int
count_reset_date int
count_reset_time int
job_id uniqueidentifier
has_notification int
flags int
performance_condition nvarchar(512)
category_id int
""")

SYSOPERATORS = columns("""
id int
name sysname
enabled tinyint
email_address nvarchar(100)
last_email_date int
last_email_time int
pager_address nvarchar(100)
last_pager_date int
last_pager_time int
weekday_pager_start_time int
weekday_pager_end_time int
saturday_pager_start_time int
saturday_pager_end_time int
sunday_pager_start_time int
sunday_pager_end_time int
pager_days tinyint
netsend_address nvarchar(100)
last_netsend_date int
last_netsend_time int
category_id int
""")

SYSMAINTPLAN_SUBPLANS = columns("""
subplan_id uniqueidentifier
subplan_name sysname
subplan_description nvarchar(512)
plan_id uniqueidentifier
job_id uniqueidentifier
msx_job_id uniqueidentifier
schedule_id int
log_to_file bit
""")

SYSSSISPACKAGES = columns("""
name sysname
id uniqueidentifier
description nvarchar(1024)
createdate datetime
folderid uniqueidentifier
ownersid varbinary(85)
packagedata varbinary(max)
packageformat int
packagetype int
vermajor int
verminor int
verbuild int
vercomments nvarchar(1024)
verid uniqueidentifier
isencrypted bit
readrolesid varbinary(85)
writerolesid varbinary(85)
""")

DM_OS_RING_BUFFERS = columns("""
ring_buffer_address varbinary(8)
ring_buffer_type nvarchar(60)
timestamp bigint
record nvarchar(3072)
""")

SYSJOBS = columns("""
job_id uniqueidentifier
originating_server_id int
name sysname
enabled tinyint
description nvarchar(512)
start_step_id int
category_id int
owner_sid varbinary(85)
notify_level_eventlog int
notify_level_email int
notify_level_netsend int
notify_level_page int
notify_email_operator_id int
notify_netsend_operator_id int
notify_page_operator_id int
delete_level int
date_created datetime
date_modified datetime
version_number int
""")

SYSJOBSTEPS = columns("""
job_id uniqueidentifier
step_id int
step_name sysname
subsystem nvarchar(40)
command nvarchar(max)
database_name sysname
""")

AVAILABILITY_GROUPS = columns("""
group_id uniqueidentifier
name sysname
resource_id nvarchar(40)
resource_group_id nvarchar(40)
failure_condition_level int
health_check_timeout int
automated_backup_preference tinyint
automated_backup_preference_desc nvarchar(60)
version smallint
basic_features bit
dtc_support bit
db_failover bit
is_distributed bit
cluster_type tinyint
cluster_type_desc nvarchar(60)
required_synchronized_secondaries_to_commit int
sequence_number bigint
is_contained bit
""")

AVAILABILITY_DATABASES_CLUSTER = columns("""
group_id uniqueidentifier
group_database_id uniqueidentifier
database_name sysname
truncation_lsn numeric(25,0)
""")

AVAILABILITY_GROUP_LISTENERS = columns("""
group_id uniqueidentifier
listener_id nvarchar(36)
dns_name nvarchar(63)
port int
is_conformant bit
ip_configuration_string_from_cluster nvarchar(4000)
""")

HADR_REPLICA_STATES = columns("""
replica_id uniqueidentifier
group_id uniqueidentifier
is_local bit
role tinyint
role_desc nvarchar(60)
operational_state tinyint
operational_state_desc nvarchar(60)
connected_state tinyint
connected_state_desc nvarchar(60)
recovery_health tinyint
recovery_health_desc nvarchar(60)
synchronization_health tinyint
synchronization_health_desc nvarchar(60)
last_connect_error_number int
last_connect_error_description nvarchar(1024)
last_connect_error_timestamp datetime
""")

HADR_DATABASE_REPLICA_STATES = columns("""
database_id int
group_id uniqueidentifier
replica_id uniqueidentifier
group_database_id uniqueidentifier
is_local bit
is_primary_replica bit
synchronization_state tinyint
synchronization_state_desc nvarchar(60)
is_commit_participant bit
synchronization_health tinyint
synchronization_health_desc nvarchar(60)
database_state tinyint
database_state_desc nvarchar(60)
is_suspended bit
suspend_reason tinyint
suspend_reason_desc nvarchar(60)
recovery_lsn numeric(25,0)
truncation_lsn numeric(25,0)
last_sent_lsn numeric(25,0)
last_sent_time datetime
last_received_lsn numeric(25,0)
last_received_time datetime
last_hardened_lsn numeric(25,0)
last_hardened_time datetime
last_redone_lsn numeric(25,0)
last_redone_time datetime
log_send_queue_size bigint
log_send_rate bigint
redo_queue_size bigint
redo_rate bigint
filestream_send_rate bigint
end_of_log_lsn numeric(25,0)
last_commit_lsn numeric(25,0)
last_commit_time datetime
low_water_mark_for_ghosts bigint
secondary_lag_seconds bigint
""")

HADR_REPLICA_CLUSTER_STATES = columns("""
replica_id uniqueidentifier
replica_server_name nvarchar(256)
group_id uniqueidentifier
join_state tinyint
join_state_desc nvarchar(60)
""")

DATABASE_MIRRORING = columns("""
database_id int
mirroring_guid uniqueidentifier
mirroring_state tinyint
mirroring_state_desc nvarchar(60)
mirroring_role tinyint
mirroring_role_desc nvarchar(60)
mirroring_role_sequence int
mirroring_safety_level tinyint
mirroring_safety_level_desc nvarchar(60)
mirroring_safety_sequence int
mirroring_partner_name nvarchar(128)
mirroring_partner_instance nvarchar(128)
mirroring_witness_name nvarchar(128)
mirroring_witness_state tinyint
mirroring_witness_state_desc nvarchar(60)
mirroring_failover_lsn numeric(25, 0)
mirroring_connection_timeout int
mirroring_redo_queue int
mirroring_redo_queue_type nvarchar(60)
mirroring_end_of_log_lsn numeric(25, 0)
mirroring_replication_lsn numeric(25, 0)
""")


def mirroring_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for database_id in sorted(d.database_id for d in ctx.env.databases.values()):
        yield (database_id, *(None,) * (len(DATABASE_MIRRORING) - 1))


CLUSTER_NODES = columns("""
NodeName nvarchar(256)
status int
status_description nvarchar(256)
is_current_owner bit
""")

HADR_CLUSTER = columns("""
cluster_name nvarchar(128)
quorum_type tinyint
quorum_type_desc nvarchar(60)
quorum_state tinyint
quorum_state_desc nvarchar(60)
""")

DM_RESOURCE_GOVERNOR_WORKLOAD_GROUPS = columns("""
group_id int
pool_id int
external_pool_id int
name sysname
statistics_start_time datetime
total_request_count bigint
total_queued_request_count bigint
active_request_count int
queued_request_count int
total_cpu_limit_violation_count bigint
total_cpu_usage_ms bigint
max_request_cpu_time_ms bigint
blocked_task_count int
total_lock_wait_count bigint
total_lock_wait_time_ms bigint
total_query_optimization_count bigint
total_suboptimal_plan_generation_count bigint
total_reduced_memgrant_count bigint
max_request_grant_memory_kb bigint
active_parallel_thread_count bigint
importance sysname
request_max_memory_grant_percent int
request_max_cpu_time_sec int
request_memory_grant_timeout_sec int
group_max_requests int
max_dop int
effective_max_dop int
""")

DM_RESOURCE_GOVERNOR_RESOURCE_POOLS = columns("""
pool_id int
name sysname
statistics_start_time datetime
total_cpu_usage_ms bigint
cache_memory_kb bigint
compile_memory_kb bigint
used_memory_kb bigint
total_memgrant_count bigint
total_memgrant_timeout_count bigint
active_memgrant_count int
active_memgrant_kb bigint
memgrant_waiter_count int
max_memory_kb bigint
target_memory_kb bigint
out_of_memory_count bigint
min_cpu_percent int
max_cpu_percent int
min_memory_percent int
max_memory_percent int
cap_cpu_percent int
""")

DM_SERVER_AUDIT_STATUS = columns("""
audit_id int
name sysname
status smallint
status_desc nvarchar(256)
status_time datetime2
event_session_address varbinary(8)
audit_file_path nvarchar(260)
audit_file_size bigint
""")

RESOURCE_GOVERNOR_CONFIGURATION = columns("""
classifier_function_id int
is_enabled bit
max_outstanding_io_per_volume int
""")

SERVER_TRIGGERS = columns("""
name sysname
object_id int
parent_class tinyint
parent_class_desc nvarchar(60)
parent_id int
type char(2)
type_desc nvarchar(60)
create_date datetime
modify_date datetime
is_ms_shipped bit
is_disabled bit
""")

DM_EXEC_QUERY_OPTIMIZER_INFO = columns("""
counter nvarchar(4000)
occurrence bigint
value float
""")

VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_os_sys_info", DM_OS_SYS_INFO, sys_info_rows),
    VirtualTable("sys.dm_os_tasks", DM_OS_TASKS, task_rows),
    VirtualTable("sys.dm_os_schedulers", DM_OS_SCHEDULERS, scheduler_rows),
    VirtualTable("sys.dm_os_workers", DM_OS_WORKERS, worker_rows),
    VirtualTable("sys.dm_os_nodes", DM_OS_NODES, node_rows),
    VirtualTable("sys.dm_os_performance_counters", DM_OS_PERFORMANCE_COUNTERS, counter_rows),
    VirtualTable("sys.partitions", SYS_PARTITIONS, partition_rows),
    VirtualTable("sys.database_principals", SYS_DATABASE_PRINCIPALS, principal_rows),
    VirtualTable("sys.endpoints", SYS_ENDPOINTS, endpoint_rows),
    VirtualTable("sys.dm_exec_query_stats", DM_EXEC_QUERY_STATS, no_rows),
    VirtualTable("sys.dm_exec_procedure_stats", DM_EXEC_OBJECT_STATS, no_rows),
    VirtualTable("sys.dm_exec_trigger_stats", DM_EXEC_OBJECT_STATS, no_rows),
    VirtualTable("sys.dm_exec_function_stats", DM_EXEC_OBJECT_STATS, no_rows),
    VirtualTable("sys.dm_exec_query_memory_grants", DM_EXEC_QUERY_MEMORY_GRANTS, no_rows),
    VirtualTable("sys.dm_exec_query_resource_semaphores", DM_EXEC_QUERY_RESOURCE_SEMAPHORES, no_rows),
    VirtualTable("sys.dm_db_task_space_usage", DM_DB_TASK_SPACE_USAGE, no_rows),
    VirtualTable("sys.dm_db_session_space_usage", SPACE_USAGE, no_rows),
    VirtualTable("sys.allocation_units", SYS_ALLOCATION_UNITS, no_rows),
    VirtualTable("sys.resource_governor_workload_groups", RESOURCE_GOVERNOR_WORKLOAD_GROUPS, no_rows),
    VirtualTable("sys.resource_governor_resource_pools", RESOURCE_GOVERNOR_RESOURCE_POOLS, no_rows),
    VirtualTable("sys.dm_hadr_availability_group_states", HADR_GROUP_STATES, no_rows),
    VirtualTable("sys.availability_replicas", AVAILABILITY_REPLICAS, no_rows),
    VirtualTable("sys.availability_groups", AVAILABILITY_GROUPS, no_rows),
    VirtualTable("sys.availability_databases_cluster", AVAILABILITY_DATABASES_CLUSTER, no_rows),
    VirtualTable("sys.availability_group_listeners", AVAILABILITY_GROUP_LISTENERS, no_rows),
    VirtualTable("sys.dm_hadr_availability_replica_states", HADR_REPLICA_STATES, no_rows),
    VirtualTable("sys.dm_hadr_database_replica_states", HADR_DATABASE_REPLICA_STATES, no_rows),
    VirtualTable("sys.dm_hadr_cluster", HADR_CLUSTER, no_rows),
    VirtualTable("sys.dm_os_cluster_nodes", CLUSTER_NODES, no_rows),
    VirtualTable("sys.database_mirroring", DATABASE_MIRRORING, mirroring_rows),
    VirtualTable("sys.dm_hadr_availability_replica_cluster_states", HADR_REPLICA_CLUSTER_STATES, no_rows),
    VirtualTable("sys.dm_resource_governor_workload_groups", DM_RESOURCE_GOVERNOR_WORKLOAD_GROUPS, no_rows),
    VirtualTable("sys.dm_resource_governor_resource_pools", DM_RESOURCE_GOVERNOR_RESOURCE_POOLS, no_rows),
    VirtualTable("sys.dm_broker_activated_tasks", BROKER_ACTIVATED_TASKS, no_rows),
    VirtualTable("msdb.dbo.sysjobs", SYSJOBS, no_rows),
    VirtualTable("msdb.dbo.sysjobsteps", SYSJOBSTEPS, no_rows),
    VirtualTable("msdb.dbo.backupset", BACKUPSET, no_rows),
    VirtualTable("msdb.dbo.backupmediafamily", BACKUPMEDIAFAMILY, no_rows),
    VirtualTable("msdb.dbo.restorehistory", RESTOREHISTORY, no_rows),
    VirtualTable("msdb.dbo.suspect_pages", SUSPECT_PAGES, no_rows),
    VirtualTable("msdb.dbo.sysjobhistory", SYSJOBHISTORY, no_rows),
    VirtualTable("msdb.dbo.sysjobschedules", SYSJOBSCHEDULES, no_rows),
    VirtualTable("msdb.dbo.sysjobactivity", SYSJOBACTIVITY, no_rows),
    VirtualTable("msdb.dbo.sysschedules", SYSSCHEDULES, no_rows),
    VirtualTable("msdb.dbo.sysalerts", SYSALERTS, no_rows),
    VirtualTable("msdb.dbo.sysoperators", SYSOPERATORS, no_rows),
    VirtualTable("msdb.dbo.sysmaintplan_subplans", SYSMAINTPLAN_SUBPLANS, no_rows),
    VirtualTable("msdb.dbo.sysssispackages", SYSSSISPACKAGES, no_rows),
    VirtualTable("sys.dm_os_ring_buffers", DM_OS_RING_BUFFERS, no_rows),
    VirtualTable("sys.dm_server_audit_status", DM_SERVER_AUDIT_STATUS, no_rows),
    VirtualTable("sys.resource_governor_configuration", RESOURCE_GOVERNOR_CONFIGURATION, no_rows),
    VirtualTable("sys.server_triggers", SERVER_TRIGGERS, no_rows),
    VirtualTable("sys.dm_exec_query_optimizer_info", DM_EXEC_QUERY_OPTIMIZER_INFO, no_rows),
)

FUNCTIONS: tuple[TableFunction, ...] = (
    TableFunction("sys.dm_exec_query_plan", columns("plan_handle varbinary(64)"), DM_EXEC_QUERY_PLAN, no_rows),
    TableFunction(
        "sys.dm_exec_text_query_plan",
        columns("plan_handle varbinary(64)\nstatement_start_offset int\nstatement_end_offset int"),
        DM_EXEC_TEXT_QUERY_PLAN,
        no_rows,
    ),
    TableFunction(
        "sys.dm_exec_query_statistics_xml",
        columns("session_id smallint"),
        DM_EXEC_QUERY_STATISTICS_XML,
        no_rows,
    ),
)
