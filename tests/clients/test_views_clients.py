"""The session views through a real client (pytds) against a real Quietus server on 127.0.0.1.

What a DBA would run: the seed query (sessions joined with connections), sp_who while one client blocks another,
and the request of the blocked session.  Skipped only when pytds is not installed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.clients.server_harness import RunningServer, running_server
from tests.clients.test_server_clients import pytds_connect
from tests.unit.test_admin_views import SEED_COLUMNS, SEED_QUERY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("views") / "data") as running:
        yield running


def wait_until_lock_wait(server: RunningServer, session_id: int) -> None:
    deadline = time.monotonic() + 20
    while not (server.wait_type(session_id) or "").startswith("LCK_M_"):
        assert time.monotonic() < deadline, f"session {session_id} never waited for a lock"
        time.sleep(0.005)


def test_the_seed_query_runs_verbatim_over_tds(server: RunningServer) -> None:
    with pytds_connect(server, appname="views-probe", autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SELECT @@SPID")
        spid = cur.fetchone()[0]
        cur.execute(SEED_QUERY)
        rows = {row[0]: row for row in cur.fetchall()}
        assert [column[0] for column in cur.description] == SEED_COLUMNS
        mine = rows[spid]
        assert (mine[2], mine[3], mine[4]) == ("views-probe", None, "sa")
        assert mine[5] is not None and mine[6] is not None
        cur.execute(
            "SELECT client_net_address, net_transport, protocol_type, auth_scheme FROM sys.dm_exec_connections "
            "WHERE session_id = @@SPID"
        )
        assert cur.fetchall() == [("127.0.0.1", "TCP", "TSQL", "SQL")]


def test_sp_who_and_dm_exec_requests_show_one_client_blocking_another(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as setup, setup.cursor() as cur:
        cur.execute("CREATE TABLE queue (id INT PRIMARY KEY, v INT)")
        cur.execute("INSERT INTO queue VALUES (1, 0)")
    with (
        pytds_connect(server, autocommit=True) as holder,
        pytds_connect(server, autocommit=True) as waiter,
        pytds_connect(server, autocommit=True) as dba,
    ):
        hold, wait, look = holder.cursor(), waiter.cursor(), dba.cursor()
        hold.execute("BEGIN TRAN; UPDATE queue SET v = 1 WHERE id = 1")
        hold.execute("SELECT @@SPID")
        holder_spid = hold.fetchone()[0]
        wait.execute("SELECT @@SPID")
        waiter_spid = wait.fetchone()[0]
        blocked = threading.Thread(target=wait.execute, args=("UPDATE queue SET v = 2 WHERE id = 1",))
        blocked.start()
        wait_until_lock_wait(server, waiter_spid)
        look.execute(
            f"SELECT status, command, wait_type, blocking_session_id FROM sys.dm_exec_requests "
            f"WHERE session_id = {waiter_spid}"
        )
        assert look.fetchall() == [("suspended", "UPDATE", "LCK_M_U", holder_spid)]
        look.execute("EXEC sp_who")
        who = {row[0]: row for row in look.fetchall()}
        assert who[waiter_spid][5].strip() == str(holder_spid)
        assert who[holder_spid][2].strip() == "sleeping"
        hold.execute("COMMIT")
        blocked.join(timeout=20)
        assert not blocked.is_alive()
        look.execute("SELECT COUNT(*) FROM sys.dm_exec_requests WHERE blocking_session_id <> 0")
        assert look.fetchone()[0] == 0
