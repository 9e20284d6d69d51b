"""An Oracle call that runs until it is cancelled or killed, for the Oracle Net client tests (cancels, call timeouts,
mid-call kills): a three-way self-join of ``spin``, whose scan checks for interrupts as it goes."""

from __future__ import annotations

from typing import Any

SPIN_ROWS = 1000
LONG_QUERY = "SELECT COUNT(*) FROM spin a, spin b, spin c"


def create_spin_table(cursor: Any) -> None:
    """``spin``: 1,000 rows, whose three-way self-join takes far longer than any test waits."""
    cursor.execute("CREATE TABLE spin (n NUMBER(10) PRIMARY KEY)")
    cursor.executemany("INSERT INTO spin VALUES (:1)", [(i,) for i in range(SPIN_ROWS)])
    cursor.connection.commit()
