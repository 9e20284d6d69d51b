"""The KILL statement through the embedded engine: every refusal with SQL Server's number, severity, state and text,
in the documented order; KILL of idle, waiting and rolling-back sessions; STATUSONLY;
a repeated KILL during a rollback and after the id was reused.

A classic rollback is held in the middle by ``RollbackGate`` (a test seam around ``Database._undo_one``: the rollback
waits on a future the test opens), so "during the rollback" is an engine fact, not a race against the clock.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.engine.database import Database
from quietus.engine.scheduler import current_task
from quietus.engine.txn.transaction import Transaction, UndoRecord
from tests.harness import STEP_LIMIT, Scenario, ScenarioSession, create_table_t, scenario, wait_until_blocked

PROGRESS = re.compile(
    r"SPID (\d+): transaction rollback in progress\. Estimated rollback completion: (\d+)%\. "
    r"Estimated time remaining: (\d+) seconds\."
)


class RollbackGate:
    """Holds the classic rollback of ``session_id``'s transaction before its ``after``-th undo record until opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, after: int) -> None:
        self.after = after
        self.session_id = -1
        self.count = 0
        self.held: asyncio.Future[None] | None = None
        original = Database._undo_one
        gate = self

        def undo_one(database: Database, txn: Transaction, record: UndoRecord) -> None:
            if txn.session_id == gate.session_id:
                gate.count += 1
                if gate.count == gate.after:
                    task = current_task()
                    assert task is not None
                    gate.held = database.loop.create_future()
                    task.wait(gate.held)  # the rollback is non-interruptible: it waits here until opened
            original(database, txn, record)

        monkeypatch.setattr(Database, "_undo_one", undo_one)

    @property
    def holding(self) -> bool:
        return self.held is not None and not self.held.done()

    def open(self) -> None:
        """Let the rollback finish (call on the engine thread)."""
        self.after = -1
        if self.held is not None and not self.held.done():
            self.held.set_result(None)


def on_engine(session: ScenarioSession, fn: Any) -> Any:
    async def call() -> Any:
        return fn()

    return session.connection._engine.thread.call(call())


def wait_engine(session: ScenarioSession, condition: Any, what: str) -> None:
    deadline = time.monotonic() + STEP_LIMIT
    while not on_engine(session, condition):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.002)


def messages(session: ScenarioSession, sql: str) -> list[tuple[int, int, int, str]]:
    return [(m.number, m.severity, m.state, m.text) for m in session.start(sql).result().messages]


def login_session(sc: Scenario, login: str) -> ScenarioSession:
    session = ScenarioSession(login, quietus.connect(sc.database, autocommit=True, login=login))
    sc.sessions.append(session)
    return session


def fill_big(session: ScenarioSession | Any) -> None:
    """big(id, v): 2,500 committed rows, v = 0."""
    digits = ", ".join(f"({n})" for n in range(50))
    for sql in (
        "CREATE TABLE d (n INT PRIMARY KEY)",
        f"INSERT INTO d VALUES {digits}",
        "CREATE TABLE big (id INT PRIMARY KEY, v INT NOT NULL)",
        "INSERT INTO big SELECT a.n * 50 + b.n, 0 FROM d a CROSS JOIN d b",
    ):
        session.run(sql) if isinstance(session, ScenarioSession) else session.execute(sql)


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as running:
        yield running


UOW = "D5499C66-E398-45CA-BF7E-DC9C194B48CF"
NOT_A_GUID = "Conversion failed when converting from a character string to uniqueidentifier."
REFUSALS = [
    ("KILL 'not a guid'", 8169, 16, 1, NOT_A_GUID),
    ("KILL '54'", 8169, 16, 1, NOT_A_GUID),
    ("KILL 54 WITH COMMIT", 6108, 16, 1, "KILL SPID WITH COMMIT/ABORT is not supported by Microsoft SQL Server. Use "
     "KILL UOW WITH COMMIT/ABORT to resolve in-doubt distributed transactions involving Microsoft Distributed "
     "Transaction Coordinator (MS DTC)."),
    ("KILL 54 WITH ROLLBACK", 6108, 16, 1, None),
    (f"KILL '{UOW}'", 6110, 16, 1, f"The distributed transaction with UOW {{{UOW}}} does not exist."),
    (f"KILL '{UOW.lower()}' WITH STATUSONLY", 6110, 16, 1, f"The distributed transaction with UOW {{{UOW}}} does not "
     "exist."),
    (f"KILL '{UOW}' WITH COMMIT", 6110, 16, 1, None),
    ("KILL 0", 6101, 16, 1, "Process ID 0 is not a valid process ID. Choose a number between 1 and 32767."),
    ("KILL -2", 6101, 16, 1, "Process ID -2 is not a valid process ID. Choose a number between 1 and 32767."),
    ("KILL 32768", 6101, 16, 1, None),
    ("KILL 4000", 6106, 16, 2, "Process ID 4000 is not an active process ID."),
    ("KILL 4000 WITH STATUSONLY", 6120, 16, 1, "Status report cannot be obtained. Rollback operation for Process ID "
     "4000 is not in progress."),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "number", "severity", "state", "text"), REFUSALS)
def test_refusals(sc: Scenario, sql: str, number: int, severity: int, state: int, text: str | None) -> None:
    (got,) = messages(sc.session("dba"), sql)
    assert got[:3] == (number, severity, state)
    if text is not None:
        assert got[3] == text


def test_own_session_system_session_and_a_session_not_rolling_back(sc: Scenario) -> None:
    dba, other = sc.session("dba"), sc.session("other")
    assert messages(dba, f"KILL {dba.session_id}") == [(6104, 16, 1, "Cannot use KILL to kill your own process.")]
    system_id = on_engine(dba, lambda: next(s.session_id for s in dba.connection.instance.registry
                                            if not s.is_user_process))  # fmt: skip
    assert messages(dba, f"KILL {system_id}") == [(6107, 14, 1, "Only user processes can be killed.")]
    assert [m[0] for m in messages(dba, f"KILL {other.session_id} WITH STATUSONLY")] == [6120]
    assert other.value("SELECT 1") == 1  # STATUSONLY killed nothing


def test_kill_inside_a_user_transaction_is_refused_6115(sc: Scenario) -> None:
    dba, other = sc.session("dba"), sc.session("other")
    text = "KILL command cannot be used inside user transactions."
    assert messages(dba, f"BEGIN TRAN; KILL {other.session_id}; ROLLBACK") == [(6115, 16, 1, text)]
    create_table_t(sc)
    implicit = f"SET IMPLICIT_TRANSACTIONS ON; SELECT COUNT(*) FROM t; KILL {other.session_id}; ROLLBACK"
    assert messages(dba, implicit) == [(6115, 16, 1, text)]
    assert other.value("SELECT 1") == 1


def test_permission_comes_before_range_and_existence(sc: Scenario) -> None:
    setup = sc.session("setup")
    setup.run("CREATE LOGIN nobody WITH PASSWORD = 'pw'; CREATE LOGIN ops WITH PASSWORD = 'pw'")
    setup.run("CREATE LOGIN granted WITH PASSWORD = 'pw'; GRANT ALTER ANY CONNECTION TO granted")
    setup.run("ALTER SERVER ROLE processadmin ADD MEMBER ops")
    victim = sc.session("victim")
    nobody = login_session(sc, "nobody")
    denied = (6102, 14, 2, "User does not have permission to use the KILL statement.")
    for sql in (f"KILL {victim.session_id}", "KILL 0", "KILL 4000", f"KILL {nobody.session_id}"):
        assert messages(nobody, sql) == [denied]
    assert victim.value("SELECT 1") == 1
    for login in ("ops", "granted"):
        target = sc.session(f"target-{login}")
        assert messages(login_session(sc, login), f"KILL {target.session_id}") == []
        with pytest.raises(quietus.dbapi.InterfaceError):
            target.connection.run("SELECT 1")


def test_kill_of_an_idle_holder_lets_the_blocked_session_proceed_and_clears_blocking(sc: Scenario) -> None:
    create_table_t(sc)
    victim, waiter, dba = sc.session("victim"), sc.session("waiter"), sc.session("dba")
    victim.run("BEGIN TRAN; UPDATE t SET v = 99 WHERE id = 1")
    blocked = waiter.start("UPDATE t SET v = v + 1 WHERE id = 1; SELECT v FROM t WHERE id = 1")
    wait_until_blocked(blocked)
    requests = f"SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = {waiter.session_id}"
    assert dba.rows(requests) == [(victim.session_id,)]
    assert messages(dba, f"KILL {victim.session_id}") == []
    assert blocked.rows() == [(11,)]
    assert dba.rows("SELECT COUNT(*) FROM sys.dm_exec_requests WHERE blocking_session_id <> 0") == [(0,)]
    wait_engine(dba, lambda: dba.connection.instance.registry.get(victim.session_id) is None, "the victim to end")
    history = dba.rows(
        "SELECT victim_session_id, victim_program_name, killer_session_id, command, rows_to_undo, outcome "
        "FROM sys.dm_exec_kill_history"
    )
    assert history == [(victim.session_id, "victim", dba.session_id, f"KILL {victim.session_id}", 1, "rolled back")]


def test_classic_rollback_reports_progress_holds_locks_and_never_kills_a_newer_session(
    sc: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = RollbackGate(monkeypatch, after=1000)
    setup = sc.session("setup")
    setup.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
    fill_big(setup)
    total = setup.value("SELECT COUNT(*) FROM big")
    victim, waiter, dba = sc.session("victim"), sc.session("waiter"), sc.session("dba")
    gate.session_id = victim.session_id
    victim.run("BEGIN TRAN; UPDATE big SET v = 1")
    assert messages(dba, f"KILL {victim.session_id}") == []
    wait_engine(dba, lambda: gate.holding, "the rollback to reach the gate")
    # during the rollback: status, command, progress; the locks are still held
    who = {row[0]: row for row in dba.rows("EXEC sp_who")}
    assert (who[victim.session_id][2].strip(), who[victim.session_id][7].strip()) == ("rollback", "KILLED/ROLLBACK")
    status, command, percent = dba.rows(
        f"SELECT status, command, percent_complete FROM sys.dm_exec_requests WHERE session_id = {victim.session_id}"
    )[0]
    assert (status, command) == ("rollback", "KILLED/ROLLBACK")
    assert percent == pytest.approx(100.0 * 999 / total, abs=0.01)
    blocked = waiter.start("SELECT COUNT(*) FROM big WHERE v = 0")
    wait_until_blocked(blocked)
    for sql in (f"KILL {victim.session_id} WITH STATUSONLY", f"KILL {victim.session_id}"):
        ((number, severity, _state, text),) = messages(dba, sql)
        assert (number, severity) == (6109, 10)
        found = PROGRESS.fullmatch(text)
        assert found is not None and int(found[1]) == victim.session_id
        assert int(found[2]) == 999 * 100 // total
        assert int(found[3]) >= 1  # rows are left: never a silent 0 seconds
    on_engine(dba, gate.open)
    assert blocked.rows() == [(total,)]  # the waiter proceeds once the rollback ends, and sees no change
    wait_engine(dba, lambda: dba.connection.instance.registry.get(victim.session_id) is None, "the victim to end")
    assert [m[0] for m in messages(dba, f"KILL {victim.session_id} WITH STATUSONLY")] == [6120]
    newer = sc.session("newer")  # given the id the victim had
    assert newer.session_id == victim.session_id
    # as on SQL Server, KILL n ends whoever holds n now, even from the session that killed the previous n
    assert messages(dba, f"KILL {newer.session_id}") == []
    with pytest.raises(quietus.dbapi.InterfaceError):
        newer.connection.run("SELECT 1")
    outcome = dba.rows("SELECT rows_to_undo, rows_undone, outcome FROM sys.dm_exec_kill_history ORDER BY kill_id")
    assert outcome[0] == (total, total, "rolled back")
    # the estimator judged: predicted against actual at the kill and at 25, 50 and 75 % of the rollback
    ((undone, predicted, actual, *quarters),) = dba.rows(
        "SELECT rows_undone, predicted_rollback_ms, actual_rollback_ms, predicted_left_ms_25, actual_left_ms_25, "
        "error_percent_25, predicted_left_ms_50, actual_left_ms_50, predicted_left_ms_75, actual_left_ms_75 "
        "FROM sys.dm_exec_rollback_estimates"
    )
    assert undone == total and predicted is not None and actual is not None
    predicted_25, actual_25, error_25, _predicted_50, actual_50, _predicted_75, actual_75 = quarters
    assert actual_25 >= actual_50 >= actual_75 >= 0  # the rollback's end comes no sooner from a later mark
    assert error_25 is not None and (error_25 < 0) == (predicted_25 < actual_25)  # said shorter: negative


def test_accelerated_kill_releases_locks_at_once_and_the_cleanup_is_visible(sc: Scenario) -> None:
    create_table_t(sc)
    setup, victim, waiter, dba = sc.session("setup"), sc.session("victim"), sc.session("waiter"), sc.session("dba")
    setup.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = ON")
    victim.run("BEGIN TRAN; UPDATE t SET v = v + 1")
    blocked = waiter.start("SELECT SUM(v) FROM t")
    wait_until_blocked(blocked)
    removed_before = dba.value("SELECT aborted_versions_removed FROM sys.dm_tran_version_cleanup WHERE database_id = 1")
    dba.run(f"KILL {victim.session_id}")
    assert blocked.rows() == [(60,)]
    wait_engine(dba, lambda: dba.connection.instance.master.cleaner.aborted_versions_pending == 0, "the cleaner")
    row = dba.rows(
        "SELECT accelerated_database_recovery, aborted_transactions_pending, aborted_versions_pending, "
        "aborted_versions_removed FROM sys.dm_tran_version_cleanup WHERE database_name = 'master'"
    )
    assert row == [(True, 0, 0, removed_before + 3)]


def test_dynamic_sql_reaches_kill(sc: Scenario) -> None:
    dba = sc.session("dba")
    batch = "DECLARE @k NVARCHAR(40) = N'KILL ' + CAST(@@SPID AS NVARCHAR(10)); EXEC (@k)"
    assert [m[0] for m in messages(dba, batch)] == [6104]
