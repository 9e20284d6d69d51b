"""Two values are one key exactly when their column's ``=`` finds them equal (engine/storage/keys.py): a unique key
refuses what that ``=`` calls a duplicate and nothing else, and a seek finds what it would find.

A T-SQL column compares under SQL_Latin1_General_CP1_CI_AS (case and trailing spaces ignored) and binary values
ignore trailing zero bytes; a string column an Oracle session created compares as Oracle's NLS_COMP=BINARY does:
VARCHAR2 by code point with trailing spaces counting, CHAR blank-padded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection, DatabaseError
from quietus.engine.storage.keys import BINARY


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def ora(data: Path) -> Iterator[Connection]:
    with quietus.connect(data, dialect="oracle", autocommit=True) as connection:
        yield connection


def rows(connection: Connection, sql: str, parameters: Any = None) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    cursor.execute(sql, parameters)
    return cursor.fetchall()


def refused(connection: Connection, sql: str, parameters: Any = None) -> str:
    with pytest.raises(DatabaseError) as raised:
        connection.cursor().execute(sql, parameters)
    return str(raised.value)


def test_an_oracle_varchar2_key_is_case_and_trailing_space_sensitive(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE people (name VARCHAR2(20) PRIMARY KEY, n NUMBER)")
    for n, name in enumerate(["alice", "Alice", "ALICE", "alice "]):
        cursor.execute("INSERT INTO people VALUES (:1, :2)", [name, n])
    assert refused(ora, "INSERT INTO people VALUES ('Alice', 9)").startswith("ORA-00001: unique constraint")
    assert rows(ora, "SELECT n FROM people WHERE name = 'Alice'") == [(1,)]
    assert rows(ora, "SELECT n FROM people WHERE name = :who", {"who": "alice "}) == [(3,)]
    assert rows(ora, "SELECT n FROM people WHERE name = 'aLICE'") == []
    cursor.execute("UPDATE people SET n = 10 WHERE name = 'ALICE'")
    assert rows(ora, "SELECT name, n FROM people ORDER BY name") == [
        ("ALICE", 10), ("Alice", 1), ("alice", 0), ("alice ", 3)
    ]  # fmt: skip
    cursor.execute("CREATE UNIQUE INDEX people_n ON people (n)")  # 0, 1, 10, 3: no duplicate
    cursor.execute("DELETE FROM people WHERE name = 'alice'")
    assert rows(ora, "SELECT COUNT(*) FROM people") == [(3,)]


def test_an_oracle_char_key_compares_blank_padded(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE codes (code CHAR(4) PRIMARY KEY)")
    cursor.execute("INSERT INTO codes VALUES ('ab')")
    cursor.execute("INSERT INTO codes VALUES ('AB')")  # case still counts
    assert refused(ora, "INSERT INTO codes VALUES ('ab  ')").startswith("ORA-00001")
    assert rows(ora, "SELECT code FROM codes WHERE code = 'ab'") == [("ab  ",)]


def test_an_oracle_foreign_key_matches_as_the_referenced_key_compares(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE teams (name VARCHAR2(10) PRIMARY KEY)")
    cursor.execute("INSERT INTO teams VALUES ('Red')")
    cursor.execute("INSERT INTO teams VALUES ('red')")
    cursor.execute("CREATE TABLE players (id NUMBER PRIMARY KEY, team VARCHAR2(10) REFERENCES teams (name))")
    cursor.execute("INSERT INTO players VALUES (1, 'Red')")
    assert refused(ora, "INSERT INTO players VALUES (2, 'RED')").startswith("ORA-02291")
    cursor.execute("DELETE FROM teams WHERE name = 'red'")  # nobody refers to 'red'
    assert refused(ora, "DELETE FROM teams WHERE name = 'Red'").startswith("ORA-02292")


def test_the_collation_is_kept_with_the_table(data: Path) -> None:
    """The catalog records it: after a restart the table's keys still compare as its creator's did, and a T-SQL
    session's own tables keep the server's collation."""
    with quietus.connect(data, dialect="oracle", autocommit=True) as ora:
        ora.cursor().execute("CREATE TABLE tags (tag VARCHAR2(10) PRIMARY KEY)")
        ora.cursor().execute("INSERT INTO tags VALUES ('x')")
    with quietus.connect(data, autocommit=True) as tsql:
        tsql.cursor().execute("CREATE TABLE labels (label VARCHAR(10) PRIMARY KEY)")
        tsql.cursor().execute("INSERT INTO labels VALUES ('x')")
    with quietus.connect(data, dialect="oracle", autocommit=True) as ora:
        ora.cursor().execute("INSERT INTO tags VALUES ('X')")
        assert rows(ora, "SELECT tag FROM tags ORDER BY tag") == [("X",), ("x",)]
        database = ora.instance.env.databases["master"] if ora.instance.env else None
        assert database is not None
        columns = {table.name: table.definition.columns[0] for table in database.tables.values()}
        assert columns["TAGS"].collation == BINARY and columns["labels"].collation is None
    with quietus.connect(data, autocommit=True) as tsql:
        assert "duplicate key" in refused(tsql, "INSERT INTO labels VALUES ('X ')")


def test_tsql_keys_ignore_case_trailing_spaces_and_trailing_zero_bytes(data: Path) -> None:
    with quietus.connect(data, autocommit=True) as tsql:
        cursor = tsql.cursor()
        cursor.execute("CREATE TABLE t (s NVARCHAR(10) NOT NULL, b VARBINARY(4) NOT NULL, PRIMARY KEY (s, b))")
        cursor.execute("INSERT INTO t VALUES (N'a', 0x01)")
        text = refused(tsql, "INSERT INTO t VALUES (N'A ', 0x010000)")
        assert "The duplicate key value is (A , 0x010000)." in text
        assert rows(tsql, "SELECT s, b FROM t WHERE s = N'A' AND b = 0x0100") == [("a", b"\x01")]
        cursor.execute("CREATE TABLE u (b VARBINARY(4) NULL)")
        cursor.execute("INSERT INTO u VALUES (0x02), (0x0200)")
        text = refused(tsql, "CREATE UNIQUE INDEX u_b ON u (b)")
        assert "The duplicate key value is (0x0200)." in text
        assert rows(tsql, "SELECT DISTINCT x FROM (VALUES (0x), (0x00), (0x0000)) v(x)") == [(b"",)]
        assert rows(tsql, "SELECT COUNT(*) FROM u GROUP BY b") == [(2,)]
