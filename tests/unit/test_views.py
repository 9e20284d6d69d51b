"""Views through the embedded engine: expansion in queries, writes through a view, CHECK OPTION, SCHEMABINDING,
errors at create, catalog views, transactions and restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    connection.run("CREATE TABLE item (id INT PRIMARY KEY, name NVARCHAR(20), qty INT)")
    connection.run("INSERT INTO item VALUES (1, 'bolt', 5), (2, 'nut', 15), (3, 'gear', 25)")
    connection.run("CREATE VIEW dbo.stocked (ident, label, amount) AS SELECT id, name, qty FROM item WHERE qty > 10")
    yield connection
    connection.close()


def error(conn: Connection, sql: str) -> int:
    sink = conn.run(sql)
    return next(m.number for m in sink.messages if m.is_error)


def test_a_view_reads_like_a_table_in_joins_subqueries_and_apply(conn: Connection) -> None:
    assert rows(conn, "SELECT * FROM stocked ORDER BY ident") == [(2, "nut", 15), (3, "gear", 25)]
    assert rows(conn, "SELECT s.label, i.id FROM dbo.stocked s JOIN item i ON i.id = s.ident - 1 ORDER BY 2") == [
        ("nut", 1),
        ("gear", 2),
    ]
    assert rows(conn, "SELECT COUNT(*) FROM item WHERE id IN (SELECT ident FROM stocked)") == [(2,)]
    assert rows(conn, "SELECT i.id, s.label FROM item i CROSS APPLY stocked s WHERE s.ident = i.id") == [
        (2, "nut"),
        (3, "gear"),
    ]
    conn.run("CREATE VIEW big AS SELECT label FROM stocked WHERE amount > 20")  # a view of a view
    assert rows(conn, "SELECT label FROM big") == [("gear",)]


def test_a_view_sees_its_tables_changes_and_a_cached_plan_sees_an_altered_view(conn: Connection) -> None:
    query = "SELECT COUNT(*) FROM stocked"
    assert rows(conn, query) == [(2,)]
    conn.run("INSERT INTO item VALUES (4, 'cog', 50)")
    assert rows(conn, query) == [(3,)]
    conn.run("ALTER VIEW dbo.stocked (ident, label, amount) AS SELECT id, name, qty FROM item")
    assert rows(conn, query) == [(4,)]


def test_the_outer_querys_cte_does_not_leak_into_a_view(conn: Connection) -> None:
    assert rows(conn, "WITH item AS (SELECT 99 AS id, N'x' AS name, 100 AS qty) SELECT COUNT(*) FROM stocked") == [(2,)]


def test_errors_at_create(conn: Connection) -> None:
    assert error(conn, "CREATE VIEW v AS SELECT id FROM nowhere") == 208
    assert error(conn, "CREATE VIEW v AS SELECT nope FROM item") == 207
    assert error(conn, "CREATE VIEW v AS SELECT id + 1 FROM item") == 4511
    assert error(conn, "CREATE VIEW v AS SELECT id, id FROM item") == 4506
    assert error(conn, "CREATE VIEW v (a) AS SELECT id, name FROM item") == 8158
    assert error(conn, "CREATE VIEW v AS SELECT id FROM item ORDER BY id") == 1033
    assert rows(conn, "EXEC('CREATE VIEW v AS SELECT TOP 2 id FROM item ORDER BY id DESC'); SELECT * FROM v") == [
        (3,),
        (2,),
    ]
    assert error(conn, "CREATE VIEW stocked AS SELECT 1 AS a") == 2714
    assert error(conn, "CREATE VIEW item AS SELECT 1 AS a") == 2714
    assert error(conn, "SELECT 1; CREATE VIEW w AS SELECT 1 AS a") == 111
    assert error(conn, "CREATE TABLE #t (a INT); EXEC('CREATE VIEW w AS SELECT a FROM #t')") == 4508
    assert error(conn, "ALTER VIEW nothere AS SELECT 1 AS a") == 208
    conn.run("CREATE PROCEDURE p AS SELECT 1")
    assert error(conn, "ALTER VIEW p AS SELECT 1 AS a") == 2010


def test_drop_view(conn: Connection) -> None:
    assert error(conn, "DROP VIEW nothere") == 3701
    conn.run("DROP VIEW IF EXISTS nothere")
    assert error(conn, "DROP VIEW item") == 3705
    assert error(conn, "DROP TABLE stocked") == 3701
    conn.run("DROP VIEW dbo.stocked")
    assert error(conn, "SELECT * FROM stocked") == 208


def test_writes_through_a_single_table_view(conn: Connection) -> None:
    conn.run("INSERT INTO stocked (ident, label, amount) VALUES (7, 'cam', 70)")
    assert rows(conn, "SELECT id, name, qty FROM item WHERE id = 7") == [(7, "cam", 70)]
    conn.run("UPDATE stocked SET amount = amount + 1 WHERE label IN ('bolt', 'nut')")  # bolt is not in the view
    assert rows(conn, "SELECT id, qty FROM item WHERE id < 3 ORDER BY id") == [(1, 5), (2, 16)]
    conn.run("DELETE FROM stocked WHERE ident <= 2")  # only the view's rows: bolt (5) stays
    assert rows(conn, "SELECT id FROM item ORDER BY id") == [(1,), (3,), (7,)]
    assert error(conn, "UPDATE stocked SET label = 'x' FROM stocked JOIN item ON item.id = stocked.ident") == 40517
    merge = "MERGE stocked AS s USING (SELECT 3 AS k) AS n ON s.ident = n.k WHEN MATCHED THEN DELETE;"
    assert error(conn, merge) == 40517  # not built: a clear refusal, not 208 for a view that exists


def test_views_that_cannot_be_written_through(conn: Connection) -> None:
    conn.run("CREATE VIEW totals AS SELECT name, SUM(qty) AS total FROM item GROUP BY name")
    assert error(conn, "UPDATE totals SET name = 'x'") == 4403
    conn.run("CREATE VIEW joined AS SELECT a.id, b.qty FROM item a JOIN item b ON a.id = b.id")
    assert error(conn, "DELETE FROM joined") == 4405
    conn.run("CREATE VIEW doubled AS SELECT id, qty * 2 AS twice FROM item")
    assert error(conn, "UPDATE doubled SET twice = 4") == 4406
    assert error(conn, "INSERT INTO doubled (id, twice) VALUES (9, 1)") == 4406
    conn.run("UPDATE doubled SET id = id WHERE twice = 10")  # the computed column may be read
    assert rows(conn, "SELECT COUNT(*) FROM item") == [(3,)]


def test_with_check_option_refuses_rows_the_view_would_not_show(conn: Connection) -> None:
    conn.run("CREATE VIEW checked AS SELECT id, qty FROM item WHERE qty > 10 WITH CHECK OPTION")
    assert error(conn, "UPDATE checked SET qty = 1 WHERE id = 2") == 550
    assert error(conn, "INSERT INTO checked VALUES (8, 3)") == 550
    assert rows(conn, "SELECT id, qty FROM item ORDER BY id") == [(1, 5), (2, 15), (3, 25)]
    conn.run("INSERT INTO checked VALUES (8, 30)")
    conn.run("UPDATE checked SET qty = 11 WHERE id = 2")
    assert rows(conn, "SELECT id, qty FROM item WHERE id IN (2, 8) ORDER BY id") == [(2, 11), (8, 30)]
    conn.run("CREATE VIEW over_checked AS SELECT id, qty FROM checked WHERE qty < 100")
    assert error(conn, "INSERT INTO over_checked VALUES (9, 4)") == 550  # the view under it has the option
    conn.run("INSERT INTO stocked VALUES (10, 'low', 1)")  # no CHECK OPTION: the row goes in, unseen
    assert rows(conn, "SELECT COUNT(*) FROM stocked WHERE ident = 10") == [(0,)]


def test_schemabinding(conn: Connection) -> None:
    assert error(conn, "CREATE VIEW b1 WITH SCHEMABINDING AS SELECT id FROM item") == 4512
    assert error(conn, "CREATE VIEW b1 WITH SCHEMABINDING AS SELECT * FROM dbo.item") == 1054
    conn.run("CREATE VIEW bound WITH SCHEMABINDING AS SELECT id, qty FROM dbo.item")
    assert error(conn, "DROP TABLE item") == 3729
    assert error(conn, "ALTER TABLE item DROP COLUMN qty") == 5074
    conn.run("ALTER TABLE item DROP COLUMN name")  # a column the view does not name
    assert rows(conn, "SELECT is_schema_bound FROM sys.sql_modules WHERE object_id = OBJECT_ID('bound')") == [(True,)]
    bound = "OBJECTPROPERTY(OBJECT_ID('bound'), 'IsSchemaBound'), OBJECTPROPERTY(OBJECT_ID('stocked'), 'IsSchemaBound')"
    assert rows(conn, f"SELECT {bound}") == [(1, 0)]
    conn.run("DROP VIEW bound")
    conn.run("DROP VIEW stocked")
    conn.run("DROP TABLE item")


def test_catalog(conn: Connection) -> None:
    conn.run("CREATE VIEW checked AS SELECT id FROM item WHERE qty > 1 WITH CHECK OPTION")
    assert rows(conn, "SELECT name, type, type_desc, with_check_option FROM sys.views ORDER BY name") == [
        ("checked", "V ", "VIEW", True),
        ("stocked", "V ", "VIEW", False),
    ]
    assert rows(conn, "SELECT type FROM sys.objects WHERE name = 'stocked'") == [("V ",)]
    assert rows(conn, "SELECT OBJECT_ID('stocked', 'V') - OBJECT_ID('dbo.stocked'), OBJECT_ID('stocked', 'U')") == [
        (0, None)
    ]
    assert rows(conn, "SELECT OBJECTPROPERTY(OBJECT_ID('stocked'), 'IsView')") == [(1,)]
    assert rows(
        conn,
        "SELECT name, column_id, system_type_id FROM sys.columns WHERE object_id = OBJECT_ID('stocked') ORDER BY 2",
    ) == [("ident", 1, 56), ("label", 2, 231), ("amount", 3, 56)]
    assert rows(conn, "SELECT TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES ORDER BY 1") == [
        ("checked", "VIEW"),
        ("item", "BASE TABLE"),
        ("stocked", "VIEW"),
    ]
    assert rows(conn, "SELECT TABLE_NAME, CHECK_OPTION FROM INFORMATION_SCHEMA.VIEWS ORDER BY 1") == [
        ("checked", "CASCADE"),
        ("stocked", "NONE"),
    ]
    assert rows(conn, "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'stocked'") == [
        ("ident",),
        ("label",),
        ("amount",),
    ]
    definition = rows(conn, "SELECT OBJECT_DEFINITION(OBJECT_ID('stocked'))")[0][0]
    assert definition.startswith("CREATE VIEW dbo.stocked (ident, label, amount) AS")
    assert "".join(line for (line,) in rows(conn, "EXEC sp_helptext 'stocked'")) == definition
    assert rows(conn, "SELECT COUNT(*) FROM sys.procedures") == [(0,)]
    assert rows(conn, "SELECT name FROM sys.all_views WHERE is_ms_shipped = 0 ORDER BY name") == [
        ("checked",),
        ("stocked",),
    ]
    assert rows(conn, "SELECT COUNT(*) FROM sys.system_views WHERE name = 'stocked'") == [(0,)]
    assert rows(conn, "SELECT COUNT(*) FROM sys.all_columns WHERE object_id = OBJECT_ID('stocked')") == [(3,)]


def test_views_are_transactional(conn: Connection) -> None:
    conn.run("BEGIN TRAN; EXEC('CREATE VIEW never AS SELECT 1 AS a'); ROLLBACK")
    assert rows(conn, "SELECT OBJECT_ID('never')") == [(None,)]
    conn.run("BEGIN TRAN; DROP VIEW stocked; ROLLBACK")
    assert rows(conn, "SELECT COUNT(*) FROM stocked") == [(2,)]


def test_a_self_reference_made_by_alter_is_4429(conn: Connection) -> None:
    conn.run("CREATE VIEW a AS SELECT ident FROM stocked")
    conn.run("ALTER VIEW dbo.stocked (ident, label, amount) AS SELECT ident, 'x', 1 FROM a")
    assert error(conn, "SELECT * FROM a") == 4429


def test_views_survive_a_restart(tmp_path: Path) -> None:
    with quietus.connect(tmp_path, autocommit=True) as first:
        first.run("CREATE TABLE t (a INT)")
        first.run("INSERT INTO t VALUES (1), (2)")
        first.run("CREATE VIEW v AS SELECT a * 10 AS ten FROM t")
        first.run("CREATE VIEW gone AS SELECT a FROM t")
        first.run("DROP VIEW gone")
    with quietus.connect(tmp_path, autocommit=True) as second:
        assert rows(second, "SELECT ten FROM v ORDER BY ten") == [(10,), (20,)]
        assert rows(second, "SELECT name FROM sys.views") == [("v",)]
