"""``sysname``: SQL Server's alias type nvarchar(128), NOT NULL by default in a column, usable wherever a type is
declared (DECLARE, table variables, CREATE TABLE, procedure parameters, CAST)."""

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
        yield connection


def test_sysname_is_nvarchar_128_in_declarations_and_casts(conn: Connection) -> None:
    sink = conn.run(f"DECLARE @s SYSNAME = N'{'x' * 200}'; SELECT @s AS s, CAST(N'abc' AS sysname) AS c")
    assert [(c.type.name, c.type.length) for c in sink.result_sets[0].columns] == [("nvarchar", 128)] * 2
    assert sink.result_sets[0].rows == [("x" * 128, "abc")]


def test_a_sysname_column_is_not_null_unless_it_says_null(conn: Connection) -> None:
    rows(conn, "CREATE TABLE names (a sysname, b [sysname] NULL)")
    assert rows(
        conn,
        "SELECT name, is_nullable, max_length, system_type_id FROM sys.columns"
        " WHERE object_id = OBJECT_ID('names') ORDER BY column_id",
    ) == [("a", False, 256, 231), ("b", True, 256, 231)]
    assert [n for n, _ in errors(conn, "INSERT INTO names (b) VALUES (N'x')")] == [515]
    assert [n for n, _ in errors(conn, "DECLARE @t TABLE (x sysname); INSERT @t VALUES (NULL)")] == [515]


def test_sysname_parameters(conn: Connection) -> None:
    rows(conn, "CREATE PROCEDURE who_is @name sysname, @echo sysname = NULL OUTPUT AS SET @echo = UPPER(@name)")
    assert rows(conn, "DECLARE @e sysname; EXEC who_is N'sa', @e OUTPUT; SELECT @e") == [("SA",)]
    assert rows(
        conn,
        "DECLARE @r sysname; EXEC sp_executesql N'SET @r = @n', N'@n sysname, @r sysname OUTPUT', N'x', @r OUTPUT;"
        " SELECT @r",
    ) == [("x",)]
