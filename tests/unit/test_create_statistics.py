"""CREATE STATISTICS: accepted (a hint to SQL Server's optimizer, which Quietus does not have), with its table and
columns checked as SQL Server checks them."""

from __future__ import annotations

from pathlib import Path

import pytest

import quietus
from tests.embedded import errors, rows


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE STATISTICS s1 ON t (b, a) WITH FULLSCAN, NORECOMPUTE", []),
        ("CREATE STATISTICS s2 ON dbo.t (b) WITH SAMPLE 50 PERCENT, INCREMENTAL = OFF", []),
        ("CREATE STATISTICS s3 ON #tt (x)", []),
        ("CREATE STATISTICS s4 ON nope (b)",
         [(1088, 'Cannot find the object "nope" because it does not exist or you do not have permissions.')]),
        ("CREATE STATISTICS s5 ON t (zz)", [(1911, "Column name 'zz' does not exist in the target table or view.")]),
        ("CREATE STATISTICS ix ON t (b)",
         [(1913, "The operation failed because an index or statistics with name 'ix' already exists on table 't'.")]),
        ("CREATE STATISTICS s6 ON t (b) WHERE b > 1", [(156, "Incorrect syntax near the keyword 'WHERE'.")]),
        ("CREATE STATISTICS s7 ON t (b) WITH SAMPLE 5", [(102, "Incorrect syntax near '5'.")]),
    ],
)  # fmt: skip
def test_create_statistics(tmp_path: Path, sql: str, expected: list[tuple[int, str]]) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        rows(conn, "CREATE TABLE t (a INT PRIMARY KEY, b INT); CREATE INDEX ix ON t (b); CREATE TABLE #tt (x INT);"
                   " INSERT t VALUES (1, 2)")  # fmt: skip
        assert errors(conn, sql) == expected
        assert rows(conn, "SELECT a, b FROM t WHERE b = 2") == [(1, 2)]  # nothing else changed
