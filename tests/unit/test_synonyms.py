"""CREATE / DROP SYNONYM (sp_BlitzLock makes its output tables' synonyms): a synonym stands for its base table or
view in queries and writes, is transactional and durable like any module, shows in sys.synonyms and sys.objects,
and a base that is missing is 5313."""

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
        rows(connection, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT t VALUES (1, 10), (2, 20)")
        yield connection


def test_a_synonym_stands_for_its_table_in_queries_and_writes(conn: Connection) -> None:
    rows(conn, "CREATE SYNONYM dbo.s FOR master.dbo.t")
    assert rows(conn, "SELECT s.id, v FROM s ORDER BY id") == [(1, 10), (2, 20)]
    assert rows(conn, "SELECT x.v FROM dbo.s AS x WITH (NOLOCK) WHERE x.id = 2") == [(20,)]
    rows(conn, "INSERT INTO s (id, v) VALUES (3, 30)")
    rows(conn, "UPDATE s SET v = v + 1 WHERE id = 1")
    rows(conn, "UPDATE x SET v = 0 FROM s AS x WHERE x.id = 2")
    rows(conn, "DELETE s WHERE id = 3")
    assert rows(conn, "SELECT id, v FROM t ORDER BY id") == [(1, 11), (2, 0)]


def test_a_synonym_of_a_view_and_one_whose_base_is_missing(conn: Connection) -> None:
    rows(conn, "CREATE VIEW big AS SELECT id FROM t WHERE v > 15")
    rows(conn, "CREATE SYNONYM sv FOR dbo.big")
    assert rows(conn, "SELECT id FROM sv") == [(2,)]
    rows(conn, "CREATE SYNONYM later FOR dbo.not_yet")  # resolved when used, as SQL Server does
    assert errors(conn, "SELECT * FROM later") == [(5313, "Synonym 'later' refers to an invalid object.")]
    assert errors(conn, "INSERT dbo.later VALUES (1)") == [(5313, "Synonym 'dbo.later' refers to an invalid object.")]
    rows(conn, "CREATE TABLE not_yet (n INT); INSERT later VALUES (7)")
    assert rows(conn, "SELECT n FROM later") == [(7,)]
    rows(conn, "CREATE SYNONYM chained FOR later")  # no chaining: a synonym's base is a table or view
    assert errors(conn, "SELECT * FROM chained")[0][0] == 5313


def test_synonyms_in_the_catalog(conn: Connection) -> None:
    rows(conn, "CREATE SYNONYM dbo.s FOR master.dbo.t; CREATE SYNONYM s2 FOR master..t")
    assert rows(conn, "SELECT name, type, type_desc, base_object_name FROM sys.synonyms ORDER BY name") == [
        ("s", "SN", "SYNONYM", "[master].[dbo].[t]"),
        ("s2", "SN", "SYNONYM", "[master]..[t]"),
    ]
    found = "SELECT COUNT(*) FROM sys.objects o JOIN sys.schemas s ON o.schema_id = s.schema_id"
    found += " WHERE o.name = N'{}' AND s.name = N'dbo' AND o.type_desc = N'SYNONYM'"  # sp_BlitzLock's own test
    assert rows(conn, found.format("s")) == [(1,)]
    assert rows(conn, "SELECT OBJECT_ID('dbo.s') IS NOT NULL, OBJECT_DEFINITION(OBJECT_ID('dbo.s'))") == [(1, None)]
    assert rows(conn, "SELECT COUNT(*) FROM sys.sql_modules") == [(0,)]
    assert errors(conn, "EXEC sp_helptext 's'") == [(15197, "There is no text for object 's'.")]


def test_synonym_ddl_errors_and_transactions(conn: Connection) -> None:
    rows(conn, "CREATE SYNONYM s FOR t")
    assert errors(conn, "CREATE SYNONYM s FOR t")[0][0] == 2714
    assert errors(conn, "CREATE SYNONYM t FOR s")[0][0] == 2714  # a table has the name
    assert errors(conn, "CREATE TABLE s (n INT)")[0][0] == 2714  # one namespace for tables and modules
    assert errors(conn, "SELECT 1 AS n INTO s")[0][0] == 2714
    assert errors(conn, "DROP VIEW s")[0][0] == 3705
    assert errors(conn, "DROP SYNONYM nope")[0][0] == 3701
    rows(conn, "DROP SYNONYM IF EXISTS nope")
    assert errors(conn, "CREATE SYNONYM a.b.c.d.e FOR t")[0][0] == 102
    assert errors(conn, "CREATE SYNONYM x FOR a.b.c.d.e")[0][0] == 102
    rows(conn, "BEGIN TRAN; DROP SYNONYM s")
    assert errors(conn, "SELECT * FROM s")[0][0] == 208
    rows(conn, "ROLLBACK")
    assert rows(conn, "SELECT COUNT(*) FROM s") == [(2,)]


def test_a_cached_plan_follows_the_synonym(conn: Connection) -> None:
    rows(conn, "CREATE TABLE other (id INT, v INT); INSERT other VALUES (9, 90)")
    rows(conn, "CREATE SYNONYM s FOR t")
    query = "SELECT COUNT(*) FROM s"
    assert rows(conn, query) == [(2,)]
    rows(conn, "DROP SYNONYM s; CREATE SYNONYM s FOR other")
    assert rows(conn, query) == [(1,)]
    rows(conn, "DROP SYNONYM s")
    assert errors(conn, query)[0][0] == 208


def test_a_synonym_survives_a_restart(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as first:
        rows(first, "CREATE TABLE t (id INT); INSERT t VALUES (1); CREATE SYNONYM s FOR dbo.t")
    with quietus.connect(tmp_path / "data", autocommit=True) as again:
        assert rows(again, "SELECT id FROM s") == [(1,)]


def test_ddl_never_goes_through_a_synonym(conn: Connection) -> None:
    rows(conn, "CREATE SYNONYM s FOR dbo.t")
    assert errors(conn, "DROP TABLE s")[0][0] == 3701  # the base table is not dropped
    assert errors(conn, "CREATE INDEX ix ON s (v)")[0][0] == 1088
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(2,)]
    rows(
        conn,
        "MERGE s AS d USING (SELECT 3 AS id, 30 AS v) AS n ON d.id = n.id"
        " WHEN NOT MATCHED THEN INSERT VALUES (n.id, n.v);",
    )
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(3,)]
