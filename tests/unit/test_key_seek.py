"""A point query on a one-column primary key (``WHERE pk = value``) is a key seek; its key is computed once when
the value is a literal or a variable, and per bound (as before) when it calls a function, which may differ from call
to call (NEWID()) or read tables (a scalar function: its reads and locks count each time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import quietus
from quietus.sql.operators import TableScan
from quietus.sql.point_lookup import PointLookup


def _scan_of(conn: quietus.Connection, text: str) -> TableScan:
    """The table scan of the cached plan of the statement ``text`` (the plan cache keeps the parsed statement)."""
    env = conn.instance.env
    assert env is not None
    for statement, planned in env.plan_cache._entries.values():
        if statement.sql("tsql").replace(" ", "") == text.replace(" ", ""):
            plan: Any = planned.plan
            while not isinstance(plan, TableScan):
                plan = plan.scan if isinstance(plan, PointLookup) else plan.child
            return plan
    raise AssertionError(f"no cached plan for {text}")


def test_point_queries_by_key(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE kv (id INT PRIMARY KEY, v INT)")
        for n in range(-3, 4):
            cursor.execute("INSERT INTO kv VALUES (%s, %s)", (n, n * 10))
        assert cursor.execute("SELECT v FROM kv WHERE id = %s", (2,)).fetchall() == [(20,)]
        assert cursor.execute("SELECT v FROM kv WHERE id = %s", (None,)).fetchall() == []
        assert cursor.execute("SELECT v FROM kv WHERE id = %s", (7,)).fetchall() == []
        assert cursor.execute("SELECT v FROM kv WHERE id = -(2)").fetchall() == [(-20,)]
        assert cursor.execute("SELECT v FROM kv WHERE id = ABS(%s)", (-3,)).fetchall() == [(30,)]
        assert _scan_of(conn, "SELECT v FROM kv WHERE id = @P1").seek_once
        assert _scan_of(conn, "SELECT v FROM kv WHERE id = -(2)").seek_once
        with_call = _scan_of(conn, "SELECT v FROM kv WHERE id = ABS(@P1)")
        assert with_call.seek is not None and not with_call.seek_once
