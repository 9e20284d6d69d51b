"""Scalar and inline table-valued user functions through the embedded engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.sql.results import StatementDone
from tests.embedded import rows

ADD = "CREATE FUNCTION dbo.add_to (@a INT, @b INT = 2) RETURNS INT AS BEGIN DECLARE @c INT = @a + @b; RETURN @c END"
ABOVE = "CREATE FUNCTION dbo.above (@min INT) RETURNS TABLE AS RETURN (SELECT id, name FROM item WHERE qty >= @min)"


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    connection.run("CREATE TABLE item (id INT PRIMARY KEY, name NVARCHAR(20), qty INT)")
    connection.run("INSERT INTO item VALUES (1, 'bolt', 5), (2, 'nut', 15), (3, 'gear', 25)")
    connection.run(ADD)
    connection.run(ABOVE)
    yield connection
    connection.close()


def error(conn: Connection, sql: str) -> tuple[int, str]:
    sink = conn.run(sql)
    first = next(m for m in sink.messages if m.is_error)
    return first.number, first.procedure


def test_a_scalar_function_in_every_clause(conn: Connection) -> None:
    assert rows(conn, "SELECT dbo.add_to(1, 5), dbo.add_to(3, DEFAULT), dbo.add_to(NULL, 1)") == [(6, 5, None)]
    assert rows(
        conn, "SELECT id, dbo.add_to(id, qty) FROM item WHERE dbo.add_to(id, 0) > 1 ORDER BY dbo.add_to(0, id) DESC"
    ) == [(3, 28), (2, 17)]
    assert rows(conn, "DECLARE @x INT = dbo.add_to(10, 1); SET @x = dbo.add_to(@x, @x); SELECT @x") == [(22,)]
    assert rows(conn, "SELECT dbo.add_to('7', 1.9)") == [(8,)]  # arguments take the parameters' types


def test_a_function_reads_tables_in_the_calling_statements_transaction(conn: Connection) -> None:
    conn.run("CREATE FUNCTION dbo.total (@min INT) RETURNS INT AS BEGIN RETURN (SELECT SUM(qty) FROM item "
             "WHERE qty >= @min) END")  # fmt: skip
    assert rows(conn, "SELECT dbo.total(10), dbo.total(0)") == [(40, 45)]
    # the UPDATE's own X locks do not block the function's reads of the same table
    conn.run("UPDATE item SET qty = dbo.total(20) WHERE id = 1")
    assert rows(conn, "SELECT qty FROM item WHERE id = 1") == [(25,)]
    conn.run("BEGIN TRAN; UPDATE item SET qty = 0 WHERE id = 3")
    assert rows(conn, "SELECT dbo.total(0)") == [(40,)]  # it sees its own transaction's change
    conn.run("ROLLBACK")


def test_a_function_sends_nothing_to_the_client(conn: Connection) -> None:
    conn.run("CREATE FUNCTION dbo.qty_of (@id INT) RETURNS INT AS BEGIN DECLARE @q INT; "
             "SELECT @q = qty FROM item WHERE id = @id; RETURN @q END")  # fmt: skip
    sink = conn.run("SELECT dbo.qty_of(id) FROM item ORDER BY id")
    assert [event for event in sink.events if isinstance(event, StatementDone)] == [StatementDone(3, command="SELECT")]
    assert rows(conn, "SELECT dbo.qty_of(2)") == [(15,)]


def test_binding_errors(conn: Connection) -> None:
    assert error(conn, "SELECT dbo.add_to(1, 2, 3)")[0] == 8144
    conn.run("CREATE FUNCTION dbo.two (@a INT, @b INT) RETURNS INT AS BEGIN RETURN @a END")
    assert error(conn, "SELECT dbo.two(1)")[0] == 313
    assert error(conn, "SELECT dbo.two(1, DEFAULT)")[0] == 313  # no default to take
    assert error(conn, "SELECT dbo.nothere(1)")[0] == 4121
    assert error(conn, "SELECT add_to(1, 2)")[0] == 195  # a bare name is a built-in's
    assert error(conn, "SELECT dbo.above(1)")[0] == 4121  # a table-valued function is no scalar
    assert error(conn, "SELECT * FROM dbo.add_to(1, 2)")[0] == 208


@pytest.mark.parametrize(
    ("body", "number"),
    [
        ("INSERT INTO item VALUES (9, 'x', 1); RETURN 1", 443),
        ("UPDATE item SET qty = 0; RETURN 1", 443),
        ("SELECT 1; RETURN 1", 444),
        ("EXEC sp_who; RETURN 1", 443),
        ("PRINT 'x'; RETURN 1", 443),
        ("BEGIN TRAN; RETURN 1", 443),
        ("RAISERROR('x', 16, 1); RETURN 1", 443),
        ("DECLARE @a INT = 1", 455),
        ("RETURN CAST(RAND() AS INT)", 443),
    ],
)
def test_side_effects_are_refused_at_create(conn: Connection, body: str, number: int) -> None:
    assert error(conn, f"CREATE FUNCTION dbo.bad () RETURNS INT AS BEGIN {body} END")[0] == number
    assert rows(conn, "SELECT OBJECT_ID('dbo.bad')") == [(None,)]


def test_a_table_variable_inside_a_function(conn: Connection) -> None:
    conn.run(
        "CREATE FUNCTION dbo.count_to (@n INT) RETURNS INT AS BEGIN DECLARE @t TABLE (i INT); DECLARE @i INT = 0; "
        "WHILE @i < @n BEGIN SET @i += 1; INSERT INTO @t VALUES (@i) END; RETURN (SELECT SUM(i) FROM @t) END"
    )
    assert rows(conn, "SELECT dbo.count_to(4), dbo.count_to(10)") == [(10, 55)]


def test_recursion_stops_at_32_levels_with_217(conn: Connection) -> None:
    conn.run("CREATE FUNCTION dbo.fact (@n INT) RETURNS BIGINT AS BEGIN IF @n <= 1 RETURN 1; "
             "RETURN @n * dbo.fact(@n - 1) END")  # fmt: skip
    assert rows(conn, "SELECT dbo.fact(20)") == [(2432902008176640000,)]
    assert error(conn, "SELECT dbo.fact(40)")[0] == 217


def test_an_error_inside_names_the_function_and_ends_the_statement(conn: Connection) -> None:
    conn.run("CREATE FUNCTION dbo.inverse (@n INT) RETURNS INT AS BEGIN RETURN 10 / @n END")
    assert error(conn, "SELECT dbo.inverse(0)") == (8134, "inverse")
    assert rows(conn, "BEGIN TRY SELECT dbo.inverse(0) END TRY BEGIN CATCH SELECT ERROR_NUMBER() END CATCH") == [
        (8134,)
    ]


def test_returns_null_on_null_input(conn: Connection) -> None:
    conn.run("CREATE FUNCTION dbo.seven (@n INT) RETURNS INT WITH RETURNS NULL ON NULL INPUT AS BEGIN RETURN 7 END")
    assert rows(conn, "SELECT dbo.seven(NULL), dbo.seven(1)") == [(None, 7)]


def test_alter_changes_what_a_cached_plan_calls(conn: Connection) -> None:
    assert rows(conn, "SELECT dbo.add_to(1, 1)") == [(2,)]
    conn.run("ALTER FUNCTION dbo.add_to (@a INT, @b INT = 2) RETURNS INT AS BEGIN RETURN @a * @b END")
    assert rows(conn, "SELECT dbo.add_to(1, 1)") == [(1,)]
    conn.run("DROP FUNCTION dbo.add_to")
    assert error(conn, "SELECT dbo.add_to(1, 1)")[0] == 4121


def test_an_inline_function_in_from_join_and_apply(conn: Connection) -> None:
    assert rows(conn, "SELECT * FROM dbo.above(10) ORDER BY id") == [(2, "nut"), (3, "gear")]
    assert rows(conn, "SELECT i.id, a.name FROM item i CROSS APPLY dbo.above(i.qty) a ORDER BY i.id, a.id") == [
        (1, "bolt"), (1, "nut"), (1, "gear"), (2, "nut"), (2, "gear"), (3, "gear"),
    ]  # fmt: skip
    assert rows(conn, "SELECT i.id, a.id FROM item i OUTER APPLY dbo.above(i.qty + 5) AS a ORDER BY i.id, a.id") == [
        (1, 2), (1, 3), (2, 3), (3, None),
    ]  # fmt: skip
    assert rows(conn, "SELECT COUNT(*) FROM item JOIN dbo.above(20) x ON x.id = item.id") == [(1,)]
    assert rows(conn, "SELECT n FROM dbo.above(20) AS a(k, n)") == [("gear",)]
    assert error(conn, "SELECT * FROM dbo.above()")[0] == 313


def test_inline_function_errors_at_create(conn: Connection) -> None:
    assert error(conn, "CREATE FUNCTION dbo.f2 (@m INT) RETURNS TABLE AS RETURN (SELECT nope FROM item)")[0] == 207
    assert error(conn, "CREATE FUNCTION dbo.f2 (@m INT) RETURNS TABLE AS RETURN (SELECT @other AS x)")[0] == 137
    assert error(conn, "CREATE FUNCTION dbo.f2 () RETURNS TABLE AS RETURN SELECT 1 AS a ORDER BY a")[0] == 1033
    assert error(conn, "CREATE FUNCTION dbo.m () RETURNS @t TABLE (a INT) AS BEGIN INSERT @t VALUES (1) END")[0] == 455
    assert error(conn, "CREATE FUNCTION dbo.o (@a INT OUTPUT) RETURNS INT AS BEGIN RETURN 1 END")[0] == 181


SERIES = """CREATE FUNCTION dbo.series (@n INT, @step INT = 1) RETURNS @r TABLE (i INT, sq INT, label NVARCHAR(20))
AS BEGIN
  DECLARE @i INT = 1;
  WHILE @i <= @n BEGIN
    INSERT INTO @r VALUES (@i * @step, @i * @i, (SELECT name FROM item WHERE id = @i));
    SET @i += 1
  END;
  RETURN
END"""


def test_a_multi_statement_table_function(conn: Connection) -> None:
    conn.run(SERIES)
    assert rows(conn, "SELECT * FROM dbo.series(3, DEFAULT) ORDER BY i") == [
        (1, 1, "bolt"), (2, 4, "nut"), (3, 9, "gear"),
    ]  # fmt: skip
    applied = "SELECT i.id, s.sq FROM item i CROSS APPLY dbo.series(i.id, 10) s WHERE s.i > 10 ORDER BY 1, 2"
    assert rows(conn, applied) == [
        (2, 4), (3, 4), (3, 9),
    ]  # fmt: skip
    # run inside the calling statement: it reads the table the UPDATE writes
    conn.run("UPDATE item SET qty = (SELECT COUNT(*) FROM dbo.series(qty, 1)) WHERE id = 1")
    assert rows(conn, "SELECT qty FROM item WHERE id = 1") == [(5,)]
    assert rows(conn, "SELECT type, type_desc FROM sys.objects WHERE name = 'series'") == [
        ("TF", "SQL_TABLE_VALUED_FUNCTION")
    ]
    assert rows(conn, "SELECT name FROM sys.columns WHERE object_id = OBJECT_ID('series') ORDER BY column_id") == [
        ("i",), ("sq",), ("label",),
    ]  # fmt: skip
    bad = "CREATE FUNCTION dbo.bad () RETURNS @r TABLE (a INT) AS BEGIN INSERT INTO item VALUES (9, 'x', 1); RETURN END"
    assert error(conn, bad)[0] == 443
    assert error(conn, "SELECT dbo.series(1, 1)")[0] == 4121
    conn.run("DROP FUNCTION dbo.series")
    assert error(conn, "SELECT * FROM dbo.series(1, 1)")[0] == 208


def test_catalog(conn: Connection) -> None:
    assert rows(conn, "SELECT name, type, type_desc FROM sys.objects WHERE type IN ('FN', 'IF') ORDER BY name") == [
        ("above", "IF", "SQL_INLINE_TABLE_VALUED_FUNCTION"),
        ("add_to", "FN", "SQL_SCALAR_FUNCTION"),
    ]
    assert rows(
        conn, "SELECT name, parameter_id, is_output, has_default_value FROM sys.parameters "
        "WHERE object_id = OBJECT_ID('dbo.add_to', 'FN') ORDER BY parameter_id"
    ) == [("", 0, True, False), ("@a", 1, False, False), ("@b", 2, False, True)]  # fmt: skip
    assert rows(conn, "SELECT name FROM sys.columns WHERE object_id = OBJECT_ID('above', 'IF')") == [
        ("id",),
        ("name",),
    ]
    assert rows(conn, "SELECT definition FROM sys.sql_modules WHERE object_id = OBJECT_ID('add_to')") == [(ADD,)]
    assert rows(conn, "SELECT ROUTINE_NAME, ROUTINE_TYPE, DATA_TYPE FROM INFORMATION_SCHEMA.ROUTINES ORDER BY 1") == [
        ("above", "FUNCTION", "TABLE"),
        ("add_to", "FUNCTION", "int"),
    ]
    assert rows(conn, "SELECT OBJECTPROPERTY(OBJECT_ID('add_to'), 'IsScalarFunction')") == [(1,)]


def test_schemabinding_protects_what_a_function_reads(conn: Connection) -> None:
    conn.run("CREATE FUNCTION dbo.bound (@m INT) RETURNS TABLE WITH SCHEMABINDING AS RETURN (SELECT id FROM dbo.item "
             "WHERE qty > @m)")  # fmt: skip
    assert error(conn, "DROP TABLE item")[0] == 3729


def test_functions_survive_a_restart(tmp_path: Path) -> None:
    with quietus.connect(tmp_path, autocommit=True) as first:
        first.run("CREATE TABLE item (id INT PRIMARY KEY, name NVARCHAR(20), qty INT)")
        first.run("INSERT INTO item VALUES (1, 'bolt', 5), (2, 'nut', 15)")
        first.run(ADD)
        first.run(ABOVE)
    with quietus.connect(tmp_path, autocommit=True) as second:
        assert rows(second, "SELECT dbo.add_to(40, DEFAULT), (SELECT name FROM dbo.above(10))") == [(42, "nut")]
