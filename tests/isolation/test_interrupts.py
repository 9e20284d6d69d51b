"""Interrupting sessions at their safe points: WAITFOR, lock waits and long scans wake with the session's reason.

(The KILL statement comes with the server; this drives the same path the kill will use: the session's interrupt.)
"""

from __future__ import annotations

from pathlib import Path

import quietus
from quietus.engine.interrupts import InterruptReason
from tests.harness import create_table_t, interrupt, scenario, wait_until_blocked


def test_waitfor_shows_its_wait_and_a_kill_ends_it_with_596(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        victim = sc.session("victim")
        step = victim.start("WAITFOR DELAY '01:00:00'; SELECT 'not reached'")
        assert wait_until_blocked(step, "WAITFOR") == "WAITFOR"
        interrupt(victim, InterruptReason.KILLED)
        result = step.result()
        error = result.messages[-1]
        assert (error.number, error.severity, error.text) == (
            596, 21, "Cannot continue the execution because the session is in the kill state."
        )
        assert result.result_sets == []
        assert victim.connection.closed


def test_killed_lock_waiter_and_killed_holder_release_everything(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        holder, waiter, third = sc.session("holder"), sc.session("waiter"), sc.session("third")
        holder.run("BEGIN TRAN; UPDATE t SET v = 99 WHERE id = 1")
        waiting = waiter.start("BEGIN TRAN; UPDATE t SET v = 98 WHERE id = 2; UPDATE t SET v = 97 WHERE id = 1")
        wait_until_blocked(waiting)
        interrupt(waiter, InterruptReason.KILLED)
        assert waiting.error() == 596
        # the killed waiter's own update of row 2 was rolled back and its locks released
        assert third.rows("SELECT v FROM t WITH (READCOMMITTEDLOCK) WHERE id = 2") == [(20,)]
        # killing the holder while idle in its transaction: its row is released for the next session
        blocked = third.start("SELECT v FROM t WHERE id = 1")
        wait_until_blocked(blocked)
        holder.connection._engine.thread.call(holder.connection.instance.close_session(holder.connection.session))
        assert blocked.rows() == [(10,)]


def test_attention_cancels_the_statement_but_keeps_the_transaction(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        session = sc.session("client")
        session.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        step = session.start("UPDATE t SET v = 22 WHERE id = 2; WAITFOR DELAY '01:00:00'")
        wait_until_blocked(step, "WAITFOR")
        interrupt(session, InterruptReason.ATTENTION)
        step.result()
        assert session.value("SELECT @@TRANCOUNT") == 1
        assert session.rows("SELECT id, v FROM t ORDER BY id") == [(1, 11), (2, 22), (3, 30)]
        session.run("ROLLBACK")
        assert session.rows("SELECT v FROM t ORDER BY id") == [(10,), (20,), (30,)]


def test_a_killed_long_scan_stops_at_its_next_safe_point(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        busy = sc.session("busy")
        busy.run("CREATE TABLE d (n INT PRIMARY KEY)")
        busy.run("INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        scan = busy.start("SELECT COUNT(*) FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e CROSS JOIN d f "
                          "CROSS JOIN d g CROSS JOIN d h")
        interrupt(busy, InterruptReason.KILLED)
        assert scan.error() == 596


def test_closing_a_connection_ended_by_a_kill_releases_the_shared_engine(tmp_path: Path) -> None:
    from quietus import dbapi

    data = tmp_path / "data"
    victim = quietus.connect(data, autocommit=True)
    key = data.resolve()
    step_engine = victim._engine
    victim.run("SELECT 1")

    async def kill() -> None:
        victim.session.interrupt(InterruptReason.KILLED)

    step_engine.thread.call(kill())
    assert [m.number for m in victim.run("WAITFOR DELAY '00:00:01'").messages] == [596]
    assert victim.closed
    victim.close()
    assert key not in dbapi._engines  # the last connection gave the engine back: its thread stopped
    assert not step_engine.thread._thread.is_alive()
