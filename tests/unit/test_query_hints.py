"""OPTION (...) plan hints, OPTIMIZE FOR (@v = constant | @v UNKNOWN) included: accepted, results unchanged;
malformed ones are syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import quietus
from tests.embedded import errors, rows


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DECLARE @i INT = 1; SELECT @i + 1 OPTION (OPTIMIZE FOR (@i = 5))", [(2,)]),
        ("DECLARE @i INT = 1, @j INT; SELECT @i OPTION (KEEPFIXED PLAN, OPTIMIZE FOR (@i = -1, @j UNKNOWN))", [(1,)]),
        ("SELECT 3 OPTION (OPTIMIZE FOR UNKNOWN, RECOMPILE)", [(3,)]),
    ],
)
def test_plan_hints_change_no_result(tmp_path: Path, sql: str, expected: list[tuple[int]]) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        assert rows(conn, sql) == expected


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        ("DECLARE @i INT; SELECT 1 OPTION (OPTIMIZE FOR (@i 1))", "Incorrect syntax near '1'."),
        ("SELECT 1 OPTION (OPTIMIZE FOR (1 = 1))", "Incorrect syntax near '1'."),
        ("SELECT 1 OPTION (BOGUS)", "Incorrect syntax near ')'."),
    ],
)
def test_malformed_hints_are_syntax_errors(tmp_path: Path, sql: str, text: str) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        assert errors(conn, sql) == [(102, text)]
