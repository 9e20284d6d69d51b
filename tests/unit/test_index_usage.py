"""sys.dm_db_index_usage_stats counts the statements that sought, scanned or changed each heap or index (once per
statement), from 0 when the server starts; a structure no statement has used has no row (engine/storage/usage.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection

USAGE = (
    "SELECT OBJECT_NAME(object_id), index_id, user_seeks, user_scans, user_lookups, user_updates, "
    "CASE WHEN last_user_seek IS NULL THEN 0 ELSE 1 END, CASE WHEN last_user_scan IS NULL THEN 0 ELSE 1 END, "
    "CASE WHEN last_user_update IS NULL THEN 0 ELSE 1 END FROM sys.dm_db_index_usage_stats ORDER BY 1, 2"
)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    with quietus.connect(tmp_path / "data", autocommit=True) as connection:
        yield connection


def usage(conn: Connection) -> list[tuple[object, ...]]:
    sink = conn.run(USAGE)
    assert not [m for m in sink.messages if m.is_error]
    return sink.result_sets[0].rows


def test_each_statement_counts_once_for_what_it_did(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, v INT); CREATE INDEX ix ON t (v); CREATE TABLE h (x INT)")
    assert usage(conn) == []  # nothing used yet: no rows
    conn.run("INSERT INTO t VALUES (1, 1), (2, 2)")  # one statement, two rows: one update of each structure
    assert usage(conn) == [("t", 1, 0, 0, 0, 1, 0, 0, 1), ("t", 2, 0, 0, 0, 1, 0, 0, 1)]
    conn.run("DECLARE @i INT = 0; WHILE @i < 3 BEGIN SELECT v FROM t WHERE id = 1; SET @i += 1; END")
    assert usage(conn)[0] == ("t", 1, 3, 0, 0, 1, 1, 0, 1)  # three seeks by three statements
    conn.run("SELECT a.v FROM t AS a JOIN t AS b ON a.id = b.id")  # one statement reading it twice: one scan
    assert usage(conn)[0][:6] == ("t", 1, 3, 1, 0, 1)
    conn.run("UPDATE t SET v = v WHERE id = 2")  # a seek, and a write that leaves ix's entries as they were
    assert usage(conn) == [("t", 1, 4, 1, 0, 2, 1, 1, 1), ("t", 2, 0, 0, 0, 1, 0, 0, 1)]
    conn.run("UPDATE t SET v = 7 WHERE id = 2")  # now ix changes too
    assert usage(conn)[1] == ("t", 2, 0, 0, 0, 2, 0, 0, 1)
    conn.run("INSERT INTO h VALUES (1); SELECT x FROM h")
    assert usage(conn)[0] == ("h", 0, 0, 1, 0, 1, 0, 1, 1)  # a heap is index 0
    conn.run("SELECT COUNT(*) FROM sys.dm_db_index_usage_stats")  # reading the view counts nothing
    assert [row[:6] for row in usage(conn)] == [
        ("h", 0, 0, 1, 0, 1), ("t", 1, 5, 1, 0, 3), ("t", 2, 0, 0, 0, 2)
    ]  # fmt: skip


def test_the_counts_start_from_zero_when_the_server_starts(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        conn.run("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1); SELECT id FROM t WHERE id = 1")
        assert len(usage(conn)) == 1
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        assert usage(conn) == []  # recovery's redo is no statement
        conn.run("SELECT id FROM t WHERE id = 1")
        assert usage(conn) == [("t", 1, 1, 0, 0, 0, 1, 0, 0)]
