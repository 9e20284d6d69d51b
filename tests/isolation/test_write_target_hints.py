"""Table hints on the target of an UPDATE or DELETE, and NOWAIT anywhere, change the locks the statement takes
(engine/access.py, the write table): never accepted and ignored.

NOWAIT is checked without timing: a statement that fails at once never queues, so its session records no lock
wait (sys.dm_exec_session_wait_stats), while one that waited out LOCK_TIMEOUT records an LCK_M_* wait."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection

LOCKS = (
    "SELECT resource_type, request_mode FROM sys.dm_tran_locks "
    "WHERE request_session_id = @@SPID AND resource_type <> 'DATABASE' ORDER BY resource_type, request_mode"
)
Pair = tuple[Connection, Connection]
LOCK_WAITS = "SELECT COUNT(*) FROM sys.dm_exec_session_wait_stats WHERE session_id = @@SPID AND wait_type LIKE 'LCK%'"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    with quietus.connect(tmp_path / "d", autocommit=True) as a, quietus.connect(tmp_path / "d", autocommit=True) as b:
        a.run("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 0), (2, 0), (3, 0)")
        yield a, b


def outcome(conn: Connection, text: str) -> tuple[list[Any], list[int]]:
    sink = conn.run(text)
    return [rs.rows for rs in sink.result_sets], [m.number for m in sink.messages if m.is_error]


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT v FROM t WITH (NOWAIT) WHERE id = 1",
        "UPDATE t WITH (NOWAIT) SET v = 2 WHERE id = 1",
        "DELETE FROM t WITH (NOWAIT) WHERE id = 1",
        "UPDATE t WITH (NOWAIT, UPDLOCK) SET v = 2 WHERE v = 0",
    ],
)
def test_nowait_fails_at_once_on_a_locked_row(pair: Pair, statement: str) -> None:
    a, b = pair
    a.run("BEGIN TRANSACTION; UPDATE t SET v = 9 WHERE id = 1")
    b.run("SET LOCK_TIMEOUT 300")
    assert outcome(b, statement)[1] == [1222]
    assert outcome(b, LOCK_WAITS) == ([[(0,)]], [])  # refused without queueing: no lock wait at all
    assert outcome(b, "SELECT v FROM t WITH (NOWAIT) WHERE id = 2") == ([[(0,)]], [])  # a free row reads
    assert outcome(b, "SELECT v FROM t WHERE id = 1")[1] == [1222]  # without the hint: the ordinary wait
    assert outcome(b, LOCK_WAITS) == ([[(1,)]], [])
    a.run("ROLLBACK")
    assert outcome(b, "SELECT v FROM t ORDER BY id") == ([[(0,), (0,), (0,)]], [])


@pytest.mark.parametrize("hint", ["NOLOCK", "READUNCOMMITTED"])
def test_a_dirty_read_hint_on_a_write_target_is_1065(pair: Pair, hint: str) -> None:
    a, _ = pair
    assert outcome(a, f"UPDATE t WITH ({hint}) SET v = 1")[1] == [1065]
    assert outcome(a, f"DELETE FROM t WITH ({hint}) WHERE id = 1")[1] == [1065]
    assert outcome(a, "SELECT COUNT(*) FROM t WHERE v = 0") == ([[(3,)]], [])


@pytest.mark.parametrize(
    "hint, locks",
    [
        ("", [("OBJECT", "IX")]),  # U locks of rows that did not qualify are freed
        ("WITH (ROWLOCK)", [("OBJECT", "IX")]),
        ("WITH (UPDLOCK)", [("KEY", "U")] * 3 + [("OBJECT", "IX")]),
        ("WITH (XLOCK)", [("KEY", "X")] * 3 + [("OBJECT", "IX")]),
        ("WITH (HOLDLOCK)", [("OBJECT", "SIX")]),
        ("WITH (SERIALIZABLE)", [("OBJECT", "SIX")]),
        ("WITH (TABLOCK)", [("OBJECT", "X")]),
        ("WITH (TABLOCKX)", [("OBJECT", "X")]),
    ],
)
def test_the_locks_a_hint_on_the_target_leaves(
    pair: Pair, hint: str, locks: list[tuple[str, str]]
) -> None:
    a, _ = pair
    for statement in (f"UPDATE t {hint} SET v = 5 WHERE v = 99", f"DELETE FROM t {hint} WHERE v = 99"):
        rows, errors = outcome(a, f"BEGIN TRANSACTION; {statement}; {LOCKS}; ROLLBACK")
        assert errors == [] and rows == [locks], statement


def test_an_update_at_serializable_keeps_phantoms_out(pair: Pair) -> None:
    """The rows an UPDATE considered at SERIALIZABLE stay as they were until it commits: no other session may add
    one its WHERE would have taken."""
    a, b = pair
    a.run("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN TRANSACTION; UPDATE t SET v = 1 WHERE v = 7")
    b.run("SET LOCK_TIMEOUT 0")
    assert outcome(b, "INSERT INTO t VALUES (4, 7)")[1] == [1222]
    assert outcome(b, "SELECT COUNT(*) FROM t")[1] == []  # readers still read
    a.run("COMMIT")
    assert outcome(b, "INSERT INTO t VALUES (4, 7)") == ([], [])


def test_an_updlock_subquery_keeps_its_lock_inside_an_update(pair: Pair) -> None:
    a, _ = pair
    text = (
        "BEGIN TRANSACTION; UPDATE t SET v = 6 WHERE id = 1 AND EXISTS (SELECT 1 FROM t AS u WITH (UPDLOCK) "
        f"WHERE u.id = 2); {LOCKS}; ROLLBACK"
    )
    assert outcome(a, text) == ([[("KEY", "U"), ("KEY", "X"), ("OBJECT", "IX")]], [])


def test_merge_with_holdlock_is_an_upsert_no_other_writer_can_race(pair: Pair) -> None:
    """The pattern MERGE ... WITH (HOLDLOCK) exists for: between finding no row and inserting it, nobody else may
    insert it."""
    a, b = pair
    upsert = (
        "MERGE t WITH (HOLDLOCK) AS target USING (SELECT 4 AS id, 5 AS v) AS s ON target.id = s.id "
        "WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v);"
    )
    rows, errors = outcome(a, f"BEGIN TRANSACTION; {upsert} {LOCKS}")
    assert errors == [] and ("OBJECT", "SIX") in rows[0]
    b.run("SET LOCK_TIMEOUT 0")
    assert outcome(b, "INSERT INTO t VALUES (5, 0)")[1] == [1222]
    a.run("COMMIT")
    assert outcome(b, "SELECT v FROM t WHERE id = 4") == ([[(5,)]], [])
    assert outcome(b, "MERGE t WITH (NOLOCK) AS target USING (SELECT 4 AS id) AS s ON target.id = s.id "
                      "WHEN MATCHED THEN DELETE;")[1] == [1065]  # fmt: skip


def test_a_merge_lets_go_of_the_target_rows_it_did_not_act_on(pair: Pair) -> None:
    """MERGE reads its target with U locks, as UPDATE does, and frees those of rows no clause acted on: another
    session may write them at once (UPDLOCK on the target keeps them, as the hint asks)."""
    a, b = pair
    merge = (
        "MERGE t {hint} AS target USING (SELECT 2 AS id, 5 AS v) AS s ON target.id = s.id "
        "WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v);"
    )
    b.run("SET LOCK_TIMEOUT 0")
    a.run("BEGIN TRANSACTION; " + merge.format(hint=""))
    assert outcome(b, "UPDATE t SET v = 1 WHERE id = 1") == ([], [])  # not acted on: free
    assert outcome(b, "UPDATE t SET v = 1 WHERE id = 2")[1] == [1222]  # acted on: X to the end
    a.run("ROLLBACK")
    a.run("BEGIN TRANSACTION; " + merge.format(hint="WITH (UPDLOCK)"))
    assert outcome(b, "UPDATE t SET v = 1 WHERE id = 3")[1] == [1222]
    a.run("ROLLBACK")
