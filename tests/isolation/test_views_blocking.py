"""What the session views show while sessions block, wait, roll back, and look at each other.

Each test reads like an isolation spec: sessions, steps in order, and what an observer sees in the views at each
point.  "Blocked" is read from engine state (tests/harness.py), never from timing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from quietus.engine.interrupts import InterruptReason
from quietus.sql.results import CollectingSink
from tests.harness import Scenario, ScenarioSession, create_table_t, interrupt, scenario, wait_until_blocked


def record(session: ScenarioSession, sql: str) -> dict[str, Any] | None:
    result = session.run(sql).result_sets[-1]
    if not result.rows:
        return None
    assert len(result.rows) == 1, result.rows
    return dict(zip([c.name.casefold() for c in result.columns], result.rows[0], strict=True))


def request_of(observer: ScenarioSession, target: ScenarioSession) -> dict[str, Any] | None:
    return record(observer, f"SELECT * FROM sys.dm_exec_requests WHERE session_id = {target.session_id}")


def test_a_blocked_session_shows_its_wait_its_blocker_and_both_locks(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        blocker, waiter, observer = sc.session("blocker"), sc.session("waiter"), sc.session("observer")
        blocker.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        update = waiter.start("UPDATE t SET v = 12 WHERE id = 1")
        assert wait_until_blocked(update) == "LCK_M_U"  # an UPDATE reads with U locks, as SQL Server's does
        request = request_of(observer, waiter)
        assert request is not None
        assert (request["status"], request["command"], request["wait_type"]) == ("suspended", "UPDATE", "LCK_M_U")
        assert request["blocking_session_id"] == blocker.session_id
        assert request["wait_resource"].startswith("KEY: 1:")
        assert request["wait_time"] >= 0
        assert request_of(observer, blocker) is None  # idle in its transaction: no request
        who = {row[0]: row for row in observer.rows("EXEC sp_who")}
        assert who[waiter.session_id][5] == str(blocker.session_id).ljust(5)
        assert who[waiter.session_id][2].rstrip() == "suspended"
        assert who[blocker.session_id][5] == "0    "
        (blocked,) = observer.rows(
            f"SELECT blocked, lastwaittype FROM sys.sysprocesses WHERE spid = {waiter.session_id}"
        )
        assert (blocked[0], blocked[1].rstrip()) == (blocker.session_id, "LCK_M_U")
        keys = observer.rows(
            "SELECT request_session_id, request_mode, request_status, resource_description FROM sys.dm_tran_locks "
            "WHERE resource_type = 'KEY' ORDER BY request_status"
        )
        assert [(row[0], row[1], row[2]) for row in keys] == [
            (blocker.session_id, "X", "GRANT"),
            (waiter.session_id, "U", "WAIT"),
        ]
        assert keys[0][3] == keys[1][3]  # the same key
        (waiting,) = observer.rows(
            f"SELECT w.wait_type, w.blocking_session_id, w.resource_description, l.request_status "
            f"FROM sys.dm_os_waiting_tasks w JOIN sys.dm_tran_locks l ON l.lock_owner_address = w.resource_address "
            f"WHERE w.session_id = {waiter.session_id}"
        )
        assert waiting[:2] == ("LCK_M_U", blocker.session_id) and waiting[3] == "WAIT"
        assert waiting[2].startswith("keylock hobtid=") and "mode=X" in waiting[2]
        blocker.run("COMMIT")
        assert update.result().messages == []
        assert observer.rows("SELECT session_id FROM sys.dm_exec_requests WHERE blocking_session_id <> 0") == []
        assert (
            observer.rows("SELECT session_id FROM sys.dm_os_waiting_tasks WHERE blocking_session_id IS NOT NULL") == []
        )
        assert observer.rows("SELECT * FROM sys.dm_tran_locks WHERE request_status = 'WAIT'") == []


def test_a_blocked_writer_shows_lck_m_x_behind_a_shared_lock(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        reader, writer, observer = sc.session("reader"), sc.session("writer"), sc.session("observer")
        reader.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN TRAN; SELECT v FROM t WHERE id = 2")
        delete = writer.start("DELETE FROM t WITH (ROWLOCK) WHERE id = 2")
        assert wait_until_blocked(delete) == "LCK_M_X"  # its U lock is granted beside S; the conversion to X waits
        request = request_of(observer, writer)
        assert request is not None
        assert (request["status"], request["wait_type"]) == ("suspended", "LCK_M_X")
        assert request["blocking_session_id"] == reader.session_id
        assert request["wait_resource"].startswith("KEY: 1:")
        statuses = observer.rows(
            f"SELECT request_mode, request_status FROM sys.dm_tran_locks WHERE resource_type = "
            f"'KEY' AND request_session_id = {writer.session_id}"
        )
        assert statuses == [("X", "CONVERT")]
        reader.run("COMMIT")
        assert delete.error() is None
        assert request_of(observer, writer) is None


def test_waitfor_shows_suspended_waitfor_without_a_blocker(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        sleeper, observer = sc.session("sleeper"), sc.session("observer")
        step = sleeper.start("WAITFOR DELAY '01:00:00'")
        wait_until_blocked(step, "WAITFOR")
        request = request_of(observer, sleeper)
        assert request is not None
        assert (request["status"], request["command"], request["wait_type"]) == ("suspended", "WAITFOR", "WAITFOR")
        assert request["blocking_session_id"] == 0 and request["percent_complete"] == 0.0
        (task,) = observer.rows(
            f"SELECT wait_type, blocking_session_id FROM sys.dm_os_waiting_tasks "
            f"WHERE session_id = {sleeper.session_id}"
        )
        assert task == ("WAITFOR", None)
        assert sleeper.session_id in {row[0] for row in observer.rows("EXEC sp_who 'active'")}
        interrupt(sleeper, InterruptReason.ATTENTION)
        step.result()
        assert request_of(observer, sleeper) is None
        assert sleeper.session_id not in {row[0] for row in observer.rows("EXEC sp_who 'active'")}


def test_a_killed_session_rolling_back_shows_rollback_progress(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        victim, observer = sc.session("victim"), sc.session("observer")
        victim.run("CREATE TABLE small (id INT PRIMARY KEY); CREATE TABLE big (id INT PRIMARY KEY, v INT)")
        victim.run("INSERT INTO small VALUES " + ", ".join(f"({i})" for i in range(200)))
        step = victim.start(
            "BEGIN TRAN; INSERT INTO big SELECT a.id * 1000 + b.id, 1 FROM small a CROSS JOIN small b; "
            "WAITFOR DELAY '01:00:00'"
        )
        wait_until_blocked(step, "WAITFOR")
        query = (
            f"SELECT status, command, percent_complete, estimated_completion_time FROM sys.dm_exec_requests "
            f"WHERE session_id = {victim.session_id}; EXEC sp_who {victim.session_id}"
        )
        instance, watching = observer.connection.instance, observer.connection.session

        async def kill_and_watch() -> list[tuple[Any, ...]]:
            # The observer runs on the engine loop itself, so it is queued whenever the rollback yields (a thread
            # polling from outside could miss those moments).
            seen: list[tuple[Any, ...]] = []
            victim.connection.session.interrupt(InterruptReason.KILLED)
            while victim.connection.session.task is not None:
                sink = CollectingSink()
                await instance.execute(watching, query, sink)
                requests, who = sink.result_sets
                # The victim may end between the batch's two statements (the observer yields between them when
                # its slice is used up, as on a loaded machine): then sp_who has no row for it.
                if requests.rows and requests.rows[0][0] == "rollback" and who.rows:
                    seen.append(requests.rows[0] + (who.rows[0][7].rstrip(), who.rows[0][2].rstrip()))
                await asyncio.sleep(0)
            return seen

        seen = observer.connection._engine.thread.call(kill_and_watch())
        assert step.error() == 596
        assert seen, "the observer never saw the rollback: it did not yield to other sessions"
        for _, command, percent, remaining, cmd, who_status in seen:
            assert (command, cmd, who_status) == ("KILLED/ROLLBACK", "KILLED/ROLLBACK", "rollback")
            assert 0.0 < percent < 100.0 and remaining >= 0
        assert observer.rows("SELECT COUNT(*) FROM big") == [(0,)]


def _login(sc: Scenario, name: str) -> ScenarioSession:
    from quietus import connect

    session = ScenarioSession(name, connect(sc.database, autocommit=True, login=name, program_name=name))
    sc.sessions.append(session)
    return session


def test_without_view_server_state_a_login_sees_only_its_own_session(tmp_path: Path) -> None:
    pytest.importorskip("quietus.sessions.security")
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        admin = sc.session("admin")
        admin.run("CREATE LOGIN clerk WITH PASSWORD = 'Clerk#Pass2024'")
        admin.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        clerk = _login(sc, "clerk")
        clerk.run("BEGIN TRAN; UPDATE t SET v = 22 WHERE id = 2")
        own = [(clerk.session_id,)]
        assert clerk.rows("SELECT session_id FROM sys.dm_exec_sessions") == own
        assert clerk.rows("SELECT session_id FROM sys.dm_exec_requests") == own
        assert [row[:1] for row in clerk.rows("EXEC sp_who")] == own
        assert [row[:1] for row in clerk.rows("SELECT spid FROM sys.sysprocesses")] == own
        assert {row[0] for row in clerk.rows("SELECT request_session_id FROM sys.dm_tran_locks")} == {clerk.session_id}
        assert {row[0] for row in clerk.rows("SELECT session_id FROM sys.dm_tran_session_transactions")} == {
            clerk.session_id
        }
        sc.session("grantor").run("GRANT VIEW SERVER STATE TO clerk")
        seen = {row[0] for row in clerk.rows("SELECT session_id FROM sys.dm_exec_sessions")}
        assert {admin.session_id, clerk.session_id} <= seen
        assert admin.session_id in {row[0] for row in clerk.rows("SELECT request_session_id FROM sys.dm_tran_locks")}
        clerk.run("ROLLBACK")
        admin.run("ROLLBACK")
