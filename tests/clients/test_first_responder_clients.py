"""What the First Responder Kit needed, through a real client (pytds) against a running server: synonyms (kept
across a restart), a TABLOCKX insert that makes another connection wait, WITH XMLNAMESPACES, DBCC TRACESTATUS,
UPDATE STATISTICS refused with SQL Server's number, and the DMVs that count what tables did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import running_server
from tests.clients.test_server_clients import pytds_connect

pytds = pytest.importorskip("pytds", reason="python-tds is not installed")


def fetch(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return [tuple(row) for row in cur.fetchall()]


def failure(conn: Any, sql: str) -> Any:
    with pytest.raises(pytds.Error) as caught, conn.cursor() as cur:  # at execute or at the fetch
        cur.execute(sql)
        cur.fetchall()
    return caught.value


def test_first_responder_language_over_tds(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server, pytds_connect(server, autocommit=True) as conn:
        conn.cursor().execute("CREATE TABLE deadlocks (id INT PRIMARY KEY, graph NVARCHAR(MAX))")
        conn.cursor().execute("CREATE SYNONYM dbo.DeadlockFindings FOR master.dbo.deadlocks")
        conn.cursor().execute("INSERT dbo.DeadlockFindings WITH (TABLOCKX) (id, graph) VALUES (1, N'<g/>')")
        assert fetch(conn, "SELECT id FROM DeadlockFindings") == [(1,)]
        assert fetch(conn, "SELECT base_object_name FROM sys.synonyms") == [("[master].[dbo].[deadlocks]",)]
        stats = "SELECT leaf_insert_count FROM sys.dm_db_index_operational_stats(DB_ID(), OBJECT_ID('deadlocks'), 1, 1)"
        assert fetch(conn, stats) == [(1,)]
        refused = failure(conn, "UPDATE STATISTICS deadlocks WITH ROWCOUNT = 1000000, PAGECOUNT = 1000")
        assert (refused.number, refused.severity) == (40517, 16)
        assert fetch(conn, "DBCC TRACESTATUS(-1) WITH NO_INFOMSGS") == []
        plan = '<a xmlns="urn:plan"><op name="Scan"/></a>'
        namespaced = f"DECLARE @x XML = N'{plan}'; WITH XMLNAMESPACES ('urn:plan' AS p) "
        namespaced += "SELECT @x.value('(/p:a/p:op/@name)[1]', 'varchar(10)')"
        assert fetch(conn, namespaced) == [("Scan",)]
        assert fetch(conn, "SELECT name, value_in_use FROM sys.configurations WHERE name = N'kill_session_wait'") == [
            ("kill_session_wait", 60)
        ]
        with pytds_connect(server, autocommit=True, timeout=5) as other:
            conn.cursor().execute("BEGIN TRAN; INSERT deadlocks WITH (TABLOCKX) VALUES (2, N'<h/>')")
            waited = failure(other, "SET LOCK_TIMEOUT 200; SELECT COUNT(*) FROM deadlocks")
            assert waited.number == 1222  # the whole table is locked, not just the new row
            conn.cursor().execute("ROLLBACK")
            assert fetch(other, "SELECT COUNT(*) FROM DeadlockFindings") == [(1,)]
    with running_server(data) as server, pytds_connect(server, autocommit=True) as conn:
        assert fetch(conn, "SELECT graph FROM dbo.DeadlockFindings") == [("<g/>",)]  # the synonym is durable
        assert fetch(
            conn, "SELECT leaf_insert_count FROM sys.dm_db_index_operational_stats(NULL, NULL, NULL, NULL)"
        ) == [(0,)]  # counted since this start
