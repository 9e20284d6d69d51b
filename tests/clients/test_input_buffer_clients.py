"""The DBA's look before a kill, over TDS with pytds and pymssql on 127.0.0.1: CROSS/OUTER APPLY with
sys.dm_exec_sql_text and sys.dm_exec_input_buffer, the running statement of a blocked session, DBCC INPUTBUFFER,
most_recent_sql_handle, and an RPC's input buffer."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from tests.clients.server_harness import RunningServer, running_server
from tests.clients.test_server_clients import pymssql_connect, pytds_connect
from tests.clients.test_views_clients import wait_until_lock_wait

REQUEST_TEXT = (
    "SELECT r.session_id, t.text FROM sys.dm_exec_requests r CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) t"
)
RUNNING_STATEMENT = """SELECT r.session_id,
    SUBSTRING(t.text, r.statement_start_offset / 2 + 1,
        ((CASE r.statement_end_offset WHEN -1 THEN DATALENGTH(t.text) ELSE r.statement_end_offset END
          - r.statement_start_offset) / 2) + 1) AS running_statement
FROM sys.dm_exec_requests r
CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) t
WHERE r.session_id = {spid}"""
SEED_WITH_BUFFER = (
    "SELECT s.session_id, s.login_name, ib.event_info FROM sys.dm_exec_sessions s "
    "CROSS APPLY sys.dm_exec_input_buffer(s.session_id, NULL) ib"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("input-buffer") / "data") as running:
        yield running


def spid(cursor: Any) -> int:
    cursor.execute("SELECT @@SPID")
    return int(cursor.fetchone()[0])


class Blocked(NamedTuple):
    hold: Any  # the holder's cursor (its transaction holds the row)
    look: Any  # the DBA's cursor
    holder_spid: int
    waiter_spid: int


@contextlib.contextmanager
def blocked_on(server: RunningServer, table: str, *waiter_call: Any) -> Iterator[Blocked]:
    """A holder updates row 1 of a new ``table`` in an open transaction; a waiter runs ``waiter_call`` (the
    arguments of cursor.execute) and waits for it; a third connection looks.  The holder commits at the end."""
    with pytds_connect(server, autocommit=True) as setup, setup.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, v INT); INSERT INTO {table} VALUES (1, 0)")
    with (
        pytds_connect(server, autocommit=True) as holder,
        pytds_connect(server, autocommit=True) as waiter,
        pytds_connect(server, autocommit=True) as dba,
    ):
        hold, wait = holder.cursor(), waiter.cursor()
        holder_spid, waiter_spid = spid(hold), spid(wait)
        hold.execute(f"BEGIN TRAN; UPDATE {table} SET v = 1 WHERE id = 1")
        blocked = threading.Thread(target=wait.execute, args=waiter_call)
        blocked.start()
        wait_until_lock_wait(server, waiter_spid)
        try:
            yield Blocked(hold, dba.cursor(), holder_spid, waiter_spid)
        finally:
            hold.execute("COMMIT")
            blocked.join(timeout=20)
        assert not blocked.is_alive()


def test_a_blocked_sessions_text_statement_and_buffer_with_pytds(server: RunningServer) -> None:
    batch = "SELECT 1 AS warm_up;\nUPDATE jobs SET v = 2 WHERE id = 1;\nSELECT 2 AS done"
    with blocked_on(server, "jobs", batch) as scene:
        look, holder_spid, waiter_spid = scene.look, scene.holder_spid, scene.waiter_spid

        look.execute(REQUEST_TEXT)
        texts = dict(look.fetchall())
        assert texts[waiter_spid] == batch
        assert holder_spid not in texts  # idle in its transaction: no request
        look.execute(REQUEST_TEXT.replace("CROSS APPLY", "OUTER APPLY"))
        assert dict(look.fetchall())[waiter_spid] == batch

        look.execute(RUNNING_STATEMENT.format(spid=waiter_spid))
        assert look.fetchall() == [(waiter_spid, "UPDATE jobs SET v = 2 WHERE id = 1")]

        look.execute(SEED_WITH_BUFFER)
        seen = {row[0]: row[1:] for row in look.fetchall()}
        assert seen[holder_spid] == ("sa", "BEGIN TRAN; UPDATE jobs SET v = 1 WHERE id = 1")
        assert seen[waiter_spid] == ("sa", batch)

        look.execute(
            "SELECT t.text FROM sys.dm_exec_connections c CROSS APPLY sys.dm_exec_sql_text(c.most_recent_sql_handle) t "
            f"WHERE c.session_id = {holder_spid}"
        )
        assert look.fetchall() == [("BEGIN TRAN; UPDATE jobs SET v = 1 WHERE id = 1",)]

        look.execute(f"DBCC INPUTBUFFER({waiter_spid})")
        assert [d[0] for d in look.description] == ["EventType", "Parameters", "EventInfo"]
        assert look.fetchall() == [("Language Event", 0, batch)]


def test_an_rpc_shows_as_an_rpc_event_with_its_procedure_and_parameter_count(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as client, pytds_connect(server, autocommit=True) as dba:
        cur, look = client.cursor(), dba.cursor()
        client_spid = spid(cur)
        cur.execute("SELECT %s + %s", (1, 2))  # pytds sends parameters as an sp_executesql RPC
        assert cur.fetchall() == [(3,)]
        look.execute(f"SELECT event_type, parameters, event_info FROM sys.dm_exec_input_buffer({client_spid}, NULL)")
        event_type, parameters, event_info = look.fetchone()
        assert (event_type, event_info) == ("RPC Event", "sp_executesql")
        assert parameters >= 2


def test_the_seed_query_with_the_input_buffer_and_errors_with_pymssql(server: RunningServer) -> None:
    pymssql = pytest.importorskip("pymssql")
    with pymssql_connect(server, autocommit=True) as conn:
        cur = conn.cursor()
        own = spid(cur)
        cur.execute(SEED_WITH_BUFFER)
        seen = {row[0]: row[1:] for row in cur.fetchall()}
        assert seen[own] == ("sa", SEED_WITH_BUFFER)
        cur.execute(
            "SELECT s.session_id, t.text FROM sys.dm_exec_sessions s "
            "OUTER APPLY sys.dm_exec_sql_text(CAST(NULL AS varbinary(64))) t WHERE s.session_id = @@SPID"
        )
        assert cur.fetchall() == [(own, None)]
        for sql, number in (
            ("SELECT * FROM sys.dm_exec_input_buffer(1)", 216),
            ("SELECT * FROM sys.dm_exec_input_buffer(1, 0, 0)", 8144),
            ("SELECT * FROM sys.dm_exec_nothing(1)", 208),
            ("DBCC INPUTBUFFER(32000)", 7940),
        ):
            with pytest.raises(pymssql.DatabaseError) as refused:
                cur.execute(sql)
                cur.fetchall()
            assert refused.value.args[0] == number, (sql, refused.value.args)


def test_a_blocked_rpc_shows_its_declarations_before_its_text_and_its_statement(server: RunningServer) -> None:
    """sp_executesql's text in sys.dm_exec_sql_text is "(declarations)statement", as SQL Server shows it; the
    statement offsets count the declarations."""
    call = ("SELECT 0 AS first; UPDATE rpc_jobs SET v = %s WHERE id = %s", (2, 1))
    with blocked_on(server, "rpc_jobs", *call) as scene:
        look, waiter_spid = scene.look, scene.waiter_spid
        look.execute(RUNNING_STATEMENT.format(spid=waiter_spid).replace("running_statement", "stmt, t.text"))
        ((_, statement, text),) = look.fetchall()
        declared = r"\(@P1 \w+, ?@P2 \w+\)"  # the declarations as pytds sent them
        assert re.fullmatch(declared + "SELECT 0 AS first; UPDATE rpc_jobs SET v = @P1 WHERE id = @P2", text), text
        assert statement == "UPDATE rpc_jobs SET v = @P1 WHERE id = @P2"
        look.execute(f"DBCC INPUTBUFFER({waiter_spid}) WITH NO_INFOMSGS")
        assert look.fetchall()[0][::2] == ("RPC Event", "sp_executesql")
