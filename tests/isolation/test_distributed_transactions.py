"""Distributed transactions through the embedded engine: prepare (phase one), session -2, in doubt across restarts
and checkpoints, every KILL 'uow' form and refusal, both rollback modes, and the audit of each decision."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.engine.database import Database
from quietus.engine.txn.twophase import InDoubtResolution
from tests.harness import Scenario, ScenarioSession, scenario, wait_until_blocked
from tests.isolation.test_kill_statement import RollbackGate, login_session, on_engine, wait_engine

LOCKS = (
    "SELECT request_session_id, resource_type, request_mode, request_owner_guid FROM sys.dm_tran_locks "
    "WHERE resource_type <> 'DATABASE' ORDER BY resource_type, request_mode"
)
ACTIVE = (
    "SELECT transaction_type, transaction_uow, transaction_state, dtc_state FROM sys.dm_tran_active_transactions "
    "WHERE transaction_type = 4"
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with scenario(tmp_path) as sc:
        setup = sc.session("setup")
        setup.run("CREATE TABLE t (id INT PRIMARY KEY, v NVARCHAR(20) NOT NULL)")
        setup.run("CREATE TABLE h (v INT)")  # a heap
        setup.run("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        setup.run("INSERT INTO h VALUES (10), (20)")
    return tmp_path


@pytest.fixture
def sc(data: Path) -> Iterator[Scenario]:
    with scenario(data) as running:
        yield running


def errors(session: ScenarioSession, sql: str) -> list[tuple[int, str]]:
    return [(m.number, m.text) for m in session.start(sql).result().messages if m.is_error]


def prepare_and_leave(sc: Scenario, *statements: str) -> uuid.UUID:
    """A client begins a distributed transaction, writes, prepares (phase one) and disconnects (another session
    keeps the engine running: closing the last one would stop it)."""
    if not sc.sessions:
        sc.session("anchor")
    client = sc.session("client")
    client.run("BEGIN DISTRIBUTED TRANSACTION")
    for statement in statements:
        client.run(statement)
    uow = client.value("EXEC sp_prepare_distributed_transaction")
    assert isinstance(uow, uuid.UUID)
    sc.sessions.remove(client)
    client.close()
    return uow


def restart(sc: Scenario) -> None:
    """Close every session: the shared engine stops (log flushed); the next session starts it again (recovery)."""
    sc.close()
    sc.sessions.clear()


def text(uow: uuid.UUID) -> str:
    return "{" + str(uow).upper() + "}"


CHANGES = ("UPDATE t SET v = 'uno' WHERE id = 1", "DELETE FROM t WHERE id = 2", "INSERT INTO t VALUES (4, 'four')",
           "INSERT INTO h VALUES (30)")  # fmt: skip
BEFORE = [(1, "one"), (2, "two"), (3, "three")]
AFTER = [(1, "uno"), (3, "three"), (4, "four")]


def test_a_prepared_transaction_keeps_its_locks_under_session_minus_2_and_its_changes_invisible(sc: Scenario) -> None:
    uow = prepare_and_leave(sc, *CHANGES)
    dba = sc.session("dba")
    locks = dba.rows(LOCKS)
    assert {row[0] for row in locks} == {-2}
    assert {row[3] for row in locks} == {uow}
    assert ("KEY", "X") in {(row[1], row[2]) for row in locks}
    assert dba.rows(ACTIVE) == [(4, uow, 5, 2)]  # distributed, prepared (state 5), dtc_state PREPARED
    assert dba.rows("SELECT id, v FROM t WITH (NOLOCK) ORDER BY id") == AFTER  # dirty readers see it
    dba.run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")
    assert dba.rows("SELECT id, v FROM t ORDER BY id") == BEFORE  # committed readers do not
    waiter = sc.session("waiter")
    step = waiter.start("SELECT v FROM t WHERE id = 1")
    wait_until_blocked(step)
    blocked = dba.rows(f"SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = {waiter.session_id}")
    assert blocked == [(-2,)]
    assert dba.rows("SELECT blocking_session_id FROM sys.dm_exec_blocking_chains WHERE session_id = -2 OR "
                    "blocking_session_id = -2") != []  # fmt: skip
    assert (-2,) in [(row[0],) for row in dba.rows("EXEC sp_lock")]
    assert errors(dba, f"KILL '{uow}'")[0][0] == 6113
    dba.run(f"KILL '{uow}' WITH ROLLBACK")
    assert step.rows() == [("one",)]
    assert dba.rows(LOCKS) == []


def test_in_doubt_survives_restart_and_checkpoint_with_locks_reacquired(sc: Scenario) -> None:
    uow = prepare_and_leave(sc, *CHANGES)
    restart(sc)
    dba = sc.session("dba")
    dba.run("CHECKPOINT")
    restart(sc)
    dba = sc.session("dba")
    locks = dba.rows(LOCKS)
    assert locks and {row[0] for row in locks} == {-2} and {row[3] for row in locks} == {uow}
    assert dba.rows(ACTIVE) == [(4, uow, 5, 5)]  # dtc_state RECOVERED
    assert dba.rows("SELECT id, v FROM t WITH (NOLOCK) ORDER BY id") == AFTER
    assert sorted(dba.rows("SELECT v FROM h WITH (NOLOCK)")) == [(10,), (20,), (30,)]
    log = (Path(str(sc.database)) / "log" / "ERRORLOG").read_text()
    assert f"SQL Server detected a DTC/KTM in-doubt transaction with UOW {text(uow)}." in log
    waiter = sc.session("waiter")
    step = waiter.start("UPDATE t SET v = 'eins' WHERE id = 1")
    wait_until_blocked(step)
    dba.run(f"KILL '{uow}' WITH COMMIT")
    assert step.error() is None
    assert dba.rows("SELECT id, v FROM t ORDER BY id") == [(1, "eins"), (3, "three"), (4, "four")]
    assert sorted(dba.rows("SELECT v FROM h")) == [(10,), (20,), (30,)]
    restart(sc)
    dba = sc.session("dba")
    assert dba.rows(ACTIVE) == [] and dba.rows(LOCKS) == []  # the decision is durable: not in doubt again
    assert dba.rows("SELECT id, v FROM t ORDER BY id") == [(1, "eins"), (3, "three"), (4, "four")]


@pytest.mark.parametrize("accelerated", [False, True], ids=["classic", "accelerated"])
def test_kill_uow_with_rollback_after_restart_in_each_rollback_mode(sc: Scenario, accelerated: bool) -> None:
    setting = "ON" if accelerated else "OFF"
    sc.session("setup").run(f"ALTER DATABASE master SET ACCELERATED_DATABASE_RECOVERY = {setting}")
    uow = prepare_and_leave(sc, *CHANGES)
    restart(sc)
    dba = sc.session("dba")
    dba.run(f"KILL '{uow}' WITH ROLLBACK")
    wait_engine(dba, lambda: not dba.connection.instance.env.databases["master"].txns.active, "the rollback")
    assert dba.rows("SELECT id, v FROM t ORDER BY id") == BEFORE
    assert sorted(dba.rows("SELECT v FROM h")) == [(10,), (20,)]
    dba.run("CHECKPOINT")  # the checkpoint must not bring the decided transaction back
    restart(sc)
    dba = sc.session("dba")
    assert dba.rows(ACTIVE) == [] and dba.rows(LOCKS) == []
    assert dba.rows("SELECT id, v FROM t ORDER BY id") == BEFORE
    assert errors(dba, f"KILL '{uow}' WITH COMMIT") == [
        (6111, f"Another user has decided a different outcome for the distributed transaction associated with "
               f"UOW {text(uow)}.")
    ]  # fmt: skip
    assert errors(dba, f"KILL '{uow}' WITH ROLLBACK") == []  # the same outcome again: idempotent


def test_every_kill_uow_refusal(sc: Scenario) -> None:
    dba = sc.session("dba")
    unknown = uuid.uuid4()
    assert [n for n, _ in errors(dba, f"KILL '{unknown}'")] == [6110]
    assert [n for n, _ in errors(dba, f"KILL '{unknown}' WITH STATUSONLY")] == [6110]
    owner = sc.session("owner")
    owner.run("BEGIN DISTRIBUTED TRANSACTION")
    owner.run("UPDATE t SET v = 'x' WHERE id = 3")
    uow = dba.value("SELECT transaction_uow FROM sys.dm_tran_active_transactions WHERE transaction_type = 4")
    assert dba.rows(f"SELECT request_session_id FROM sys.dm_tran_locks WHERE request_owner_guid = '{uow}'") != []
    assert {r[0] for r in dba.rows(f"SELECT request_session_id FROM sys.dm_tran_locks WHERE request_owner_guid = "
                                   f"'{uow}'")} == {owner.session_id}  # fmt: skip
    assert errors(dba, f"KILL '{uow}'") == [
        (6117, f"There is a connection associated with the distributed transaction with UOW {text(uow)}. First, "
               "kill the connection using KILL SPID syntax.")
    ]  # fmt: skip
    dba.run(f"KILL {owner.session_id}")  # killing the client orphans the transaction: session -2, still active
    wait_engine(dba, lambda: all(s.session_id != owner.session_id for s in dba.connection.instance.registry), "end")
    assert {r[0] for r in dba.rows(LOCKS)} == {-2}
    assert dba.rows(ACTIVE) == [(4, uow, 2, 1)]
    assert [n for n, _ in errors(dba, f"KILL '{uow}' WITH COMMIT")] == [6118]
    assert [n for n, _ in errors(dba, f"KILL '{uow}' WITH ROLLBACK")] == [6118]
    assert [n for n, _ in errors(dba, f"KILL '{uow}' WITH STATUSONLY")] == [6121]
    dba.run("BEGIN TRANSACTION")
    assert [n for n, _ in errors(dba, f"KILL '{uow}'")] == [6115]
    dba.run("ROLLBACK")
    dba.run(f"KILL '{uow}'")  # an orphaned active transaction: rolled back, locks freed
    wait_engine(dba, lambda: not dba.connection.instance.env.databases["master"].txns.active, "the rollback")
    assert dba.value("SELECT v FROM t WHERE id = 3") == "three"
    assert [n for n, _ in errors(dba, f"KILL '{uow}'")] == [6110]
    assert [n for n, _ in errors(dba, f"KILL '{uow}' WITH STATUSONLY")] == [6121]
    history = dba.rows("SELECT victim_session_id, command, outcome FROM sys.dm_exec_kill_history "
                       "WHERE victim_session_id = -2")  # fmt: skip
    assert history == [(-2, f"KILL '{text(uow)}'", "rolled back")]
    # The owner's own kill rolled nothing back: its transaction went to -2, and the history says so.
    owner_kill = dba.rows(f"SELECT outcome, rows_undone FROM sys.dm_exec_kill_history "
                          f"WHERE command = 'KILL {owner.session_id}'")  # fmt: skip
    assert owner_kill == [("left to session -2", 0)]
    log = (Path(str(sc.database)) / "log" / "ERRORLOG").read_text()
    assert "Process ID -2 was killed by hostname" in log
    assert f"Distributed transaction with UOW {text(uow)} (orphaned) decided by KILL: rollback." in log


def test_kill_uow_with_statusonly_reports_a_classic_rollback_in_progress(
    sc: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = ", ".join(f"({n}, 'r{n}')" for n in range(100, 1100))
    uow = prepare_and_leave(sc, f"INSERT INTO t VALUES {values}")
    gate = RollbackGate(monkeypatch, after=600)
    gate.session_id = -2
    dba = sc.session("dba")
    dba.run(f"KILL '{uow}' WITH ROLLBACK")
    wait_engine(dba, lambda: gate.holding, "the rollback to reach the gate")
    [message] = dba.run(f"KILL '{uow}' WITH STATUSONLY").messages
    assert message.number == 6119 and message.severity == 10
    assert message.text.startswith(f"Distributed transaction with UOW {text(uow)} is rolling back: estimated "
                                   "rollback completion: 59%, estimated time left ")  # fmt: skip
    assert [m.number for m in dba.run(f"KILL '{uow}'").messages] == [6119]  # a repeat reports too
    assert [n for n, _ in errors(dba, f"KILL '{uow}' WITH COMMIT")] == [6111]
    # asking for the other outcome while the rollback runs is a heuristic mismatch, as once it has ended (a
    # coordinator re-driving its commit can arrive in either)
    assert dba.rows("SELECT uow, role, decided FROM sys.dm_tran_heuristic_outcomes") == [(uow, "participant", "abort")]
    assert {r[0] for r in dba.rows(LOCKS)} == {-2}  # classic: the locks stay until the end
    on_engine(dba, gate.open)
    wait_engine(dba, lambda: not dba.connection.instance.env.databases["master"].txns.active, "the rollback")
    assert dba.value("SELECT COUNT(*) FROM t") == 3


def test_statements_after_prepare_and_a_ddl_prepare_are_refused(sc: Scenario) -> None:
    client = sc.session("client")
    assert [n for n, _ in errors(client, "EXEC sp_prepare_distributed_transaction")] == [8509]
    client.run("BEGIN DISTRIBUTED TRANSACTION")
    client.run("UPDATE t SET v = 'x' WHERE id = 3")
    client.run("EXEC sp_prepare_distributed_transaction")
    assert [n for n, _ in errors(client, "SELECT 1")] == [8525]
    assert [n for n, _ in errors(client, "EXEC sp_prepare_distributed_transaction")] == [8525]
    client.run("COMMIT")  # the owner decides phase two
    assert client.value("SELECT v FROM t WHERE id = 3") == "x"
    client.run("BEGIN DISTRIBUTED TRANSACTION")
    client.run("UPDATE t SET v = 'z' WHERE id = 3")
    client.run("CREATE TABLE new_one (a INT)")
    assert [n for n, _ in errors(client, "EXEC sp_prepare_distributed_transaction")] == [8509]
    assert client.value("SELECT @@TRANCOUNT") == 0  # the "no" vote rolled it back at once: nothing left to decide
    assert client.value("SELECT OBJECT_ID('new_one')") is None
    assert client.value("SELECT v FROM t WHERE id = 3") == "x"
    assert client.value("SELECT COUNT(*) FROM sys.dm_tran_active_transactions WHERE transaction_type = 4") == 0
    client.run("BEGIN TRANSACTION")
    client.run("UPDATE t SET v = 'y' WHERE id = 3")
    client.run("BEGIN DISTRIBUTED TRANSACTION")  # promotes the local transaction
    assert client.value("SELECT @@TRANCOUNT") == 2
    assert client.value("SELECT COUNT(*) FROM sys.dm_tran_active_transactions WHERE transaction_type = 4") == 1
    client.run("ROLLBACK")
    assert client.value("SELECT v FROM t WHERE id = 3") == "x"


@pytest.mark.parametrize(
    ("ddl", "still_there"),
    [
        ("CREATE TABLE new_one (a INT)", "SELECT COUNT(*) FROM sys.tables WHERE name = 'new_one'"),
        ("DROP TABLE h", "SELECT 1 - COUNT(*) FROM sys.tables WHERE name = 'h'"),
        ("ALTER TABLE t ADD extra INT NULL", "SELECT COUNT(*) FROM sys.columns WHERE name = 'extra'"),
        ("CREATE INDEX t_v ON t (v)", "SELECT COUNT(*) FROM sys.indexes WHERE name = 't_v'"),
    ],
    ids=["create-table", "drop-table", "alter-table", "create-index"],
)
def test_a_distributed_transaction_that_changed_a_table_definition_votes_no_and_is_rolled_back(
    sc: Scenario, ddl: str, still_there: str
) -> None:
    client = sc.session("client")
    client.run("BEGIN DISTRIBUTED TRANSACTION")
    client.run("UPDATE t SET v = 'changed' WHERE id = 1")
    client.run(ddl)
    [(number, message)] = errors(client, "EXEC sp_prepare_distributed_transaction")
    assert number == 8509 and "changed the catalog" in message
    assert client.value("SELECT @@TRANCOUNT") == 0
    assert client.value(still_there) == 0  # the DDL is undone
    assert client.value("SELECT v FROM t WHERE id = 1") == "one"  # and so is the row change
    assert sc.session("other").value("SELECT COUNT(*) FROM sys.dm_tran_units_of_work") == 0


def test_a_procedure_created_in_a_distributed_transaction_prepares_and_commits_after_a_restart(sc: Scenario) -> None:
    """Procedures are rows of master's module catalog, so their changes are redo like any row: as in SQL Server,
    CREATE PROCEDURE may be part of a prepared transaction (and is in doubt with it)."""
    uow = prepare_and_leave(sc, "CREATE PROCEDURE p_two AS SELECT 2")
    restart(sc)
    dba = sc.session("dba")
    assert dba.value("SELECT COUNT(*) FROM sys.procedures WHERE name = 'p_two'") == 0
    dba.run(f"KILL '{uow}' WITH COMMIT")
    assert dba.value("EXEC p_two") == 2


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [(InDoubtResolution.PRESUME_COMMIT, AFTER), (InDoubtResolution.PRESUME_ABORT, BEFORE)],
    ids=["presume-commit", "presume-abort"],
)
def test_in_doubt_xact_resolution_presumes_an_outcome_at_recovery(
    sc: Scenario, resolution: InDoubtResolution, expected: list[tuple[int, str]]
) -> None:
    prepare_and_leave(sc, *CHANGES)
    restart(sc)
    directory = Path(str(sc.database)) / "master"

    async def reopen() -> list[tuple[int, str]]:
        database = Database.open("master", 1, directory, asyncio.get_running_loop(), in_doubt_resolution=resolution)
        try:
            assert database.in_doubt() == [] and not database.txns.active
            table = database.table_by_name("t")
            assert table is not None
            return sorted((v.values[0], v.values[1]) for v in table.rows.values() if v.values is not None)
        finally:
            database.close()

    assert asyncio.run(reopen()) == expected
    dba = sc.session("dba")  # and the presumption is durable: nothing in doubt at the next start either
    assert dba.rows(ACTIVE) == [] and dba.rows("SELECT id, v FROM t ORDER BY id") == expected


def test_a_decision_being_written_makes_the_uow_busy(sc: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    uow = prepare_and_leave(sc, "UPDATE t SET v = 'x' WHERE id = 3")
    held: list[asyncio.Future[None]] = []
    original = Database._write_durably

    def slow_write(database: Database, task: Any, txn: Any, payload: bytes) -> None:
        if txn.uow == uow and not held:
            held.append(database.loop.create_future())
            task.wait(held[0])  # the decision record is "being written" until the test lets it go
        original(database, task, txn, payload)

    monkeypatch.setattr(Database, "_write_durably", slow_write)
    dba, other = sc.session("dba"), sc.session("other")
    deciding = dba.start(f"KILL '{uow}' WITH COMMIT")
    wait_engine(dba, lambda: bool(held), "the decision to be under way")
    assert errors(other, f"KILL '{uow}' WITH ROLLBACK") == [
        (6114, f"Distributed transaction with UOW {text(uow)} is being used by another user. KILL command failed.")
    ]
    assert [n for n, _ in errors(other, f"KILL '{uow}' WITH STATUSONLY")] == [6121]
    on_engine(dba, lambda: held[0].set_result(None))
    assert deciding.error() is None
    assert other.value("SELECT v FROM t WHERE id = 3") == "x"


def test_sp_enlist_names_the_uow_and_refuses_one_in_use(sc: Scenario) -> None:
    uow = uuid.uuid4()
    first, second = sc.session("first"), sc.session("second")
    first.run(f"EXEC sp_enlist_distributed_transaction @uow = '{uow}'")
    first.run("UPDATE t SET v = 'x' WHERE id = 3")
    assert first.value("EXEC sp_prepare_distributed_transaction") == uow
    assert errors(second, f"EXEC sp_enlist_distributed_transaction '{uow}'") == [
        (3910, "Transaction context in use by another session.")
    ]
    assert [n for n, _ in errors(second, "EXEC sp_enlist_distributed_transaction 'nope'")] == [8169]
    first.run("ROLLBACK")
    assert second.value("SELECT v FROM t WHERE id = 3") == "three"


@pytest.mark.parametrize(("value", "expected"), [(1, "uno"), (2, "one")], ids=["presume-commit", "presume-abort"])
def test_in_doubt_xact_resolution_at_run_time_decides_when_the_client_goes(
    sc: Scenario, value: int, expected: str
) -> None:
    dba = sc.session("dba")
    dba.run(f"EXEC sp_configure 'in-doubt xact resolution', {value}")
    uow = prepare_and_leave(sc, "UPDATE t SET v = 'uno' WHERE id = 1")
    wait_engine(dba, lambda: not dba.connection.instance.env.databases["master"].txns.active, "the presumption")
    assert dba.rows(LOCKS) == []
    assert dba.value("SELECT v FROM t WHERE id = 1") == expected
    outcome = "committed" if value == 1 else "aborted"
    log = (Path(str(sc.database)) / "log" / "ERRORLOG").read_text()
    assert f"UOW {text(uow)} presumed {outcome} (in-doubt xact resolution {value})" in log
    client = sc.session("active")  # an orphaned *active* transaction is not in doubt: nothing is presumed
    client.run("BEGIN DISTRIBUTED TRANSACTION; UPDATE t SET v = 'x' WHERE id = 3")
    sc.sessions.remove(client)
    client.close()
    assert {row[0] for row in dba.rows(LOCKS)} == {-2}


def test_a_returning_coordinator_takes_its_uow_back_from_session_minus_2(sc: Scenario) -> None:
    uow = prepare_and_leave(sc, "UPDATE t SET v = 'uno' WHERE id = 1")
    setup = sc.session("setup")
    setup.run("CREATE LOGIN nobody WITH PASSWORD = 'pw'")
    nobody = login_session(sc, "nobody")
    assert [n for n, _ in errors(nobody, f"EXEC sp_enlist_distributed_transaction '{uow}'")] == [15247]
    coordinator = sc.session("coordinator")
    coordinator.run("BEGIN TRAN")
    assert [n for n, _ in errors(coordinator, f"EXEC sp_enlist_distributed_transaction '{uow}'")] == [8525]
    coordinator.run("ROLLBACK")
    coordinator.run(f"EXEC sp_enlist_distributed_transaction @uow = '{uow}'")
    owners = {row[0] for row in setup.rows(LOCKS)}
    assert owners == {coordinator.session_id}  # its own again: no longer -2
    assert [n for n, _ in errors(setup, f"KILL '{uow}' WITH ROLLBACK")] == [6117]
    assert [n for n, _ in errors(coordinator, "SELECT 1")] == [8525]  # prepared: only the decision may follow
    coordinator.run("COMMIT")  # the coordinator delivers its decision
    assert setup.value("SELECT v FROM t WHERE id = 1") == "uno"
    assert setup.rows(LOCKS) == []


def test_the_units_of_work_view_lists_each_and_how_to_resolve_it(sc: Scenario) -> None:
    in_doubt = prepare_and_leave(sc, "UPDATE t SET v = 'uno' WHERE id = 1")
    owner = sc.session("owner")
    owner.run("BEGIN DISTRIBUTED TRANSACTION; UPDATE t SET v = 'x' WHERE id = 3")
    owned = owner.value("SELECT transaction_uow FROM sys.dm_tran_active_transactions WHERE transaction_type = 4 "
                        "AND transaction_state = 2")  # fmt: skip
    dba = sc.session("dba")
    waiter = sc.session("waiter")
    step = waiter.start("SELECT v FROM t WHERE id = 1")
    wait_until_blocked(step)
    rows = dba.rows("SELECT uow, session_id, situation, state, recovered, locks_held, sessions_blocked, "
                    "rows_to_undo, resolve_with FROM sys.dm_tran_units_of_work ORDER BY transaction_id")  # fmt: skip
    assert rows == [
        (in_doubt, -2, "in doubt", "prepared", False, 2, 1, 1, f"KILL '{text(in_doubt)}' WITH COMMIT | ROLLBACK"),
        (owned, owner.session_id, "owned", "active", False, 2, 0, 1, None),
    ]
    dba.run(f"KILL '{in_doubt}' WITH COMMIT")
    assert step.rows() == [("uno",)]
    owner.run("ROLLBACK")
    assert dba.rows("SELECT uow FROM sys.dm_tran_units_of_work") == []
