"""The kill history after a restart of the server: a pytds DBA kills, the server stops and starts again on the same
data directory, and a pymssql client still sees who killed whom in sys.dm_exec_kill_history.  Skipped only when a
driver is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.server_harness import running_server
from tests.clients.test_server_clients import pymssql_connect, pytds_connect


def test_the_kill_history_survives_a_server_restart(tmp_path: Path) -> None:
    pytest.importorskip("pymssql")
    data = tmp_path / "data"
    with (
        running_server(data) as server,
        pytds_connect(server, autocommit=True, appname="dba") as dba,
        dba.cursor() as cur,
    ):
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 10)")
        victim = pytds_connect(server, autocommit=True, appname="runaway")
        with victim.cursor() as held:
            held.execute("SELECT @@SPID")
            victim_id = int(held.fetchone()[0])
            held.execute("BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 1")
        cur.execute(f"KILL {victim_id}")
        server.wait_for(lambda: server.instance.registry.get(victim_id) is None, "the victim to end")
        cur.execute("SELECT kill_id, outcome FROM sys.dm_exec_kill_history")
        assert cur.fetchall() == [(1, "rolled back")]
    with running_server(data) as server:  # the same data directory: a restart
        dba = pymssql_connect(server, autocommit=True)
        try:
            look = dba.cursor()
            look.execute(
                "SELECT kill_id, victim_session_id, victim_program_name, killer_login_name, killer_host_name, "
                "command, rows_to_undo, rows_undone, outcome FROM sys.dm_exec_kill_history"
            )
            ((kill_id, victim, program, killer, host, command, to_undo, undone, outcome),) = look.fetchall()
            assert (kill_id, victim, program, killer) == (1, victim_id, "runaway", "sa")
            assert host and (command, to_undo, undone, outcome) == (f"KILL {victim_id}", 1, 1, "rolled back")
            look.execute("SELECT v FROM t")
            assert look.fetchall() == [(10,)]
        finally:
            dba.close()
