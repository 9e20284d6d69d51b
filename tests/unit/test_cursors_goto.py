"""Cursors (DECLARE ... CURSOR, OPEN, FETCH, CLOSE, DEALLOCATE, @@FETCH_STATUS) and GOTO with labels, with SQL
Server's errors for misuse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    with quietus.connect(tmp_path / "data", autocommit=True) as connection:
        rows(
            connection,
            "CREATE TABLE t (a INT PRIMARY KEY, b NVARCHAR(10)); INSERT t VALUES (1, 'x'), (2, 'y'), (3, 'z')",
        )
        yield connection


LOOP = """
DECLARE @a INT, @b NVARCHAR(10), @s NVARCHAR(100) = N'';
DECLARE c CURSOR {options} FOR SELECT a, b FROM t ORDER BY a DESC;
OPEN c;
FETCH NEXT FROM c INTO @a, @b;
WHILE @@FETCH_STATUS = 0
BEGIN
    SET @s += CONCAT(@a, @b, ';');
    FETCH NEXT FROM c INTO @a, @b;
END;
CLOSE c;
DEALLOCATE c;
SELECT @s, @@FETCH_STATUS;
"""


@pytest.mark.parametrize("options", ["", "LOCAL FAST_FORWARD", "GLOBAL FORWARD_ONLY STATIC READ_ONLY", "LOCAL SCROLL"])
def test_the_fetch_loop_visits_every_row_in_order(conn: Connection, options: str) -> None:
    assert rows(conn, LOOP.format(options=options)) == [("3z;2y;1x;", -1)]


def test_rows_are_read_at_open(conn: Connection) -> None:
    """Every cursor is static: a row changed after OPEN is fetched as it was (and 16956 says so on TYPE_WARNING)."""
    sink = conn.run(
        "DECLARE @b NVARCHAR(10); DECLARE c CURSOR LOCAL FAST_FORWARD TYPE_WARNING FOR SELECT b FROM t WHERE a = 1;"
        " OPEN c; UPDATE t SET b = N'changed' WHERE a = 1; FETCH c INTO @b; SELECT @b"
    )
    assert sink.result_sets[-1].rows == [("x",)]
    assert [(m.number, m.text) for m in sink.messages if m.number == 16956] == [
        (16956, "The created cursor is not of the requested type.")
    ]


def test_cursor_close_on_commit(conn: Connection) -> None:
    rows(conn, "DECLARE g CURSOR GLOBAL FOR SELECT a FROM t; OPEN g; BEGIN TRAN; COMMIT")
    assert rows(conn, "DECLARE @a INT; FETCH NEXT FROM g INTO @a; SELECT @a") == [(1,)]  # OFF: still open
    rows(conn, "SET CURSOR_CLOSE_ON_COMMIT ON; BEGIN TRAN; ROLLBACK")
    assert errors(conn, "FETCH NEXT FROM g") == [(16917, "Cursor is not open.")]
    rows(conn, "OPEN g; BEGIN TRAN; COMMIT")
    assert errors(conn, "FETCH NEXT FROM g") == [(16917, "Cursor is not open.")]
    rows(conn, "DEALLOCATE g")


def test_scroll_cursors_fetch_in_every_direction(conn: Connection) -> None:
    assert rows(
        conn,
        "DECLARE @a INT, @r NVARCHAR(100) = N''; DECLARE c CURSOR LOCAL SCROLL FOR SELECT a FROM t ORDER BY a; OPEN c;"
        " FETCH LAST FROM c INTO @a; SET @r += CONCAT(@a, ',');"
        " FETCH PRIOR FROM c INTO @a; SET @r += CONCAT(@a, ',');"
        " FETCH FIRST FROM c INTO @a; SET @r += CONCAT(@a, ',');"
        " FETCH ABSOLUTE -1 FROM c INTO @a; SET @r += CONCAT(@a, ',');"
        " FETCH RELATIVE -2 FROM c INTO @a; SET @r += CONCAT(@a, ',', @@FETCH_STATUS, ',');"
        " FETCH ABSOLUTE 9 FROM c INTO @a; SELECT @r, @@FETCH_STATUS",
    ) == [("3,2,1,3,1,0,", -1)]


def test_fetch_without_into_returns_the_row(conn: Connection) -> None:
    sink = conn.run(
        "DECLARE c CURSOR FOR SELECT a, b FROM t WHERE a < 3 ORDER BY a; OPEN c; FETCH NEXT FROM c; FETCH c; FETCH c;"
        " DEALLOCATE c"
    )
    assert [r.rows for r in sink.result_sets] == [[(1, "x")], [(2, "y")], []]
    assert [c.name for c in sink.result_sets[0].columns] == ["a", "b"]


def test_global_cursors_outlive_the_batch_and_local_ones_do_not(conn: Connection) -> None:
    rows(conn, "DECLARE g CURSOR GLOBAL FOR SELECT a FROM t ORDER BY a; OPEN g")
    assert rows(conn, "DECLARE @a INT; FETCH NEXT FROM g INTO @a; SELECT @a") == [(1,)]
    rows(conn, "CLOSE g; DEALLOCATE g; DECLARE l CURSOR LOCAL FOR SELECT 1")
    assert errors(conn, "OPEN l") == [(16916, "A cursor with the name 'l' does not exist.")]


def test_a_procedure_loops_over_a_local_cursor(conn: Connection) -> None:
    rows(
        conn,
        "CREATE PROCEDURE total AS BEGIN DECLARE @a INT, @sum INT = 0;"
        " DECLARE c CURSOR LOCAL FAST_FORWARD FOR SELECT a FROM t; OPEN c; FETCH NEXT FROM c INTO @a;"
        " WHILE @@FETCH_STATUS = 0 BEGIN SET @sum += @a; FETCH NEXT FROM c INTO @a END; SELECT @sum END",
    )
    assert rows(conn, "EXEC total; EXEC total") == [(6,)]  # the cursor went with the first call


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        ("DECLARE c CURSOR FOR SELECT 1; DECLARE c CURSOR FOR SELECT 2", 16915,
         "A cursor with the name 'c' already exists."),
        ("OPEN nope", 16916, "A cursor with the name 'nope' does not exist."),
        ("DECLARE c CURSOR LOCAL FOR SELECT 1; OPEN c; OPEN c", 16905, "The cursor is already open."),
        ("DECLARE c CURSOR LOCAL FOR SELECT 1; FETCH NEXT FROM c", 16917, "Cursor is not open."),
        ("DECLARE c CURSOR LOCAL FOR SELECT 1; CLOSE c", 16917, "Cursor is not open."),
        ("DECLARE c CURSOR LOCAL FAST_FORWARD FOR SELECT 1; OPEN c; FETCH PRIOR FROM c", 16911,
         "fetch: The fetch type prior cannot be used with forward only cursors."),
        ("DECLARE @a INT; DECLARE c CURSOR LOCAL FOR SELECT 1, 2; OPEN c; FETCH NEXT FROM c INTO @a", 16924,
         "Cursorfetch: The number of variables declared in the INTO list must match that of selected columns."),
        ("DECLARE c CURSOR LOCAL GLOBAL FOR SELECT 1", 1048, "Conflicting cursor options LOCAL and GLOBAL."),
        ("DECLARE c CURSOR LOCAL KEYSET FOR SELECT 1", 16901,
         "DECLARE CURSOR KEYSET: This feature has not been implemented yet."),
        ("DECLARE c CURSOR LOCAL DYNAMIC FOR SELECT 1", 16901,
         "DECLARE CURSOR DYNAMIC: This feature has not been implemented yet."),
        ("DECLARE c CURSOR FOR SELECT a FROM t FOR UPDATE", 156, "Incorrect syntax near the keyword 'UPDATE'."),
        ("DECLARE c CURSOR FOR SELECT a INTO #x FROM t", 156, "Incorrect syntax near the keyword 'SELECT'."),
        ("GOTO nowhere", 133, "A GOTO statement references the label 'nowhere' but the label has not been declared."),
        ("here: PRINT 1; HERE: PRINT 2", 132,
         "The label 'HERE' has already been declared. Label names must be unique within a query batch or stored"
         " procedure."),
        ("GOTO inside; IF 1 = 1 BEGIN inside: PRINT 1 END", 16901,
         "GOTO into IF, WHILE or TRY: This feature has not been implemented yet."),
    ],
)  # fmt: skip
def test_misuse_gives_sql_servers_errors(conn: Connection, sql: str, number: int, text: str) -> None:
    assert errors(conn, sql)[:1] == [(number, text)]
    conn.run("DEALLOCATE c")


def test_goto_jumps_forward_backward_and_out_of_loops(conn: Connection) -> None:
    assert rows(conn, "DECLARE @i INT = 0; again: SET @i += 1; IF @i < 5 GOTO again; SELECT @i") == [(5,)]
    assert rows(
        conn,
        "DECLARE @log NVARCHAR(50) = N'', @i INT = 0;"
        " WHILE 1 = 1 BEGIN SET @i += 1; BEGIN TRY IF @i = 3 GOTO done; END TRY BEGIN CATCH END CATCH END;"
        " SET @log += N'skipped';"
        " done: SET @log += CONCAT(N'done at ', @i, N', trancount ', @@TRANCOUNT); SELECT @log",
    ) == [("done at 3, trancount 0",)]
    # leaving TRY by GOTO leaves TRY: a later error is reported, not caught
    sink = conn.run(
        "BEGIN TRY GOTO out; END TRY BEGIN CATCH SELECT 'caught' END CATCH out: SELECT 1 / 0; SELECT 'after'"
    )
    assert [m.number for m in sink.messages if m.is_error] == [8134]
    assert sink.result_sets[-1].rows == [("after",)]
    # into a BEGIN ... END block: the rest of the block runs, then what follows it
    assert rows(
        conn,
        "DECLARE @s NVARCHAR(20) = N''; GOTO middle; SET @s += N'a'; BEGIN SET @s += N'b'; middle: SET @s += N'c' END;"
        " SET @s += N'd'; SELECT @s",
    ) == [("cd",)]


def test_goto_inside_a_procedure_stays_in_it(conn: Connection) -> None:
    rows(conn, "CREATE PROCEDURE p AS BEGIN GOTO finish; SELECT 'skipped'; finish: SELECT 'finished' END")
    assert [r.rows for r in conn.run("EXEC p").result_sets] == [[("finished",)]]
