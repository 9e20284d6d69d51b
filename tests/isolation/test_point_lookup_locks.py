"""The fused point lookup (sql/point_lookup.py) locks as the general plan does.

Each point select below is parameterised as a driver sends it (sp_executesql, an int parameter) and is checked to
have run through the fused operator; "blocked" is read from the engine's state, never from a time.  Where the
general plan's locks are the reference, the same read is also run in a shape the planner does not fuse (ORDER BY)
and the locks each leaves held in its transaction (sys.dm_tran_locks) must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.engine.interrupts import InterruptReason
from quietus.sql import planner, point_lookup
from quietus.sql.operators import Plan
from tests.harness import Scenario, ScenarioSession, create_table_t, interrupt, scenario, wait_until_blocked


def point_select(key: int, hint: str = "", order: bool = False) -> str:
    """``SELECT v FROM t WHERE id = @p`` as a driver sends it; ``order``: the same read in an unfused shape."""
    hints = f" WITH ({hint})" if hint else ""
    tail = " ORDER BY v" if order else ""
    return f"EXEC sp_executesql N'SELECT v FROM t{hints} WHERE id = @p{tail}', N'@p int', @p = {key}"


class FusedRuns:
    """Counts the fused operator's runs (each checked point select must be one): every PointLookup the planner
    makes is wrapped in a plan node counting its runs (the operator's class is compiled in the compiled build,
    where its methods cannot be replaced)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        fuse = point_lookup.fused
        runs = self

        class Counted(Plan):
            def __init__(self, lookup: point_lookup.PointLookup) -> None:
                self.lookup = lookup
                self.columns = lookup.columns

            def rows(self, ctx: Any, outer: Any) -> Any:
                runs.count += 1
                return self.lookup.rows(ctx, outer)

        def counting(plan: Any) -> Plan:
            chosen = fuse(plan)
            return Counted(chosen) if isinstance(chosen, point_lookup.PointLookup) else chosen

        monkeypatch.setattr(planner.point_lookup, "fused", counting)

    def taken(self) -> int:
        count, self.count = self.count, 0
        return count


@pytest.fixture
def fused(monkeypatch: pytest.MonkeyPatch) -> FusedRuns:
    return FusedRuns(monkeypatch)


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as running:
        create_table_t(running)
        yield running


def held_locks(observer: ScenarioSession, session: ScenarioSession) -> list[tuple[Any, ...]]:
    return observer.rows(
        "SELECT resource_type, request_mode, request_status, resource_description FROM sys.dm_tran_locks "
        f"WHERE request_session_id = {session.session_id} AND resource_type <> 'DATABASE' "
        "ORDER BY resource_type, request_mode, resource_description"
    )


def test_blocked_by_an_x_lock_on_its_key_and_not_by_one_on_another_key(sc: Scenario, fused: FusedRuns) -> None:
    writer, reader = sc.session("writer"), sc.session("reader")
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    assert reader.rows(point_select(2)) == [(20,)]
    assert fused.taken() == 1
    blocked = reader.start(point_select(1))
    assert wait_until_blocked(blocked) == "LCK_M_S"
    waiting = held_locks(writer, reader)
    assert ("KEY", "S", "WAIT") in [row[:3] for row in waiting]
    writer.run("COMMIT")
    assert blocked.rows() == [(11,)]
    assert fused.taken() == 1
    assert held_locks(writer, reader) == []


def test_a_table_lock_blocks_it_at_the_object(sc: Scenario, fused: FusedRuns) -> None:
    writer, reader = sc.session("writer"), sc.session("reader")
    writer.run("BEGIN TRAN; SELECT COUNT(*) FROM t WITH (TABLOCKX)")
    blocked = reader.start(point_select(2))
    assert wait_until_blocked(blocked) == "LCK_M_IS"
    writer.run("COMMIT")
    assert blocked.rows() == [(20,)]
    assert fused.taken() == 1


@pytest.mark.parametrize(
    "setting, hint",
    [
        ("READ COMMITTED", ""),
        ("REPEATABLE READ", ""),
        ("SERIALIZABLE", ""),
        ("READ UNCOMMITTED", ""),
        ("READ COMMITTED", "HOLDLOCK"),
        ("READ COMMITTED", "UPDLOCK"),
        ("READ COMMITTED", "XLOCK"),
        ("READ COMMITTED", "REPEATABLEREAD"),
        ("READ COMMITTED", "NOLOCK"),
        ("READ COMMITTED", "READPAST"),
        ("READ COMMITTED", "TABLOCK"),
    ],
)
def test_it_leaves_the_locks_the_general_plan_leaves(sc: Scenario, fused: FusedRuns, setting: str, hint: str) -> None:
    reader, observer = sc.session("reader"), sc.session("observer")
    reader.run(f"SET TRANSACTION ISOLATION LEVEL {setting}")
    held = []
    for order in (False, True):
        reader.run("BEGIN TRAN")
        assert reader.rows(point_select(2, hint, order)) == [(20,)]
        assert reader.rows(point_select(7, hint, order)) == []
        held.append(held_locks(observer, reader))
        reader.run("COMMIT")
    assert fused.taken() == 2  # the two unordered reads
    assert held[0] == held[1]
    if setting == "REPEATABLE READ" or hint in ("UPDLOCK", "XLOCK", "REPEATABLEREAD"):
        assert [row[0] for row in held[0]].count("KEY") == 1  # the key it read, held to the end


def test_repeatable_read_holds_its_shared_lock_until_commit(sc: Scenario, fused: FusedRuns) -> None:
    reader, writer = sc.session("reader"), sc.session("writer")
    reader.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN TRAN")
    assert reader.rows(point_select(1)) == [(10,)]
    assert ("KEY", "S", "GRANT") in [row[:3] for row in held_locks(writer, reader)]
    update = writer.start("UPDATE t SET v = 11 WHERE id = 1")
    assert wait_until_blocked(update) in ("LCK_M_U", "LCK_M_X")
    reader.run("COMMIT")
    update.result()
    assert reader.rows(point_select(1)) == [(11,)]
    assert fused.taken() == 2


def test_read_committed_releases_its_shared_lock_after_the_read(sc: Scenario, fused: FusedRuns) -> None:
    reader, writer = sc.session("reader"), sc.session("writer")
    reader.run("BEGIN TRAN")
    assert reader.rows(point_select(1)) == [(10,)]
    assert [row for row in held_locks(writer, reader) if row[0] == "KEY"] == []
    writer.run("UPDATE t SET v = 11 WHERE id = 1")  # does not wait
    assert reader.rows(point_select(1)) == [(11,)]
    reader.run("COMMIT")
    assert fused.taken() == 2


def test_nolock_reads_the_uncommitted_value_and_readpast_skips_the_locked_row(sc: Scenario, fused: FusedRuns) -> None:
    writer, reader = sc.session("writer"), sc.session("reader")
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    assert reader.rows(point_select(1, "NOLOCK")) == [(11,)]
    assert reader.rows(point_select(1, "READPAST")) == []
    assert reader.rows(point_select(2, "READPAST")) == [(20,)]
    writer.run("ROLLBACK")
    assert reader.rows(point_select(1, "NOLOCK")) == [(10,)]
    assert fused.taken() == 4


def test_updlock_readers_of_one_key_queue(sc: Scenario, fused: FusedRuns) -> None:
    first, second = sc.session("first"), sc.session("second")
    first.run("BEGIN TRAN")
    assert first.rows(point_select(3, "UPDLOCK")) == [(30,)]
    blocked = second.start(point_select(3, "UPDLOCK"))
    assert wait_until_blocked(blocked) == "LCK_M_U"
    first.run("COMMIT")
    assert blocked.rows() == [(30,)]
    assert fused.taken() == 2


def test_snapshot_reads_the_committed_value_without_waiting(sc: Scenario, fused: FusedRuns) -> None:
    admin, writer, reader = sc.session("admin"), sc.session("writer"), sc.session("reader")
    admin.run("ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON")
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    reader.run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")
    assert reader.rows(point_select(1)) == [(10,)]
    writer.run("COMMIT")
    assert reader.rows(point_select(1)) == [(11,)]
    assert fused.taken() == 2


def test_a_kill_ends_a_point_select_waiting_on_a_lock(sc: Scenario, fused: FusedRuns) -> None:
    writer, reader, dba = sc.session("writer"), sc.session("reader"), sc.session("dba")
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    blocked = reader.start(point_select(1))
    wait_until_blocked(blocked)
    assert fused.taken() == 1
    dba.run(f"KILL {reader.session_id}")
    blocked.result()  # the request ends (the session with it) instead of waiting on
    assert held_locks(dba, reader) == []
    assert dba.rows(f"SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE session_id = {reader.session_id}") == [(0,)]
    writer.run("COMMIT")  # the writer was never disturbed
    assert dba.rows(point_select(1)) == [(11,)]


def test_an_attention_cancels_a_waiting_point_select_and_keeps_its_transaction(sc: Scenario, fused: FusedRuns) -> None:
    writer, reader = sc.session("writer"), sc.session("reader")
    writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    reader.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN TRAN")
    assert reader.rows(point_select(2)) == [(20,)]
    blocked = reader.start(point_select(1))
    wait_until_blocked(blocked)
    interrupt(reader, InterruptReason.ATTENTION)
    assert blocked.result().result_sets[-1].rows == []  # cancelled while it waited: no row
    assert [row[:3] for row in held_locks(writer, reader) if row[0] == "KEY"] == [("KEY", "S", "GRANT")]
    assert reader.value("SELECT @@TRANCOUNT") == 1  # the session and its transaction live on
    writer.run("COMMIT")
    assert reader.rows(point_select(1)) == [(11,)]
    reader.run("COMMIT")
    assert fused.taken() == 3
