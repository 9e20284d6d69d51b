"""Stored procedures over TDS with real clients: created by one, called by another (language EXEC and RPC by name),
with return status, errors carrying the procedure's name, and the catalog surviving a server restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, RunningServer, running_server

pytds = pytest.importorskip("pytds", reason="python-tds is not installed")


def connect(server: RunningServer) -> Any:
    return pytds.connect(
        "127.0.0.1", port=server.port, user="sa", password=PASSWORD, database="master", autocommit=True
    )


def test_procedures_through_pytds_and_across_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server:
        with connect(server) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE stock (item NVARCHAR(20) PRIMARY KEY, qty INT)")
            cur.execute("INSERT INTO stock VALUES (N'apple', 3)")
            cur.execute(
                "CREATE PROCEDURE take @item NVARCHAR(20), @n INT = 1 AS\n"
                "BEGIN\n"
                "  SET NOCOUNT ON\n"
                "  IF NOT EXISTS (SELECT 1 FROM stock WHERE item = @item AND qty >= @n) RETURN 50\n"
                "  UPDATE stock SET qty = qty - @n WHERE item = @item\n"
                "  SELECT item, qty FROM stock WHERE item = @item\n"
                "  RETURN 0\n"
                "END"
            )
            cur.execute("CREATE PROCEDURE broken AS SELECT CAST('x' AS INT)")
        with connect(server) as conn, conn.cursor() as cur:
            cur.callproc("take", ("apple", 2))  # RPC by name
            assert cur.fetchall() == [("apple", 1)]
            assert cur.get_proc_return_status() == 0
            cur.callproc("take", ("apple", 5))
            assert cur.get_proc_return_status() == 50
            cur.execute("SET NOCOUNT ON; DECLARE @rc INT; EXEC @rc = take @item = N'apple'; SELECT @rc")
            assert cur.fetchall() == [("apple", 0)]
            cur.nextset()
            assert cur.fetchall() == [(0,)]
        with connect(server) as conn, conn.cursor() as cur:
            with pytest.raises(pytds.Error) as failure:  # at execute or at the fetch, as with SQL Server
                cur.execute("EXEC broken")
                cur.fetchall()
            assert failure.value.number == 245
            assert failure.value.procname == "broken"
    with running_server(data, password=None) as server, connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM sys.procedures ORDER BY name")
        assert cur.fetchall() == [("broken",), ("take",)]
        cur.callproc("take", ("apple",))  # none left: the durable body answers 50
        assert cur.get_proc_return_status() == 50


def test_temp_tables_over_tds_are_private_and_end_with_the_connection(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        owner = connect(server)
        with owner.cursor() as cur:
            cur.execute("SELECT 1 AS a INTO #mine")
            cur.execute("SELECT @@SPID")
            spid = cur.fetchall()[0][0]
        with connect(server) as other, other.cursor() as cur:
            with pytest.raises(pytds.Error) as failure:
                cur.execute("SELECT * FROM #mine")
            assert failure.value.number == 208
        owner.close()
        server.wait_for(lambda: server.instance.registry.get(spid) is None, "the owner to be gone")

        def no_temp_tables() -> bool:
            master = server.instance.env.databases["master"]
            return not any(table.name.startswith("#") for table in master.tables.values())

        server.wait_for(no_temp_tables, "the owner's #mine to be dropped")
        with connect(server) as reused, reused.cursor() as cur:  # takes the freed id
            cur.execute("SELECT @@SPID, OBJECT_ID('tempdb..#mine')")
            assert cur.fetchall() == [(spid, None)]
