"""ALTER SYSTEM KILL SESSION / CANCEL SQL and v$session over TDS, with pytds on both sides.

A TDS victim sees what a SQL Server client sees whoever killed it: an idle one a closed connection, a running one
Msg 596 then the close; CANCEL SQL ends its batch with Msg 3980 and the session lives on.  The issuer's refusals
arrive as errors numbered as Oracle numbers them (ORA-00030 is Msg 30 with the ORA text).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients.server_harness import RunningServer, running_server
from tests.clients.test_kill_clients import background, finished, make_table, query, running, session_gone, spid
from tests.clients.test_server_clients import pytds_connect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("oracle-kill") / "data") as running_one:
        yield running_one


def serial(server: RunningServer, session_id: int) -> int:
    found: int = server.on_engine(lambda: server.instance.registry.get(session_id).serial)
    return found


def error_number(error: BaseException) -> int:
    number: int = getattr(error, "msg_no", 0) or getattr(error, "number", 0)
    return number


def test_an_idle_tds_victim_is_cut_off_and_the_row_goes_from_v_session(server: RunningServer) -> None:
    with (
        pytds_connect(server, autocommit=True) as victim,
        pytds_connect(server, autocommit=True) as waiter,
        pytds_connect(server, autocommit=True) as dba,
    ):
        make_table(dba, "ora_idle")
        victim_id, waiter_id = spid(victim), spid(waiter)
        victim_serial = serial(server, victim_id)
        seen = query(dba, f"SELECT sid, serial#, status, server FROM v$session WHERE sid = {victim_id}")
        assert seen == [(victim_id, victim_serial, "INACTIVE", "DEDICATED")]
        victim.cursor().execute("BEGIN TRAN; UPDATE ora_idle SET v = 99 WHERE id = 1")
        thread, outcome = background(lambda: query(waiter, "SELECT v FROM ora_idle WHERE id = 1"))
        server.wait_for(running(server, waiter_id, "LCK_M_"), "the waiter to block")
        assert query(dba, f"SELECT BLOCKING_SESSION FROM v$session WHERE SID = {waiter_id}") == [(victim_id,)]
        dba.cursor().execute(f"ALTER SYSTEM KILL SESSION '{victim_id},{victim_serial}'")
        assert finished(thread, outcome) == [(10,)]
        assert query(dba, f"SELECT COUNT(*) FROM v$session WHERE SID = {victim_id}") == [(0,)]  # it waited for it
        with pytest.raises(Exception) as failure:  # pytds: the connection is gone
            victim.cursor().execute("SELECT 1")
        assert not isinstance(failure.value, AssertionError)


def test_a_running_tds_victim_gets_596_and_the_issuer_returns_once_it_ended(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as victim, pytds_connect(server, autocommit=True) as dba:
        victim_id = spid(victim)
        thread, outcome = background(lambda: query(victim, "WAITFOR DELAY '00:01:00'"))
        server.wait_for(running(server, victim_id, "WAITFOR"), "the victim to wait")
        status = query(dba, f"SELECT STATUS, EVENT FROM v$session WHERE SID = {victim_id}")
        assert status == [("ACTIVE", "PL/SQL lock timer")]
        dba.cursor().execute(f"ALTER SYSTEM KILL SESSION '{victim_id},{serial(server, victim_id)}'")
        assert server.on_engine(session_gone(server, victim_id))  # the statement returned after the victim ended
        error = finished(thread, outcome)
        assert isinstance(error, Exception) and error_number(error) == 596


def test_refusals_reach_a_tds_issuer_with_oracle_numbers_and_texts(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as dba:
        for spec, number, text in (
            ("4000,1", 30, "ORA-00030: User session ID does not exist."),
            ("nope", 26, "ORA-00026: missing or invalid session ID"),
            (f"{spid(dba)},{serial(server, spid(dba))}", 27, "ORA-00027: cannot kill current session"),
        ):
            with pytest.raises(Exception) as refused:
                dba.cursor().execute(f"ALTER SYSTEM KILL SESSION '{spec}'")
            assert error_number(refused.value) == number and text in str(refused.value)


def test_cancel_sql_of_a_tds_victim_gives_3980_and_the_session_lives_on(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as victim, pytds_connect(server, autocommit=True) as dba:
        victim_id = spid(victim)
        thread, outcome = background(lambda: query(victim, "WAITFOR DELAY '00:01:00'"))
        server.wait_for(running(server, victim_id, "WAITFOR"), "the victim to wait")
        dba.cursor().execute(f"ALTER SYSTEM CANCEL SQL '{victim_id}, {serial(server, victim_id)}'")
        error = finished(thread, outcome)
        assert isinstance(error, Exception) and error_number(error) == 3980
        assert query(victim, "SELECT 1") == [(1,)]
        rows: list[Any] = query(dba, f"SELECT STATUS FROM v$session WHERE SID = {victim_id}")
        assert rows == [("INACTIVE",)]


def test_disconnect_post_transaction_lets_a_tds_client_commit_then_closes_it(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as victim, pytds_connect(server, autocommit=True) as dba:
        make_table(dba, "ora_post")
        victim_id = spid(victim)
        victim.cursor().execute("BEGIN TRAN; UPDATE ora_post SET v = 11 WHERE id = 1")
        dba.cursor().execute(
            f"ALTER SYSTEM DISCONNECT SESSION '{victim_id},{serial(server, victim_id)}' POST_TRANSACTION"
        )
        victim.cursor().execute("UPDATE ora_post SET v = 22 WHERE id = 2")  # still in its transaction
        victim.cursor().execute("COMMIT")  # answered in full before the connection goes
        server.wait_for(session_gone(server, victim_id), "the victim to end")
        with pytest.raises(Exception) as failure:
            victim.cursor().execute("SELECT 1")
        assert not isinstance(failure.value, AssertionError)
        assert query(dba, "SELECT v FROM ora_post ORDER BY id") == [(11,), (22,), (30,)]
