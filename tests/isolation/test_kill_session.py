"""kill_session, the primitive behind KILL, sp_kill and the idle timeouts, driven through the embedded engine.

Each scenario reads engine state on the engine thread; "blocked" and "ended" are engine facts, never timings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from quietus.admin.kill import KillOutcome, KillRecord, kill_history, kill_session
from quietus.dbapi import InterfaceError
from quietus.engine.interrupts import InterruptReason
from quietus.sessions.session import Session
from tests.harness import STEP_LIMIT, ScenarioSession, create_table_t, scenario, wait_until_blocked

T = TypeVar("T")


def on_engine(session: ScenarioSession, fn: Callable[[], T]) -> T:
    async def call() -> T:
        return fn()

    return session.connection._engine.thread.call(call())


def kill(
    killer: ScenarioSession | None,
    victim: ScenarioSession | Session,
    reason: InterruptReason = InterruptReason.KILLED,
    via: ScenarioSession | None = None,
) -> KillRecord:
    """kill_session on the engine thread; ``victim`` may be a Session object kept from earlier (a stale one)."""
    anchor = via or killer or victim
    assert isinstance(anchor, ScenarioSession)
    target = victim.connection.session if isinstance(victim, ScenarioSession) else victim
    env = anchor.connection.instance.env
    assert env is not None
    by = killer.connection.session if killer is not None else None
    return on_engine(anchor, lambda: kill_session(env, target, killer=by, reason=reason, statement="test kill"))


def wait_finished(anchor: ScenarioSession, record: KillRecord) -> None:
    deadline = time.monotonic() + STEP_LIMIT
    while not on_engine(anchor, lambda: record.finished):
        assert time.monotonic() < deadline, "the killed session never ended"
        time.sleep(0.005)


def errorlog(anchor: ScenarioSession) -> list[str]:
    return [e.text for e in on_engine(anchor, lambda: anchor.connection.instance.errorlog.read(0))]


def test_an_idle_victim_in_a_transaction_is_ended_and_its_waiter_proceeds(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        victim, waiter, dba = sc.session("victim"), sc.session("waiter"), sc.session("dba")
        victim.run("BEGIN TRAN; UPDATE t SET v = 99 WHERE id = 1; UPDATE t SET v = 98 WHERE id = 2")
        blocked = waiter.start("SELECT v FROM t WHERE id = 1")
        wait_until_blocked(blocked)
        record = kill(dba, victim)
        # the waiter proceeds, and sees none of the victim's changes
        assert blocked.rows() == [(10,)]
        wait_finished(dba, record)
        assert dba.rows("SELECT id, v FROM t ORDER BY id") == [(1, 10), (2, 20), (3, 30)]
        assert (record.victim_session_id, record.victim_state, record.rows_to_undo) == (
            victim.session_id,
            "idle in transaction",
            2,
        )
        assert (record.killer_session_id, record.killer_login, record.command) == (dba.session_id, "sa", "test kill")
        assert record.statement.startswith("BEGIN TRAN; UPDATE t")
        assert record.outcome is KillOutcome.ROLLED_BACK and record.rollback_seconds is not None
        # no message reached the victim: its next call fails as a closed connection
        with pytest.raises(InterfaceError):
            victim.connection.run("SELECT 1")
        assert on_engine(dba, lambda: dba.connection.instance.registry.get(victim.session_id)) is None
        expected = (
            f"Process ID {victim.session_id} was killed by hostname localhost, host process ID "
            f"{record.killer_host_process_id} (login 'sa', session {dba.session_id})."
        )
        assert expected in errorlog(dba)


def test_a_victim_waiting_in_waitfor_gets_596_and_its_locks_go(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        victim, waiter, dba = sc.session("victim"), sc.session("waiter"), sc.session("dba")
        step = victim.start("BEGIN TRAN; UPDATE t SET v = 99 WHERE id = 3; WAITFOR DELAY '01:00:00'")
        wait_until_blocked(step, "WAITFOR")
        blocked = waiter.start("SELECT v FROM t WHERE id = 3")
        wait_until_blocked(blocked)
        record = kill(dba, victim)
        assert record.victim_state == "waiting WAITFOR"
        assert step.error() == 596
        assert blocked.rows() == [(30,)]
        wait_finished(dba, record)
        assert record.outcome is KillOutcome.ROLLED_BACK
        assert victim.connection.closed


def test_a_kill_is_applied_only_to_the_session_it_names_never_to_a_reused_id(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        dba = sc.session("dba")
        first = sc.session("first")
        stale: Any = first.connection.session
        first.close()
        second = sc.session("second")  # gets the lowest free id: the one `first` had, with a higher serial
        assert second.session_id == stale.session_id
        record = kill(dba, stale, via=dba)
        assert record.outcome is KillOutcome.ALREADY_ENDED
        assert second.value("SELECT 1") == 1  # untouched
        env = dba.connection.instance.env
        assert env is not None
        assert on_engine(dba, lambda: len(kill_history(env))) == 0
        assert not any("was killed" in line for line in errorlog(dba))


def test_a_second_kill_of_the_same_session_returns_the_first_record(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        victim, dba = sc.session("victim"), sc.session("dba")
        step = victim.start("WAITFOR DELAY '01:00:00'")
        wait_until_blocked(step, "WAITFOR")

        def twice() -> tuple[KillRecord, KillRecord]:
            env = dba.connection.instance.env
            assert env is not None
            target, by = victim.connection.session, dba.connection.session
            return kill_session(env, target, killer=by), kill_session(env, target, killer=by)

        first, second = on_engine(dba, twice)
        assert first is second
        assert step.error() == 596
        assert sum("was killed" in line for line in errorlog(dba)) == 1


def test_a_server_kill_names_its_policy_in_the_audit_line(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        victim, dba = sc.session("victim"), sc.session("dba")
        victim.run("SELECT 1")
        record = kill(None, victim, InterruptReason.IDLE_TIMEOUT, via=dba)
        wait_finished(dba, record)
        assert record.killer_session_id is None and record.outcome is KillOutcome.ENDED
        assert any(
            line.startswith(f"Process ID {victim.session_id} was killed by hostname ") and "(server: test kill)" in line
            for line in errorlog(dba)
        )
