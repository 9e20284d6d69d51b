"""sp_kill and the chains view over TDS: pymssql kills, pytds clients are the victims, a real server on 127.0.0.1.

A sleeping head (pytds, idle in a transaction) blocks a pytds waiter; a pymssql DBA sees the chain, previews and
kills the head with ``@blocking = 1``: the head's next call fails, the waiter proceeds, the head's change is gone.
A running victim (WAITFOR) killed by login gets Msg 596, as from KILL.  Skipped only when a driver is missing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients.server_harness import WAIT_LIMIT, RunningServer, running_server
from tests.clients.test_server_clients import pymssql_connect, pytds_connect
from tests.clients.test_views_clients import wait_until_lock_wait


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sp_kill") / "data") as running:
        with pytds_connect(running, autocommit=True) as setup, setup.cursor() as cur:
            cur.execute("CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL)")
            cur.execute("INSERT INTO accounts VALUES (1, 100), (2, 200)")
            cur.execute("CREATE LOGIN batch WITH PASSWORD = 'Batch!1234'")
        yield running


def spid(cursor: Any) -> int:
    cursor.execute("SELECT @@SPID")
    return int(cursor.fetchone()[0])


def in_thread(cursor: Any, sql: str) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def run() -> None:
        try:
            cursor.execute(sql)
        except BaseException as exc:  # the caller asserts on it
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_pymssql_kills_a_sleeping_head_and_the_pytds_waiter_proceeds(server: RunningServer) -> None:
    with (
        pytds_connect(server, autocommit=True, appname="head") as head,
        pytds_connect(server, autocommit=True, appname="waiter") as waiter,
    ):
        hold, wait = head.cursor(), waiter.cursor()
        head_id, waiter_id = spid(hold), spid(wait)
        hold.execute("BEGIN TRAN; UPDATE accounts SET balance = 0 WHERE id = 1")
        blocked, failures = in_thread(wait, "UPDATE accounts SET balance = balance + 1 WHERE id = 1")
        wait_until_lock_wait(server, waiter_id)
        dba = pymssql_connect(server, autocommit=True)
        try:
            look = dba.cursor()
            look.execute(
                "SELECT session_id, head_session_id, depth, is_head, waiting_count, status "
                "FROM sys.dm_exec_blocking_chains ORDER BY depth"
            )
            assert look.fetchall() == [
                (head_id, head_id, 0, True, 1, "sleeping"),
                (waiter_id, head_id, 1, False, 0, "suspended"),
            ]
            named = dba.cursor(as_dict=True)
            named.execute("EXEC sp_kill @LeadBlockers = 'Y'")
            assert [
                (row["session_id"], row["status"], row["waiting_count"])
                for row in named.fetchall()
                if row["KillRecommended"]
            ] == [(head_id, "sleeping", 1)]
            look.execute(
                "DECLARE @n INT; EXEC @n = sp_kill @LeadBlockers = 'Y', @ExecuteKills = 'Y'; SELECT @n AS ended"
            )
            assert head_id in [row[13] for row in look.fetchall() if row[8]]
            assert look.nextset()
            assert look.fetchall() == [(1,)]
            blocked.join(timeout=WAIT_LIMIT)
            assert not blocked.is_alive() and failures == []
            look.execute("SELECT balance FROM accounts WHERE id = 1")
            assert look.fetchall() == [(101,)]  # the head's update was rolled back, the waiter's applied
            look.execute("SELECT COUNT(*) FROM sys.dm_exec_blocking_chains")
            assert look.fetchall() == [(0,)]
        finally:
            dba.close()
        with pytest.raises(Exception):  # noqa: B017 - pytds' own error for a connection the server closed
            hold.execute("SELECT 1")


def test_a_running_victim_chosen_by_login_gets_596(server: RunningServer) -> None:
    pytds = pytest.importorskip("pytds")
    with pytds_connect(server, user="batch", password="Batch!1234", autocommit=True) as victim:
        cur = victim.cursor()
        victim_id = spid(cur)
        running, failures = in_thread(cur, "WAITFOR DELAY '01:00:00'")
        deadline = time.monotonic() + WAIT_LIMIT
        while server.wait_type(victim_id) != "WAITFOR":
            assert time.monotonic() < deadline, "the victim never reached its WAITFOR"
            time.sleep(0.005)
        dba = pymssql_connect(server, autocommit=True)
        try:
            look = dba.cursor()
            look = dba.cursor(as_dict=True)
            look.execute("EXEC sp_kill @LoginName = 'batch', @ExecuteKills = 'Y'")
            assert [
                (row["session_id"], row["login_name"], row["command"])
                for row in look.fetchall()
                if row["KillRecommended"]
            ] == [(victim_id, "batch", "WAITFOR")]
        finally:
            dba.close()
        running.join(timeout=WAIT_LIMIT)
        assert not running.is_alive()
        (error,) = failures
        assert isinstance(error, pytds.OperationalError) and error.msg_no == 596
        assert "Cannot continue the execution because the session is in the kill state." in str(error)
