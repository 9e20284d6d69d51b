"""COLLATE in expressions (comparisons, LIKE, ORDER BY) and on columns, with SQL Server's 447, 448 and 468."""

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
        rows(connection, "CREATE TABLE w (id INT, word NVARCHAR(10)); INSERT w VALUES (1, N'abc'), (2, N'ABC'),"
                         " (3, N'Abc'), (4, N'ábc')")  # fmt: skip
        yield connection


def ids(conn: Connection, where: str) -> list[int]:
    return [r[0] for r in rows(conn, f"SELECT id FROM w WHERE {where} ORDER BY id")]


def test_comparisons_use_the_named_collation(conn: Connection) -> None:
    assert ids(conn, "word = N'abc'") == [1, 2, 3]  # the default: case-insensitive, accent-sensitive
    assert ids(conn, "word = N'abc' COLLATE Latin1_General_BIN2") == [1]
    assert ids(conn, "word COLLATE SQL_Latin1_General_CP1_CS_AS = N'Abc'") == [3]
    assert ids(conn, "(word COLLATE Latin1_General_CI_AI) = N'ABC'") == [1, 2, 3, 4]
    assert ids(conn, "word COLLATE Latin1_General_CS_AI = N'abc'") == [1, 4]
    assert ids(conn, "word > N'abc' COLLATE Latin1_General_BIN2") == [4]
    assert ids(conn, "word = N'ABC' COLLATE DATABASE_DEFAULT") == [1, 2, 3]
    assert ids(conn, "word COLLATE Latin1_General_BIN2 IN (N'abc', N'ABC')") == [1, 2]
    assert ids(conn, "word COLLATE Latin1_General_BIN2 BETWEEN N'Abc' AND N'abc'") == [1, 3]


def test_like_minds_case_and_accents_as_the_collation_says(conn: Connection) -> None:
    assert ids(conn, "word LIKE N'A%'") == [1, 2, 3]
    assert ids(conn, "word LIKE N'A%' COLLATE Latin1_General_CS_AS") == [2, 3]
    assert ids(conn, "word COLLATE Latin1_General_BIN2 LIKE N'_bc'") == [1, 3, 4]
    assert ids(conn, "word LIKE N'a%' COLLATE Latin1_General_CI_AI") == [1, 2, 3, 4]


def test_charindex_patindex_and_replace_follow_an_argument_s_collation(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT CHARINDEX(N'B', N'abcB'), CHARINDEX(N'B' COLLATE Latin1_General_BIN2, N'abcB'),"
        " REPLACE(N'aAa' COLLATE Latin1_General_CS_AS, N'a', N'x'), REPLACE(N'aAa', N'a', N'x'),"
        " PATINDEX(N'%B%', N'abB' COLLATE Latin1_General_BIN2), PATINDEX(N'%B%', N'abB'),"
        " CHARINDEX(CHAR(13) + CHAR(255) COLLATE Latin1_General_Bin2, N'x' + CHAR(13) + CHAR(255), 1)",
    ) == [(2, 4, "xAx", "xxx", 3, 2, 2)]
    assert errors(conn, "SELECT CHARINDEX(N'a' COLLATE Latin1_General_CI_AI, N'á')") == [
        (16901, "CHARINDEX under an accent-insensitive collation: This feature has not been implemented yet.")
    ]


def test_order_by_follows_the_collation(conn: Connection) -> None:
    assert rows(conn, "SELECT id FROM w ORDER BY word COLLATE Latin1_General_BIN2") == [(2,), (3,), (1,), (4,)]
    assert rows(conn, "SELECT id FROM w ORDER BY word COLLATE Latin1_General_CS_AS DESC") == [(4,), (2,), (3,), (1,)]


def test_columns_may_name_the_default_collation(conn: Connection) -> None:
    rows(
        conn,
        "CREATE TABLE #names (n sysname COLLATE database_default, m NVARCHAR(5) COLLATE SQL_Latin1_General_CP1_CI_AS)",
    )
    rows(conn, "INSERT #names VALUES (N'x', N'y')")
    assert rows(conn, "SELECT n FROM #names WHERE m = N'Y'") == [("x",)]
    # another collation on a column is not supported yet: refused, never ignored
    assert errors(conn, "CREATE TABLE cs (n NVARCHAR(5) COLLATE Latin1_General_BIN2)")[0][0] == 102


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        ("SELECT 1 WHERE N'a' = N'A' COLLATE Klingon_CI_AS", 448, "Invalid collation 'Klingon_CI_AS'."),
        ("CREATE TABLE bad (n NVARCHAR(5) COLLATE Nope)", 448, "Invalid collation 'Nope'."),
        ("SELECT 1 COLLATE Latin1_General_BIN2", 447, "Expression type int is invalid for COLLATE clause."),
        ("SELECT 1 WHERE N'a' COLLATE Latin1_General_BIN2 = N'a' COLLATE Latin1_General_CS_AS", 468,
         'Cannot resolve the collation conflict between "Latin1_General_BIN2" and "Latin1_General_CS_AS" in the'
         " equal to operation."),
    ],
)  # fmt: skip
def test_misuse_gives_sql_servers_errors(conn: Connection, sql: str, number: int, text: str) -> None:
    assert errors(conn, sql)[:1] == [(number, text)]
