"""CREATE INDEX's clauses are carried out or refused: INCLUDE's columns are recorded (sys.index_columns) and kept
through ALTER TABLE; a second clustered index is 1902; repeated columns are 1909."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        connection.run("CREATE TABLE a (id INT PRIMARY KEY, u INT, v INT, w INT); CREATE TABLE h (x INT, y INT)")
        yield connection


def outcome(conn: Connection, text: str) -> tuple[list[object], list[int]]:
    sink = conn.run(text)
    return [rs.rows for rs in sink.result_sets], [m.number for m in sink.messages if m.is_error]


INDEX_COLUMNS = (
    "SELECT c.name, ic.index_column_id, ic.key_ordinal, ic.is_included_column FROM sys.index_columns ic "
    "JOIN sys.indexes i ON i.object_id = ic.object_id AND i.index_id = ic.index_id "
    "JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id "
    "WHERE i.name = 'ix' ORDER BY ic.index_column_id"
)


def test_included_columns_are_recorded_and_follow_the_table(conn: Connection) -> None:
    assert outcome(conn, "CREATE INDEX ix ON a (v) INCLUDE (w)") == ([], [])
    assert outcome(conn, INDEX_COLUMNS) == ([[("v", 1, 1, False), ("w", 2, 0, True)]], [])
    assert outcome(conn, "ALTER TABLE a DROP COLUMN w")[1] == [5074]  # the index depends on it
    assert outcome(conn, "ALTER TABLE a DROP COLUMN u") == ([], [])  # positions move: the index still names w
    assert outcome(conn, INDEX_COLUMNS) == ([[("v", 1, 1, False), ("w", 2, 0, True)]], [])


@pytest.mark.parametrize(
    "text, number",
    [
        ("CREATE INDEX ix ON a (v) INCLUDE (v)", 1909),
        ("CREATE INDEX ix ON a (v) INCLUDE (w, w)", 1909),
        ("CREATE INDEX ix ON a (v, v)", 1909),
        ("CREATE INDEX ix ON a (v) INCLUDE (nosuch)", 1911),
        ("CREATE CLUSTERED INDEX ix ON a (v)", 1902),
        ("CREATE UNIQUE CLUSTERED INDEX ix ON a (v)", 1902),
    ],
)
def test_index_definitions_refused(conn: Connection, text: str, number: int) -> None:
    assert outcome(conn, text)[1] == [number]
    assert outcome(conn, "SELECT COUNT(*) FROM sys.indexes WHERE name = 'ix'") == ([[(0,)]], [])


def test_a_clustered_index_on_a_heap_is_shown_as_what_it_is(conn: Connection) -> None:
    assert outcome(conn, "CREATE CLUSTERED INDEX hx ON h (x)") == ([], [])
    rows = outcome(conn, "SELECT index_id, type_desc FROM sys.indexes WHERE object_id = OBJECT_ID('h') ORDER BY 1")
    assert rows == ([[(0, "HEAP"), (2, "NONCLUSTERED")]], [])
