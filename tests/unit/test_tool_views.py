"""The catalog views, DMVs and functions DBA tools read: system objects with their columns, fn_my_permissions,
the OS views with real values, and the views of things Quietus does not have (their columns, no rows)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.sql.dialect import parse_batch
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        rows(
            connection, "CREATE TABLE t (id INT PRIMARY KEY, v NVARCHAR(10)); INSERT INTO t VALUES (1, N'a'), (2, N'b')"
        )
        yield connection


def test_system_objects_have_stable_negative_ids_and_their_columns(conn: Connection) -> None:
    [(object_id, name)] = rows(
        conn, "SELECT OBJECT_ID('sys.dm_exec_sessions'), OBJECT_NAME(OBJECT_ID('sys.dm_exec_sessions'))"
    )
    assert object_id < 0 and name == "dm_exec_sessions"
    assert rows(conn, "SELECT OBJECT_ID('master.sys.dm_exec_requests') - OBJECT_ID('sys.dm_exec_requests')") == [(0,)]
    assert rows(conn, "SELECT OBJECT_ID('sys.no_such_view')") == [(None,)]
    assert rows(
        conn,
        "SELECT name FROM sys.all_columns WHERE object_id = OBJECT_ID('sys.dm_exec_sessions') AND name = 'session_id'",
    ) == [("session_id",)]
    kinds = dict(
        rows(conn, "SELECT name, type FROM sys.all_objects WHERE name IN ('dm_exec_sessions', 'dm_exec_sql_text', 't')")
    )
    assert kinds == {"dm_exec_sessions": "V ", "dm_exec_sql_text": "IF", "t": "U "}
    assert rows(conn, "SELECT COUNT(*) FROM sys.system_views WHERE name = 'dm_tran_locks'") == [(1,)]
    assert rows(conn, "SELECT COUNT(*) FROM sys.objects WHERE object_id < 0") == [(0,)]  # sys.objects: user objects


def test_fn_my_permissions(conn: Connection) -> None:
    server = {name for (name,) in rows(conn, "SELECT permission_name FROM fn_my_permissions(NULL, 'SERVER')")}
    assert {"CONTROL SERVER", "VIEW SERVER STATE", "ALTER ANY CONNECTION"} <= server  # sa is a sysadmin
    assert ("t", "SELECT") in rows(
        conn, "SELECT entity_name, permission_name FROM sys.fn_my_permissions('t', 'OBJECT')"
    )
    assert rows(conn, "SELECT COUNT(*) FROM fn_my_permissions(N'msdb.dbo.sysjobs', N'OBJECT')") == [(0,)]
    assert rows(conn, "SELECT COUNT(*) FROM fn_my_permissions(NULL, 'DATABASE') WHERE permission_name = 'CONNECT'") == [
        (1,)
    ]


def test_os_views_answer_with_this_machine(conn: Connection) -> None:
    [(cpus, memory, started)] = rows(
        conn, "SELECT cpu_count, physical_memory_kb, sqlserver_start_time FROM sys.dm_os_sys_info"
    )
    assert cpus >= 1 and memory > 0 and started is not None
    # the request running this query is a task with a worker, and counted as a user connection
    assert rows(conn, "SELECT COUNT(*) FROM sys.dm_os_tasks WHERE session_id = @@SPID") == [(1,)]
    assert rows(
        conn,
        "SELECT w.state FROM sys.dm_os_tasks t JOIN sys.dm_os_workers w ON w.worker_address = t.worker_address "
        "WHERE t.session_id = @@SPID",
    ) == [("RUNNING",)]
    # one scheduler, the engine thread; this request is among its tasks and runnable, and it is not idle
    [(status, idle, tasks, runnable, own_task)] = rows(
        conn,
        "SELECT status, is_idle, current_tasks_count, runnable_tasks_count, "
        "(SELECT COUNT(*) FROM sys.dm_os_tasks WHERE session_id = @@SPID) FROM sys.dm_os_schedulers",
    )
    assert status == "VISIBLE ONLINE" and not idle and tasks >= 1 and 1 <= runnable <= tasks and own_task == 1
    assert rows(
        conn,
        "SELECT cntr_value FROM sys.dm_os_performance_counters WHERE RTRIM(counter_name) = 'User Connections'",
    ) == [(1,)]
    assert rows(conn, "SELECT index_id, rows FROM sys.partitions WHERE object_id = OBJECT_ID('t')") == [(1, 2)]
    assert ("dbo", 1) in rows(conn, "SELECT name, principal_id FROM sys.database_principals")


@pytest.mark.parametrize(
    "source",
    [
        "sys.dm_exec_query_stats",
        "sys.dm_exec_query_memory_grants",
        "sys.dm_exec_query_resource_semaphores",
        "sys.dm_db_task_space_usage",
        "sys.dm_db_session_space_usage",
        "sys.allocation_units",
        "sys.resource_governor_workload_groups",
        "sys.resource_governor_resource_pools",
        "sys.dm_hadr_availability_group_states",
        "sys.availability_groups",
        "sys.availability_databases_cluster",
        "sys.availability_group_listeners",
        "sys.dm_hadr_availability_replica_states",
        "sys.dm_hadr_database_replica_states",
        "sys.dm_hadr_cluster",
        "sys.dm_resource_governor_workload_groups",
        "sys.dm_resource_governor_resource_pools",
        "msdb.dbo.sysjobs",
        "sys.dm_exec_query_plan(0x06)",
        "sys.dm_exec_query_statistics_xml(@@SPID)",
    ],
)
def test_views_of_things_quietus_lacks_are_empty(conn: Connection, source: str) -> None:
    assert rows(conn, f"SELECT COUNT(*) FROM {source} AS x") == [(0,)]


def test_exec_takes_a_system_variable_argument(conn: Connection) -> None:
    assert rows(conn, "EXEC sp_executesql N'SELECT @s', N'@s NVARCHAR(128)', @@SERVERNAME") == [("QUIETUS",)]
    assert errors(conn, "EXEC sp_executesql N'SELECT 1', N'@a INT', @@NOSUCH")[0][0] == 137
    assert parse_batch("EXEC p @@SPID, @x OUTPUT")[0].arguments[1].output


def test_cpu_time_is_measured_per_session(conn: Connection) -> None:
    """cpu_time is the engine thread's CPU time inside the session's requests: it grows with the work they do."""
    rows(conn, "CREATE TABLE d (n INT PRIMARY KEY); INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
    [(before,)] = rows(conn, "SELECT cpu_time FROM sys.dm_exec_sessions WHERE session_id = @@SPID")
    rows(conn, "SELECT COUNT(*) FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e CROSS JOIN d f")
    [(after, cpu)] = rows(
        conn,
        "SELECT s.cpu_time, p.cpu FROM sys.dm_exec_sessions s JOIN sys.sysprocesses p ON p.spid = s.session_id "
        "WHERE s.session_id = @@SPID",
    )
    assert after > before and cpu == after


def test_cpu_time_sums_requests_shorter_than_a_millisecond(conn: Connection) -> None:
    """Each request's CPU time is added in nanoseconds and only the sum is shown in milliseconds: a session of many
    short requests shows their CPU time.  Before, each request's time was cut to whole milliseconds as it ended, and
    a session running thousands of point selects showed cpu_time 0."""
    rows(conn, "CREATE TABLE k (id INT PRIMARY KEY, v INT); INSERT INTO k VALUES (1, 1)")
    query = "SELECT cpu_time FROM sys.dm_exec_sessions WHERE session_id = @@SPID"
    [(before,)] = rows(conn, query)
    cursor = conn.cursor()
    for _ in range(3000):  # a few microseconds of the engine thread's CPU each: together well over 3 ms
        cursor.execute("SELECT v FROM k WHERE id = 1")
    [(after,)] = rows(conn, query)
    assert after - before >= 3
