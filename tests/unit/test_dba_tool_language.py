"""The T-SQL the DBA tools (sp_WhoIsActive, sp_BlitzWho) needed beyond the first landing of issue 11: the empty
binary constant ``0x``, a column key's ``WITH (IGNORE_DUP_KEY = ON)``, derived tables that name the outer query's
columns, FOR XML PATH's column paths, INFORMATION_SCHEMA.ROUTINES, deep nesting of function calls, and datetime
values of the views on SQL Server's 1/300 s tick."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.sql.types_datetime import round_datetime
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        yield connection


def test_0x_alone_is_the_empty_binary_constant(conn: Connection) -> None:
    assert rows(
        conn, "SELECT 0x, DATALENGTH(0x), 0x01, NULLIF(0x, 0x), CASE WHEN 0x = CAST('' AS VARBINARY(4)) THEN 1 END"
    )[0] == (b"", 0, b"\x01", None, 1)
    assert rows(conn, "SELECT 0x AS e") == [(b"",)]
    assert errors(conn, "SELECT 0xZZ")[0][0] == 207  # not hexadecimal: a name, as sqlglot and SQL Server read it


def test_a_column_keys_ignore_dup_key_is_honoured(conn: Connection) -> None:
    rows(
        conn,
        "CREATE TABLE k (id INT NOT NULL PRIMARY KEY WITH (IGNORE_DUP_KEY = ON),"
        " u INT UNIQUE WITH (IGNORE_DUP_KEY = ON))",
    )
    rows(conn, "INSERT k VALUES (1, 10), (1, 11), (2, 10), (3, 30)")
    assert rows(conn, "SELECT id, u FROM k ORDER BY id") == [(1, 10), (3, 30)]
    rows(conn, "DECLARE @t TABLE (s INT NOT NULL PRIMARY KEY WITH (IGNORE_DUP_KEY = ON)); INSERT @t VALUES (5), (5)")
    assert errors(conn, "CREATE TABLE bad (id INT PRIMARY KEY WITH (NO_SUCH_OPTION = ON))")[0][0] == 102
    assert errors(conn, "CREATE TABLE plain (id INT PRIMARY KEY); INSERT plain VALUES (1), (1)")[0][0] == 2627


def test_a_derived_table_inside_apply_or_a_subquery_sees_the_outer_row(conn: Connection) -> None:
    rows(conn, "CREATE TABLE o (id INT, g INT); INSERT o VALUES (1, 10), (2, 20), (3, 30)")
    rows(conn, "CREATE TABLE i (g INT, n INT); INSERT i VALUES (10, 1), (10, 2), (20, 5)")
    applied = rows(
        conn,
        "SELECT o.id, x.total FROM o CROSS APPLY (SELECT SUM(d.n) AS total FROM"
        " (SELECT n FROM i WHERE i.g = o.g UNION ALL SELECT 100 WHERE o.id = 3) AS d) AS x ORDER BY o.id",
    )
    assert applied == [(1, 3), (2, 5), (3, 100)]
    scalar = rows(conn, "SELECT id, (SELECT MAX(d.n) FROM (SELECT n FROM i WHERE i.g = o.g) AS d) FROM o ORDER BY id")
    assert scalar == [(1, 2), (2, 5), (3, None)]
    assert errors(conn, "SELECT * FROM o JOIN (SELECT n FROM i WHERE i.g = o.g) AS d ON 1 = 1")[0][0] == 4104
    # a CTE sees only its WITH, not the query that names it
    assert (
        errors(conn, "WITH c AS (SELECT n FROM i WHERE i.g = o.g) SELECT (SELECT COUNT(*) FROM c) FROM o")[0][0] == 4104
    )


def test_for_xml_path_column_paths_nest_elements_and_attributes(conn: Connection) -> None:
    [(text,)] = rows(
        conn,
        "SELECT 7 AS [@id], 'x' AS [a/@name], 1 AS [a/b], NULL AS [a/skipped], 2 AS [a/c], 'q' AS [d/text()],"
        " 3 AS [e] FOR XML PATH('r')",
    )
    assert text == '<r id="7"><a name="x"><b>1</b><c>2</c></a><d>q</d><e>3</e></r>'
    [(nested,)] = rows(
        conn,
        "SELECT 'db' AS [Database/@name], (SELECT 'S' AS [Lock/@mode] FOR XML PATH(''), TYPE) AS [Database/Locks]"
        " FOR XML PATH(''), TYPE",
    )
    assert nested == '<Database name="db"><Locks><Lock mode="S" /></Locks></Database>'
    assert rows(conn, "SELECT 1 AS [a/b], 2 AS [x/y] FOR XML PATH('')") == [("<a><b>1</b></a><x><y>2</y></x>",)]
    assert errors(conn, "SELECT 1 AS [a/b], 2 AS [a/@z] FOR XML PATH('r')")[0][0] == 6852
    assert errors(conn, "SELECT 1 AS b, 2 AS [@z] FOR XML PATH('r')")[0][0] == 6852
    assert errors(conn, "SELECT 1 AS [@z] FOR XML PATH('')")[0][0] == 6864
    [(number, text)] = errors(conn, "SELECT 1 AS [a b] FOR XML PATH")
    assert number == 6850 and "(0x0020)" in text


def test_information_schema_routines_lists_the_procedures(conn: Connection) -> None:
    rows(conn, "CREATE PROCEDURE dbo.p_one AS SELECT 1")
    found = rows(
        conn,
        "SELECT ROUTINE_CATALOG, ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_BODY, ROUTINE_DEFINITION,"
        " DATA_TYPE FROM INFORMATION_SCHEMA.ROUTINES WHERE ROUTINE_NAME = 'p_one'",
    )
    assert found == [("master", "dbo", "p_one", "PROCEDURE", "SQL", "CREATE PROCEDURE dbo.p_one AS SELECT 1", None)]
    rows(conn, "DROP PROCEDURE p_one")
    assert rows(conn, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.ROUTINES WHERE ROUTINE_NAME = 'p_one'") == [(0,)]


def test_deeply_nested_calls_parse_inside_dynamic_sql_in_a_procedure(conn: Connection) -> None:
    """sp_WhoIsActive's 28 nested REPLACE calls, in derived tables, run through sp_executesql from a procedure."""
    depth = 45
    nested = "REPLACE(" * depth + "N'a.b'" + ", N'.', N'-')" * depth
    query = f"SELECT x FROM (SELECT x FROM (SELECT x FROM (SELECT {nested} AS x) AS d1) AS d2) AS d3"
    rows(conn, f"CREATE PROCEDURE deep AS EXEC sp_executesql N'{query.replace(chr(39), chr(39) * 2)}'")
    assert rows(conn, "EXEC deep") == [("a-b",)]
    assert errors(conn, "SELECT " + "(" * 10_000 + "1" + ")" * 10_000)[0][0] == 191


def test_view_datetimes_sit_on_the_datetime_tick_and_compare_with_stored_copies(conn: Connection) -> None:
    rows(conn, "CREATE TABLE #kept (t DATETIME)")
    rows(conn, "INSERT #kept SELECT login_time FROM sys.dm_exec_sessions WHERE session_id = @@SPID")
    assert rows(
        conn,
        "SELECT COUNT(*) FROM sys.dm_exec_sessions s JOIN #kept k ON k.t = s.login_time WHERE s.session_id = @@SPID",
    ) == [(1,)]
    [(value,)] = rows(conn, "SELECT login_time FROM sys.dm_exec_sessions WHERE session_id = @@SPID")
    assert isinstance(value, datetime.datetime) and round_datetime(value) == value


def test_dm_os_workers_has_the_worker_tick_columns(conn: Connection) -> None:
    [(bound, created, now, state)] = rows(
        conn,
        "SELECT w.task_bound_ms_ticks, w.worker_created_ms_ticks, i.ms_ticks, w.state FROM sys.dm_os_workers AS w"
        " JOIN sys.dm_os_tasks AS t ON t.worker_address = w.worker_address CROSS JOIN sys.dm_os_sys_info AS i"
        " WHERE t.session_id = @@SPID",
    )
    assert bound == created and 0 <= now - bound < 600_000 and state == "RUNNING"


def test_recursive_ctes_run_level_by_level_up_to_maxrecursion(conn: Connection) -> None:
    counted = "WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < {0}) SELECT COUNT(*), MAX(i) FROM n"
    assert rows(conn, counted.format(5)) == [(5, 5)]
    assert rows(conn, counted.format(101)) == [(101, 101)]  # 100 levels: the default limit, reached, not passed
    [(number, text)] = errors(conn, counted.format(102))
    assert number == 530 and "maximum recursion 100 has been exhausted" in text
    assert errors(conn, counted.format(5) + " OPTION (MAXRECURSION 3)")[0][0] == 530
    assert rows(conn, counted.format(5) + " OPTION (MAXRECURSION 4)") == [(5, 5)]
    assert rows(conn, counted.format(20_000) + " OPTION (MAXRECURSION 0)") == [(20_000, 20_000)]  # no stack used
    assert errors(conn, counted.format(5) + " OPTION (MAXRECURSION 40000)")[0][0] == 310
    assert errors(conn, "WITH n AS (SELECT 1 AS i UNION SELECT i + 1 FROM n WHERE i < 3) SELECT * FROM n")[0][0] == 252
    assert errors(conn, "WITH n AS (SELECT i FROM n) SELECT * FROM n")[0][0] == 252
    assert errors(conn, "WITH n AS (SELECT i FROM n UNION ALL SELECT i FROM n) SELECT * FROM n")[0][0] == 246


def test_a_blocking_tree_walked_by_a_recursive_cte_in_an_update(conn: Connection) -> None:
    """sp_WhoIsActive's @find_block_leaders: each leader's count of sessions blocked under it, at any depth."""
    rows(conn, "CREATE TABLE #s (session_id INT, blocking_session_id INT, blocked_count INT)")
    rows(conn, "INSERT #s VALUES (51, NULL, NULL), (52, 51, NULL), (53, 52, NULL), (54, 51, NULL), (60, NULL, NULL)")
    rows(
        conn,
        "WITH blockers AS ("
        " SELECT session_id, session_id AS top_level, CONVERT(VARCHAR(8000), '.' + CONVERT(VARCHAR(8000), session_id)"
        " + '.') AS the_path FROM #s"
        " UNION ALL"
        " SELECT s.session_id, b.top_level, CONVERT(VARCHAR(8000), b.the_path + CONVERT(VARCHAR(8000), s.session_id)"
        " + '.') FROM blockers AS b JOIN #s AS s ON s.blocking_session_id = b.session_id"
        " AND b.the_path NOT LIKE '%.' + CONVERT(VARCHAR(8000), s.session_id) + '.%')"
        " UPDATE s SET s.blocked_count = x.n FROM #s AS s"
        " JOIN (SELECT top_level AS session_id, COUNT(*) - 1 AS n FROM blockers GROUP BY top_level) AS x"
        " ON s.session_id = x.session_id",
    )
    counts = rows(conn, "SELECT session_id, blocked_count FROM #s ORDER BY session_id")
    assert counts == [(51, 3), (52, 1), (53, 0), (54, 0), (60, 0)]


def test_a_procedure_keeps_the_comments_before_it_and_its_requests_handle_names_its_definition(
    conn: Connection,
) -> None:
    rows(
        conn,
        "/* header: what this does */\r\nCREATE PROCEDURE whoami AS\r\n"
        "SELECT t.text FROM sys.dm_exec_requests AS r CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t"
        " WHERE r.session_id = @@SPID",
    )
    [(definition,)] = rows(conn, "SELECT definition FROM sys.sql_modules WHERE object_id = OBJECT_ID('whoami')")
    assert definition.startswith("/* header: what this does */\r\nCREATE PROCEDURE whoami AS\r\n")
    assert rows(conn, "EXEC whoami") == [(definition,)]  # inside the procedure: its text, not the EXEC batch
    caller = "SELECT t.text FROM sys.dm_exec_requests AS r CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t"
    assert rows(conn, caller + " WHERE r.session_id = @@SPID") == [(caller + " WHERE r.session_id = @@SPID",)]
    dynamic = rows(conn, f"EXEC sp_executesql N'{caller} WHERE r.session_id = @s', N'@s INT', @s = @@SPID")
    assert dynamic == [(f"(@s INT){caller} WHERE r.session_id = @s",)]
    # an error's line counts from the start of the batch, comments included, as SQL Server's does
    rows(conn, "-- one\n-- two\nCREATE PROCEDURE fails AS\nSELECT 1\nSELECT CAST('x' AS INT)")
    sink = conn.run("EXEC fails")
    [error] = [m for m in sink.messages if m.is_error]
    assert (error.number, error.line, error.procedure) == (245, 5, "fails")


def test_xml_methods_take_n_prefixed_string_literals(conn: Connection) -> None:
    found = rows(
        conn,
        'DECLARE @x XML = N\'<tasks><t n="1"/><t n="2"/></tasks>\';'
        " SELECT c.value(N'@n', N'INT') FROM @x.nodes(N'/tasks/t') AS n(c) ORDER BY 1",
    )
    assert found == [(1,), (2,)]
    assert errors(conn, "DECLARE @x XML = N'<a/>', @p NVARCHAR(10) = N'/a'; SELECT @x.exist(@p)")[0][0] == 8172


def test_a_key_locks_hobt_is_its_tables_partition(conn: Connection) -> None:
    """sp_WhoIsActive @get_locks names a KEY lock's object through sys.partitions.hobt_id."""
    rows(conn, "CREATE TABLE locked (id INT PRIMARY KEY, v INT); CREATE INDEX ix_v ON locked (v)")
    named = rows(
        conn,
        "BEGIN TRAN; INSERT locked VALUES (1, 1);"
        " SELECT DISTINCT OBJECT_NAME(p.object_id), p.index_id FROM sys.dm_tran_locks AS l"
        " JOIN sys.partitions AS p ON p.hobt_id = l.resource_associated_entity_id"
        " WHERE l.request_session_id = @@SPID AND l.resource_type = 'KEY'; ROLLBACK",
    )
    assert named == [("locked", 1)]
    assert rows(conn, "SELECT COUNT(DISTINCT hobt_id) FROM sys.partitions WHERE object_id = OBJECT_ID('locked')") == [
        (2,)
    ]


@pytest.mark.parametrize(
    ("member", "number"),
    [
        ("SELECT DISTINCT i + 1 FROM n WHERE i < 3", 460),
        ("SELECT TOP 1 i + 1 FROM n WHERE i < 3", 461),
        ("SELECT MAX(i) + 1 FROM n WHERE i < 3", 467),
        ("SELECT i + 1 FROM n WHERE i < 3 GROUP BY i", 467),
        ("SELECT n.i + 1 FROM t LEFT JOIN n ON t.a = n.i WHERE n.i < 3", 462),
        ("SELECT a.i + 1 FROM n AS a JOIN n AS b ON a.i = b.i WHERE a.i < 3", 253),
        ("SELECT a + 1 FROM t WHERE a IN (SELECT i FROM n)", 465),
        ("SELECT CAST(i + 1 AS BIGINT) FROM n WHERE i < 3", 240),
    ],
)
def test_a_recursive_member_is_refused_what_sql_server_refuses(conn: Connection, member: str, number: int) -> None:
    rows(conn, "CREATE TABLE t (a INT)")
    [(got, text)] = errors(conn, f"WITH n (i) AS (SELECT 1 UNION ALL {member}) SELECT * FROM n")
    assert got == number, text
    assert number in (465, 240) or "'n'" in text


def test_a_recursive_member_may_hold_window_functions_derived_tables_and_inner_joins(conn: Connection) -> None:
    assert rows(conn, "WITH n (i) AS (SELECT 1) SELECT i FROM n") == [(1,)]  # the CTE's column list names it
    assert errors(conn, "WITH n (i, j) AS (SELECT 1) SELECT i FROM n")[0][0] == 8159
    rows(conn, "CREATE TABLE t (a INT)")
    rows(conn, "INSERT INTO t VALUES (1), (2), (3)")
    query = (
        "WITH n (i, r) AS (SELECT 1, CAST(0 AS BIGINT) UNION ALL "
        "SELECT d.i + 1, ROW_NUMBER() OVER (ORDER BY d.i) FROM (SELECT i FROM n) AS d "
        "JOIN t ON t.a = d.i WHERE d.i < 3) SELECT i, r FROM n ORDER BY i"
    )
    assert rows(conn, query) == [(1, 0), (2, 1), (3, 1)]
