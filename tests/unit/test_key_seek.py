"""A point query on a one-column primary key (``WHERE pk = value``) is a key seek; its key is computed once when
the value is a literal or a variable, and per bound (as before) when it calls a function, which may differ from call
to call (NEWID()) or read tables (a scalar function: its reads and locks count each time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.dbapi import IntegrityError
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


def test_an_outer_querys_column_is_no_key_of_the_inner_table(tmp_path: Path) -> None:
    """``o.id = 1`` in a subquery over t2 names the outer row's id: t2 is read whole, not sought at key 1."""
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE t1 (id INT PRIMARY KEY); CREATE TABLE t2 (id INT PRIMARY KEY, w INT)")
        cursor.execute("INSERT INTO t1 VALUES (1), (2); INSERT INTO t2 VALUES (5, 50), (6, 60)")
        query = "SELECT o.id, (SELECT COUNT(*) FROM t2 WHERE o.id = 1) FROM t1 o ORDER BY o.id"
        assert cursor.execute(query).fetchall() == [(1, 2), (2, 0)]
        assert cursor.execute("SELECT w FROM t2 x WHERE x.id = 6").fetchall() == [(60,)]
        assert _scan_of(conn, "SELECT w FROM t2 AS x WHERE x.id = 6").seek_once


def test_a_binary_key_ignores_trailing_zero_bytes(tmp_path: Path) -> None:
    """0x01 = 0x0100 = 0x01000000 (SQL Server pads the shorter operand with zeros): one key, so the second is a
    duplicate, and a seek for any of them finds the one stored, once."""
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE b (k VARBINARY(3) NOT NULL PRIMARY KEY, v INT)")
        cursor.execute("INSERT INTO b VALUES (0x01, 1), (0x0101, 3), (0x00, 4), (0x02, 6)")
        for duplicate, shown in ((b"\x01\x00", "0x0100"), (b"", "0x")):
            with pytest.raises(IntegrityError) as raised:
                cursor.execute("INSERT INTO b VALUES (%s, 9)", (duplicate,))
            assert raised.value.number == 2627
            assert f"The duplicate key value is ({shown})." in str(raised.value)
        assert cursor.execute("SELECT v FROM b WHERE k = 0x0100").fetchall() == [(1,)]
        assert cursor.execute("SELECT v FROM b WHERE k = %s", (b"\x01",)).fetchall() == [(1,)]
        assert cursor.execute("SELECT v FROM b WHERE k = 0x000000").fetchall() == [(4,)]
        assert cursor.execute("SELECT v FROM b WHERE k = 0x01010000").fetchall() == [(3,)]
        assert cursor.execute("SELECT v FROM b WHERE (k) = 0x0100").fetchall() == [(1,)]  # a scan
        assert _scan_of(conn, "SELECT v FROM b WHERE k = 0x0100").seek_once
        cursor.execute("CREATE TABLE f (k BINARY(4) NOT NULL PRIMARY KEY, v INT)")
        cursor.execute("INSERT INTO f VALUES (0x01, 1), (0x0102, 2)")  # stored padded: 0x01000000, 0x01020000
        assert cursor.execute("SELECT v FROM f WHERE k = 0x01").fetchall() == [(1,)]
        assert cursor.execute("SELECT v FROM f WHERE k = 0x0102").fetchall() == [(2,)]
        cursor.execute("UPDATE b SET k = 0x010000 WHERE k = 0x01")  # the same key: the row stays where it is
        assert cursor.execute("SELECT k, v FROM b WHERE k = 0x01").fetchall() == [(b"\x01\x00\x00", 1)]


def test_a_key_of_several_columns_all_bound_is_sought(tmp_path: Path) -> None:
    """Every column of the primary key equal to a literal or variable: one key is read (and locked), not all."""
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE p (a INT NOT NULL, b NVARCHAR(5) NOT NULL, v INT, PRIMARY KEY (a, b))")
        cursor.execute("INSERT INTO p VALUES (1, 'x', 1), (1, 'y', 2), (2, 'X ', 3)")
        assert cursor.execute("SELECT v FROM p WHERE a = 1 AND b = %s", ("Y",)).fetchall() == [(2,)]
        assert cursor.execute("SELECT v FROM p WHERE b = 'x' AND 2 = a").fetchall() == [(3,)]
        assert cursor.execute("DECLARE @n NVARCHAR(5) = NULL; SELECT v FROM p WHERE a = 1 AND b = @n").fetchall() == []
        assert cursor.execute("SELECT v FROM p WHERE a = 1 ORDER BY v").fetchall() == [(1,), (2,)]
        assert cursor.execute("SELECT v FROM p WHERE a = 1 AND b = UPPER(%s)", ("y",)).fetchall() == [(2,)]
        assert _scan_of(conn, "SELECT v FROM p WHERE a = 1 AND b = @P1").seek_once
        assert _scan_of(conn, "SELECT v FROM p WHERE a = 1 ORDER BY v").seek is None
        assert _scan_of(conn, "SELECT v FROM p WHERE a = 1 AND b = UPPER(@P1)").seek is None
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("BEGIN TRANSACTION")
        assert cursor.execute("SELECT v FROM p WHERE a = 1 AND b = 'x'").fetchall() == [(1,)]
        locks = "SELECT COUNT(*) FROM sys.dm_tran_locks WHERE request_session_id = @@SPID AND resource_type = 'KEY'"
        assert cursor.execute(locks).fetchall() == [(1,)]  # a scan would hold all three
        cursor.execute("COMMIT")
        assert _scan_of(conn, "SELECT v FROM p WHERE a = 1 AND b = 'x'").seek_once  # a varchar value, an nvarchar key
