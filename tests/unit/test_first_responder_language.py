"""T-SQL the First Responder Kit's sp_BlitzLock, sp_BlitzIndex and sp_BlitzCache are written in: table hints on an
INSERT's target, OPTION (...) after DELETE, and CREATE TABLE's inline indexes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        rows(connection, "CREATE TABLE x (a INT)")
        yield connection


def test_tablockx_on_an_insert_target_locks_the_table_for_the_transaction(tmp_path: Path) -> None:
    with (
        quietus.connect(tmp_path / "data", autocommit=True) as writer,
        quietus.connect(tmp_path / "data", autocommit=True) as reader,
    ):
        rows(writer, "CREATE TABLE x (a INT); INSERT x VALUES (0)")
        rows(writer, "BEGIN TRAN; INSERT x WITH (TABLOCKX) (a) SELECT 1")
        held = (
            "SELECT request_mode FROM sys.dm_tran_locks WHERE request_session_id = @@SPID AND resource_type = 'OBJECT'"
        )
        assert rows(writer, held) == [("X",)]
        assert errors(reader, "SET LOCK_TIMEOUT 0; SELECT COUNT(*) FROM x")[0][0] == 1222  # the whole table
        rows(writer, "COMMIT")
        rows(writer, "BEGIN TRAN; INSERT INTO x WITH (ROWLOCK) VALUES (2)")
        assert rows(writer, held) == [("IX",)]
        # only its row is locked: a reader that skips locked rows sees the others (under TABLOCKX it could not)
        assert rows(reader, "SET LOCK_TIMEOUT 0; SELECT COUNT(*) FROM x WITH (READPAST)") == [(2,)]
        rows(writer, "ROLLBACK")
        assert rows(reader, "SELECT a FROM x ORDER BY a") == [(0,), (1,)]


def test_insert_target_hints_that_are_refused(conn: Connection) -> None:
    assert errors(conn, "INSERT x WITH (NOLOCK) VALUES (1)")[0][0] == 1065
    assert errors(conn, "INSERT x WITH (READUNCOMMITTED) (a) VALUES (1)")[0][0] == 1065
    assert errors(conn, "INSERT x WITH (UPDLOCK) VALUES (1)")[0][0] == 40517
    assert errors(conn, "INSERT x WITH (NO_SUCH_HINT) VALUES (1)")[0][0] == 321
    rows(conn, "INSERT INTO x WITH (TABLOCK) VALUES (1)")
    assert rows(conn, "SELECT a FROM x") == [(1,)]


def test_delete_takes_option_and_honours_maxrecursion(conn: Connection) -> None:
    rows(conn, "INSERT x VALUES (1), (2), (3)")
    rows(conn, "DELETE FROM x WHERE a = 3 OPTION (RECOMPILE)")
    assert rows(conn, "SELECT a FROM x ORDER BY a") == [(1,), (2,)]
    deep = "WITH d AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM d WHERE n < 150) DELETE x WHERE a IN (SELECT n FROM d)"
    assert errors(conn, deep)[0][0] == 530  # the default limit of 100 levels
    rows(conn, deep + " OPTION (MAXRECURSION 200)")
    assert rows(conn, "SELECT COUNT(*) FROM x") == [(0,)]


def test_create_table_inline_indexes(conn: Connection) -> None:
    # sp_BlitzIndex and sp_BlitzCache: AI_Model NVARCHAR(100) INDEX AI_Model
    rows(
        conn,
        "CREATE TABLE #ai (Id INT PRIMARY KEY CLUSTERED, Model NVARCHAR(200), AI_Model NVARCHAR(100) INDEX AI_Model,"
        " Flag BIT DEFAULT 0, INDEX ix_model UNIQUE NONCLUSTERED (Model DESC, Flag) WITH (IGNORE_DUP_KEY = ON))",
    )
    rows(conn, "INSERT #ai (Id, Model, AI_Model) VALUES (1, 'a', 'm'), (2, 'a', 'n')")  # the unique index skips id 2
    assert rows(conn, "SELECT Id FROM #ai") == [(1,)]
    rows(conn, "CREATE TABLE k (a INT, b INT INDEX ib, INDEX ia (a))")
    indexes = "SELECT name, index_id, type_desc, is_unique FROM sys.indexes WHERE object_id = OBJECT_ID('k')"
    indexes += " ORDER BY index_id"
    assert rows(conn, indexes) == [
        (None, 0, "HEAP", False),
        ("ib", 2, "NONCLUSTERED", False),
        ("ia", 3, "NONCLUSTERED", False),
    ]


def test_create_table_inline_index_errors(conn: Connection) -> None:
    assert errors(conn, "CREATE TABLE k (a INT INDEX ix CLUSTERED)")[0][0] == 40517  # clustered on the key only
    assert errors(conn, "CREATE TABLE k (a INT INDEX ix (a))")[0][0] == 102  # a column's index lists no columns
    assert errors(conn, "CREATE TABLE k (a INT, INDEX ix)")[0][0] == 102  # the table's must
    assert errors(conn, "CREATE TABLE k (a INT INDEX ix, b INT INDEX ix)")[0][0] == 1913
    assert errors(conn, "CREATE TABLE k (a INT, INDEX ix (nope))")[0][0] == 1911
    assert errors(conn, "CREATE TABLE k (a INT, INDEX ix (a) WHERE a > 1)")[0][0] == 40517  # filtered, as CREATE INDEX
    assert errors(conn, "CREATE TABLE k (a INT, INDEX ix (a) WITH (NO_SUCH_OPTION = 1))")[0][0] == 102


def test_update_statistics_parses_and_is_refused_when_it_runs(conn: Connection) -> None:
    # sp_BlitzLock holds UPDATE STATISTICS #t WITH ROWCOUNT = ..., PAGECOUNT = ... in a TRY: the procedure must be
    # storable; running it is 40517, as Quietus keeps no statistics (never a success that did nothing)
    rows(conn, "CREATE TABLE #t (a INT)")
    refused = [
        "UPDATE STATISTICS #t WITH ROWCOUNT = 9223372036854775807, PAGECOUNT = 9223372036854775807",
        "UPDATE STATISTICS #t",
        "update   statistics x (s1, s2) WITH FULLSCAN, NORECOMPUTE",
        "UPDATE STATISTICS dbo.x s1 WITH SAMPLE 10 PERCENT, MAXDOP = 1",
    ]
    for statement in refused:
        assert errors(conn, statement) == [
            (40517, "Keyword or statement option 'UPDATE STATISTICS' is not supported in this version of SQL Server.")
        ]
    assert errors(conn, "UPDATE STATISTICS nope")[0][0] == 1088
    assert errors(conn, "UPDATE STATISTICS x WITH NO_SUCH_OPTION")[0][0] == 102
    caught = "BEGIN TRY UPDATE STATISTICS #t WITH ROWCOUNT = 1 END TRY BEGIN CATCH SELECT ERROR_NUMBER() END CATCH"
    assert rows(conn, caught) == [(40517,)]


def test_extended_events_views_are_there_and_empty(conn: Connection) -> None:
    # sp_BlitzLock's first question: is the system_health session running?
    session = (
        "SELECT COUNT(*) FROM sys.server_event_sessions AS ses JOIN sys.dm_xe_sessions AS dxs ON dxs.name = ses.name"
        " WHERE ses.name = N'system_health' AND dxs.create_time IS NOT NULL"
    )
    assert rows(conn, session) == [(0,)]
    targets = "SELECT COUNT(*) FROM sys.dm_xe_session_targets t JOIN sys.server_event_session_targets st ON 1 = 1"
    assert rows(conn, targets) == [(0,)]
    files = "SELECT COUNT(*) FROM sys.fn_xe_file_target_read_file(N'system_health*.xel', NULL, NULL, NULL)"
    assert rows(conn, files) == [(0,)]


SHOWPLAN = "http://schemas.microsoft.com/sqlserver/2004/07/showplan"
PLAN = (
    f'<ShowPlanXML xmlns="{SHOWPLAN}"><Stmt Text="SELECT 1"><RelOp Op="Scan"/><RelOp Op="Seek"/></Stmt></ShowPlanXML>'
)


def test_with_xmlnamespaces_binds_prefixes_for_the_statements_xml_methods(conn: Connection) -> None:
    # sp_BlitzCache reads showplans and sp_Blitz maintenance plans this way
    declare = f"DECLARE @x XML = N'{PLAN}'; "
    ns = f"WITH XMLNAMESPACES ('{SHOWPLAN}' AS p) "
    found = rows(
        conn,
        declare + ns + "SELECT @x.value('(/p:ShowPlanXML/p:Stmt/@Text)[1]', 'nvarchar(20)'), @x.exist('//p:RelOp'),"
        " @x.exist('//RelOp'), CAST(@x.query('count(//p:RelOp)') AS NVARCHAR(10))",
    )
    assert found == [("SELECT 1", 1, 0, "2")]  # an unprefixed name is in no namespace, as in XQuery
    shredded = rows(
        conn,
        declare + ns + ", c AS (SELECT @x AS x) SELECT n.r.value('@Op', 'varchar(10)') FROM c"
        " CROSS APPLY c.x.nodes('//p:RelOp') AS n(r) ORDER BY 1",
    )
    assert shredded == [("Scan",), ("Seek",)]
    rows(conn, "CREATE TABLE #ops (op VARCHAR(10))")
    rows(conn, declare + ns + "INSERT #ops SELECT n.r.value('@Op', 'varchar(10)') FROM (SELECT @x AS x) AS d"
               " CROSS APPLY d.x.nodes('//p:RelOp') AS n(r)")  # fmt: skip
    assert rows(conn, "SELECT COUNT(*) FROM #ops") == [(2,)]
    assert errors(conn, declare + "SELECT @x.exist('//p:RelOp')")[0][0] == 2389  # the prefix is the statement's
    assert errors(conn, "WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT 1")[0][0] == 40517


def test_double_colon_names_a_system_function(conn: Connection) -> None:
    # sp_Blitz: FROM ::fn_trace_gettable(...), the old spelling of sys.fn_...
    assert rows(conn, "SELECT COUNT(*) FROM ::fn_my_permissions(NULL, 'SERVER') AS p") == rows(
        conn, "SELECT COUNT(*) FROM sys.fn_my_permissions(NULL, 'SERVER') AS p"
    )
    assert errors(conn, "SELECT * FROM ::x")[0][0] == 102  # a table is not a function
    assert errors(conn, "SELECT * FROM ::fn_no_such_function(1)") == [
        (208, "Invalid object name 'sys.fn_no_such_function'.")
    ]


def test_msdb_agent_and_backup_history_have_no_rows(conn: Connection) -> None:
    # Quietus has no agent, no BACKUP or RESTORE, no pages to find suspect
    for table in (
        "backupset", "backupmediafamily", "restorehistory", "suspect_pages", "sysjobs", "sysjobhistory",
        "sysjobschedules", "sysjobactivity", "sysschedules", "sysalerts", "sysoperators", "sysmaintplan_subplans",
        "sysssispackages",
    ):  # fmt: skip
        assert rows(conn, f"SELECT COUNT(*) FROM msdb.dbo.{table}") == [(0,)], table
    rows(conn, "CREATE PROCEDURE p AS SELECT 1; EXEC p")
    for view in ("dm_exec_procedure_stats", "dm_exec_trigger_stats", "dm_exec_function_stats"):
        assert rows(conn, f"SELECT COUNT(*) FROM sys.{view}") == [(0,)], view  # no plan statistics kept


def test_delete_with_a_from_clause_deletes_only_the_joined_rows(conn: Connection) -> None:
    # sp_Blitz: DELETE br FROM #BlitzResults br INNER JOIN #SkipChecks sc ON ... (the target named by its alias)
    rows(conn, "CREATE TABLE #r (id INT, db SYSNAME NULL); CREATE TABLE #skip (check_id INT, db SYSNAME NULL)")
    rows(conn, "INSERT #r VALUES (1, N'a'), (2, N'b'), (3, N'c'); INSERT #skip VALUES (80, N'b'), (81, N'c')")
    rows(conn, "DELETE br FROM #r br INNER JOIN #skip sc ON sc.check_id = 80 AND br.db = sc.db")
    assert rows(conn, "SELECT id FROM #r ORDER BY id") == [(1,), (3,)]
    rows(conn, "DELETE #r FROM #r JOIN #skip ON #r.db = #skip.db")  # the target by its name
    assert rows(conn, "SELECT id FROM #r") == [(1,)]
    rows(conn, "INSERT #r VALUES (4, N'b')")
    rows(conn, "DELETE FROM r FROM #r AS r, #skip AS s WHERE r.db = s.db AND s.check_id = 80")  # comma: cross join
    assert rows(conn, "SELECT id FROM #r") == [(1,)]
    assert errors(conn, "DELETE nobody FROM #r AS r JOIN #skip AS s ON r.db = s.db")[0][0] == 208


def test_update_whose_target_is_not_in_its_from_is_joined_to_it(conn: Connection) -> None:
    # sp_BlitzCache: UPDATE ##BlitzCacheProcs SET ... FROM (SELECT ...) AS y WHERE ##BlitzCacheProcs.PlanHandle = y...
    rows(conn, "CREATE TABLE ##procs (h INT, v INT); INSERT ##procs VALUES (1, 0), (2, 0), (3, 0)")
    rows(conn, "UPDATE ##procs SET v = y.v FROM (SELECT 2 AS h, 7 AS v) AS y WHERE ##procs.h = y.h")
    assert rows(conn, "SELECT h, v FROM ##procs ORDER BY h") == [(1, 0), (2, 7), (3, 0)]
    rows(conn, "CREATE TABLE #none (h INT)")
    rows(conn, "UPDATE ##procs SET v = 9 FROM #none")  # joined to no rows: nothing to update
    assert rows(conn, "SELECT SUM(v) FROM ##procs") == [(7,)]
    rows(conn, "DELETE ##procs FROM (SELECT 1 AS h UNION ALL SELECT 3) AS gone WHERE gone.h = ##procs.h")
    assert rows(conn, "SELECT h FROM ##procs") == [(2,)]
    rows(conn, "DROP TABLE ##procs")


def test_select_top_assigns_variables_from_the_first_rows_only(conn: Connection) -> None:
    # sp_Blitz's version check walks its statements with SELECT TOP 1 @x = ... ORDER BY ...
    rows(conn, "CREATE TABLE #s (id INT, n VARCHAR(10)); INSERT #s VALUES (1, 'b'), (2, 'a'), (3, 'c')")
    first = "DECLARE @n VARCHAR(10), @i INT; SELECT TOP 1 @n = n, @i = id FROM #s ORDER BY n; SELECT @n, @i"
    assert rows(conn, first) == [("a", 2)]
    assert rows(conn, "DECLARE @n VARCHAR(10); SELECT TOP (2) @n = n FROM #s ORDER BY id; SELECT @n") == [("a",)]
    assert rows(conn, "DECLARE @n VARCHAR(10) = 'x'; SELECT TOP 0 @n = n FROM #s; SELECT @n") == [("x",)]
    assert rows(conn, "DECLARE @n VARCHAR(10); SELECT @n = n FROM #s ORDER BY id; SELECT @n") == [("c",)]  # the last
    paged = "DECLARE @n VARCHAR(10); SELECT @n = n FROM #s ORDER BY id OFFSET 2 ROWS FETCH NEXT 1 ROWS ONLY; SELECT @n"
    assert rows(conn, paged) == [("c",)]


def test_a_goto_past_a_declare_leaves_the_variable_declared(conn: Connection) -> None:
    # sp_BlitzCache @SortOrder = 'all': GOTO AllSorts jumps over the DECLARE of @v, then reads @v
    assert rows(conn, "GOTO there; DECLARE @v INT = 5, @s NVARCHAR(9); there: SELECT @v, @s") == [(None, None)]
    skipped_in_block = "DECLARE @a INT = 1; IF @a = 1 GOTO y; BEGIN DECLARE @b INT = 2; END; y: SELECT @a, @b"
    assert rows(conn, skipped_in_block) == [(1, None)]
    assert errors(conn, "GOTO z; SELECT 1; z: SELECT @never")[0][0] == 137  # declared nowhere before the label
    assert errors(conn, "DECLARE @t INT; GOTO w; DECLARE @t2 TABLE (a INT); w: SELECT * FROM @t2")[0][0] == 1087


def test_exec_with_recompile(conn: Connection) -> None:
    # sp_BlitzCache: INSERT #bou_allsort (...) EXEC sp_BlitzCache ... WITH RECOMPILE
    rows(conn, "CREATE PROCEDURE echo @a INT = 0 AS SELECT @a")
    assert rows(conn, "EXEC echo @a = 1 WITH RECOMPILE") == [(1,)]
    assert rows(conn, "EXEC echo WITH RECOMPILE") == [(0,)]
    rows(conn, "CREATE TABLE #got (a INT)")
    rows(conn, "INSERT #got (a) EXEC echo @a = 3 WITH RECOMPILE;")
    assert rows(conn, "SELECT a FROM #got") == [(3,)]
    assert errors(conn, "EXEC echo WITH RESULT SETS NONE")[0][0] == 102  # not supported: never ignored
