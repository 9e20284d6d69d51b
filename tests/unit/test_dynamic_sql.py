"""sp_executesql called from T-SQL, and INSERT ... EXEC (procedures, dynamic SQL, system procedures)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        yield connection






def test_sp_executesql_binds_by_position_and_name(conn: Connection) -> None:
    assert rows(conn, "EXEC sp_executesql N'SELECT @a + @b', N'@a INT, @b INT', 1, 2") == [(3,)]
    sql = "EXEC sp_executesql @stmt = N'SELECT @p', @params = N'@p NVARCHAR(10)', @p = N'named'"
    assert rows(conn, sql) == [("named",)]
    assert rows(conn, "EXEC sp_executesql N'SELECT 5'") == [(5,)]


def test_sp_executesql_output_parameters(conn: Connection) -> None:
    sql = "DECLARE @o INT; EXEC sp_executesql N'SET @x = @seed * 2', N'@seed INT, @x INT OUTPUT', 21, @o OUTPUT"
    assert rows(conn, sql + "; SELECT @o") == [(42,)]


def test_sp_executesql_runs_one_level_down_in_its_own_scope(conn: Connection) -> None:
    assert rows(conn, "DECLARE @s NVARCHAR(100) = N'SELECT @@NESTLEVEL'; EXEC sp_executesql @s") == [(1,)]
    assert errors(conn, "DECLARE @v INT = 1; EXEC sp_executesql N'SELECT @v'") == [
        (137, 'Must declare the scalar variable "@v".')
    ]


def test_sp_executesql_errors(conn: Connection) -> None:
    assert errors(conn, "EXEC sp_executesql N'SELECT @a', N'@a INT'") == [
        (8178, "The parameterized query '(@a INT)SELECT @a' expects the parameter '@a', which was not supplied.")
    ]
    assert errors(conn, "EXEC sp_executesql N'SELECT @a', N'@a INT', 1, 2") == [
        (8144, "Procedure or function sp_executesql has too many arguments specified.")
    ]
    assert errors(conn, "EXEC sp_executesql N'SELECT 1', N'@a NOTATYPE'")[0][0] == 2715
    assert errors(conn, "EXEC sp_executesql N'SELECT 1/0'") == [(8134, "Divide by zero error encountered.")]


def test_insert_exec_takes_every_result_set(conn: Connection) -> None:
    rows(conn, "CREATE TABLE x (a INT, b NVARCHAR(10))")
    rows(conn, "INSERT INTO x EXEC('SELECT 1, N''one'' UNION ALL SELECT 2, N''two''')")
    rows(conn, "CREATE PROCEDURE two_sets AS BEGIN SELECT 3, N'three'; SELECT 4, N'four' END")
    rows(conn, "INSERT x EXEC two_sets")
    rows(conn, "INSERT x EXEC sp_executesql N'SELECT @n, N''five''', N'@n INT', 5")
    assert rows(conn, "SELECT a, b FROM x ORDER BY a") == [
        (1, "one"), (2, "two"), (3, "three"), (4, "four"), (5, "five")
    ]  # fmt: skip


def test_insert_exec_of_a_system_procedure(conn: Connection) -> None:
    rows(
        conn,
        "CREATE TABLE who (spid INT, ecid INT, status NVARCHAR(30), loginame NVARCHAR(128), hostname NVARCHAR(128), "
        "blk CHAR(5), dbname NVARCHAR(128), cmd NVARCHAR(16), request_id INT)",
    )
    rows(conn, "INSERT INTO who EXEC sp_who")
    assert rows(conn, "SELECT COUNT(*) FROM who WHERE spid = @@SPID") == [(1,)]


def test_insert_exec_errors(conn: Connection) -> None:
    rows(conn, "CREATE TABLE x (a INT, b INT)")
    assert errors(conn, "INSERT INTO x (a) EXEC('SELECT 1, 2')")[0][0] == 213
    rows(conn, "CREATE PROCEDURE inner_insert AS INSERT INTO x EXEC('SELECT 1, 2')")
    assert errors(conn, "INSERT INTO x EXEC inner_insert") == [(8164, "An INSERT EXEC statement cannot be nested.")]
    assert rows(conn, "SELECT COUNT(*) FROM x") == [(0,)]
    assert errors(conn, "INSERT INTO x")[0] == (102, "Incorrect syntax near 'x'.")  # never a silent default row


def test_a_system_function_may_be_an_exec_argument(conn: Connection) -> None:
    """sp_BlitzWho passes @@SERVERNAME to sp_executesql; an expression around it is still refused."""
    assert rows(
        conn,
        "DECLARE @r NVARCHAR(128); EXEC sp_executesql N'SET @r = @n', N'@n NVARCHAR(128), @r NVARCHAR(128) OUTPUT',"
        " @@SERVERNAME, @r OUTPUT; SELECT @r",
    ) == [("QUIETUS",)]
    refused = errors(conn, "EXEC sp_executesql N'SELECT 1', N'@n INT', @@SPID + 1")
    assert refused == [(102, "Incorrect syntax near '+'.")]
