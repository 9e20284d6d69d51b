"""MERGE: every WHEN clause kind, AND conditions, constraints, atomicity, and SQL Server's 8672 and 10713."""

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
            "CREATE TABLE stock (id INT PRIMARY KEY, qty INT NOT NULL, note NVARCHAR(10) DEFAULT N'new');"
            "INSERT stock (id, qty, note) VALUES (1, 10, N'a'), (2, 20, N'b'), (3, 30, N'c');"
            "CREATE TABLE delivery (id INT, qty INT); INSERT delivery VALUES (1, 5), (2, 0), (4, 7)",
        )
        yield connection


def test_matched_not_matched_and_not_matched_by_source(conn: Connection) -> None:
    sink = conn.run(
        "MERGE stock AS s USING delivery AS d ON s.id = d.id"
        " WHEN MATCHED AND d.qty = 0 THEN DELETE"
        " WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty"
        " WHEN NOT MATCHED BY TARGET THEN INSERT (id, qty) VALUES (d.id, d.qty)"
        " WHEN NOT MATCHED BY SOURCE THEN UPDATE SET note = N'stale'; SELECT @@ROWCOUNT"
    )
    assert not [m for m in sink.messages if m.is_error]
    assert sink.result_sets[-1].rows == [(4,)]  # deleted 2, updated 1 and 3, inserted 4
    assert rows(conn, "SELECT id, qty, note FROM stock ORDER BY id") == [
        (1, 15, "a"), (3, 30, "stale"), (4, 7, "new")
    ]  # fmt: skip


def test_without_by_source_clauses_unmatched_target_rows_stay(conn: Connection) -> None:
    rows(conn, "MERGE INTO stock USING (SELECT id, qty FROM delivery WHERE qty > 0) AS d ON stock.id = d.id"
               " WHEN NOT MATCHED THEN INSERT VALUES (d.id, d.qty, N'x');")  # fmt: skip
    assert rows(conn, "SELECT id, qty, note FROM stock ORDER BY id") == [
        (1, 10, "a"), (2, 20, "b"), (3, 30, "c"), (4, 7, "x")
    ]  # fmt: skip


def test_the_source_may_be_a_cte(conn: Connection) -> None:
    rows(conn, "WITH d AS (SELECT id, SUM(qty) AS qty FROM delivery GROUP BY id)"
               " MERGE stock USING d ON stock.id = d.id WHEN MATCHED THEN UPDATE SET qty = d.qty;")  # fmt: skip
    assert rows(conn, "SELECT id, qty FROM stock ORDER BY id") == [(1, 5), (2, 0), (3, 30)]


def test_a_target_row_matched_twice_is_8672_and_nothing_changes(conn: Connection) -> None:
    rows(conn, "INSERT delivery VALUES (1, 99)")
    twice = (
        "MERGE stock USING delivery d ON stock.id = d.id WHEN MATCHED THEN UPDATE SET qty = d.qty"
        " WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (d.id, d.qty);"
    )
    assert [n for n, _ in errors(conn, twice)] == [8672]
    assert rows(conn, "SELECT id, qty FROM stock ORDER BY id") == [(1, 10), (2, 20), (3, 30)]
    # matching twice is fine when no clause acts on the row twice
    rows(
        conn, "MERGE stock USING delivery d ON stock.id = d.id WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (d.id, 1);"
    )
    assert rows(conn, "SELECT COUNT(*) FROM stock") == [(4,)]


def test_constraints_hold_and_a_failed_merge_leaves_nothing(conn: Connection) -> None:
    bad = (
        "MERGE stock USING delivery d ON stock.id = d.id WHEN MATCHED THEN UPDATE SET qty = 1"
        " WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (d.id, NULL);"
    )
    assert [n for n, _ in errors(conn, bad)] == [515]
    assert rows(conn, "SELECT id, qty FROM stock ORDER BY id") == [(1, 10), (2, 20), (3, 30)]


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("MERGE stock USING delivery d ON stock.id = d.id WHEN MATCHED THEN DELETE", 10713),
        ("MERGE nowhere USING delivery d ON nowhere.id = d.id WHEN MATCHED THEN DELETE;", 208),
        ("MERGE stock USING delivery d ON stock.id = d.id WHEN MATCHED THEN UPDATE SET nope = 1;", 207),
        ("MERGE stock USING delivery d ON stock.id = d.id WHEN NOT MATCHED THEN INSERT (id) VALUES (1, 2);", 110),
    ],
)
def test_misuse_gives_sql_servers_errors(conn: Connection, sql: str, number: int) -> None:
    assert [n for n, _ in errors(conn, sql)][:1] == [number]


def test_set_rowcount_stops_merge_once_that_many_rows_are_acted_on(conn: Connection) -> None:
    """Four rows would be acted on (update 1, delete 2, insert 4, mark 3 stale); SET ROWCOUNT 2 lets two through."""
    merge = (
        "MERGE stock AS s USING delivery AS d ON s.id = d.id"
        " WHEN MATCHED AND d.qty = 0 THEN DELETE"
        " WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty"
        " WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (d.id, d.qty)"
        " WHEN NOT MATCHED BY SOURCE THEN UPDATE SET note = N'stale'; SELECT @@ROWCOUNT"
    )
    before = {row[0]: row[1:] for row in rows(conn, "SELECT id, qty, note FROM stock")}
    assert rows(conn, f"SET ROWCOUNT 2; {merge}") == [(2,)]
    after = {row[0]: row[1:] for row in rows(conn, "SET ROWCOUNT 0; SELECT id, qty, note FROM stock")}
    acted_on = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert len(acted_on) == 2
