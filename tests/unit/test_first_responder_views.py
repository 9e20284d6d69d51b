"""What sp_BlitzFirst needed beyond sp_BlitzWho: sys.dm_db_index_operational_stats (counted by the storage layer),
sys.configurations, the machine's and the process's memory, the views that honestly have no rows (msdb backups, ring
buffers), and the T-SQL it is written in (WAITFOR TIME of a datetime variable, WITH before INSERT, UPDATE #t ... FROM
#t AS alias)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.admin.index_stats_views import DM_DB_INDEX_OPERATIONAL_STATS
from quietus.dbapi import Connection
from tests.embedded import errors, rows

COUNTS = (
    "SELECT OBJECT_NAME(object_id), index_id, leaf_insert_count, leaf_update_count, leaf_ghost_count,"
    " leaf_delete_count FROM sys.dm_db_index_operational_stats({args}) ORDER BY object_id, index_id"
)


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        yield connection


def counts(conn: Connection, args: str = "DB_ID(), NULL, NULL, NULL") -> list[tuple[Any, ...]]:
    return rows(conn, COUNTS.format(args=args))


def test_operational_stats_count_what_each_table_and_index_did(conn: Connection) -> None:
    rows(conn, "CREATE TABLE t (id INT PRIMARY KEY, v INT); CREATE INDEX ix_v ON t (v)")
    rows(conn, "CREATE TABLE h (n INT)")  # a heap: index 0
    assert counts(conn) == [("t", 1, 0, 0, 0, 0), ("t", 2, 0, 0, 0, 0), ("h", 0, 0, 0, 0, 0)]
    rows(conn, "INSERT t VALUES (1, 1), (2, 2), (3, 3); INSERT h VALUES (7), (8)")
    rows(conn, "UPDATE t SET v = 10 WHERE id = 1")  # the index key changes: a new entry, the old one a ghost
    rows(conn, "UPDATE t SET id = id WHERE id = 2")  # the index key stays: the index is not touched
    rows(conn, "DELETE t WHERE id = 3; DELETE h WHERE n = 8")  # deletions leave ghosts
    rows(conn, "BEGIN TRAN; INSERT t VALUES (4, 4); ROLLBACK")  # done, then undone: the insert was done
    assert counts(conn) == [("t", 1, 4, 2, 1, 0), ("t", 2, 5, 0, 2, 0), ("h", 0, 2, 0, 1, 0)]


def test_operational_stats_arguments_choose_as_sql_servers_do(conn: Connection) -> None:
    rows(conn, "CREATE TABLE t (id INT PRIMARY KEY, v INT); CREATE INDEX ix_v ON t (v); INSERT t VALUES (1, 1)")
    everything = counts(conn)
    assert len(everything) == 2
    assert counts(conn, "NULL, NULL, NULL, NULL") == everything  # every database
    assert counts(conn, "0, 0, -1, 0") == everything
    assert counts(conn, "DB_ID(), OBJECT_ID('t'), 1, 1") == [everything[0]]
    assert counts(conn, "DB_ID(), OBJECT_ID('t'), NULL, 2") == []  # one partition per table
    assert counts(conn, "DB_ID(), 12345, NULL, NULL") == []
    assert counts(conn, "DB_ID('no_such_database'), NULL, NULL, NULL") == everything  # DB_ID is NULL: all
    assert counts(conn, "999, NULL, NULL, NULL") == []
    assert counts(conn, "DEFAULT, DEFAULT, DEFAULT, DEFAULT") == everything  # the documented defaults: all
    assert errors(conn, "SELECT * FROM sys.dm_exec_sql_text(DEFAULT)")[0][0] == 102  # where it has none
    # sp_BlitzFirst names it in tempdb: system functions answer in any database's sys schema
    tempdb = "SELECT COUNT(*) FROM tempdb.sys.dm_db_index_operational_stats(DB_ID('tempdb'), NULL, NULL, NULL) os"
    assert rows(conn, tempdb + " WHERE os.database_id = DB_ID('tempdb')") == [(0,)]
    hobt = rows(
        conn,
        "SELECT COUNT(*) FROM sys.dm_db_index_operational_stats(DB_ID(), NULL, NULL, NULL) os"
        " JOIN sys.partitions p ON p.hobt_id = os.hobt_id AND p.index_id = os.index_id",
    )
    assert hobt == [(2,)]


def test_operational_stats_rows_have_sql_servers_columns_and_honest_values(conn: Connection) -> None:
    rows(conn, "CREATE TABLE t (id INT PRIMARY KEY); INSERT t VALUES (1)")
    result = conn.run("SELECT * FROM sys.dm_db_index_operational_stats(NULL, NULL, NULL, NULL)").result_sets[-1]
    names = [column.name for column in result.columns]
    assert names == [name for name, _ in DM_DB_INDEX_OPERATIONAL_STATS]
    assert names[:9] == [
        "database_id", "object_id", "index_id", "partition_number", "hobt_id",
        "leaf_insert_count", "leaf_delete_count", "leaf_update_count", "leaf_ghost_count",
    ]  # fmt: skip
    [row] = result.rows
    shown = dict(zip(names, row, strict=True))
    assert shown["leaf_insert_count"] == 1
    assert shown["forwarded_fetch_count"] == 0 and shown["page_latch_wait_count"] == 0  # no pages, no latches
    assert shown["range_scan_count"] is None and shown["row_lock_count"] is None  # not counted: NULL, not 0
    assert all(isinstance(value, int) or value is None for value in row)


def test_operational_stats_start_from_zero_after_a_restart(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as first:
        rows(first, "CREATE TABLE t (id INT PRIMARY KEY); INSERT t VALUES (1), (2)")
        assert counts(first) == [("t", 1, 2, 0, 0, 0)]
    with quietus.connect(tmp_path / "data", autocommit=True) as again:
        assert rows(again, "SELECT COUNT(*) FROM t") == [(2,)]  # recovery replayed the rows ...
        assert counts(again) == [("t", 1, 0, 0, 0, 0)]  # ... which is not work done since the start


def test_sys_configurations_shows_the_options_sp_configure_changes(conn: Connection) -> None:
    query = "SELECT value, value_in_use, minimum, maximum FROM sys.configurations WHERE name = 'kill_network_timeout'"
    assert rows(conn, query) == [(5, 5, 0, 3600)]
    rows(conn, "EXEC sp_configure 'kill_network_timeout', 9")
    assert rows(conn, query) == [(9, 9, 0, 3600)]
    assert rows(conn, "SELECT CAST(value_in_use AS BIGINT) FROM sys.configurations WHERE name = 'kill_network_timeout'")
    # an option SQL Server has and Quietus does not is not shown with a made-up value
    assert rows(conn, "SELECT * FROM sys.configurations WHERE name = 'max server memory (MB)'") == []
    names = {row[0] for row in rows(conn, "EXEC sp_configure")}
    assert {row[0] for row in rows(conn, "SELECT name FROM sys.configurations")} == names
    rows(conn, "EXEC sp_configure 'kill_network_timeout', 5")


def test_memory_views_read_the_machine_and_the_process(conn: Connection) -> None:
    [(total, available, cache)] = rows(
        conn, "SELECT total_physical_memory_kb, available_physical_memory_kb, system_cache_kb FROM sys.dm_os_sys_memory"
    )
    [(sys_info_total,)] = rows(conn, "SELECT physical_memory_kb FROM sys.dm_os_sys_info")
    assert total > 0 and abs(total - sys_info_total) <= total // 100
    if Path("/proc/meminfo").exists():
        assert 0 < available <= total and cache is not None
    clerks = rows(conn, "SELECT type, pages_kb, virtual_memory_reserved_kb FROM sys.dm_os_memory_clerks")
    if Path("/proc/self/status").exists():
        [(kind, resident, reserved)] = clerks
        assert kind == "MEMORYCLERK_QUIETUS_PROCESS" and 0 < resident <= reserved


def test_what_quietus_does_not_have_has_no_rows(conn: Connection) -> None:
    backups = "SELECT AVG(DATEDIFF(mi, backup_start_date, backup_finish_date)) FROM msdb.dbo.backupset WHERE type = 'D'"
    assert rows(conn, backups) == [(None,)]  # Quietus has no BACKUP
    assert rows(
        conn, "SELECT COUNT(*) FROM sys.dm_os_ring_buffers WHERE ring_buffer_type = N'RING_BUFFER_SCHEDULER_MONITOR'"
    ) == [(0,)]


def test_waitfor_takes_a_datetime_variables_time_of_day(conn: Connection) -> None:
    # sp_BlitzFirst: @FinishSampleTimeWaitFor DATETIME = DATEADD(ss, @Seconds, GETDATE()); WAITFOR TIME @it
    assert rows(conn, "DECLARE @at DATETIME = DATEADD(ms, 200, GETDATE()); WAITFOR TIME @at; SELECT 1") == [(1,)]
    assert rows(conn, "DECLARE @d DATETIME = '1900-01-01 00:00:00.100'; WAITFOR DELAY @d; SELECT 2") == [(2,)]
    assert errors(conn, "WAITFOR DELAY 'soon'")[0][0] == 148


def test_with_before_insert_names_its_ctes_in_the_select(conn: Connection) -> None:
    rows(conn, "CREATE TABLE #t (a INT)")
    rows(conn, "IF 1 = 1 WITH y AS (SELECT 1 AS a UNION ALL SELECT 2) INSERT INTO #t SELECT a FROM y")
    assert rows(conn, "SELECT a FROM #t ORDER BY a") == [(1,), (2,)]


def test_update_of_a_temporary_table_through_its_alias_in_from(conn: Connection) -> None:
    rows(conn, "CREATE TABLE #r (CheckID INT, Details NVARCHAR(100)); INSERT #r VALUES (1, N'a'), (2, N'b')")
    rows(conn, "UPDATE #r SET Details = Details + N'+' FROM #r abr WHERE abr.CheckID = 1")
    assert rows(conn, "SELECT CheckID, Details FROM #r ORDER BY CheckID") == [(1, "a+"), (2, "b")]


def test_partition_stats_count_live_rows(conn: Connection) -> None:
    rows(conn, "CREATE TABLE t (id INT PRIMARY KEY, v INT); CREATE INDEX ix_v ON t (v)")
    rows(conn, "INSERT t VALUES (1, 1), (2, 2), (3, 3); DELETE t WHERE id = 3")
    stats = "SELECT index_id, row_count, used_page_count, reserved_page_count, lob_used_page_count"
    stats += " FROM sys.dm_db_partition_stats WHERE object_id = OBJECT_ID('t') ORDER BY index_id"
    assert rows(conn, stats) == [(1, 2, 1, 1, 0), (2, 2, 1, 1, 0)]  # a few bytes: one 8-KB page each
    rows(conn, "CREATE TABLE big (id INT PRIMARY KEY, s NVARCHAR(100))")
    rows(conn, "WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
               " INSERT big SELECT i, REPLICATE(N'x', 100) FROM n OPTION (MAXRECURSION 2000)")  # fmt: skip
    [(pages, count)] = rows(conn, "SELECT used_page_count, row_count FROM sys.dm_db_partition_stats"
                                  " WHERE object_id = OBJECT_ID('big')")  # fmt: skip
    assert count == 2000 and 2000 * 100 // 8192 < pages < 2000 * 120 // 8192  # 100 characters a row, in pages
    joined = (
        "SELECT COUNT(*) FROM sys.dm_db_partition_stats ps JOIN sys.partitions p"
        " ON p.partition_id = ps.partition_id AND p.index_id = ps.index_id"
    )
    assert rows(conn, joined) == [(3,)]


def test_has_dbaccess_and_precision_as_a_column_name(conn: Connection) -> None:
    assert rows(conn, "SELECT HAS_DBACCESS('master'), HAS_DBACCESS('no_such_database')") == [(1, None)]
    # sp_BlitzIndex: INSERT #IndexColumns (..., max_length, precision, scale, ...) EXEC sp_executesql @dsql
    rows(conn, "CREATE TABLE #c (max_length SMALLINT, precision TINYINT NOT NULL, scale TINYINT)")
    rows(conn, "INSERT #c (max_length, precision, scale) EXEC ('SELECT 4, 10, 2')")
    assert rows(conn, "SELECT c.precision, scale FROM #c AS c") == [(10, 2)]
    assert rows(conn, "SELECT CAST(1.5 AS DOUBLE PRECISION)") == [(1.5,)]
    sparse = "SELECT is_sparse, is_hidden, generated_always_type_desc FROM sys.columns WHERE object_id = OBJECT_ID('x')"
    rows(conn, "CREATE TABLE x (a INT)")
    assert rows(conn, sparse) == [(False, False, "NOT_APPLICABLE")]


def test_check_constraints_and_the_index_features_quietus_does_not_have(conn: Connection) -> None:
    rows(conn, "CREATE TABLE t (id INT PRIMARY KEY, v INT CHECK (v > 0), CONSTRAINT ck_small CHECK (v < 100))")
    checks = "SELECT name, type, type_desc, OBJECT_NAME(parent_object_id), definition, is_disabled, is_not_trusted,"
    checks += " is_system_named FROM sys.check_constraints ORDER BY is_system_named, name"
    found = rows(conn, checks)
    assert found[0] == ("ck_small", "C ", "CHECK_CONSTRAINT", "t", "(v < 100)", False, False, False)
    assert found[1][1:] == ("C ", "CHECK_CONSTRAINT", "t", "(v > 0)", False, False, True)
    assert found[1][0].startswith("CK__t__")
    assert errors(conn, "INSERT t VALUES (1, 500)")[0][0] == 547  # what the view says is enforced
    rows(conn, "CREATE INDEX ix_v ON t (v)")
    for empty in (
        "sys.stats", "sys.stats_columns", "sys.column_store_row_groups", "sys.partition_schemes",
        "sys.dm_db_missing_index_details", "sys.periods", "sys.database_scoped_configurations",
    ):  # fmt: skip
        assert rows(conn, f"SELECT COUNT(*) FROM {empty}") == [(0,)], empty
    stats = "SELECT COUNT(*) FROM sys.indexes i CROSS APPLY sys.dm_db_stats_properties(i.object_id, i.index_id) p"
    assert rows(conn, stats) == [(0,)]


def test_tables_know_when_they_were_made_and_changed(conn: Connection) -> None:
    rows(conn, "CREATE TABLE t (a INT)")
    [(created, modified)] = rows(conn, "SELECT create_date, modify_date FROM sys.tables WHERE name = 't'")
    assert created is not None and created == modified
    rows(conn, "WAITFOR DELAY '00:00:00.020'; CREATE INDEX ix ON t (a)")
    [(created_again, changed)] = rows(conn, "SELECT create_date, modify_date FROM sys.objects WHERE name = 't'")
    assert created_again == created and changed > created
    shown = "SELECT temporal_type_desc, durability_desc, is_memory_optimized, history_table_id FROM sys.tables"
    assert rows(conn, shown) == [("NON_TEMPORAL_TABLE", None, False, None)]  # in memory: neither schema nor data kept


def test_dbcc_tracestatus_no_flag_is_on(conn: Connection) -> None:
    assert rows(conn, "DBCC TRACESTATUS(-1) WITH NO_INFOMSGS") == []
    assert rows(conn, "DBCC TRACESTATUS(3604, 1222) WITH NO_INFOMSGS") == [(3604, 0, 0, 0), (1222, 0, 0, 0)]
    result = conn.run("DBCC TRACESTATUS")
    assert [m.number for m in result.messages] == [2528]
    assert errors(conn, "DBCC TRACESTATUS(99999)")[0][0] == 2526
    assert errors(conn, "DBCC TRACESTATUS(-1) WITH BOGUS")[0][0] == 2526
    rows(conn, "CREATE TABLE #ts (TraceFlag INT, Status INT, Global INT, Session INT)")
    rows(conn, "INSERT #ts EXEC ('DBCC TRACESTATUS(-1) WITH NO_INFOMSGS')")  # sp_BlitzIndex's way
    assert rows(conn, "SELECT COUNT(*) FROM #ts") == [(0,)]
