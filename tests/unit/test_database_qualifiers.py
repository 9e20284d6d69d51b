"""A three-part name's database must be one the server has: ``master.dbo.t`` and ``master..t`` are the current
database's ``t``; ``nosuchdb.dbo.t`` is no table at all (208 Invalid object name, quoting the name as written; 911
for CREATE TABLE), never the current database's ``t`` read or written under another name.  SQL Server's system
database names still qualify the server's views (``tempdb.sys.x``, ``msdb.dbo.backupset``) and temporary tables
(``tempdb..#t``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus


@pytest.fixture
def conn() -> Iterator[quietus.Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        connection.run("CREATE TABLE a (id INT PRIMARY KEY); INSERT INTO a VALUES (1)")
        connection.run("CREATE VIEW v AS SELECT id FROM a")
        yield connection


def outcome(conn: quietus.Connection, text: str) -> tuple[list[object], list[tuple[int, str]]]:
    sink = conn.run(text)
    return [rs.rows for rs in sink.result_sets], [(m.number, m.text) for m in sink.messages if m.is_error]


@pytest.mark.parametrize(
    "text, name",
    [
        ("SELECT id FROM nosuchdb.dbo.a", "nosuchdb.dbo.a"),
        ("SELECT id FROM nosuchdb..a", "nosuchdb..a"),
        ("SELECT id FROM nosuchdb..v", "nosuchdb..v"),
        ("SELECT name FROM nosuchdb.sys.objects", "nosuchdb.sys.objects"),
        ("INSERT INTO nosuchdb.dbo.a VALUES (2)", "nosuchdb.dbo.a"),
        ("UPDATE nosuchdb.dbo.a SET id = 3", "nosuchdb.dbo.a"),
        ("DELETE FROM nosuchdb..a", "nosuchdb..a"),
        ("MERGE nosuchdb.dbo.a AS t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE;", "nosuchdb.dbo.a"),  # noqa: E501
        ("INSERT INTO dbo.nosuch VALUES (1)", "dbo.nosuch"),
    ],
)
def test_a_database_the_server_does_not_have_names_no_object(conn: quietus.Connection, text: str, name: str) -> None:
    assert outcome(conn, text) == ([], [(208, f"Invalid object name '{name}'.")])
    assert outcome(conn, "SELECT id FROM a") == ([[(1,)]], [])  # nothing read or written in its place


def test_create_table_in_a_database_the_server_does_not_have_is_911(conn: quietus.Connection) -> None:
    _rows, errors = outcome(conn, "CREATE TABLE nosuchdb.dbo.z (id INT)")
    assert errors == [(911, "Database 'nosuchdb' does not exist. Make sure that the name is entered correctly.")]
    assert outcome(conn, "SELECT COUNT(*) FROM sys.tables WHERE name = 'z'") == ([[(0,)]], [])


def test_the_current_database_and_the_system_databases_qualify(conn: quietus.Connection) -> None:
    assert outcome(conn, "SELECT id FROM master.dbo.a") == ([[(1,)]], [])
    assert outcome(conn, "SELECT id FROM MASTER..a") == ([[(1,)]], [])
    assert outcome(conn, "SELECT id FROM master..v") == ([[(1,)]], [])
    assert outcome(conn, "UPDATE master.dbo.a SET id = 2 WHERE id = 1; SELECT id FROM a") == ([[(2,)]], [])
    assert outcome(conn, "SELECT COUNT(*) FROM msdb.dbo.backupset") == ([[(0,)]], [])
    assert outcome(conn, "CREATE TABLE #t (x INT); INSERT INTO #t VALUES (5); SELECT x FROM tempdb..#t") == (
        [[(5,)]], []
    )  # fmt: skip
    rows, errors = outcome(conn, "SELECT COUNT(*) FROM tempdb.sys.objects WHERE name = 'a'")
    assert errors == [] and rows == [[(1,)]]


@pytest.mark.parametrize(
    "text",
    [
        "DELETE FROM master..nosuch",
        "UPDATE master..nosuch SET id = 1",
        "INSERT INTO master..nosuch VALUES (1)",
        "MERGE master..nosuch AS x USING (SELECT 1 AS id) s ON x.id = s.id WHEN MATCHED THEN DELETE;",
    ],
)
def test_an_empty_schema_part_names_no_object_without_a_crash(conn: quietus.Connection, text: str) -> None:
    """``master..t``: sqlglot gives the empty schema part as a string, which the synonym lookup read as a node
    (8630 where SQL Server says 208)."""
    assert outcome(conn, text) == ([], [(208, "Invalid object name 'master..nosuch'.")])


def test_a_synonym_named_with_its_database_and_no_schema(conn: quietus.Connection) -> None:
    conn.run("CREATE SYNONYM s FOR a")
    text = "INSERT INTO master..s VALUES (7); SELECT id FROM master..s ORDER BY id"
    assert outcome(conn, text) == ([[(1,), (7,)]], [])
