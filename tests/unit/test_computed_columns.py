"""Computed columns: written with the row, typed by their expression, refused where SQL Server refuses them; a
non-deterministic one computed at each read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        rows(connection, "CREATE TABLE t (a INT, b INT, total AS a + b, label AS CONCAT(N'#', a) PERSISTED NOT NULL)")
        yield connection


def test_the_value_follows_the_row_through_insert_update_merge_and_rollback(conn: Connection) -> None:
    rows(conn, "INSERT INTO t (a, b) VALUES (1, 2), (3, NULL)")
    rows(conn, "INSERT INTO t VALUES (5, 6)")  # no column list: the computed columns are not in it
    rows(conn, "UPDATE t SET b = 10 WHERE a = 3")
    rows(conn, "MERGE t USING (VALUES (7, 1), (5, 0)) AS s (a, b) ON t.a = s.a "
               "WHEN MATCHED THEN UPDATE SET b = s.b WHEN NOT MATCHED THEN INSERT (a, b) VALUES (s.a, s.b);")
    assert rows(conn, "SELECT a, total, label FROM t ORDER BY a") == [
        (1, 3, "#1"), (3, 13, "#3"), (5, 5, "#5"), (7, 8, "#7"),
    ]  # fmt: skip
    rows(conn, "BEGIN TRANSACTION")
    rows(conn, "UPDATE t SET a = 100 WHERE a = 1")
    assert rows(conn, "SELECT total FROM t WHERE a = 100") == [(102,)]
    rows(conn, "ROLLBACK")
    assert rows(conn, "SELECT total, label FROM t WHERE a = 1") == [(3, "#1")]
    rows(conn, "CREATE INDEX by_total ON t (total)")
    assert rows(conn, "SELECT a FROM t WHERE total = 13") == [(3,)]


def test_a_checksum_column_is_deterministic_and_follows_its_row(conn: Connection) -> None:
    """SQL Server lets CHECKSUM(expr) define a persisted, indexable computed column (the usual hash column)."""
    rows(conn, "CREATE TABLE h (name NVARCHAR(40), name_hash AS CHECKSUM(name) PERSISTED)")
    rows(conn, "CREATE INDEX by_hash ON h (name_hash)")
    rows(conn, "INSERT INTO h (name) VALUES (N'alpha'), (N'beta')")
    rows(conn, "UPDATE h SET name = N'gamma' WHERE name = N'beta'")
    assert rows(conn, "SELECT name FROM h WHERE name_hash = CHECKSUM(N'gamma')") == [("gamma",)]
    assert rows(conn, "SELECT COUNT(*) FROM h WHERE name_hash = CHECKSUM(name)") == [(2,)]


def test_the_catalog_shows_it(conn: Connection) -> None:
    listed = "SELECT name, is_computed FROM sys.columns WHERE object_id = OBJECT_ID('t') ORDER BY column_id"
    assert rows(conn, listed) == [
        ("a", False), ("b", False), ("total", True), ("label", True),
    ]  # fmt: skip
    assert rows(conn, "SELECT name, definition, is_persisted FROM sys.computed_columns ORDER BY column_id") == [
        ("total", "(a + b)", False), ("label", "(CONCAT(N'#', a))", True),
    ]  # fmt: skip
    assert rows(conn, "SELECT COLUMNPROPERTY(OBJECT_ID('t'), 'total', 'IsComputed'), TYPE_NAME(system_type_id) "
                      "FROM sys.columns WHERE name = 'label'") == [(1, "nvarchar")]


def test_alter_table_add_computes_it_for_the_rows_there_and_drop_column_refuses_what_it_reads(conn: Connection) -> None:
    rows(conn, "INSERT INTO t (a, b) VALUES (1, 2), (2, 2)")
    rows(conn, "ALTER TABLE t ADD doubled AS a * 2")
    assert rows(conn, "SELECT a, doubled FROM t ORDER BY a") == [(1, 2), (2, 4)]
    assert errors(conn, "ALTER TABLE t DROP COLUMN b")[0][0] == 5074  # total reads b


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("UPDATE t SET total = 1", 271),
        ("INSERT INTO t (a, total) VALUES (1, 2)", 271),
        ("CREATE TABLE u (a INT, c AS a + 1 NOT NULL)", 8183),
        ("CREATE TABLE u (a INT, c AS a + 1, d AS c + 1)", 1759),
        ("CREATE TABLE u (a INT, c AS GETDATE() PERSISTED)", 4936),
        ("CREATE TABLE u (a INT, c AS NEWID() UNIQUE)", 2729),  # a new value at each read: in no index
        ("CREATE TABLE u (a INT, c AS GETDATE(), CONSTRAINT pk PRIMARY KEY (a, c))", 2729),
        ("CREATE TABLE u (a INT, c AS (SELECT 1))", 1046),
        ("CREATE TABLE u (a INT, c AS missing + 1)", 207),
        ("CREATE TABLE u (a INT, c AS a > 1)", 102),
    ],
)
def test_what_sql_server_refuses(conn: Connection, sql: str, number: int) -> None:
    assert errors(conn, sql)[0][0] == number


def test_the_definition_survives_a_restart(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as first:
        rows(first, "CREATE TABLE t (a INT, twice AS a * 2 PERSISTED)")
        rows(first, "INSERT INTO t (a) VALUES (21)")
    with quietus.connect(tmp_path / "data", autocommit=True) as second:
        rows(second, "INSERT INTO t (a) VALUES (5)")
        assert rows(second, "SELECT a, twice FROM t ORDER BY a") == [(5, 10), (21, 42)]
        assert errors(second, "UPDATE t SET twice = 0")[0][0] == 271


def test_a_non_deterministic_column_is_computed_at_each_read(conn: Connection) -> None:
    # sp_BlitzCache's ##BlitzCacheProcs: PlanCreationTimeHours AS DATEDIFF(HOUR, PlanCreationTime, SYSDATETIME())
    rows(conn, "CREATE TABLE p (id INT PRIMARY KEY, made DATETIME2, hours AS DATEDIFF(HOUR, made, SYSDATETIME()))")
    rows(conn, "ALTER TABLE p ADD tag AS NEWID()")
    rows(conn, "INSERT p (id, made) VALUES (1, DATEADD(HOUR, -5, SYSDATETIME())), (2, SYSDATETIME())")
    assert rows(conn, "SELECT id, hours FROM p ORDER BY id") == [(1, 5), (2, 0)]
    # the value written with the row is never shown: every read computes anew (two reads, four NEWID() values)
    assert rows(conn, "SELECT COUNT(DISTINCT tag) FROM (SELECT tag FROM p UNION ALL SELECT tag FROM p) AS x") == [(4,)]
    assert rows(conn, "SELECT id FROM p WHERE hours >= 5") == [(1,)]
    assert rows(conn, "SELECT hours FROM p WHERE id = 1") == [(5,)]  # a key seek computes it too
    rows(conn, "UPDATE p SET made = DATEADD(HOUR, -10, SYSDATETIME()) WHERE hours = 0")
    assert rows(conn, "SELECT id, hours FROM p ORDER BY id") == [(1, 5), (2, 10)]
    assert rows(conn, "SELECT a.id FROM p AS a JOIN p AS b ON a.hours + 5 = b.hours") == [(1,)]
    rows(conn, "DELETE p OUTPUT deleted.hours WHERE hours > 7")
    assert rows(conn, "SELECT id FROM p") == [(1,)]
    assert errors(conn, "CREATE INDEX ix ON p (hours)")[0][0] == 2729
    assert errors(conn, "CREATE INDEX ix ON p (id) INCLUDE (tag)")[0][0] == 2729
    assert rows(conn, "SELECT is_computed FROM sys.columns WHERE object_id = OBJECT_ID('p') AND name = 'hours'") == [
        (True,)
    ]
