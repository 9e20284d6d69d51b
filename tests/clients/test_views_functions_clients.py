"""Views and user functions over TDS with a real client (pytds): created by one connection, used by another in
joins, APPLY and writes, the errors SQL Server gives with their numbers, and everything still there after the
server restarts."""

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


def failure_number(cur: Any, sql: str) -> int:
    with pytest.raises(pytds.Error) as failure:  # at execute or at the fetch, as with SQL Server
        cur.execute(sql)
        cur.fetchall()
    return int(failure.value.number)


def test_views_and_functions_through_pytds_and_across_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server:
        with connect(server) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE orders (id INT PRIMARY KEY, customer NVARCHAR(20), amount INT)")
            cur.execute("INSERT INTO orders VALUES (1, N'ann', 10), (2, N'bob', 200), (3, N'ann', 300)")
            cur.execute(
                "CREATE VIEW dbo.large_orders WITH SCHEMABINDING AS\n"
                "SELECT id, customer, amount FROM dbo.orders WHERE amount >= 100\n"
                "WITH CHECK OPTION"
            )
            cur.execute(
                "CREATE FUNCTION dbo.with_tax (@amount INT, @rate INT = 20) RETURNS INT\n"
                "AS\nBEGIN\n  RETURN @amount + @amount * @rate / 100\nEND"
            )
            cur.execute(
                "CREATE FUNCTION dbo.orders_of (@customer NVARCHAR(20)) RETURNS TABLE\n"
                "AS RETURN (SELECT id, amount FROM dbo.orders WHERE customer = @customer)"
            )
        with connect(server) as conn, conn.cursor() as cur:  # another connection uses them
            cur.execute("SELECT id, customer, dbo.with_tax(amount, DEFAULT) FROM large_orders ORDER BY id")
            assert cur.fetchall() == [(2, "bob", 240), (3, "ann", 360)]
            cur.execute(
                "SELECT c.customer, o.id FROM (SELECT DISTINCT customer FROM orders) c "
                "CROSS APPLY dbo.orders_of(c.customer) o ORDER BY c.customer, o.id"
            )
            assert cur.fetchall() == [("ann", 1), ("ann", 3), ("bob", 2)]
            cur.execute("UPDATE large_orders SET amount = amount + 1 WHERE customer = N'ann'")
            assert cur.rowcount == 1  # order 1 is not in the view
            assert failure_number(cur, "UPDATE large_orders SET amount = 5 WHERE id = 2") == 550
            assert failure_number(cur, "DROP TABLE orders") == 3729
            assert failure_number(cur, "SELECT dbo.with_tax(1, 2, 3)") == 8144
            assert failure_number(cur, "CREATE VIEW broken AS SELECT x FROM nowhere") == 208
            assert failure_number(cur, "CREATE VIEW ordered AS SELECT id FROM orders ORDER BY id") == 1033
            side_effect = "CREATE FUNCTION dbo.bad () RETURNS INT AS BEGIN EXEC sp_who RETURN 1 END"
            assert failure_number(cur, side_effect) == 443
            cur.execute("SELECT name, type FROM sys.objects WHERE type IN ('V', 'FN', 'IF') ORDER BY name")
            assert cur.fetchall() == [("large_orders", "V "), ("orders_of", "IF"), ("with_tax", "FN")]
    with running_server(data, password=None) as server, connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT SUM(dbo.with_tax(amount, 10)) FROM large_orders")
        assert cur.fetchall() == [(220 + 331,)]
        cur.execute("SELECT TABLE_NAME, CHECK_OPTION FROM INFORMATION_SCHEMA.VIEWS")
        assert cur.fetchall() == [("large_orders", "CASCADE")]
        cur.execute("SELECT COUNT(*) FROM dbo.orders_of(N'ann')")
        assert cur.fetchall() == [(2,)]
        assert failure_number(cur, "DROP TABLE orders") == 3729  # the binding is durable too
