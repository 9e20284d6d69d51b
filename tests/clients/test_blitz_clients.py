"""sp_Blitz, sp_BlitzCache and the helper sp_Blitz calls, sp_ineachdb (First Responder Kit 8.32, MIT), installed
unmodified from tests/data/tools/ (split on GO, as sqlcmd sends them) and run through pytds.  What they report is
what Quietus has; where they stop, the test names the stop (docs/design/procedures.md, "The DBA tools,
unmodified")."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import running_server
from tests.clients.test_dba_tools import install, result_sets
from tests.clients.test_server_clients import pytds_connect

pytds = pytest.importorskip("pytds", reason="python-tds is not installed")

MAX_RESULTS = 1000  # a response with more sets or errors than this is a runaway, not a tool's output


@pytest.fixture(scope="module")
def dba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_server(tmp_path_factory.mktemp("blitz") / "data") as server:
        conn = pytds_connect(server, autocommit=True, timeout=600)
        install(conn, "sp_ineachdb.sql")
        install(conn, "sp_Blitz.sql")
        install(conn, "sp_BlitzCache.sql")
        yield conn
        conn.close()


def through_errors(conn: Any, sql: str) -> tuple[list[list[dict[str, Any]]], list[tuple[int, str]]]:
    """Every result set of ``sql`` and every error reported on the way (pytds raises each as it reads it; the
    procedure runs on after an error that ends only its statement, as in SQL Server, and so does the reading)."""
    cur = conn.cursor()
    failures: list[tuple[int, str]] = []
    sets: list[list[dict[str, Any]]] = []
    try:
        cur.execute(sql)
    except pytds.Error as error:
        failures.append((error.number, str(error)))
    for _ in range(MAX_RESULTS):
        try:
            if cur.description:
                names = [column[0] for column in cur.description]
                sets.append([dict(zip(names, row, strict=True)) for row in cur.fetchall()])
            if not cur.nextset():
                return sets, failures
        except pytds.Error as error:
            failures.append((error.number, str(error)))
    raise AssertionError(f"{sql}: more than {MAX_RESULTS} result sets or errors")


def findings_of(sets: list[list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    [findings] = [rows for rows in sets if rows and "FindingsGroup" in rows[0]]
    return {(row["FindingsGroup"], row["Finding"]): row for row in findings}


def test_sp_blitz_server_checks_report_what_quietus_has(dba: Any) -> None:
    """@CheckUserDatabaseObjects = 0 (the server-level checks): the findings come back, in priority order, and
    say what Quietus really is: no statistics, no backups, no agent; its one sysadmin is sa (SID 0x01), master is
    owned by sa, and the Kit's own version check passes."""
    sets, failures = through_errors(dba, "EXEC sp_Blitz @CheckUserDatabaseObjects = 0")
    # the known stops it runs past: a temporary table with sql_variant columns (Quietus has no sql_variant), DBCC
    # DBINFO (run in each database by sp_ineachdb: Quietus has no such DBCC) and Agent's sp_MSgetalertinfo (no agent)
    assert [number for number, _ in failures] == [243, 2526, 2812]
    assert "sql_variant" in failures[0][1] and "sp_MSgetalertinfo" in failures[2][1]
    findings = findings_of(sets)
    assert findings[("Performance", "Auto-Create Stats Disabled")]["DatabaseName"] == "master"
    assert findings[("Backup", "Backups Not Performed Recently")]["Details"] == "Last backed up: never"
    assert ("Monitoring", "No Operators Configured/Enabled") in findings
    assert ("Thanks!", "From Your Community Volunteers") in findings
    groups = {group for group, _ in findings}
    assert "Security" not in groups  # no sysadmin but sa, master owned by sa
    assert not [key for key in findings if key[1].startswith("Version Check Failed")]
    priorities = [row["Priority"] for row in findings.values()]
    assert priorities == sorted(priorities)


def test_sp_blitz_server_info_describes_this_machine(dba: Any) -> None:
    """@CheckServerInfo = 1 adds what the server runs on: this machine's processors (sys.dm_os_sys_info), the
    server's name, and locked pages read from sys.dm_os_process_memory.  Windows' xp_fixeddrives and xp_regread
    (free space per drive letter, the registry) are not in Quietus: 2812, and it runs on."""
    sets, failures = through_errors(dba, "EXEC sp_Blitz @CheckUserDatabaseObjects = 0, @CheckServerInfo = 1")
    assert {number for number, _ in failures} == {243, 2526, 2812}
    missing = " ".join(text for number, text in failures if number == 2812)
    assert "xp_fixeddrives" in missing and "xp_regread" in missing
    findings = findings_of(sets)
    cpus = os.cpu_count()
    assert findings[("Server Info", "Hardware")]["Details"].startswith(f"Logical processors: {cpus}.")
    assert findings[("Server Info", "Server Name")]["Details"] == "QUIETUS"
    assert ("Server Info", "Locked Pages In Memory Enabled") not in findings  # the process locks no memory (VmLck)


def test_sp_blitz_names_another_sysadmin(dba: Any) -> None:
    dba.cursor().execute("CREATE LOGIN boss WITH PASSWORD = 'Boss#pass1'; ALTER SERVER ROLE sysadmin ADD MEMBER boss")
    try:
        sets, _ = through_errors(dba, "EXEC sp_Blitz @CheckUserDatabaseObjects = 0")
        sysadmins = findings_of(sets)[("Security", "Sysadmins")]
        assert sysadmins["Details"].startswith("Login [boss] is a sysadmin")
    finally:
        dba.cursor().execute("DROP LOGIN boss")


def test_sp_blitz_with_database_checks_stops_at_sql_variant(dba: Any) -> None:
    """The default run also checks each database's objects; its database-scoped configuration check reads the
    table whose CREATE failed for its sql_variant columns, and ends the procedure with 208 (as SQL Server ends a
    procedure whose table is missing): no findings set.  The checks before it run in each database (sp_ineachdb)."""
    sets, failures = through_errors(dba, "EXEC sp_Blitz")
    assert [number for number, _ in failures] == [243, 2526, 208]
    assert "#DatabaseScopedConfigurationDefaults" in failures[-1][1]
    assert not [rows for rows in sets if rows and "FindingsGroup" in rows[0]]


def test_sp_ineachdb_runs_a_command_in_each_database(dba: Any) -> None:
    # its version test, (@@MICROSOFTVERSION / 0x1000000) & 0xff, divides an int by a binary
    assert result_sets(dba, "EXEC sp_ineachdb @command = N'SELECT DB_NAME() AS here'") == [[{"here": "master"}]]


@pytest.mark.parametrize("options", ["", "@ExpertMode = 1", "@SortOrder = 'reads'", "@SortOrder = 'all'"])
def test_sp_blitzcache_runs_and_finds_no_cached_query_statistics(dba: Any, options: str) -> None:
    """Quietus keeps no execution statistics of cached plans (sys.dm_exec_query_stats has no rows), so the
    queries result set is empty; the findings are the Kit's closing rows.  @SortOrder = 'all' runs the procedure
    again for each sort order (INSERT ... EXEC ... WITH RECOMPILE, after a GOTO past its DECLAREs)."""
    sets = result_sets(dba, f"EXEC sp_BlitzCache {options}")
    queries = sets[0]
    assert queries == []
    if options == "@SortOrder = 'all'":
        assert len(sets) == 1
        return
    findings = findings_of(sets)
    assert set(findings) == {
        ("Need more help?", "Paste your plan on the internet!"),
        ("Thanks for using sp_BlitzCache!", "From Your Community Volunteers"),
    }


def test_sp_blitzcache_computes_plan_age_when_it_is_read(dba: Any) -> None:
    """Its ##BlitzCacheProcs.PlanCreationTimeHours is DATEDIFF(HOUR, PlanCreationTime, SYSDATETIME()), a computed
    column SQL Server computes at each read: so does Quietus."""
    result_sets(dba, "EXEC sp_BlitzCache")
    dba.cursor().execute(
        "INSERT ##BlitzCacheProcs (SPID, QueryType, DatabaseName, PlanCreationTime)"  # sysname: NOT NULL
        " VALUES (@@SPID, 'test', N'master', DATEADD(HOUR, -3, SYSDATETIME()))"
    )
    try:
        [[row]] = result_sets(dba, "SELECT PlanCreationTimeHours FROM ##BlitzCacheProcs WHERE QueryType = 'test'")
        assert row["PlanCreationTimeHours"] == 3
    finally:
        dba.cursor().execute("DELETE ##BlitzCacheProcs WHERE QueryType = 'test'")


def test_scripts_are_the_published_ones() -> None:
    tools = Path(__file__).parent.parent / "data" / "tools"
    for script in ("sp_Blitz.sql", "sp_BlitzCache.sql", "sp_ineachdb.sql"):
        text = (tools / script).read_text(encoding="utf-8")
        assert "@Version = '8.32', @VersionDate = '20260407';" in text, script
