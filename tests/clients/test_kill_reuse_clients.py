"""KILL and a reused session id, sp_kill's @Serial and the First Responder Kit's parameters, over real sockets.

pytds clients are the victims, a pymssql or pytds connection is the DBA; a real server on 127.0.0.1.  A session id
is given to the next connection once its session ended (the lowest free id), so "the same id" is set up by ending
the first holder and connecting again.  Skipped only when a driver is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients.server_harness import RunningServer, running_server
from tests.clients.test_server_clients import pymssql_connect, pytds_connect


@pytest.fixture
def server(tmp_path: Any) -> Iterator[RunningServer]:
    with running_server(tmp_path / "data") as running:
        yield running


def spid(connection: Any) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT @@SPID")
        return int(cur.fetchone()[0])


def gone(server: RunningServer, session_id: int) -> None:
    server.wait_for(lambda: server.instance.registry.get(session_id) is None, f"session {session_id} to end")


def test_kill_n_ends_whoever_holds_n_now_after_the_id_was_reused(server: RunningServer) -> None:
    pytds = pytest.importorskip("pytds")
    with pytds_connect(server, autocommit=True, appname="dba") as dba:
        first = pytds_connect(server, autocommit=True, appname="first")
        victim_id = spid(first)
        with dba.cursor() as cur:
            cur.execute(f"KILL {victim_id}")
        gone(server, victim_id)
        with pytest.raises(pytds.Error):
            first.cursor().execute("SELECT 1")  # ended: its connection was closed
        second = pytds_connect(server, autocommit=True, appname="second")
        assert spid(second) == victim_id  # the id was given to the next connection
        with dba.cursor() as cur:
            cur.execute(f"KILL {victim_id}")  # the same statement from the same DBA ends the new holder
        gone(server, victim_id)
        with pytest.raises(pytds.Error):
            second.cursor().execute("SELECT 1")
        with dba.cursor() as cur:
            cur.execute(
                "SELECT victim_session_id, victim_serial, victim_program_name, outcome FROM sys.dm_exec_kill_history "
                "ORDER BY kill_id"
            )
            (one, two) = cur.fetchall()
        assert (one[0], one[2], one[3]) == (victim_id, "first", "ended")
        assert (two[0], two[2], two[3]) == (victim_id, "second", "ended")
        assert two[1] == one[1] + 1  # a new serial: (id, serial) names each incarnation


def test_sp_kill_with_a_stale_serial_kills_nothing_and_says_why(server: RunningServer) -> None:
    pymssql = pytest.importorskip("pymssql")
    dba = pymssql_connect(server, autocommit=True)
    try:
        look = dba.cursor()
        first = pytds_connect(server, autocommit=True, appname="first")
        victim_id = spid(first)
        look.execute(f"SELECT session_serial FROM sys.dm_exec_sessions WHERE session_id = {victim_id}")
        ((serial,),) = look.fetchall()
        look.execute(f"EXEC sp_kill @SPID = {victim_id}, @Serial = {serial}, @ExecuteKills = 'Y'")
        assert [row[13] for row in look.fetchall() if row[8]] == [victim_id]
        gone(server, victim_id)
        second = pytds_connect(server, autocommit=True, appname="second")
        assert spid(second) == victim_id
        with pytest.raises(pymssql.DatabaseError) as refused:
            look.execute(f"EXEC sp_kill @SPID = {victim_id}, @Serial = {serial}, @ExecuteKills = 'Y'")
        number, text = refused.value.args[0], refused.value.args[1].decode()
        assert number == 50108
        assert f"Session {victim_id} with serial {serial} is not active: session ID {victim_id} now has serial" in text
        assert "Nothing was killed." in text
        with second.cursor() as cur:  # the session now holding the id was not touched
            cur.execute("SELECT 1")
            assert cur.fetchall() == [(1,)]
        second.close()
    finally:
        dba.close()


def test_sp_kill_speaks_the_first_responder_kits_parameters(server: RunningServer) -> None:
    pytest.importorskip("pymssql")
    with pytds_connect(server, autocommit=True) as setup, setup.cursor() as cur:
        cur.execute("CREATE TABLE orders (id INT PRIMARY KEY, qty INT)")
        cur.execute("INSERT INTO orders VALUES (1, 1), (2, 2)")
        cur.execute("CREATE LOGIN app WITH PASSWORD = 'App!12345'")
    holder = pytds_connect(server, user="app", password="App!12345", autocommit=True, appname="OrderService")
    idle = pytds_connect(server, user="app", password="App!12345", autocommit=True, appname="Reports")
    holder_id, idle_id = spid(holder), spid(idle)
    with holder.cursor() as cur:
        cur.execute("BEGIN TRAN; UPDATE orders SET qty = 0 WHERE id = 1")
    dba = pymssql_connect(server, autocommit=True)
    try:
        look = dba.cursor(as_dict=True)
        look.execute("EXEC sp_kill @LoginName = 'app', @HasOpenTran = 'Y', @SPIDState = 'S', @AppName = 'Order%'")
        rows = look.fetchall()
        for column in ("KillRecommended", "KillCommand", "Reason", "ParametersUsed", "session_serial", "OrderByNum"):
            assert column in rows[0]
        chosen = [row for row in rows if row["KillRecommended"]]
        assert [(row["session_id"], row["KillCommand"]) for row in chosen] == [(holder_id, f"KILL {holder_id};")]
        assert chosen[0]["Reason"].startswith("Sleeping session with 1 open transaction(s)")
        assert {row["session_id"] for row in rows} >= {holder_id, idle_id}  # listed; nothing killed: 'N'
        look.execute(
            "EXEC sp_kill @LoginName = 'app', @HasOpenTran = 'Y', @SPIDState = 'S', @AppName = 'Order%', "
            "@ExecuteKills = 'Y'"
        )
        assert [row["session_id"] for row in look.fetchall() if row["KillRecommended"]] == [holder_id]
        gone(server, holder_id)
        look.execute("SELECT qty FROM orders WHERE id = 1")
        assert look.fetchall() == [{"qty": 1}]  # rolled back
        with idle.cursor() as cur:  # not matched, not killed
            cur.execute("SELECT 1")
            assert cur.fetchall() == [(1,)]
    finally:
        dba.close()
        idle.close()
