"""Four-part names: ``server.database.schema.object`` on a linked server (sp_addlinkedserver).

| where the name is                              | what Quietus does                                                   |
|------------------------------------------------|---------------------------------------------------------------------|
| a table source of a query (FROM, JOIN, APPLY)  | ``SELECT * FROM database.schema.object`` on the server; its rows    |
|                                                | read as a table here (joins, filters, grouping then run locally)    |
| the target of INSERT / UPDATE / DELETE         | the statement sent to the server with the name made three-part and  |
|                                                | every @variable written as its value; its row count is the answer   |

The server's session is the coordinator's (server/linked.py ``query_at``): inside a transaction it is enlisted in
the session's distributed transaction, so a commit is two-phase and a rollback undoes the remote work (the local
transaction is promoted, as SQL Server promotes a distributed query).  As in SQL Server, remote DML inside a
transaction needs ``SET XACT_ABORT ON`` (7395).  A statement that writes a remote table and also reads another table
(a join, a subquery, INSERT ... SELECT from a local table) is not built: 50131, never run in part.  The column
list of a remote table is read when the query is planned (one round trip), its rows when it runs.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, Final

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.operators import Plan, Row
from quietus.sql.scope import ScopeColumn

SERVICE: Final = "remote_query"  # server/linked.py REMOTE_QUERY


def is_remote(node: exp.Expr) -> bool:
    """Whether a table reference is a four-part name."""
    return isinstance(node, exp.Table) and len(node.parts) == 4


def known_server(ctx: ExecContext, node: exp.Table) -> str:
    """The linked server a four-part name names; 7202 when sys.servers does not list it."""
    server = node.parts[0].name
    servers: Any = ctx.env.services.get("linked_servers")
    if servers is None or servers.find(server) is None:
        raise sql_error(7202, server)
    return server


def _query(ctx: ExecContext, node: exp.Table, text: str) -> tuple[list[Any], list[tuple[Any, ...]], int]:
    service: Any = ctx.env.services.get(SERVICE)
    server = known_server(ctx, node)
    if service is None:
        raise sql_error(7202, server)
    result: tuple[list[Any], list[tuple[Any, ...]], int] = service(ctx, server, text)
    return result


def three_part(node: exp.Table) -> str:
    """``[database].[schema].[object]`` of a four-part name, as the linked server reads it."""
    return ".".join(f"[{part.name.replace(']', ']]')}]" for part in node.parts[1:])


class RemoteScan(Plan):
    """The rows of a table on a linked server, fetched when the plan runs (each run reads them afresh)."""

    def __init__(self, node: exp.Table, columns: Sequence[ScopeColumn]) -> None:
        self.node = node
        self.columns = list(columns)
        self.text = f"SELECT * FROM {three_part(node)}"

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        columns, rows, _count = _query(ctx, self.node, self.text)
        if len(columns) != len(self.columns):  # the remote table changed since the plan was made
            raise sql_error(7353, self.node.parts[0].name)
        tick = ctx.task.tick
        for values in rows:
            tick()
            yield outer + values


def plan_scan(ctx: ExecContext, node: exp.Table, alias: str) -> RemoteScan:
    """A four-part name in FROM: its columns learnt now (``WHERE 1 = 0``: no rows travel), its rows at run time."""
    columns, _rows, _count = _query(ctx, node, f"SELECT * FROM {three_part(node)} WHERE 1 = 0")
    return RemoteScan(node, [ScopeColumn(name, sql_type, alias, node.name) for name, sql_type in columns])


def target(node: exp.Expr) -> exp.Table | None:
    """The four-part target of an INSERT / UPDATE / DELETE, or None."""
    this = node.this
    table = this.this if isinstance(this, exp.Schema) else this
    return table if is_remote(table) else None


def run_dml(ctx: ExecContext, node: exp.Expr, table: exp.Table) -> int:
    """INSERT / UPDATE / DELETE of a table on a linked server: the statement runs there (see the module's table)."""
    known_server(ctx, table)
    others = [t for t in node.find_all(exp.Table) if t is not table]
    if others or any(isinstance(part, exp.Select) for part in node.walk()):
        raise sql_error(50131, ".".join(part.name for part in table.parts), table.parts[0].name)
    session = ctx.session
    if session.txn is not None and session.trancount > 0 and not session.options.get("XACT_ABORT"):
        raise sql_error(7395, "SQLNCLI", table.parts[0].name)
    remote = node.copy()
    for variable in list(remote.find_all(exp.Parameter)):
        variable.replace(literal(ctx.get_variable("@" + variable.name)))
    written = remote.this.this if isinstance(remote.this, exp.Schema) else remote.this
    three = exp.to_table(three_part(table), dialect="tsql")
    if table.alias:
        three.set("alias", exp.TableAlias(this=exp.to_identifier(table.alias)))
    written.replace(three)
    _columns, _rows, count = _query(ctx, table, remote.sql(dialect="tsql"))
    return count


def literal(value: Any) -> exp.Expr:
    """A value as T-SQL text the linked server reads back as the same value."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Literal.number(int(value))
    if isinstance(value, int | float | decimal.Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, bytes):
        return exp.Var(this="0x" + value.hex())
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        text = value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
        return exp.Literal.string(text)
    if isinstance(value, uuid.UUID):
        return exp.Literal.string(str(value))
    return exp.National(this=str(value))
