"""KILL over TDS with real clients (pytds, pymssql, and the raw codec client for exact bytes) against a real server.

What each victim's client sees, that the sessions it blocked proceed, that the views tell the truth before, during
and after, and that a killed transaction's changes never survive — also across a crash in the middle of its
rollback (a server process killed with SIGKILL while the rollback is held by a gate, then restarted).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.admin.sp_configure import configuration
from quietus.server import connection as server_connection
from tests.clients.server_harness import PASSWORD, WAIT_LIMIT, RawClient, RunningServer, running_server
from tests.clients.test_server_clients import pymssql_connect, pytds_connect
from tests.isolation.test_kill_statement import PROGRESS, RollbackGate, fill_big

KILL_STATE = "Cannot continue the execution because the session is in the kill state."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("kill") / "data") as running:
        yield running


def spid(conn: Any) -> int:
    cur = conn.cursor()
    cur.execute("SELECT @@SPID")
    value: int = cur.fetchone()[0]
    return value


def query(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.execute(sql)
    return [tuple(row) for row in cur.fetchall()] if cur.description else []


def wait_until(server: RunningServer, condition: Callable[[], bool], what: str) -> None:
    server.wait_for(condition, what)


def session_gone(server: RunningServer, session_id: int) -> Callable[[], bool]:
    return lambda: server.instance.registry.get(session_id) is None


def running(server: RunningServer, session_id: int, wait_prefix: str | None) -> Callable[[], bool]:
    """The session runs a request (waiting with ``wait_prefix``, if given)."""

    def check() -> bool:
        session = server.instance.registry.get(session_id)
        task = session.task if session is not None else None
        if task is None:
            return False
        return wait_prefix is None or (task.wait_type or "").startswith(wait_prefix)

    return check


def background(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``fn`` in a thread; the list gets its result or the exception it raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(fn())
        except Exception as exc:  # the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def finished(thread: threading.Thread, outcome: list[Any]) -> Any:
    thread.join(WAIT_LIMIT)
    assert not thread.is_alive(), "the client never returned"
    return outcome[0]


def make_table(conn: Any, name: str) -> None:
    cur = conn.cursor()
    cur.execute(f"CREATE TABLE {name} (id INT PRIMARY KEY, v INT NOT NULL)")
    cur.execute(f"INSERT INTO {name} VALUES (1, 10), (2, 20), (3, 30)")


# -- idle victims ----------------------------------------------------------------------------------------------


def test_an_idle_holder_is_cut_off_silently_and_the_client_it_blocked_proceeds(server: RunningServer) -> None:
    with (
        pytds_connect(server, autocommit=True) as victim,
        pymssql_connect(server, autocommit=True) as waiter,
        pytds_connect(server, autocommit=True) as dba,
    ):
        make_table(dba, "idle_holder")
        victim_id, waiter_id = spid(victim), spid(waiter)
        victim.cursor().execute("BEGIN TRAN; UPDATE idle_holder SET v = 99 WHERE id = 1")
        thread, outcome = background(lambda: query(waiter, "SELECT v FROM idle_holder WHERE id = 1"))
        wait_until(server, running(server, waiter_id, "LCK_M_"), "the waiter to block")
        blocker = f"SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = {waiter_id}"
        assert query(dba, blocker) == [(victim_id,)]
        who = {row[0]: row for row in query(dba, "EXEC sp_who")}
        assert who[waiter_id][5].strip() == str(victim_id)
        query_kill = dba.cursor()
        query_kill.execute(f"KILL {victim_id}")
        assert finished(thread, outcome) == [(10,)]  # proceeds, and never saw the killed change
        assert query(dba, "SELECT COUNT(*) FROM sys.dm_exec_requests WHERE blocking_session_id <> 0") == [(0,)]
        assert all(row[5].strip() == "0" for row in query(dba, "EXEC sp_who"))
        wait_until(server, session_gone(server, victim_id), "the victim to end")
        with pytest.raises(Exception) as failure:  # pytds: the connection is gone
            victim.cursor().execute("SELECT 1")
        assert not isinstance(failure.value, AssertionError)
        assert query(dba, "SELECT v FROM idle_holder WHERE id = 1") == [(10,)]


def test_an_idle_raw_client_receives_no_bytes_at_all(server: RunningServer) -> None:
    victim = RawClient(server.port)
    try:
        victim.login()
        victim_id = victim.batch("SELECT @@SPID").rows[0][0]
        assert isinstance(victim_id, int)
        victim.batch("CREATE TABLE raw_idle (id INT PRIMARY KEY); BEGIN TRAN; INSERT INTO raw_idle VALUES (1)")
        with pytds_connect(server, autocommit=True) as dba:
            dba.cursor().execute(f"KILL {victim_id}")
            assert victim.sock.recv(65536) == b""  # closed without any message (MS-TDS §3.3.4)
            wait_until(server, session_gone(server, victim_id), "the victim to end")
            assert query(dba, "SELECT COUNT(*) FROM raw_idle") == [(0,)]
    finally:
        victim.close()


# -- running victims -------------------------------------------------------------------------------------------

RUNNING = {
    "waitfor": ("WAITFOR DELAY '01:00:00'", "WAITFOR"),
    "lock wait": ("UPDATE busy_rows SET v = 0 WHERE id = 2", "LCK_M_"),
    "scan": ("SELECT COUNT(*) FROM busy_d a CROSS JOIN busy_d b CROSS JOIN busy_d c CROSS JOIN busy_d e "
             "CROSS JOIN busy_d f CROSS JOIN busy_d g CROSS JOIN busy_d h", None),
}  # fmt: skip


@pytest.fixture(scope="module")
def busy_tables(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as setup:
        make_table(setup, "busy_rows")
        setup.cursor().execute("CREATE TABLE busy_d (n INT PRIMARY KEY)")
        setup.cursor().execute("INSERT INTO busy_d VALUES " + ", ".join(f"({n})" for n in range(10)))


@pytest.mark.parametrize("client", ["pytds", "pymssql"])
@pytest.mark.parametrize("doing", list(RUNNING))
def test_a_running_victim_gets_596_and_its_connection_closes(
    server: RunningServer, busy_tables: None, client: str, doing: str
) -> None:
    sql, wait = RUNNING[doing]
    connect = pytds_connect if client == "pytds" else pymssql_connect
    with (
        pytds_connect(server, autocommit=True) as holder,
        connect(server, autocommit=True) as victim,
        pytds_connect(server, autocommit=True) as dba,
    ):
        holder.cursor().execute("BEGIN TRAN; UPDATE busy_rows SET v = 5 WHERE id = 2")
        victim_id = spid(victim)
        victim.cursor().execute("BEGIN TRAN; UPDATE busy_rows SET v = 7 WHERE id = 3")
        thread, outcome = background(lambda: query(victim, sql))
        wait_until(server, running(server, victim_id, wait), f"the victim to be in {doing}")
        dba.cursor().execute(f"KILL {victim_id}")
        error = finished(thread, outcome)
        assert isinstance(error, Exception)
        assert "596" in repr(error.args) or KILL_STATE in str(error)
        wait_until(server, session_gone(server, victim_id), "the victim to end")
        with pytest.raises(Exception) as later:
            victim.cursor().execute("SELECT 1")
        assert not isinstance(later.value, AssertionError)
        holder.cursor().execute("ROLLBACK")
        assert query(dba, "SELECT v FROM busy_rows WHERE id = 3") == [(30,)]  # the victim's update is undone


def test_the_raw_client_sees_msg_596_severity_21_then_the_close(server: RunningServer) -> None:
    victim = RawClient(server.port)
    try:
        victim.login()
        victim_id = victim.batch("SELECT @@SPID").rows[0][0]
        assert isinstance(victim_id, int)
        victim.send(victim.tds.sql_batch("WAITFOR DELAY '01:00:00'"))
        wait_until(server, running(server, victim_id, "WAITFOR"), "the WAITFOR")
        with pytds_connect(server, autocommit=True) as dba:
            dba.cursor().execute(f"KILL {victim_id}")
        reply = victim.reply()
        assert [(m.number, m.severity, m.state, m.text) for m in reply.errors] == [(596, 21, 1, KILL_STATE)]
        assert victim.closed_by_server()
    finally:
        victim.close()


def test_a_victim_stuck_in_async_network_io_is_cut_off_within_kill_network_timeout(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The generic close grace is made enormous: only kill_network_timeout can end this connection in time.
    monkeypatch.setattr(server_connection, "CLOSE_GRACE_SECONDS", 10_000.0)
    server.on_engine(lambda: configuration(server.instance.env.services).set("kill_network_timeout", 1))
    with pytds_connect(server, autocommit=True) as setup:
        make_table(setup, "net_rows")
        setup.cursor().execute("CREATE TABLE net_d (n INT PRIMARY KEY)")
        setup.cursor().execute("INSERT INTO net_d VALUES " + ", ".join(f"({n})" for n in range(100)))
    victim = RawClient(server.port)
    try:
        victim.login()
        victim_id = victim.batch("SELECT @@SPID").rows[0][0]
        assert isinstance(victim_id, int)
        # a big result the client never reads, inside a transaction holding a row lock
        victim.send(victim.tds.sql_batch(
            "BEGIN TRAN; UPDATE net_rows SET v = 1 WHERE id = 1; "
            "SELECT a.n, b.n, c.n, REPLICATE('x', 400) FROM net_d a CROSS JOIN net_d b CROSS JOIN net_d c"
        ))  # fmt: skip
        wait_until(server, running(server, victim_id, "ASYNC_NETWORK_IO"), "the victim to wait on the network")
        with pytds_connect(server, autocommit=True) as waiter, pytds_connect(server, autocommit=True) as dba:
            waiter_id = spid(waiter)
            thread, outcome = background(lambda: query(waiter, "SELECT v FROM net_rows WHERE id = 1"))
            wait_until(server, running(server, waiter_id, "LCK_M_"), "the waiter to block")
            dba.cursor().execute(f"KILL {victim_id}")
            assert finished(thread, outcome) == [(10,)]
            wait_until(server, session_gone(server, victim_id), "the victim to end")

            def connection_gone() -> bool:
                return not any(c.session is not None and c.session.session_id == victim_id and not c.closed
                               for c in server.server.listener.connections)  # fmt: skip

            wait_until(server, connection_gone, "the connection to be cut")
            history = query(dba, f"SELECT victim_state, outcome FROM sys.dm_exec_kill_history "
                                 f"WHERE victim_session_id = {victim_id}")  # fmt: skip
            assert history[-1] == ("waiting ASYNC_NETWORK_IO", "rolled back")
        assert victim.closed_by_server()
    finally:
        victim.close()
        server.on_engine(lambda: configuration(server.instance.env.services).set("kill_network_timeout", 5))


# -- classic and accelerated rollback --------------------------------------------------------------------------


def test_classic_rollback_is_visible_holds_its_locks_and_leaves_nothing(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = RollbackGate(monkeypatch, after=1000)
    with (
        pytds_connect(server, autocommit=True) as dba,
        pymssql_connect(server, autocommit=True) as victim,
        pymssql_connect(server, autocommit=True) as waiter,
    ):
        dba.cursor().execute("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
        fill_big(dba.cursor())
        victim_id, waiter_id = spid(victim), spid(waiter)
        gate.session_id = victim_id
        victim.cursor().execute("BEGIN TRAN; UPDATE big SET v = 1; DELETE FROM big WHERE id < 100")
        dba.cursor().execute(f"KILL {victim_id}")
        wait_until(server, lambda: gate.holding, "the rollback to reach the gate")
        who = {row[0]: row for row in query(dba, "EXEC sp_who")}
        assert (who[victim_id][2].strip(), who[victim_id][7].strip()) == ("rollback", "KILLED/ROLLBACK")
        status, command, percent, remaining = query(
            dba,
            "SELECT status, command, percent_complete, estimated_completion_time FROM sys.dm_exec_requests "
            f"WHERE session_id = {victim_id}",
        )[0]
        assert (status, command) == ("rollback", "KILLED/ROLLBACK")
        assert 0 < percent < 100 and remaining > 0
        thread, outcome = background(lambda: query(waiter, "SELECT COUNT(*), SUM(v) FROM big"))
        wait_until(server, running(server, waiter_id, "LCK_M_"), "the waiter to block on the held locks")
        raw = RawClient(server.port)
        try:
            raw.login()
            (report,) = raw.batch(f"KILL {victim_id} WITH STATUSONLY").messages
        finally:
            raw.close()
        assert (report.number, report.severity, report.is_error) == (6109, 10, False)
        found = PROGRESS.fullmatch(report.text)
        assert found is not None and 0 < int(found[2]) < 100
        server.on_engine(gate.open)
        assert finished(thread, outcome) == [(2500, 0)]
        wait_until(server, session_gone(server, victim_id), "the victim to end")
        assert query(dba, f"SELECT rows_to_undo, rows_undone, outcome FROM sys.dm_exec_kill_history "
                          f"WHERE victim_session_id = {victim_id}")[-1] == (2600, 2600, "rolled back")  # fmt: skip
        dba.cursor().execute("DROP TABLE big; DROP TABLE d")


def test_accelerated_kill_frees_the_locks_and_the_cleanup_shows_in_a_view(server: RunningServer) -> None:
    with (
        pytds_connect(server, autocommit=True) as dba,
        pytds_connect(server, autocommit=True) as victim,
        pymssql_connect(server, autocommit=True) as waiter,
    ):
        dba.cursor().execute("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = ON")
        fill_big(dba.cursor())
        removed = "SELECT aborted_versions_removed FROM sys.dm_tran_version_cleanup WHERE database_name = 'master'"
        before = query(dba, removed)[0][0]
        victim_id, waiter_id = spid(victim), spid(waiter)
        victim.cursor().execute("BEGIN TRAN; UPDATE big SET v = 1")
        thread, outcome = background(lambda: query(waiter, "SELECT COUNT(*), SUM(v) FROM big"))
        wait_until(server, running(server, waiter_id, "LCK_M_"), "the waiter to block")
        dba.cursor().execute(f"KILL {victim_id}")
        assert finished(thread, outcome) == [(2500, 0)]
        deadline = time.monotonic() + WAIT_LIMIT
        while query(dba, removed)[0][0] < before + 2500:
            assert time.monotonic() < deadline, "the cleaner never removed the aborted versions"
            time.sleep(0.01)
        dba.cursor().execute("DROP TABLE big; DROP TABLE d")


# -- a crash in the middle of a classic rollback ---------------------------------------------------------------

CHILD = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from quietus.engine.database import Database
    from quietus.engine.scheduler import current_task
    from quietus.server.app import Server
    from quietus.server.config import ServerConfig

    original = Database._undo_one
    undone = 0

    def held_undo_one(database, txn, record):
        global undone
        undone += 1
        if undone == 1000:  # the rollback stops here for ever: the process will be killed
            current_task().wait(database.loop.create_future())
        original(database, txn, record)

    Database._undo_one = held_undo_one

    async def main():
        config = ServerConfig(
            host="127.0.0.1", port=0, oracle_port=0, monitor_port=0, data_dir=Path(sys.argv[1]), sa_password=sys.argv[2]
        )
        server = Server(config)
        await server.start()
        print(server.address[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
""")


def test_a_crash_in_the_middle_of_a_rollback_leaves_none_of_the_killed_changes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), PASSWORD],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        probe = type("Probe", (), {"port": port})()
        with pytds_connect(probe, autocommit=True) as dba, pytds_connect(probe, autocommit=True) as victim:
            dba.cursor().execute("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
            fill_big(dba.cursor())
            victim_id = spid(victim)
            victim.cursor().execute("BEGIN TRAN; UPDATE big SET v = 1; INSERT INTO big VALUES (9000, 9)")
            dba.cursor().execute(f"KILL {victim_id}")
            deadline = time.monotonic() + WAIT_LIMIT
            while query(dba, f"SELECT status FROM sys.dm_exec_requests WHERE session_id = {victim_id}") != [
                ("rollback",)
            ]:
                assert time.monotonic() < deadline, "the rollback never started"
                time.sleep(0.01)
            child.send_signal(signal.SIGKILL)
            child.wait(WAIT_LIMIT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with running_server(data_dir) as restarted, pytds_connect(restarted, autocommit=True) as check:
        assert query(check, "SELECT COUNT(*), SUM(v), MAX(id) FROM big") == [(2500, 0, 2499)]
