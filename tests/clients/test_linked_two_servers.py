"""Quietus coordinating Quietus over real sockets: two servers on free ports, a linked server between them,
EXEC (...) AT, two-phase commit with the coordinator's decision log, a participant left in doubt when its
coordinator vanishes between the phases (resolved with KILL 'uow'), and outcomes re-driven after a restart."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, WAIT_LIMIT, RawClient, RunningServer, require_security
from tests.clients.test_server_cli import serving
from tests.clients.test_server_clients import pytds_connect

pytds = pytest.importorskip("pytds")


def run(server: RunningServer, sql: str) -> list[tuple[Any, ...]]:
    with pytds_connect(server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return [tuple(row) for row in cur.fetchall()] if cur.description else []


def balances(server: RunningServer) -> list[tuple[Any, ...]]:
    return run(server, "SELECT id, balance FROM acct ORDER BY id")


def link(coordinator: RunningServer, participant: RunningServer) -> None:
    run(coordinator, f"EXEC sp_addlinkedserver 'B', '', 'QUIETUS', '127.0.0.1,{participant.port}'")
    run(coordinator, f"EXEC sp_addlinkedsrvlogin 'B', 'FALSE', NULL, 'sa', '{PASSWORD}'")


class Pair:
    """A coordinator ``a`` linked to a participant ``b``, each with table acct; ``restart_a`` starts A again on its
    data directory (the old one stopped)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.b = RunningServer(tmp / "b")
        self.a = RunningServer(tmp / "a")
        for server in (self.a, self.b):
            run(server, "CREATE TABLE acct (id INT PRIMARY KEY, balance INT NOT NULL)")
            run(server, "INSERT INTO acct VALUES (1, 100), (2, 200)")
        link(self.a, self.b)

    def restart_a(self) -> RunningServer:
        self.a.stop()
        self.a = RunningServer(self.tmp / "a")
        return self.a

    def stop(self) -> None:
        self.a.stop()
        self.b.stop()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Pair]:
    require_security()
    both = Pair(tmp_path)
    try:
        yield both
    finally:
        both.stop()


@pytest.fixture
def pair(servers: Pair) -> tuple[RunningServer, RunningServer]:
    return servers.a, servers.b


def dtc(server: RunningServer) -> Any:
    """The coordinator (engine state: read it on the engine thread)."""
    return server.instance.env.services["dtc"]


def test_exec_at_runs_the_batch_on_the_linked_server_with_its_types(pair: tuple[RunningServer, RunningServer]) -> None:
    a, b = pair
    run(b, "UPDATE acct SET balance = 150 WHERE id = 1")
    assert run(a, "EXEC ('SELECT id, balance, CAST(id AS DECIMAL(9, 2)) FROM acct ORDER BY id') AT B") == [
        (1, 150, pytest.approx(1)),
        (2, 200, pytest.approx(2)),
    ]
    assert balances(a) == [(1, 100), (2, 200)]  # not the local table
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(pytds.ProgrammingError) as remote:
            cur.execute("EXEC ('SELECT * FROM nowhere') AT B")
        assert remote.value.number == 208  # the remote error, as the remote server raised it
        with pytest.raises(pytds.Error) as unknown:
            cur.execute("EXEC ('SELECT 1') AT nosuch")
        assert unknown.value.number == 7202


def test_four_part_names_read_and_write_the_linked_servers_table(pair: tuple[RunningServer, RunningServer]) -> None:
    a, b = pair
    run(b, "UPDATE acct SET balance = 150 WHERE id = 1")
    # read: the remote rows as a table here, joined with the local one
    joined = run(a, "SELECT l.id, l.balance, r.balance FROM acct AS l JOIN B.master.dbo.acct AS r ON r.id = l.id "
                    "WHERE r.balance > 120 ORDER BY l.id")
    assert joined == [(1, 100, 150), (2, 200, 200)]
    assert run(a, "SELECT SUM(balance) FROM B.master.dbo.acct") == [(350,)]
    # write, outside a transaction: the statement runs there, @variables as their values
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("DECLARE @v INT = 7; UPDATE B.master.dbo.acct SET balance = @v WHERE id = 2")
        assert cur.rowcount == 1  # the remote row count
    run(a, "INSERT INTO B.master.dbo.acct (id, balance) VALUES (3, 30)")
    run(a, "DELETE FROM B.master.dbo.acct WHERE id = 3")
    assert balances(b) == [(1, 150), (2, 7)] and balances(a) == [(1, 100), (2, 200)]
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        # in a transaction: promoted to a distributed one; SQL Server's rule, XACT_ABORT ON for remote writes
        cur.execute("BEGIN TRAN")
        with pytest.raises(pytds.Error) as refused:
            cur.execute("UPDATE B.master.dbo.acct SET balance = 0 WHERE id = 1")
        assert refused.value.number == 7395
        cur.execute("ROLLBACK")
        cur.execute("SET XACT_ABORT ON; BEGIN TRAN; UPDATE acct SET balance = balance - 10 WHERE id = 1")
        cur.execute("UPDATE B.master.dbo.acct SET balance = balance + 10 WHERE id = 1")
        cur.execute("SELECT transaction_type FROM sys.dm_tran_active_transactions WHERE transaction_type = 4")
        assert cur.fetchall() != []
        cur.execute("ROLLBACK")  # undone on both servers
        assert balances(b) == [(1, 150), (2, 7)]
        cur.execute("BEGIN TRAN; UPDATE acct SET balance = balance - 10 WHERE id = 1")
        cur.execute("UPDATE B.master.dbo.acct SET balance = balance + 10 WHERE id = 1")
        cur.execute("COMMIT")  # two-phase
    assert balances(a) == [(1, 90), (2, 200)] and balances(b) == [(1, 160), (2, 7)]
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(pytds.Error) as missing:
            cur.execute("SELECT * FROM B.master.dbo.nowhere")
        assert missing.value.number == 208  # the remote server's own error


def commit_distributed(coordinator: RunningServer, local: str, remote: str) -> None:
    """One distributed transaction: ``local`` here, ``remote`` on linked server B, COMMIT (two-phase)."""
    with pytds_connect(coordinator, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN DISTRIBUTED TRANSACTION")
        cur.execute(local)
        cur.execute(f"EXEC ('{remote}') AT B")
        cur.execute("COMMIT")


def test_a_distributed_commit_is_visible_on_both(pair: tuple[RunningServer, RunningServer]) -> None:
    a, b = pair
    commit_distributed(a, "UPDATE acct SET balance = balance - 50 WHERE id = 1",
                       "UPDATE acct SET balance = balance + 50 WHERE id = 1")  # fmt: skip
    assert balances(a) == [(1, 50), (2, 200)]
    assert balances(b) == [(1, 150), (2, 200)]
    assert a.on_engine(lambda: list(dtc(a).log.decisions())) == []  # delivered everywhere: nothing left to do


def test_remote_work_promotes_a_local_transaction(pair: tuple[RunningServer, RunningServer]) -> None:
    a, b = pair
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN TRAN")
        cur.execute("UPDATE acct SET balance = 1 WHERE id = 2")
        cur.execute("EXEC ('UPDATE acct SET balance = 2 WHERE id = 2') AT B")
        cur.execute("SELECT transaction_type FROM sys.dm_tran_active_transactions WHERE transaction_type = 4")
        assert cur.fetchall() != []
        cur.execute("ROLLBACK")
    assert balances(a) == [(1, 100), (2, 200)]
    assert balances(b) == [(1, 100), (2, 200)]


def test_a_participant_that_cannot_prepare_rolls_back_both(pair: tuple[RunningServer, RunningServer]) -> None:
    a, b = pair
    client = RawClient(a.port)
    try:
        client.login()
        client.batch("BEGIN DISTRIBUTED TRANSACTION; UPDATE acct SET balance = 0 WHERE id = 1")
        client.batch("EXEC ('UPDATE acct SET balance = 0 WHERE id = 2; CREATE TABLE ddl_here (x INT)') AT B")
        refused = client.batch("COMMIT")  # the participant votes no in phase one: it changed the catalog
        assert [e.number for e in refused.errors] == [8509, 1206]  # its reason, then the coordinator's verdict
        assert "changed the catalog" in refused.errors[0].text
        assert client.batch("SELECT @@TRANCOUNT").rows == [(0,)]
    finally:
        client.close()
    assert balances(a) == [(1, 100), (2, 200)]
    assert balances(b) == [(1, 100), (2, 200)]
    assert run(b, "SELECT OBJECT_ID('ddl_here')") == [(None,)]  # the participant's DDL is undone too
    for server in (a, b):  # nothing left to decide on either side, no -2, no decision row pending
        assert run(server, "SELECT COUNT(*) FROM sys.dm_tran_active_transactions WHERE transaction_type = 4") == [(0,)]
    assert run(a, "SELECT COUNT(*) FROM sys.dm_tran_units_of_work") == [(0,)]
    assert run(b, "SELECT COUNT(*) FROM sys.dm_tran_units_of_work") == [(0,)]


def test_the_coordinators_own_part_commits_with_its_decision_so_its_ddl_is_allowed(
    pair: tuple[RunningServer, RunningServer],
) -> None:
    """The coordinator's local work is never prepared: its commit record carries the decision too, so a table
    created on the coordinator's side of a distributed transaction commits (SQL Server allows DDL there)."""
    a, b = pair
    commit_distributed(a, "CREATE TABLE made_here (x INT); INSERT INTO made_here VALUES (7)",
                       "UPDATE acct SET balance = 7 WHERE id = 1")  # fmt: skip
    assert run(a, "SELECT x FROM made_here") == [(7,)]
    assert balances(b) == [(1, 7), (2, 200)]
    assert run(a, "SELECT COUNT(*) FROM sys.dm_tran_units_of_work") == [(0,)]
    a.wait_for(lambda: list(dtc(a).log.decisions()) == [], "the decision to be forgotten once delivered")


def under_minus_2(server: RunningServer) -> bool:
    """Session -2 holds a unit of work (orphaned or in doubt)."""
    active = server.instance.env.databases["master"].txns.active.values()
    return any(t.uow is not None and t.session_id == -2 for t in active)


def blocked(server: RunningServer) -> bool:
    sessions = [s for s in server.instance.registry if s.is_user_process and s.task is not None]
    return any(s.task.wait_type == "LCK_M_S" for s in sessions)


def vanish_before_deciding(coordinator: Any) -> None:
    """The coordinator dies between the phases: its participants are prepared, no decision is written, and its
    sockets drop without a goodbye (what a kill -9 does to them)."""

    def die(*_args: Any) -> None:
        for part in coordinator.participations.values():
            for connection in part.connections.values():
                connection.abort()
        from quietus.errors import sql_error

        raise sql_error(1206)

    coordinator.log.record = die
    coordinator.deliver = lambda ctx, _txn, _commit: coordinator.participations.pop(ctx.session.session_id)


@pytest.mark.parametrize("decision, expected", [("COMMIT", 150), ("ROLLBACK", 100)])
def test_a_vanished_coordinator_leaves_the_participant_in_doubt_until_kill_uow(
    pair: tuple[RunningServer, RunningServer], decision: str, expected: int
) -> None:
    a, b = pair
    a.on_engine(lambda: vanish_before_deciding(dtc(a)))
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN DISTRIBUTED TRANSACTION")
        cur.execute("EXEC ('UPDATE acct SET balance = balance + 50 WHERE id = 1') AT B")
        with pytest.raises(pytds.Error):
            cur.execute("COMMIT")
    b.wait_for(
        lambda: any(
            t.uow is not None and t.session_id == -2 for t in b.instance.env.databases["master"].txns.active.values()
        ),
        "the participant's part to pass to session -2",
    )
    uow = run(b, "SELECT DISTINCT request_owner_guid FROM sys.dm_tran_locks WHERE request_session_id = -2")
    assert len(uow) == 1
    assert run(b, "SELECT situation, state FROM sys.dm_tran_units_of_work") == [("in doubt", "prepared")]
    answer: list[Any] = []
    waiter = threading.Thread(target=lambda: answer.extend(run(b, "SELECT balance FROM acct WHERE id = 1")))
    waiter.start()
    b.wait_for(
        lambda: any(
            s.task is not None and s.task.wait_type == "LCK_M_S" for s in b.instance.registry if s.is_user_process
        ),
        "the waiter to block behind session -2",
    )
    assert run(b, "SELECT blocking_session_id FROM sys.dm_exec_requests WHERE blocking_session_id <> 0") == [(-2,)]
    run(b, f"KILL '{uow[0][0]}' WITH {decision}")
    waiter.join(20)
    assert answer == [(expected,)]


def test_a_coordinator_that_vanished_before_deciding_rolls_its_participant_back_once_restarted(servers: Pair) -> None:
    """Presumed abort: the abort intent, durable before phase one, is re-driven as ROLLBACK at the next start, so the
    participant does not stay in doubt holding its locks until a DBA decides (it did before the intent existed)."""
    a, b = servers.a, servers.b
    a.on_engine(lambda: vanish_before_deciding(dtc(a)))
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN DISTRIBUTED TRANSACTION")
        cur.execute("UPDATE acct SET balance = balance - 50 WHERE id = 1")
        cur.execute("EXEC ('UPDATE acct SET balance = balance + 50 WHERE id = 1') AT B")
        with pytest.raises(pytds.Error):
            cur.execute("COMMIT")
    b.wait_for(lambda: under_minus_2(b), "the participant to be left in doubt")
    assert a.on_engine(lambda: [(d.outcome, d.pending) for d in dtc(a).log.decisions()]) == [("A", ["b"])]
    a = servers.restart_a()  # its start re-drives the intent: ROLLBACK
    b.wait_for(lambda: not under_minus_2(b), "the restarted coordinator to roll the participant back")
    assert balances(b) == [(1, 100), (2, 200)] and balances(a) == [(1, 100), (2, 200)]
    assert run(b, "SELECT COUNT(*) FROM sys.dm_tran_units_of_work") == [(0,)]
    a.wait_for(lambda: list(dtc(a).log.decisions()) == [], "the intent to be forgotten once delivered")


def vanish_after_deciding(coordinator: Any) -> None:
    """The coordinator dies after its decision is durable and before any participant hears it."""

    def die(ctx: Any, _txn: Any, commit: bool) -> None:
        part = coordinator.participations.pop(ctx.session.session_id)
        for connection in part.connections.values():
            connection.abort()

    coordinator.deliver = die


def test_the_coordinator_re_drives_its_decision_after_a_restart(servers: Pair) -> None:
    a, b = servers.a, servers.b
    a.on_engine(lambda: vanish_after_deciding(dtc(a)))
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN DISTRIBUTED TRANSACTION")
        cur.execute("UPDATE acct SET balance = balance - 50 WHERE id = 1")
        cur.execute("EXEC ('UPDATE acct SET balance = balance + 50 WHERE id = 1') AT B")
        cur.execute("COMMIT")
    assert balances(a) == [(1, 50), (2, 200)]  # decided and committed here
    b.wait_for(lambda: under_minus_2(b), "the participant to be left in doubt")
    assert a.on_engine(lambda: [d.pending for d in dtc(a).log.decisions()]) == [["b"]]
    a = servers.restart_a()  # its start re-drives what its decision log has not delivered
    b.wait_for(lambda: not under_minus_2(b), "the restarted coordinator to deliver its commit")
    assert balances(b) == [(1, 150), (2, 200)]
    a.wait_for(lambda: list(dtc(a).log.decisions()) == [], "the decision to be forgotten once delivered")


def test_a_participant_resolved_by_hand_the_other_way_is_a_heuristic_mismatch_on_both_sides(servers: Pair) -> None:
    a, b = servers.a, servers.b
    a.on_engine(lambda: vanish_after_deciding(dtc(a)))  # decided, B not told: the DBA on B decides otherwise
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN DISTRIBUTED TRANSACTION")
        cur.execute("EXEC ('UPDATE acct SET balance = 0 WHERE id = 2') AT B")
        cur.execute("COMMIT")
    b.wait_for(lambda: under_minus_2(b), "the participant to be left in doubt")
    uow = run(b, "SELECT DISTINCT request_owner_guid FROM sys.dm_tran_locks WHERE request_session_id = -2")[0][0]
    run(b, f"KILL '{uow}' WITH ROLLBACK")  # by hand, before the coordinator could deliver its commit
    a.on_engine(lambda: dtc(a).wake())
    a.wait_for(lambda: not any(d.pending for d in dtc(a).log.decisions()), "the re-driver to reach B")
    assert balances(b) == [(1, 100), (2, 200)]  # the DBA's rollback stands
    assert run(a, "SELECT role, decided, other_side FROM sys.dm_tran_heuristic_outcomes") == [
        ("coordinator", "commit", "b")
    ]
    assert run(b, "SELECT role, decided FROM sys.dm_tran_heuristic_outcomes") == [("participant", "abort")]
    assert "Heuristic mismatch" in a.errorlog_text() and "Heuristic mismatch" in b.errorlog_text()


def hold_after_prepare(server: RunningServer, prepared: threading.Event) -> None:
    """B's phase one answers only once the coordinator is gone: it prepares (durable), tells the test, and then
    waits (the coordinator is stopped between the phases with the participant prepared)."""
    env = server.instance.env
    real = env.procedures["sp_prepare_distributed_transaction"]

    def prepare_and_hold(ctx: Any, positional: list[Any], named: dict[str, Any]) -> int:
        status = real(ctx, positional, named)
        prepared.set()
        ctx.task.wait(asyncio.Event().wait(), "OLEDB")  # until the dead coordinator's connection is noticed
        return int(status)

    env.procedures["sp_prepare_distributed_transaction"] = prepare_and_hold


@pytest.mark.slow
@pytest.mark.parametrize("decision, expected", [("COMMIT", 150), ("ROLLBACK", 100)])
def test_a_coordinator_killed_9_after_the_participant_prepared(tmp_path: Path, decision: str, expected: int) -> None:
    """The seed's situation with a real coordinator: `quietus serve` killed with SIGKILL between the phases; the
    participant keeps its part in doubt under session -2, a reader waits, and KILL 'uow' on the participant decides."""
    require_security()
    b = RunningServer(tmp_path / "b")
    try:
        run(b, "CREATE TABLE acct (id INT PRIMARY KEY, balance INT NOT NULL)")
        run(b, "INSERT INTO acct VALUES (1, 100), (2, 200)")
        prepared = threading.Event()
        b.on_engine(lambda: hold_after_prepare(b, prepared))
        with serving(tmp_path / "a", "--sa-password", PASSWORD) as (process, port):
            probe: Any = type("Probe", (), {"port": port})()
            link(probe, b)
            client = pytds_connect(probe, autocommit=True)
            cur = client.cursor()
            cur.execute("BEGIN DISTRIBUTED TRANSACTION")
            cur.execute("EXEC ('UPDATE acct SET balance = balance + 50 WHERE id = 1') AT B")
            failures: list[BaseException] = []

            def commit() -> None:
                try:
                    cur.execute("COMMIT")
                except BaseException as e:
                    failures.append(e)
                    prepared.set()

            committing = threading.Thread(target=commit)
            committing.start()
            assert prepared.wait(WAIT_LIMIT)
            assert not failures, failures
            process.send_signal(signal.SIGKILL)
            process.wait(WAIT_LIMIT)
            committing.join(WAIT_LIMIT)
            client.close()
        b.wait_for(lambda: under_minus_2(b), "the participant's part to pass to session -2")
        assert run(b, "SELECT situation, state FROM sys.dm_tran_units_of_work") == [("in doubt", "prepared")]
        uow = run(b, "SELECT DISTINCT request_owner_guid FROM sys.dm_tran_locks WHERE request_session_id = -2")
        answer: list[Any] = []
        waiter = threading.Thread(target=lambda: answer.extend(run(b, "SELECT balance FROM acct WHERE id = 1")))
        waiter.start()
        b.wait_for(lambda: blocked(b), "the waiter to block behind session -2")
        assert run(b, "SELECT blocking_session_id FROM sys.dm_exec_requests WHERE blocking_session_id <> 0") == [(-2,)]
        run(b, f"KILL '{uow[0][0]}' WITH {decision}")
        waiter.join(WAIT_LIMIT)
        assert answer == [(expected,)]
    finally:
        b.stop()


def test_an_abort_a_prepared_participant_did_not_hear_is_re_driven(pair: tuple[RunningServer, RunningServer]) -> None:
    """B prepares, the coordinator cannot write its decision (its log fails: 9001), and B's connection is gone
    before the ROLLBACK reaches it: the coordinator logs the abort and its re-driver rolls B back (KILL 'uow' WITH
    ROLLBACK)."""
    a, b = pair

    def cut_before_telling(coordinator: Any) -> None:
        real = coordinator.deliver

        def cannot_decide(*_args: Any) -> None:
            from quietus.errors import sql_error

            raise sql_error(9001, "master")

        coordinator.log.record = cannot_decide

        def deliver(ctx: Any, txn: Any, commit: bool) -> None:
            for connection in coordinator.participations[ctx.session.session_id].connections.values():
                connection.abort()
            real(ctx, txn, commit)

        coordinator.deliver = deliver

    a.on_engine(lambda: cut_before_telling(dtc(a)))
    with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN DISTRIBUTED TRANSACTION")
        cur.execute("EXEC ('UPDATE acct SET balance = 0 WHERE id = 1') AT B")
        with pytest.raises(pytds.Error) as failed:
            cur.execute("COMMIT")
        assert failed.value.number == 9001
    assert a.on_engine(lambda: [(d.outcome, d.pending) for d in dtc(a).log.decisions()]) in ([("A", ["b"])], [])
    b.wait_for(lambda: not under_minus_2(b) and not b.instance.env.databases["master"].txns.active, "B rolled back")
    assert balances(b) == [(1, 100), (2, 200)]
    a.wait_for(lambda: list(dtc(a).log.decisions()) == [], "the abort to be forgotten once delivered")


def test_a_coordinator_session_that_disconnects_leaves_both_parts_to_session_minus_2(
    pair: tuple[RunningServer, RunningServer],
) -> None:
    a, b = pair
    conn = pytds_connect(a, autocommit=True)
    cur = conn.cursor()
    cur.execute("BEGIN DISTRIBUTED TRANSACTION")
    cur.execute("UPDATE acct SET balance = 1 WHERE id = 1")
    cur.execute("EXEC ('UPDATE acct SET balance = 1 WHERE id = 1') AT B")
    conn.close()
    for server in (a, b):
        server.wait_for(lambda s=server: under_minus_2(s), "the part to pass to session -2")
        assert run(server, "SELECT situation, state FROM sys.dm_tran_units_of_work") == [("orphaned", "active")]
    uows = {run(server, "SELECT uow FROM sys.dm_tran_units_of_work")[0][0] for server in (a, b)}
    assert len(uows) == 1  # one unit of work on both servers
    (uow,) = uows
    for server in (a, b):
        run(server, f"KILL '{uow}'")  # an orphaned active one: rolled back
        assert balances(server) == [(1, 100), (2, 200)]
