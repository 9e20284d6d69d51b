"""A cached UPDATE / DELETE plan (``dml.WritePlan``) locks exactly as a fresh one: at each isolation level, for a
key seek, a scan, a join and a subquery with a hint, the locks one execution leaves held in its transaction
(sys.dm_tran_locks) are the same for a text too long to be cached (planned every time), its first cached run (a
miss) and its second (a hit); and a cached update waiting on a key lock is woken, killed or cancelled as any
request is.  "Blocked" is read from the engine's state, never from a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.engine.interrupts import InterruptReason
from quietus.sql.dialect import CACHED_TEXT_LIMIT
from tests.embedded import WritePlanCount
from tests.harness import Scenario, ScenarioSession, create_table_t, interrupt, scenario, wait_until_blocked

STATEMENTS = [
    "UPDATE t SET v = v + 1 WHERE id = @p",
    "UPDATE t SET v = v + 1 WHERE v = @p * 10",  # no key: a scan, U locks on the rows that do not qualify released
    "DELETE FROM t WHERE id = @p",
    "UPDATE t SET v = o.w FROM t JOIN other o ON o.id = t.id WHERE t.id = @p",  # other's locks follow the level
    "DELETE t WHERE id IN (SELECT id FROM other WITH (UPDLOCK) WHERE w = @p * 100)",
]
LEVELS = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"]
UNCACHED = "/*" + "x" * CACHED_TEXT_LIMIT + "*/ "  # a batch this long keeps no plan: planned on every run


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> WritePlanCount:
    return WritePlanCount(monkeypatch)


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as running:
        create_table_t(running)
        running.session("setup2").run(
            "CREATE TABLE other (id INT PRIMARY KEY, w INT); INSERT INTO other VALUES (1, 100), (2, 200), (3, 300)"
        )
        yield running


def write(text: str, key: int, prefix: str = "") -> str:
    """``text`` as a driver sends it: sp_executesql with ``@p`` an int."""
    return f"EXEC sp_executesql N'{prefix}{text}', N'@p int', @p = {key}"


def held_locks(observer: ScenarioSession, session: ScenarioSession) -> list[tuple[Any, ...]]:
    return observer.rows(
        "SELECT resource_type, request_mode, request_status, resource_description FROM sys.dm_tran_locks "
        f"WHERE request_session_id = {session.session_id} AND resource_type <> 'DATABASE' "
        "ORDER BY resource_type, request_mode, resource_description"
    )


def locks_left(session: ScenarioSession, observer: ScenarioSession, batch: str) -> tuple[list[Any], int]:
    """The locks ``batch`` leaves held in an explicit transaction (rolled back after), and its row count."""
    session.run("BEGIN TRAN")
    count = session.run(batch).rowcount
    locks = held_locks(observer, session)
    session.run("ROLLBACK")
    return locks, count


def test_a_cached_write_leaves_the_locks_a_fresh_plan_leaves(sc: Scenario, planned: WritePlanCount) -> None:
    """The levels one after the other in one session: a plan of one level is never another's."""
    session, observer = sc.session("writer"), sc.session("observer")
    for level in LEVELS:
        session.run(f"SET TRANSACTION ISOLATION LEVEL {level}")
        for text in STATEMENTS:
            fresh = locks_left(session, observer, write(text, 2, UNCACHED))
            assert planned.taken() == 1
            first = locks_left(session, observer, write(text, 2))
            assert planned.taken() == 1, (level, text)  # a miss: planned, then kept
            again = locks_left(session, observer, write(text, 2))
            assert planned.taken() == 0, (level, text)  # a hit
            assert fresh == first == again, (level, text)
            assert fresh[1] == 1 and any(row[:2] == ("KEY", "X") for row in fresh[0]), (level, text, fresh)
    assert session.rows("SELECT id, v FROM t ORDER BY id") == [(1, 10), (2, 20), (3, 30)]  # all rolled back


def test_a_cached_update_waits_on_a_written_key_and_not_on_another(sc: Scenario, planned: WritePlanCount) -> None:
    writer, updater = sc.session("writer"), sc.session("updater")
    text = "UPDATE t SET v = v + 1 WHERE id = @p"
    updater.run(write(text, 3))
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    assert planned.taken() == 2  # each statement once
    updater.run(write(text, 2))  # another key: not blocked
    blocked = updater.start(write(text, 1))
    assert wait_until_blocked(blocked) == "LCK_M_U"
    writer.run("COMMIT")
    assert blocked.error() is None and blocked.result().rowcount == 1
    assert planned.taken() == 0
    assert updater.rows("SELECT id, v FROM t ORDER BY id") == [(1, 12), (2, 21), (3, 31)]  # on the committed 11


def test_a_kill_ends_a_cached_update_waiting_on_a_lock(sc: Scenario, planned: WritePlanCount) -> None:
    writer, updater, dba = sc.session("writer"), sc.session("updater"), sc.session("dba")
    text = "UPDATE t SET v = v + 1 WHERE id = @p"
    updater.run(write(text, 2))
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    assert planned.taken() == 2
    blocked = updater.start(write(text, 1))
    wait_until_blocked(blocked)
    assert planned.taken() == 0  # the waiting update is the cached plan's
    dba.run(f"KILL {updater.session_id}")
    blocked.result()  # the request ends (the session with it) instead of waiting on
    assert held_locks(dba, updater) == []
    writer.run("COMMIT")
    assert dba.rows("SELECT id, v FROM t ORDER BY id") == [(1, 11), (2, 21), (3, 30)]


def test_an_attention_cancels_a_waiting_cached_update_and_keeps_its_transaction(
    sc: Scenario, planned: WritePlanCount
) -> None:
    writer, updater = sc.session("writer"), sc.session("updater")
    text = "UPDATE t SET v = v + 1 WHERE id = @p"
    updater.run("BEGIN TRAN")
    updater.run(write(text, 2))
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    assert planned.taken() == 2
    blocked = updater.start(write(text, 1))
    wait_until_blocked(blocked)
    interrupt(updater, InterruptReason.ATTENTION)
    blocked.result()
    assert [row[:3] for row in held_locks(writer, updater) if row[0] == "KEY"] == [("KEY", "X", "GRANT")]
    assert updater.value("SELECT @@TRANCOUNT") == 1
    writer.run("COMMIT")
    updater.run(write(text, 1))
    updater.run("COMMIT")
    assert updater.rows("SELECT id, v FROM t ORDER BY id") == [(1, 12), (2, 21), (3, 30)]
    assert planned.taken() == 0


def test_an_oracle_writer_restarted_after_a_newer_commit_runs_a_locking_plan(
    sc: Scenario, planned: WritePlanCount
) -> None:
    """Oracle's write consistency: the statement's first run reads its snapshot (a versioned plan); met with a row
    committed since, it runs again locking what it reads (U).  A cached versioned plan never serves that run."""
    first, second = sc.session("first", "oracle"), sc.session("second", "oracle")
    raise_all = "UPDATE t SET v = v + 1 WHERE v >= 10"
    second.run(raise_all)
    second.run("COMMIT")
    first.run("UPDATE t SET v = v + 100 WHERE id = 1")
    assert planned.taken() == 2
    step = second.start(raise_all)
    wait_until_blocked(step)
    first.run("COMMIT")
    assert step.error() is None
    assert planned.taken() == 1  # the restart: a locking plan of its own
    second.run(raise_all)
    second.run("COMMIT")
    assert planned.taken() == 0
    assert first.rows("SELECT id, v FROM t ORDER BY id") == [(1, 113), (2, 23), (3, 33)]
