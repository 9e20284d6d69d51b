"""TEMPORARY, for the integrator: until the Oracle dialect runner (quietus.sql.oracle) is merged, Oracle Net
sessions run their statements with the T-SQL runner.  The Oracle Net tests write SQL valid in both where they can and
choose with ``sql(tsql, oracle)`` where they cannot; once the runner is in, keep the Oracle forms and delete this."""

from __future__ import annotations

import importlib.util
from typing import Any

ORACLE_RUNNER = importlib.util.find_spec("quietus.sql.oracle") is not None


def sql(tsql: str, oracle: str) -> str:
    return oracle if ORACLE_RUNNER else tsql


# A statement that runs until cancelled (a scan checks for interrupts as it goes), valid in both dialects.
SPIN_ROWS = 1000
LONG_QUERY = "SELECT COUNT(*) FROM spin a, spin b, spin c"


def create_spin_table(cursor: Any) -> None:
    """``spin``: 1,000 rows, whose three-way self-join takes far longer than any test waits."""
    cursor.execute("CREATE TABLE spin (n INTEGER PRIMARY KEY)")
    cursor.executemany("INSERT INTO spin VALUES (:1)", [(i,) for i in range(SPIN_ROWS)])
    cursor.connection.commit()
