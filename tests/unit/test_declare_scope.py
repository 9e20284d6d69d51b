"""A T-SQL variable exists from where its DECLARE is written to the end of the batch, whether the DECLARE runs once,
many times or never: SQL Server declares at compile time.  So a DECLARE in a loop is one declaration (the variable
keeps its value; only ``= value`` is assigned again), a DECLARE in a branch not taken still declares, and only a
second DECLARE of the name (134) or a use written before any DECLARE (137) is an error."""

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


def test_a_declare_in_a_loop_is_one_declaration(conn: Connection) -> None:
    loop = (
        "DECLARE @i INT = 0; WHILE @i < 3 BEGIN DECLARE @sum INT; SET @sum = ISNULL(@sum, 0) + 10; "
        "DECLARE @fresh INT = 5; SET @fresh += 1; SET @i += 1 END; SELECT @sum, @fresh"
    )
    # a plain DECLARE does not reset the variable (30, not 10); DECLARE ... = 5 assigns 5 on every pass (6, not 8)
    assert rows(conn, loop) == [(30, 6)]


def test_a_table_variable_declared_in_a_loop_is_one_table(conn: Connection) -> None:
    loop = (
        "DECLARE @i INT = 0; WHILE @i < 3 BEGIN DECLARE @t TABLE (n INT); INSERT @t VALUES (@i); SET @i += 1 END; "
        "SELECT COUNT(*) FROM @t"
    )
    assert rows(conn, loop) == [(3,)]


def test_a_declare_not_run_still_declares(conn: Connection) -> None:
    assert rows(conn, "IF 1 = 0 BEGIN DECLARE @z INT = 7 END; SELECT @z") == [(None,)]
    assert rows(conn, "IF 1 = 1 SET NOCOUNT ON; ELSE DECLARE @w INT = 7; SELECT @w") == [(None,)]
    assert rows(conn, "WHILE 1 = 0 BEGIN DECLARE @v NVARCHAR(5) = N'x' END; SELECT @v") == [(None,)]
    assert rows(conn, "BEGIN TRY SET NOCOUNT ON END TRY BEGIN CATCH DECLARE @c INT = 1 END CATCH; SELECT @c") == [
        (None,)
    ]


def test_a_goto_back_runs_the_same_declare_again(conn: Connection) -> None:
    batch = "DECLARE @n INT = 0; again: DECLARE @seen INT = 100; SET @n += 1; IF @n < 3 GOTO again; SELECT @n, @seen"
    assert rows(conn, batch) == [(3, 100)]


def test_a_second_declare_and_a_use_before_any_declare_are_still_errors(conn: Connection) -> None:
    assert errors(conn, "DECLARE @d INT; DECLARE @d INT")[0][0] == 134
    assert errors(conn, "DECLARE @i INT = 0; WHILE @i < 2 BEGIN DECLARE @d INT; SET @i += 1 END; DECLARE @d INT")[0][
        0
    ] == 134
    assert errors(conn, "SELECT @q; DECLARE @q INT")[0][0] == 137
    assert errors(conn, "IF 1 = 1 SELECT @e ELSE DECLARE @e INT")[0][0] == 137  # written after the use
    assert errors(conn, "EXEC sp_executesql N'DECLARE @p INT', N'@p INT', @p = 1")[0][0] == 134  # a parameter


def test_a_procedure_body_declares_the_same_way(conn: Connection) -> None:
    rows(
        conn,
        "CREATE PROCEDURE counted @times INT AS BEGIN DECLARE @i INT = 0; "
        "WHILE @i < @times BEGIN DECLARE @total INT; SET @total = ISNULL(@total, 0) + @i; SET @i += 1 END; "
        "SELECT @total END",
    )
    assert rows(conn, "EXEC counted 4") == [(6,)]
    assert rows(conn, "EXEC counted 0") == [(None,)]  # the loop's body never ran: @total is declared, NULL
