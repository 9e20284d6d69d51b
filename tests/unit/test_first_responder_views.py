"""The catalog views, DMVs and system procedures sp_Blitz and sp_BlitzCache read (docs/reference/views.md): what
Quietus really has, and no rows where it has no such thing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def sa(tmp_path: Path) -> Iterator[Connection]:
    with quietus.connect(tmp_path / "data", autocommit=True) as connection:
        yield connection


def columns_of(conn: Connection, view: str) -> list[str]:
    sink = conn.run(f"SELECT TOP 0 * FROM {view}")
    return [column.name for column in sink.result_sets[-1].columns]


def test_sa_has_sql_servers_sid(sa: Connection) -> None:
    # sp_Blitz compares owners with SUSER_SNAME(0x01): sa's SID is 0x01 in every SQL Server
    assert rows(sa, "SELECT sid FROM sys.server_principals WHERE name = N'sa'") == [(b"\x01",)]
    assert rows(sa, "SELECT sid FROM sys.sql_logins WHERE name = N'sa'") == [(b"\x01",)]
    assert rows(sa, "SELECT security_id FROM sys.dm_exec_sessions WHERE session_id = @@SPID") == [(b"\x01",)]
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'Bob#pass1'")
    [(bob_sid,)] = rows(sa, "SELECT sid FROM sys.server_principals WHERE name = N'bob'")
    assert bob_sid == (256).to_bytes(4, "big")  # another login's: its principal id, four bytes


def test_suser_sname_of_a_sid(sa: Connection, tmp_path: Path) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'Bob#pass1'")
    assert rows(sa, "SELECT SUSER_SNAME(0x01), SUSER_SNAME(0x03), SUSER_SNAME(), SUSER_SNAME(0x0102)") == [
        ("sa", "sysadmin", "sa", None)
    ]
    assert rows(sa, "SELECT SUSER_SNAME(NULL)") == [(None,)]
    named = "SELECT name FROM sys.server_principals WHERE SUSER_SNAME(sid) = name ORDER BY principal_id"
    assert rows(sa, named)[0] == ("sa",) and ("bob",) in rows(sa, named)
    with quietus.connect(tmp_path / "data", autocommit=True, login="bob") as bob:
        # without ALTER ANY LOGIN another login's SID names nobody the caller may see; its own still does
        assert rows(bob, "SELECT SUSER_SNAME(0x01), SUSER_SNAME(0x00000100)") == [(None, "bob")]
    assert errors(sa, "SELECT SUSER_SNAME(0x01, 0x02)")[0][0] == 189


def test_syslogins_shows_each_login_and_its_fixed_roles(sa: Connection, tmp_path: Path) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'Bob#pass1'")
    rows(sa, "CREATE LOGIN carol WITH PASSWORD = 'Carol#pass1'")
    rows(sa, "ALTER SERVER ROLE processadmin ADD MEMBER carol")
    rows(sa, "DENY CONNECT SQL TO bob")
    found = rows(
        sa,
        "SELECT name, loginname, sid, sysadmin, processadmin, denylogin, hasaccess, dbname, isntname"
        " FROM master.sys.syslogins ORDER BY name",
    )
    assert found == [
        ("bob", "bob", (256).to_bytes(4, "big"), 0, 0, 1, 0, "master", 0),
        ("carol", "carol", (257).to_bytes(4, "big"), 0, 1, 0, 1, "master", 0),
        ("sa", "sa", b"\x01", 1, 0, 0, 1, "master", 0),
    ]
    # sp_Blitz's check 4: the sysadmins other than sa
    assert rows(sa, "SELECT name FROM sys.syslogins WHERE sysadmin = 1 AND name <> SUSER_SNAME(0x01)") == []
    for spelling in ("master..syslogins", "master.dbo.syslogins", "syslogins"):  # a compatibility view's names
        assert rows(sa, f"SELECT COUNT(*) FROM {spelling}") == [(3,)], spelling
    assert columns_of(sa, "sys.syslogins")[:2] == ["sid", "status"]
    assert columns_of(sa, "sys.syslogins")[-1] == "loginname"
    with quietus.connect(tmp_path / "data", autocommit=True, login="carol") as carol:
        assert rows(carol, "SELECT name FROM sys.syslogins") == [("carol",)]  # metadata visibility


def test_sp_validatelogins_has_no_windows_logins_to_report(sa: Connection, tmp_path: Path) -> None:
    sink = sa.run("EXEC sp_validatelogins")
    assert not [m for m in sink.messages if m.is_error]
    [result] = sink.result_sets
    assert [column.name for column in result.columns] == ["SID", "NT Login"] and result.rows == []
    rows(sa, "CREATE TABLE #invalid (LoginSID VARBINARY(85), LoginName SYSNAME)")
    rows(sa, "INSERT INTO #invalid (LoginSID, LoginName) EXEC sp_validatelogins")  # as sp_Blitz calls it
    assert rows(sa, "SELECT COUNT(*) FROM #invalid") == [(0,)]
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'Bob#pass1'")
    with quietus.connect(tmp_path / "data", autocommit=True, login="bob") as bob:
        assert errors(bob, "EXEC sp_validatelogins")[0][0] == 15247


def test_sys_databases_later_columns_say_what_quietus_has(sa: Connection) -> None:
    names = columns_of(sa, "sys.databases")
    assert names[:2] == ["name", "database_id"] and "is_change_feed_enabled" in names
    found = rows(
        sa,
        "SELECT is_auto_create_stats_on, is_broker_enabled, is_query_store_on, containment_desc,"
        " delayed_durability_desc, is_ansi_nulls_on, target_recovery_time_in_seconds"
        " FROM sys.databases WHERE name = N'master'",
    )
    # no statistics, broker or query store; always fully durable; no database-level SET defaults to show
    assert found == [(False, False, False, "NONE", "DISABLED", None, None)]


def test_dm_exec_plan_attributes_names_the_database_of_a_known_plan(sa: Connection) -> None:
    mine = (
        "SELECT pa.attribute, pa.value, pa.is_cache_key FROM sys.dm_exec_requests AS r"
        " CROSS APPLY sys.dm_exec_plan_attributes(r.plan_handle) AS pa WHERE r.session_id = @@SPID"
    )
    assert rows(sa, mine) == [("dbid", 1, True)]
    assert rows(sa, "SELECT COUNT(*) FROM sys.dm_exec_plan_attributes(0x0600000000)") == [(0,)]  # unknown handle
    assert rows(sa, "SELECT COUNT(*) FROM sys.dm_exec_plan_attributes(NULL)") == [(0,)]
    # sp_BlitzCache's use: value is an int here (SQL Server's sql_variant holding one)
    assert rows(sa, mine.replace("pa.attribute, pa.value, pa.is_cache_key", "CONVERT(INT, pa.value)")) == [(1,)]


def test_one_node_of_one_scheduler(sa: Connection) -> None:
    found = rows(
        sa,
        "SELECT node_id, node_state_desc, memory_node_id, online_scheduler_count, idle_scheduler_count, cpu_count,"
        " active_worker_count - (SELECT COUNT(*) FROM sys.dm_os_workers) FROM sys.dm_os_nodes",
    )
    assert found == [(0, "ONLINE", 0, 1, 0, os.cpu_count() or 1, 0)]  # busy running this request; its workers


def test_process_memory_is_this_processes(sa: Connection) -> None:
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("no /proc/self/status on this system")
    [(resident, locked, reserved, faults)] = rows(
        sa,
        "SELECT physical_memory_in_use_kb, locked_page_allocations_kb, virtual_address_space_reserved_kb,"
        " page_fault_count FROM sys.dm_os_process_memory",
    )
    assert 0 < resident <= reserved and faults > 0
    assert locked == int(next(line for line in status.read_text().splitlines() if line.startswith("VmLck:")).split()[1])
    [(clerk,)] = rows(sa, "SELECT pages_kb FROM sys.dm_os_memory_clerks")
    assert abs(clerk - resident) < resident // 2  # the same resident set, read a moment apart


def test_database_mirroring_has_each_database_unmirrored(sa: Connection) -> None:
    found = rows(sa, "SELECT database_id, mirroring_guid, mirroring_state_desc FROM master.sys.database_mirroring")
    assert found == [(1, None, None)]


def test_loaded_modules_are_the_processes_shared_objects(sa: Connection) -> None:
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("no /proc/self/maps on this system")
    names = {name for (name,) in rows(sa, "SELECT name FROM sys.dm_os_loaded_modules")}
    mapped = {line.split(maxsplit=5)[5] for line in maps.read_text().splitlines() if len(line.split(maxsplit=5)) == 6}
    assert names and names <= mapped
    assert any("libpython" in name or "_ssl" in name or ".so" in name for name in names)
    assert rows(sa, "SELECT COUNT(*) FROM sys.dm_os_loaded_modules WHERE UPPER(name) LIKE UPPER('%\\ENTAPI.DLL')") == [
        (0,)
    ]


@pytest.mark.parametrize(
    "view",
    [
        "sys.dm_server_audit_status",
        "sys.resource_governor_configuration",
        "sys.server_triggers",
        "sys.dm_exec_query_optimizer_info",
        "sys.dm_hadr_availability_replica_cluster_states",
        "sys.dm_os_cluster_nodes",
        "master.sys.extended_procedures",
        "sys.dm_os_memory_cache_hash_tables",
        "sys.dm_os_memory_cache_counters",
        "sys.dm_os_buffer_pool_extension_configuration",
    ],
)
def test_views_of_what_quietus_does_not_have_have_no_rows(sa: Connection, view: str) -> None:
    assert rows(sa, f"SELECT COUNT(*) FROM {view}") == [(0,)]


def test_the_columns_sp_blitz_filters_on_are_there(sa: Connection) -> None:
    assert "notify_email_operator_id" in columns_of(sa, "msdb.dbo.sysjobs")
    assert "is_enabled" in columns_of(sa, "sys.resource_governor_configuration")
    assert {"is_disabled", "is_ms_shipped"} <= set(columns_of(sa, "sys.server_triggers"))
    assert columns_of(sa, "sys.extended_procedures")[-1] == "dll_name"
    assert "state_description" in columns_of(sa, "sys.dm_os_buffer_pool_extension_configuration")


def test_all_parameters_has_the_modules_and_the_system_functions(sa: Connection) -> None:
    # sp_Blitz's version check: the Kit's procedures that take @VersionCheckMode
    rows(sa, "CREATE PROCEDURE dbo.kit @VersionCheckMode BIT = 0, @VersionDate DATETIME = NULL OUTPUT AS SELECT 1")
    check = (
        "SELECT COUNT(*) FROM [master].sys.all_parameters"
        " WHERE object_id = OBJECT_ID('[master].[dbo].[kit]') AND [name] = '@VersionCheckMode'"
    )
    assert rows(sa, check) == [(1,)]
    declared = "SELECT name, parameter_id, is_output FROM sys.all_parameters WHERE object_id = OBJECT_ID('kit')"
    assert rows(sa, declared) == [("@VersionCheckMode", 1, False), ("@VersionDate", 2, True)]
    system = "SELECT name, parameter_id, TYPE_NAME(system_type_id) FROM sys.all_parameters WHERE object_id = {}"
    assert rows(sa, system.format("OBJECT_ID('sys.dm_exec_sql_text')")) == [("@handle", 1, "varbinary")]
    assert rows(sa, system.format("OBJECT_ID('sys.dm_exec_plan_attributes')")) == [("@plan_handle", 1, "varbinary")]
