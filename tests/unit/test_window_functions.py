"""Window functions: ranking, offsets, first/last values and aggregates OVER (PARTITION BY ... ORDER BY ... frame),
with SQL Server's default frames and its errors for misuse."""

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
            "CREATE TABLE sales (id INT PRIMARY KEY, region VARCHAR(10), amount INT);"
            "INSERT INTO sales VALUES (1, 'east', 10), (2, 'east', 20), (3, 'east', 20), (4, 'west', 5),"
            " (5, 'west', NULL), (6, 'west', 7)",
        )
        yield connection


def test_ranking_functions_number_rows_within_each_partition(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT id, ROW_NUMBER() OVER (PARTITION BY region ORDER BY amount DESC, id) AS rn,"
        " RANK() OVER (PARTITION BY region ORDER BY amount DESC) AS rk,"
        " DENSE_RANK() OVER (PARTITION BY region ORDER BY amount DESC) AS dr"
        " FROM sales ORDER BY id",
    ) == [(1, 3, 3, 2), (2, 1, 1, 1), (3, 2, 1, 1), (4, 2, 2, 2), (5, 3, 3, 3), (6, 1, 1, 1)]


def test_percent_rank_and_cume_dist(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT id, PERCENT_RANK() OVER (PARTITION BY region ORDER BY amount),"
        " CUME_DIST() OVER (PARTITION BY region ORDER BY amount) FROM sales WHERE region = 'east' ORDER BY id",
    ) == [(1, 0.0, 1 / 3), (2, 0.5, 1.0), (3, 0.5, 1.0)]
    assert errors(conn, "SELECT CUME_DIST() OVER (PARTITION BY region) FROM sales") == [
        (4112, "The function 'CUME_DIST' must have an OVER clause with ORDER BY.")
    ]


def test_ntile_spreads_the_remainder_over_the_first_buckets(conn: Connection) -> None:
    assert rows(conn, "SELECT id, NTILE(4) OVER (ORDER BY id) FROM sales ORDER BY id") == [
        (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 4)
    ]  # fmt: skip
    assert errors(conn, "SELECT NTILE(0) OVER (ORDER BY id) FROM sales") == [
        (9819, "The function 'NTILE' must have a positive integer value.")
    ]


def test_aggregates_default_to_a_running_frame_with_peers_when_ordered(conn: Connection) -> None:
    # ORDER BY without a frame: RANGE UNBOUNDED PRECEDING .. CURRENT ROW, so rows 2 and 3 (equal amounts) are peers
    assert rows(
        conn,
        "SELECT id, SUM(amount) OVER (PARTITION BY region ORDER BY amount) AS running,"
        " SUM(amount) OVER (PARTITION BY region) AS total, COUNT(*) OVER () AS n,"
        " SUM(amount) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS by_row"
        " FROM sales WHERE region = 'east' ORDER BY id",
    ) == [(1, 10, 50, 3, 10), (2, 50, 50, 3, 30), (3, 50, 50, 3, 50)]


def test_rows_frames_slide(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT id, SUM(amount) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING),"
        " MIN(amount) OVER (ORDER BY id ROWS 2 PRECEDING), MAX(id) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND"
        " 2 FOLLOWING), AVG(amount) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)"
        " FROM sales ORDER BY id",
    ) == [
        (1, 30, 10, 3, 12),
        (2, 50, 10, 4, 13),
        (3, 45, 10, 5, 10),
        (4, 25, 5, 6, 6),
        (5, 12, 5, 6, 7),
        (6, 7, 5, None, 7),
    ]


def test_lag_lead_first_and_last_value(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT id, LAG(amount) OVER (PARTITION BY region ORDER BY id), LEAD(amount, 2, -1) OVER (ORDER BY id),"
        " FIRST_VALUE(id) OVER (PARTITION BY region ORDER BY amount DESC),"
        " LAST_VALUE(id) OVER (PARTITION BY region ORDER BY id),"
        " LAST_VALUE(id) OVER (PARTITION BY region ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED"
        " FOLLOWING) FROM sales ORDER BY id",
    ) == [
        (1, None, 20, 2, 1, 3),
        (2, 10, 5, 2, 2, 3),
        (3, 20, None, 2, 3, 3),
        (4, None, 7, 6, 4, 6),
        (5, 5, -1, 6, 5, 6),
        (6, None, -1, 6, 6, 6),
    ]
    assert errors(conn, "SELECT LAG(id, -1) OVER (ORDER BY id) FROM sales") == [
        (8730, "Offset parameter for Lag and Lead functions cannot be a negative value.")
    ]


def test_windows_over_grouped_rows_and_in_order_by(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT region, SUM(amount) AS total, RANK() OVER (ORDER BY SUM(amount) DESC) AS place,"
        " SUM(SUM(amount)) OVER () AS everything FROM sales GROUP BY region ORDER BY ROW_NUMBER() OVER (ORDER BY"
        " region DESC)",
    ) == [("west", 12, 2, 62), ("east", 50, 1, 62)]
    # filtering on a window's value takes a derived table, as in SQL Server
    assert rows(
        conn,
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY region ORDER BY id DESC) AS rn FROM sales) AS s"
        " WHERE rn = 1 ORDER BY id",
    ) == [(3,), (6,)]


def test_each_window_step_yields_to_the_scheduler(conn: Connection) -> None:
    """A window over many rows runs in the loop's time slices (ticks) and gives the right totals."""
    rows(
        conn, "CREATE TABLE n (i INT); DECLARE @i INT = 0; WHILE @i < 3000 BEGIN INSERT n VALUES (@i); SET @i += 1 END;"
    )
    expected = [(3000, sum(k * (k + 1) // 2 for k in range(3000)))]
    sql = (
        "SELECT MAX(r), SUM(CAST(s AS BIGINT)) FROM"
        " (SELECT ROW_NUMBER() OVER (ORDER BY i) r, SUM(i) OVER (ORDER BY i) s FROM n) x"
    )
    assert rows(conn, sql) == expected


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        ("SELECT id FROM sales WHERE ROW_NUMBER() OVER (ORDER BY id) = 1", 4108,
         "Windowed functions can only appear in the SELECT or ORDER BY clauses."),
        ("SELECT region FROM sales GROUP BY region HAVING COUNT(*) OVER () > 1", 4108,
         "Windowed functions can only appear in the SELECT or ORDER BY clauses."),
        ("UPDATE sales SET amount = ROW_NUMBER() OVER (ORDER BY id)", 4108,
         "Windowed functions can only appear in the SELECT or ORDER BY clauses."),
        ("SELECT SUM(ROW_NUMBER() OVER (ORDER BY id)) FROM sales", 4109,
         "Windowed functions cannot be used in the context of another windowed function or aggregate."),
        ("SELECT ROW_NUMBER() OVER (ORDER BY RANK() OVER (ORDER BY id)) FROM sales", 4109,
         "Windowed functions cannot be used in the context of another windowed function or aggregate."),
        ("SELECT ROW_NUMBER() FROM sales", 10753, "The function 'ROW_NUMBER' must have an OVER clause."),
        ("SELECT ROW_NUMBER() OVER (PARTITION BY region) FROM sales", 4112,
         "The function 'ROW_NUMBER' must have an OVER clause with ORDER BY."),
        ("SELECT LAG(id) OVER () FROM sales", 4112, "The function 'LAG' must have an OVER clause with ORDER BY."),
        ("SELECT RANK() OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) FROM sales", 10752,
         "The function 'RANK' may not have a window frame."),
        ("SELECT SUM(id) OVER (PARTITION BY region ROWS UNBOUNDED PRECEDING) FROM sales", 10756,
         "Window frame with ROWS or RANGE must have an ORDER BY clause."),
        ("SELECT SUM(id) OVER (ORDER BY id RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM sales", 4194,
         "RANGE is only supported with UNBOUNDED and CURRENT ROW window frame delimiters."),
        ("SELECT SUM(id) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM sales", 4193,
         "'BETWEEN ... FOLLOWING AND ... PRECEDING' is not a valid window frame and cannot be used with the OVER"
         " clause."),
        ("SELECT STRING_AGG(region, ',') OVER () FROM sales", 4113,
         "The function 'STRING_AGG' is not a valid windowing function, and cannot be used with the OVER clause."),
        ("SELECT LEN(region) OVER () FROM sales", 4113,
         "The function 'LEN' is not a valid windowing function, and cannot be used with the OVER clause."),
        ("SELECT COUNT(DISTINCT region) OVER () FROM sales", 10759,
         "Use of DISTINCT is not allowed with the OVER clause."),
        ("SELECT ROW_NUMBER() OVER (ORDER BY 1) FROM sales", 5308,
         "Windowed functions, aggregates and NEXT VALUE FOR functions do not support integer indices as ORDER BY"
         " clause expressions."),
        ("SELECT COUNT(*), SUM(amount) OVER () FROM sales", 8120, None),  # the window reads grouped rows
    ],
)  # fmt: skip
def test_misuse_gives_sql_servers_errors(conn: Connection, sql: str, number: int, text: str | None) -> None:
    found = errors(conn, sql)[:1]
    assert [number for number, _ in found] == [number]
    if text is not None:
        assert found[0][1] == text
