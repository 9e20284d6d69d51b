"""The seed's distributed-transaction situation over TDS with real clients (pytds), and across a server SIGKILL.

A client begins a distributed transaction, writes, prepares it (``sp_prepare_distributed_transaction``: the
coordinator's phase one) and vanishes.  Session -2 then holds its locks in every view, a waiter is blocked by -2,
and a DBA finds the UOW in sys.dm_tran_locks and resolves it with ``KILL 'uow' WITH COMMIT | ROLLBACK``.
"""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.engine.scheduler import EngineThread
from quietus.protocol.tds import TmRequestType, TransactionManagerRequest
from quietus.protocol.tds.responses import Done
from quietus.protocol.tds.tokens import DoneStatus, EnvChangeType
from quietus.server.app import Server
from quietus.server.config import ServerConfig
from tests.clients.server_harness import PASSWORD, WAIT_LIMIT, RawClient, RunningServer, running_server
from tests.clients.test_kill_clients import query, running, spid
from tests.clients.test_server_cli import serving
from tests.clients.test_server_clients import pymssql_connect, pytds_connect

SETUP = ("CREATE TABLE acct (id INT PRIMARY KEY, balance INT NOT NULL)", "INSERT INTO acct VALUES (1, 100), (2, 200)")
LOCKS_OF = "SELECT DISTINCT request_session_id FROM sys.dm_tran_locks WHERE request_owner_guid = '{uow}'"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path / "data") as running_:
        with pytds_connect(running_, autocommit=True) as dba:
            for statement in SETUP:
                dba.cursor().execute(statement)
        yield running_


def begin_and_write(server: RunningServer, connect: Callable[..., Any] = pytds_connect) -> Any:
    client = connect(server, autocommit=True)
    cursor = client.cursor()
    cursor.execute("BEGIN DISTRIBUTED TRANSACTION")
    cursor.execute("UPDATE acct SET balance = balance - 50 WHERE id = 1")
    cursor.execute("UPDATE acct SET balance = balance + 50 WHERE id = 2")
    return client


def prepare(client: Any) -> uuid.UUID:
    rows = query(client, "EXEC sp_prepare_distributed_transaction")
    value = rows[0][0]
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class Waiter:
    """A pytds session running one statement on a thread of its own (it blocks behind session -2)."""

    def __init__(self, server: RunningServer, sql: str) -> None:
        self.connection = pytds_connect(server, autocommit=True)
        self.session_id = spid(self.connection)
        self.rows: list[tuple[Any, ...]] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(sql,), daemon=True)
        self.thread.start()

    def _run(self, sql: str) -> None:
        try:
            self.rows = query(self.connection, sql)
        except BaseException as exc:  # reported by result()
            self.error = exc

    def result(self) -> list[tuple[Any, ...]]:
        self.thread.join(WAIT_LIMIT)
        assert not self.thread.is_alive(), "the waiter is still blocked"
        self.connection.close()
        if self.error is not None:
            raise self.error
        return self.rows


def test_a_vanished_coordinator_leaves_session_minus_2_holding_locks_until_kill_uow_with_rollback(
    server: RunningServer,
) -> None:
    client = begin_and_write(server)
    client_id = spid(client)
    uow = prepare(client)
    with pytds_connect(server, autocommit=True) as dba:
        assert query(dba, LOCKS_OF.format(uow=uow)) == [(client_id,)]  # shown under its session while it owns it
        client.close()  # the coordinator vanishes between the phases
        server.wait_for(lambda: server.instance.registry.get(client_id) is None, "the client's session to end")
        assert query(dba, LOCKS_OF.format(uow=uow)) == [(-2,)]
        assert query(dba, "SELECT transaction_type, dtc_state FROM sys.dm_tran_active_transactions "
                          f"WHERE transaction_uow = '{uow}'") == [(4, 2)]  # fmt: skip
        waiter = Waiter(server, "SELECT balance FROM acct WHERE id = 1")
        server.wait_for(running(server, waiter.session_id, "LCK_M_"), "the waiter to block")
        assert query(dba, f"SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = "
                          f"{waiter.session_id}") == [(-2,)]  # fmt: skip
        who = {int(row[0]): row[5].strip() for row in query(dba, "EXEC sp_who")}
        assert who[waiter.session_id] == "-2"
        assert (-2, -2, 1) in query(dba, "SELECT session_id, head_session_id, is_head FROM "
                                         "sys.dm_exec_blocking_chains")  # fmt: skip
        assert -2 in {int(row[0]) for row in query(dba, "EXEC sp_lock")}
        with pytest.raises(Exception, match=r"6113|PREPARE state"):
            query(dba, f"KILL '{uow}'")
        query(dba, f"KILL '{uow}' WITH ROLLBACK")
        assert waiter.result() == [(100,)]
        assert query(dba, LOCKS_OF.format(uow=uow)) == []
        assert query(dba, "SELECT victim_session_id, outcome FROM sys.dm_exec_kill_history "
                          "WHERE victim_session_id = -2") == [(-2, "rolled back")]  # fmt: skip
    assert "Process ID -2 was killed by hostname" in server.errorlog_text()


def test_an_orphaned_active_transaction_waits_for_kill_uow(server: RunningServer) -> None:
    client = begin_and_write(server)
    client_id = spid(client)
    with pytds_connect(server, autocommit=True) as dba:
        uow = query(dba, "SELECT transaction_uow FROM sys.dm_tran_active_transactions WHERE transaction_type = 4")[0][0]
        client.close()  # not prepared: SQL Server may not decide it just because the connection closed
        server.wait_for(lambda: server.instance.registry.get(client_id) is None, "the client's session to end")
        assert query(dba, LOCKS_OF.format(uow=uow)) == [(-2,)]
        with pytest.raises(Exception, match=r"6118|not in PREPARED state"):
            query(dba, f"KILL '{uow}' WITH COMMIT")
        waiter = Waiter(server, "SELECT SUM(balance) FROM acct")
        server.wait_for(running(server, waiter.session_id, "LCK_M_"), "the waiter to block")
        query(dba, f"KILL '{uow}'")
        assert waiter.result() == [(300,)]


def prepared_then_sigkill(data_dir: Path) -> uuid.UUID:
    """A `quietus serve` process in which a client prepares a distributed transaction; the server is killed with
    SIGKILL between the phases (the coordinator never sends its decision)."""
    with serving(data_dir, "--sa-password", PASSWORD) as (process, port):
        probe: Any = type("Probe", (), {"port": port})()
        with pytds_connect(probe, autocommit=True) as dba:
            for statement in SETUP:
                dba.cursor().execute(statement)
        client = begin_and_write(probe)
        uow = prepare(client)
        process.send_signal(signal.SIGKILL)
        process.wait(WAIT_LIMIT)
        client.close()
        return uow


@pytest.mark.slow
def test_in_doubt_after_a_server_sigkill_then_kill_uow_with_commit(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    uow = prepared_then_sigkill(data_dir)
    with running_server(data_dir) as restarted, pytds_connect(restarted, autocommit=True) as dba:
        text = "{" + str(uow).upper() + "}"
        assert f"SQL Server detected a DTC/KTM in-doubt transaction with UOW {text}." in restarted.errorlog_text()
        assert query(dba, LOCKS_OF.format(uow=uow)) == [(-2,)]  # the locks were re-acquired at recovery
        assert query(dba, "SELECT dtc_state FROM sys.dm_tran_active_transactions WHERE transaction_type = 4") == [
            (5,)
        ]  # RECOVERED
        assert query(dba, "SELECT id, balance FROM acct WITH (NOLOCK) ORDER BY id") == [(1, 50), (2, 250)]
        waiter = Waiter(restarted, "SELECT id, balance FROM acct ORDER BY id")
        restarted.wait_for(running(restarted, waiter.session_id, "LCK_M_"), "the waiter to block")
        query(dba, f"KILL '{uow}' WITH COMMIT")
        assert waiter.result() == [(1, 50), (2, 250)]
        with pytest.raises(Exception, match=r"6111|different outcome"):
            query(dba, f"KILL '{uow}' WITH ROLLBACK")


@pytest.mark.slow
def test_in_doubt_xact_resolution_2_presumes_abort_after_a_server_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    uow = prepared_then_sigkill(data_dir)
    with running_server(data_dir) as restarted, pytds_connect(restarted, autocommit=True) as dba:
        assert query(dba, LOCKS_OF.format(uow=uow)) == [(-2,)]  # 0 (the default): it stays in doubt
    thread = EngineThread("presume-abort")
    server = Server(ServerConfig(host="127.0.0.1", port=0, data_dir=data_dir, in_doubt_xact_resolution=2))
    try:
        thread.call(server.start())
        probe: Any = type("Probe", (), {"port": server.address[1]})()
        with pytds_connect(probe, autocommit=True) as dba:
            assert query(dba, LOCKS_OF.format(uow=uow)) == []
            assert query(dba, "SELECT id, balance FROM acct ORDER BY id") == [(1, 100), (2, 200)]
            rows = query(dba, "EXEC sp_configure 'in-doubt xact resolution'")
            assert rows == [("in-doubt xact resolution", 0, 2, 2, 2)]
            with pytest.raises(Exception, match=r"6111|different outcome"):
                query(dba, f"KILL '{uow}' WITH COMMIT")
    finally:
        thread.call(server.stop())
        thread.stop()
    log = (data_dir / "log" / "ERRORLOG").read_text(encoding="utf-8")
    assert "presumed aborted" in log


def test_tm_propagate_xact_with_a_quietus_cookie_enlists_the_session_in_that_uow(server: RunningServer) -> None:
    uow = uuid.uuid4()
    client = RawClient(server.port)
    try:
        client.login()
        client.send(client.tds.transaction(TransactionManagerRequest(TmRequestType.PROPAGATE_XACT,
                                                                     payload=b"QUOW" + uow.bytes)))  # fmt: skip
        enlisted = client.reply()
        assert not enlisted.errors
        assert [c.type for c in enlisted.env_changes] == [EnvChangeType.BEGIN_TRANSACTION]
        client.batch("UPDATE acct SET balance = 0 WHERE id = 2")
        assert client.batch("EXEC sp_prepare_distributed_transaction").rows == [(uow,)]
        refused = client.batch("SELECT @@SPID")
        assert [e.number for e in refused.errors] == [8525]  # after the prepare only the decision may follow
    finally:
        client.close()
    with pytds_connect(server, autocommit=True) as dba:
        server.wait_for(lambda: sum(s.is_user_process for s in server.instance.registry) == 1, "the client to go")
        assert query(dba, LOCKS_OF.format(uow=uow)) == [(-2,)]
        query(dba, f"KILL '{uow}' WITH COMMIT")
        assert query(dba, "SELECT balance FROM acct WHERE id = 2") == [(0,)]


def test_pymssql_prepares_and_vanishes_and_a_dba_commits_it(server: RunningServer) -> None:
    client = begin_and_write(server, pymssql_connect)
    uow = prepare(client)
    client.close()
    with pymssql_connect(server, autocommit=True) as dba:
        server.wait_for(lambda: sum(s.is_user_process for s in server.instance.registry) == 1, "the client to go")
        guids = query(dba, "SELECT DISTINCT request_owner_guid FROM sys.dm_tran_locks WHERE request_session_id = -2")
        assert [uuid.UUID(str(row[0])) for row in guids] == [uow]
        query(dba, f"KILL '{uow}' WITH COMMIT")
        assert query(dba, "SELECT id, balance FROM acct ORDER BY id") == [(1, 50), (2, 250)]


MS_DTC_COOKIE = bytes(range(7, 7 + 80))  # an opaque ITransactionExport cookie: not b"QUOW" + 16 bytes
SHORT_COOKIE = b"QUOW" + bytes(3)
DISTRIBUTED_COUNT = "SELECT COUNT(*) FROM sys.dm_tran_active_transactions WHERE transaction_type = 4"
NO_DTC_REQUESTS = [
    pytest.param(TransactionManagerRequest(TmRequestType.GET_DTC_ADDRESS), id="TM_GET_DTC_ADDRESS"),
    pytest.param(TransactionManagerRequest(TmRequestType.PROPAGATE_XACT, payload=MS_DTC_COOKIE), id="ms-dtc-cookie"),
    pytest.param(TransactionManagerRequest(TmRequestType.PROPAGATE_XACT, payload=SHORT_COOKIE), id="short-cookie"),
    pytest.param(TransactionManagerRequest(TmRequestType.PROPAGATE_XACT), id="empty-cookie"),
    pytest.param(TransactionManagerRequest(TmRequestType.PROMOTE_XACT), id="TM_PROMOTE_XACT"),
]


@pytest.mark.parametrize("request_", NO_DTC_REQUESTS)
def test_ms_dtc_requests_answer_8501_and_leave_the_session_and_its_transaction_as_they_were(
    server: RunningServer, request_: TransactionManagerRequest
) -> None:
    """Quietus has no MS DTC: every request that needs one gets SQL Server's 'MSDTC unavailable' error and a DONE
    with the error bit, on a connection that stays open and in a transaction that is untouched."""
    client = RawClient(server.port)
    try:
        client.login()
        client.batch("BEGIN TRANSACTION; UPDATE acct SET balance = 1 WHERE id = 1")
        client.send(client.tds.transaction(request_))
        refused = client.reply()
        assert [(e.number, e.severity) for e in refused.errors] == [(8501, 16)]
        assert refused.errors[0].text == f"MSDTC on server '{server.instance.server_name}' is unavailable."
        assert any(isinstance(t, Done) and t.status & DoneStatus.ERROR for t in refused.tokens)
        assert not refused.env_changes  # no transaction begun, none ended
        assert client.batch("SELECT @@TRANCOUNT, balance FROM acct WHERE id = 1").rows == [(1, 1)]
        assert client.batch(DISTRIBUTED_COUNT).rows == [(0,)]
        client.batch("ROLLBACK")
    finally:
        client.close()
    with pytds_connect(server, autocommit=True) as dba:
        assert query(dba, "SELECT balance FROM acct WHERE id = 1") == [(100,)]
