"""The DBA's own tools, unmodified: sp_BlitzWho (First Responder Kit, MIT) and sp_WhoIsActive (Adam Machanic,
GPLv3), installed from their published scripts in tests/data/tools/ (split on GO, as sqlcmd does) and run with their
common options while a known blocking chain is in place: a holder with a row lock in an open transaction (sleeping),
and a waiter blocked on it.  The rows must name the waiter, its blocker (the chain's leader) and the SQL text."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import WAIT_LIMIT, RunningServer, running_server
from tests.clients.test_kill_clients import background, finished, running, spid
from tests.clients.test_server_clients import pytds_connect

pytds = pytest.importorskip("pytds", reason="python-tds is not installed")

TOOLS = Path(__file__).parent.parent / "data" / "tools"
WAITER_SQL = "UPDATE chain SET v = v + 1 WHERE id = 1"


def go_batches(text: str) -> Iterator[str]:
    """The batches of a script, as sqlcmd sends them: split at lines that are just GO, line ends kept (sp_WhoIsActive
    @help = 1 finds its own sections in its definition by CR LF)."""
    batch: list[str] = []
    for line in text.splitlines(keepends=True):
        if re.fullmatch(r"\s*GO\s*", line, re.IGNORECASE):
            if "".join(batch).strip():
                yield "".join(batch).rstrip("\r\n")
            batch = []
        else:
            batch.append(line)
    if "".join(batch).strip():
        yield "".join(batch).rstrip("\r\n")


def install(conn: Any, script: str) -> None:
    cur = conn.cursor()
    with open(TOOLS / script, encoding="utf-8", newline="") as source:  # CR LF kept, as sqlcmd sends it
        text = source.read()
    for batch in go_batches(text):
        cur.execute(batch)
        while cur.nextset():
            pass


def result_sets(conn: Any, sql: str) -> list[list[dict[str, Any]]]:
    """Every result set of ``sql``, each as rows of column name -> value."""
    cur = conn.cursor()
    cur.execute(sql)
    sets = []
    while True:
        if cur.description:
            names = [column[0] for column in cur.description]
            sets.append([dict(zip(names, row, strict=True)) for row in cur.fetchall()])
        if not cur.nextset():
            return sets


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, int, int]]:
    """A server with both tools installed and a blocking chain: (a DBA connection, the holder's id, the waiter's)."""
    with running_server(tmp_path_factory.mktemp("tools") / "data") as server:
        dba = pytds_connect(server, autocommit=True)
        install(dba, "sp_BlitzWho.sql")
        install(dba, "sp_WhoIsActive.sql")
        install(dba, "sp_BlitzFirst.sql")
        install(dba, "sp_BlitzLock.sql")
        install(dba, "sp_BlitzIndex.sql")
        dba.cursor().execute("CREATE TABLE chain (id INT PRIMARY KEY, v INT NOT NULL); INSERT chain VALUES (1, 10)")
        holder = pytds_connect(server, autocommit=True)
        holder.cursor().execute("BEGIN TRANSACTION; UPDATE chain SET v = 11 WHERE id = 1")
        waiter = pytds_connect(server, autocommit=True, timeout=600)
        holder_id, waiter_id = spid(holder), spid(waiter)
        thread, outcome = background(lambda: waiter.cursor().execute(WAITER_SQL))
        _wait_blocked(server, waiter_id)
        yield dba, holder_id, waiter_id
        holder.cursor().execute("ROLLBACK")
        assert not isinstance(finished(thread, outcome), Exception)
        for conn in (waiter, holder, dba):
            conn.close()


def _wait_blocked(server: RunningServer, session_id: int) -> None:
    server.wait_for(running(server, session_id, "LCK_M_"), "the waiter to be blocked")


def rows_of(chain: tuple[Any, int, int], sql: str) -> dict[int, dict[str, Any]]:
    """The tool's one result set, by session id."""
    dba = chain[0]
    [rows] = result_sets(dba, sql)
    return {row["session_id"]: row for row in rows}


@pytest.mark.parametrize("options", ["", "@ExpertMode = 1", "@ShowSleepingSPIDs = 1"])
def test_sp_blitzwho_names_the_blocked_session_its_blocker_and_the_sql(
    chain: tuple[Any, int, int], options: str
) -> None:
    _, holder_id, waiter_id = chain
    found = rows_of(chain, f"EXEC sp_BlitzWho {options}")
    waiter, holder = found[waiter_id], found[holder_id]
    assert waiter["blocking_session_id"] == holder_id
    assert waiter["query_text"] == WAITER_SQL
    assert waiter["wait_info"].startswith("LCK_M_U")
    assert waiter["wait_resource"].startswith("KEY: ")
    assert holder["blocking_session_id"] is None  # the leader waits on nobody
    assert holder["status"] == "sleeping" and holder["open_transaction_count"] == 1
    if options == "@ExpertMode = 1":
        assert waiter["transaction_isolation_level"] == "Read Committed"
        assert waiter["client_interface_name"] == "Python TDS Library"


@pytest.mark.parametrize(
    "options",
    [
        "",
        "@get_full_inner_text = 1",
        "@get_locks = 1",
        "@find_block_leaders = 1",
        "@get_transaction_info = 1",
        "@get_task_info = 2",
        "@get_additional_info = 1",
        "@get_task_info = 2, @get_additional_info = 1",
    ],
)
def test_sp_whoisactive_names_the_blocked_session_its_blocker_and_the_sql(
    chain: tuple[Any, int, int], options: str
) -> None:
    _, holder_id, waiter_id = chain
    found = rows_of(chain, f"EXEC sp_WhoIsActive {options}")
    waiter, holder = found[waiter_id], found[holder_id]
    assert waiter["blocking_session_id"] == holder_id
    assert holder["blocking_session_id"] is None
    assert WAITER_SQL in waiter["sql_text"]
    assert "LCK_M_U" in waiter["wait_info"]
    assert waiter["status"] == "suspended" and holder["status"] == "sleeping"
    assert holder["open_tran_count"].strip() == "1.00"
    if options == "@get_locks = 1":
        assert 'request_mode="U" request_status="WAIT"' in waiter["locks"]
        assert 'request_mode="X" request_status="GRANT"' in holder["locks"]
        assert '<Object name="chain" schema_name="dbo">' in holder["locks"]
        assert '"(null)"' not in holder["locks"]  # the KEY lock is named by its table too
    if options == "@find_block_leaders = 1":  # the leader, and how many sessions wait under it
        assert holder["blocked_session_count"].strip() == "1.00"
        assert waiter["blocked_session_count"].strip() == "0.00"
    if options == "@get_task_info = 2":  # the running request has its one task; the sleeping session none
        assert waiter["tasks"].strip() == "1.00" and holder["tasks"] is None
    if options == "@get_transaction_info = 1":
        assert holder["tran_start_time"] is not None and holder["tran_log_writes"].startswith("master: 1 ")
    if options == "@get_task_info = 2, @get_additional_info = 1":  # block_info, completed by xml modify()
        info = waiter["additional_info"]
        assert "<block_info><lock_type>keylock</lock_type>" in info
        assert "<schema_name>dbo</schema_name><object_name>chain</object_name></block_info>" in info
    if "@get_additional_info = 1" in options:
        assert "<command_type>UPDATE</command_type>" in waiter["additional_info"]
        assert "<command_type>AWAITING COMMAND</command_type>" in holder["additional_info"]


def test_sp_whoisactive_help_reads_its_own_definition(chain: tuple[Any, int, int]) -> None:
    """@help = 1 finds its header and parameter list in sys.dm_exec_sql_text of its own request's sql_handle: the
    procedure's definition while it runs, with the comments before ALTER PROC and the script's CR LF."""
    dba = chain[0]
    header, parameters, columns = result_sets(dba, "EXEC sp_WhoIsActive @help = 1")
    assert "Who Is Active?" in str(header[0])
    declared = [str(next(iter(row.values()))) for row in parameters]  # the column is named '------parameter---…'
    assert any(text.startswith("@get_locks BIT = 0") for text in declared)
    assert any(text.startswith("@find_block_leaders BIT = 0") for text in declared)
    assert "[blocking_session_id]" in {row["formatted_column_name"] for row in columns}


def _waited_at_least(dba: Any, session_id: int, ms: int) -> None:
    query = f"SELECT wait_duration_ms FROM sys.dm_os_waiting_tasks WHERE session_id = {session_id}"
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        [waited] = result_sets(dba, query)
        if waited and waited[0]["wait_duration_ms"] >= ms:
            return
        assert time.monotonic() < deadline, f"session {session_id} is not waiting"
        time.sleep(0.1)


def test_sp_blitzfirst_expert_mode_sees_the_lock_wait_and_the_chain(chain: tuple[Any, int, int]) -> None:
    """What a DBA runs during an incident: sp_BlitzWho before and after a sample of two seconds, the findings, and
    the wait statistics of the sample, in which the waiter's LCK_M_U wait is the one that grew."""
    dba, holder_id, waiter_id = chain
    _waited_at_least(dba, waiter_id, 2500)  # its first sample counts only waits as long as the sample already
    sets = result_sets(dba, "EXEC sp_BlitzFirst @Seconds = 2, @ExpertMode = 1")
    who_before, findings, waits = sets[0], sets[1], sets[2]
    who_after = sets[-1]
    for who in (who_before, who_after):
        sessions = {row["session_id"]: row for row in who}
        assert sessions[waiter_id]["blocking_session_id"] == holder_id
        assert sessions[waiter_id]["query_text"] == WAITER_SQL
    lock_waits = [row for row in findings if row["FindingsGroup"] == "Wait Stats" and row["Finding"] == "LCK_M_U"]
    assert lock_waits and lock_waits[0]["CheckID"] == 6
    [lock] = [row for row in waits if row["wait_type"] == "LCK_M_U"]
    assert lock["Pattern"] == "WAIT STATS" and lock["wait_category"] == "Lock" and lock["Wait Time (Seconds)"] > 0
    assert "Server Info" in {row["FindingsGroup"] for row in findings}


def test_sp_blitzfirst_plain_run_reports_its_findings(chain: tuple[Any, int, int]) -> None:
    dba = chain[0]
    [findings] = result_sets(dba, "EXEC sp_BlitzFirst @Seconds = 1")
    assert list(findings[0])[:6] == ["Priority", "FindingsGroup", "Finding", "URL", "Details", "HowToStopIt"]
    shown = {(row["FindingsGroup"], row["Finding"]) for row in findings}
    assert ("Server Info", "Wait Time per Core per Sec") in shown
    assert [row["Priority"] for row in findings] == sorted(row["Priority"] for row in findings)


def test_sp_blitzlock_installs_and_says_no_event_session_recorded_deadlocks(chain: tuple[Any, int, int]) -> None:
    """sp_BlitzLock reads deadlock reports from an Extended Events session; Quietus has none, and the tool says so
    (its own RAISERROR, severity 11) rather than reporting nothing as if it had looked."""
    dba = chain[0]
    [[installed]] = result_sets(dba, "SELECT COUNT(*) AS n FROM sys.procedures WHERE name = N'sp_BlitzLock'")
    assert installed["n"] == 1
    definition = result_sets(dba, "SELECT LEN(OBJECT_DEFINITION(OBJECT_ID(N'sp_BlitzLock'))) AS n")[0][0]["n"]
    assert definition > 100_000  # the whole procedure, not the stub its script creates first
    with pytest.raises(pytds.Error) as failure:
        result_sets(dba, "EXEC sp_BlitzLock")
    assert failure.value.number == 50000 and failure.value.severity == 11
    assert "A session with the name system_health does not exist or is not currently active." in str(failure.value)
    assert failure.value.procname == "sp_BlitzLock"


def test_sp_blitzindex_describes_a_tables_indexes(chain: tuple[Any, int, int]) -> None:
    """sp_BlitzIndex's table mode: every index of the table with its definition, the clustered key it carries, its
    rows and size; then its columns."""
    dba = chain[0]
    dba.cursor().execute("CREATE TABLE indexed (id INT PRIMARY KEY, v INT NOT NULL); CREATE INDEX ix_v ON indexed (v)")
    dba.cursor().execute("INSERT indexed VALUES (1, 10)")
    sets = result_sets(
        dba, "EXEC sp_BlitzIndex @DatabaseName = N'master', @SchemaName = N'dbo', @TableName = N'indexed'"
    )
    detail = "Details: db_schema.table.index(indexid)"
    indexes = {row[detail]: row for row in sets[0] if row[detail].startswith("dbo.indexed.")}
    [clustered] = [row for name, row in indexes.items() if name.endswith("(1)")]
    assert clustered["Definition: [Property] ColumnName {datatype maxbytes}"] == "[CX] [PK] [1 KEY] id {int 4}"
    assert clustered["Size"].startswith("1 rows;")
    secondary = indexes["dbo.indexed.ix_v (2)"]
    assert secondary["Definition: [Property] ColumnName {datatype maxbytes}"] == "[1 KEY] v {int 4}"
    assert secondary["Secret Columns"] == "[1 KEY] id {int 4}"  # the clustered key every entry carries
    columns = next(rows for rows in sets if rows and "Column Name" in rows[0])
    assert [(row["Column Name"], row["Type"], row["Nullable?"]) for row in columns] == [
        ("id", "int", ""),
        ("v", "int", ""),
    ]


def test_sp_blitzfirst_logs_its_findings_and_waits_to_tables(chain: tuple[Any, int, int]) -> None:
    """The way DBAs run it from a job: findings and wait statistics written to tables it creates (and a deltas view
    over the waits), read back afterwards."""
    dba, _, waiter_id = chain
    _waited_at_least(dba, waiter_id, 2500)
    result_sets(
        dba,
        "EXEC sp_BlitzFirst @Seconds = 2, @OutputDatabaseName = N'master', @OutputSchemaName = N'dbo',"
        " @OutputTableName = N'BlitzFirstLog', @OutputTableNameWaitStats = N'BlitzFirstWaitLog'",
    )
    made = result_sets(dba, "SELECT name, type FROM sys.objects WHERE name LIKE N'BlitzFirst%Log%' ORDER BY name")[0]
    assert {(row["name"], row["type"].strip()) for row in made} >= {("BlitzFirstLog", "U"), ("BlitzFirstWaitLog", "U")}
    logged = result_sets(dba, "SELECT CheckID, Finding, ServerName FROM dbo.BlitzFirstLog")[0]
    assert {"LCK_M_U"} <= {row["Finding"] for row in logged if row["CheckID"] == 6}
    assert {row["ServerName"] for row in logged} == {"QUIETUS"}
    waits = result_sets(dba, "SELECT wait_type, wait_time_ms FROM dbo.BlitzFirstWaitLog WHERE wait_type = N'LCK_M_U'")
    assert waits[0] and all(row["wait_time_ms"] > 0 for row in waits[0])


def test_sp_blitzfirst_checks_the_procedure_cache(chain: tuple[Any, int, int]) -> None:
    """@CheckProcedureCache = 1 reads sys.dm_exec_query_stats through sys.dm_exec_plan_attributes: Quietus keeps no
    execution statistics of cached plans, so it finds nothing there, and reports the rest."""
    dba = chain[0]
    cur = dba.cursor()
    cur.execute("EXEC sp_BlitzFirst @Seconds = 2, @CheckProcedureCache = 1, @ExpertMode = 1")
    sets: list[tuple[list[str], list[Any]]] = []  # (column names, rows): an empty set is known by its columns
    while True:
        if cur.description:
            sets.append(([column[0] for column in cur.description], cur.fetchall()))
        if not cur.nextset():
            break
    [findings] = [rows for names, rows in sets if names[:2] == ["Priority", "FindingsGroup"]]
    assert "Server Info" in {row[1] for row in findings}
    plan_cache = [rows for names, rows in sets if names[:4] == ["ID", "Pass", "SampleTime", "sql_handle"]]
    assert plan_cache == [[]]  # its passes over the plan cache's statistics: none kept
