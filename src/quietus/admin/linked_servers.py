"""Linked servers: ``sp_addlinkedserver``, ``sp_addlinkedsrvlogin``, ``sp_dropserver``; ``sys.servers`` and
``sys.linked_logins`` (docs/reference/distributed-transactions.md, "Linked servers").

A linked server names another Quietus instance (SQL Server's ``@datasrc = 'host,port'``) and the remote login its
connections use.  The definitions live in one hidden table of master, ``sys.sysxsrvs`` (SQL Server's name for its
own), so they survive a restart like the other catalogs:

| column        | what                                                                              |
|---------------|-----------------------------------------------------------------------------------|
| srvid         | ``sys.servers.server_id`` (1, 2, ...; 0 is the local server, never stored)        |
| srvname       | the name statements use (``EXEC (...) AT srvname``, ``srvname.db.schema.table``) |
| srvproduct, providername, datasource | as given to sp_addlinkedserver                           |
| rmtuser, rmtpassword | the remote login sp_addlinkedsrvlogin maps every local login to (NULL: none);|
|               | the password sealed with the server key (``admin/server_key.py``), never plain    |
| modify_date   | the last change                                                                   |

Invariants:

1. Each procedure's change is one transaction of master of its own, committed (durable) before it returns; as in
   SQL Server the procedures refuse to run inside a user transaction (15002), so that transaction is never the
   caller's.
2. The remote password is stored for the connection that needs it, sealed with the server key (AES-GCM), so
   neither the table, nor master's log, nor a checkpoint holds it in plain text; it is opened only in memory for
   the remote login.  It is never shown (``sys.linked_logins`` has no such column), never written to the error log,
   never echoed in a message.  A plain value written before passwords were sealed still works and is sealed at the
   next start (``seal_plain_passwords``).
3. A name is unique (case-insensitive, 15028); the local server's own name (``@@SERVERNAME``) cannot be linked.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.procedures import bind_arguments
from quietus.admin.server_key import ServerKey, ServerKeyError, is_sealed
from quietus.engine.access import RowAccess
from quietus.engine.database import Database
from quietus.engine.locks import LockMode
from quietus.engine.scheduler import Task
from quietus.engine.storage.schema import ColumnDef, IndexDef, TableDef
from quietus.engine.storage.table import Table
from quietus.engine.txn.transaction import Isolation
from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

log = logging.getLogger(__name__)

TABLE_NAME = "sysxsrvs"
NOBODY = -1  # an xid no transaction has: read committed rows only
SERVICE = "linked_servers"  # env.services key of the LinkedServers catalog
# The server permission each procedure needs, as SQL Server documents it (CONTROL SERVER covers both; setupadmin
# holds ALTER ANY LINKED SERVER, securityadmin ALTER ANY LOGIN); without it, 15247.
PERMISSIONS = {
    "sp_addlinkedserver": "ALTER ANY LINKED SERVER",
    "sp_dropserver": "ALTER ANY LINKED SERVER",
    "sp_addlinkedsrvlogin": "ALTER ANY LOGIN",
}
# Providers that reach a SQL Server (here: a Quietus instance over TDS); SQL Server answers 7403 for an unknown one.
PROVIDERS = frozenset({"quietus", "sqlncli", "sqlncli11", "msoledbsql", "msoledbsql19", "sqloledb"})
PASSWORD_PURPOSE = "sys.sysxsrvs.rmtpassword"  # what a sealed password is for (authenticated with it)
SQL_SERVER_PRODUCT = "SQL Server"  # @srvproduct N'SQL Server': the provider is implied, @datasrc is the name

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("srvid", "int", None),
    ("srvname", "nvarchar", 128),
    ("srvproduct", "nvarchar", 128),
    ("providername", "nvarchar", 128),
    ("datasource", "nvarchar", 4000),
    ("rmtuser", "nvarchar", 128),
    ("rmtpassword", "nvarchar", 4000),  # sealed: longer than the password
    ("modify_date", "datetime", None),
)


@dataclass(frozen=True, slots=True)
class LinkedServer:
    server_id: int
    name: str
    product: str
    provider: str
    data_source: str
    remote_user: str | None
    remote_password: str | None  # plain text, in memory only (None also when the stored one does not open)
    modify_date: datetime.datetime
    stored_password: str | None = None  # as sys.sysxsrvs keeps it: sealed (or plain, from before sealing)

    def __repr__(self) -> str:  # never the password (invariant 2)
        return f"LinkedServer({self.server_id}, {self.name!r}, {self.data_source!r}, user={self.remote_user!r})"

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) from ``@datasrc`` 'host,port' (SQL Server's form; 1433 when no port is given)."""
        host, _, port = self.data_source.partition(",")
        return host.strip(), int(port) if port.strip() else 1433


def _definition(object_id: int) -> TableDef:
    return TableDef(
        object_id,
        TABLE_NAME,
        tuple(ColumnDef(name, kind, length=length, nullable=name.startswith("rmt")) for name, kind, length in COLUMNS),
        (IndexDef(1, "PK_sysxsrvs", (0,), unique=True, primary_key=True),),
        schema_name="sys",
    )


def hidden_table(master: Database, name: str) -> Table | None:
    """A hidden (schema ``sys``) table of master, found by name (never resolved by statements)."""
    hidden = (t for t in master.tables.values() if t.definition.schema_name == "sys")
    return next((t for t in hidden if t.name.casefold() == name), None)


def write_hidden(
    master: Database,
    task: Task,
    session_id: int,
    table: Table | None,
    definition: Callable[[int], TableDef],
    change: Callable[[RowAccess, Table], None],
) -> Table:
    """One change to a hidden master table in a transaction of its own, committed (durable) when this returns;
    the first change creates the table.  Returns the table."""
    txn = master.begin(session_id, Isolation.READ_COMMITTED, explicit=False)
    try:
        if table is None:
            table = master.create_table(txn, definition(master.allocate_object_id()))
        change(RowAccess(master, task, txn), table)
        master.commit(task, txn)
    except BaseException:
        master.rollback(task, txn)
        raise
    return table


class LinkedServers:
    """The catalog: committed reads for everyone, writes in a transaction of master of their own."""

    def __init__(self, master: Database, key: ServerKey) -> None:
        self.master = master
        self.key = key
        self.table = hidden_table(master, TABLE_NAME)

    def servers(self) -> Iterator[LinkedServer]:
        if self.table is None:
            return
        for head in list(self.table.rows.values()):
            version = self.master.txns.latest_committed(head, NOBODY)
            if version is not None and version.values is not None:
                server = LinkedServer(*version.values)  # the stored password in the plain field, for a moment
                stored = server.remote_password
                try:
                    plain = None if stored is None else self.key.open(stored, PASSWORD_PURPOSE)
                except ServerKeyError as exc:  # listed still; using it is 15466 (linked_remote)
                    log.error("linked server %s: its remote password cannot be opened: %s", server.name, exc)
                    plain = None
                yield replace(server, remote_password=plain, stored_password=stored)

    def with_login(self, server: LinkedServer, user: str | None, password: str | None) -> LinkedServer:
        """``server`` mapped to the remote login ``user`` / ``password`` (the password sealed for storage)."""
        stored = None if password is None else self.key.seal(password, PASSWORD_PURPOSE)
        return replace(server, remote_user=user, remote_password=password, stored_password=stored,
                       modify_date=datetime.datetime.now())  # fmt: skip

    def seal_plain_passwords(self, task: Task) -> int:
        """Seal every password stored in plain text (written before passwords were sealed); how many were."""
        plain = [s for s in self.servers() if s.stored_password is not None and not is_sealed(s.stored_password)]
        for server in plain:
            sealed = replace(server, stored_password=self.key.seal(server.remote_password or "", PASSWORD_PURPOSE))
            self._write_as(task, 0, server, sealed)
        return len(plain)

    def find(self, name: str) -> LinkedServer | None:
        folded = name.rstrip(" ").casefold()
        return next((s for s in self.servers() if s.name.casefold() == folded), None)

    def _write(self, ctx: ExecContext, old: LinkedServer | None, new: LinkedServer | None) -> None:
        self._write_as(ctx.task, ctx.session.session_id, old, new)

    def _write_as(self, task: Task, session_id: int, old: LinkedServer | None, new: LinkedServer | None) -> None:
        """Insert ``new``, replace ``old`` by ``new`` or delete ``old``, committed before returning (invariant 1)."""
        key = (old or new).server_id if (old or new) is not None else 0  # type: ignore[union-attr]

        def change(access: RowAccess, table: Table) -> None:
            access.lock_row(table, key, LockMode.X)
            if old is None and new is not None:
                access.insert(table, _values(new))
            elif old is not None and new is not None:
                access.update(table, key, _values(old), _values(new))
            elif old is not None:
                access.delete(table, key)

        self.table = write_hidden(self.master, task, session_id, self.table, _definition, change)

    def add(self, ctx: ExecContext, server: LinkedServer) -> None:
        self._write(ctx, None, server)

    def change(self, ctx: ExecContext, old: LinkedServer, new: LinkedServer) -> None:
        self._write(ctx, old, new)

    def drop(self, ctx: ExecContext, server: LinkedServer) -> None:
        self._write(ctx, server, None)

    def next_id(self) -> int:
        keys = [] if self.table is None else list(self.table.rows.keys())
        return max(keys, default=0) + 1


def _values(server: LinkedServer) -> tuple[Any, ...]:
    return (server.server_id, server.name, server.product, server.provider, server.data_source,
            server.remote_user, server.stored_password, server.modify_date)  # fmt: skip


def catalog(ctx: ExecContext) -> LinkedServers:
    found: LinkedServers | None = ctx.env.services.get(SERVICE)
    if found is None:
        master = ctx.env.databases["master"]
        key = ServerKey(None if master.directory is None else master.directory.parent)  # install's key, as it is
        found = ctx.env.services[SERVICE] = LinkedServers(master, key)
    return found


def _checked(ctx: ExecContext, procedure: str) -> LinkedServers:
    """Permission (15247) and no user transaction (15002), then the catalog."""
    security: Any = ctx.env.services.get("security")
    if security is not None and not security.has_server_permission(ctx.session.login_name, PERMISSIONS[procedure]):
        raise sql_error(15247)
    if ctx.session.txn is not None and ctx.session.trancount > 0:
        raise sql_error(15002, procedure)
    return catalog(ctx)


def _text(value: Any) -> str | None:
    return None if value is None else str(value).rstrip(" ")


def _existing(servers: LinkedServers, name: str | None) -> LinkedServer:
    server = None if name is None else servers.find(name)
    if server is None:
        raise sql_error(15015, name or "")
    return server


def sp_addlinkedserver(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    parameters = ("server", "srvproduct", "provider", "datasrc", "location", "provstr", "catalog")
    server, product, provider, datasrc, _location, _provstr, _catalog = (
        _text(v) for v in bind_arguments("sp_addlinkedserver", parameters, positional, named)
    )
    servers = _checked(ctx, "sp_addlinkedserver")
    if not server:
        raise sql_error(15600, "sp_addlinkedserver")
    if (product or "").casefold() == SQL_SERVER_PRODUCT.casefold():
        provider, datasrc = provider or "SQLNCLI", datasrc or server
    if (provider or "").casefold() not in PROVIDERS:
        raise sql_error(7403, provider or "")
    if not datasrc:
        raise sql_error(15600, "sp_addlinkedserver")
    if servers.find(server) is not None or server.casefold() == ctx.env.server_name.casefold():
        raise sql_error(15028, server)
    now = datetime.datetime.now()
    servers.add(ctx, LinkedServer(servers.next_id(), server, product or "", provider or "", datasrc, None, None, now))
    return 0


def sp_addlinkedsrvlogin(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    parameters = ("rmtsrvname", "useself", "locallogin", "rmtuser", "rmtpassword")
    name, useself, locallogin, rmtuser, rmtpassword = (
        _text(v) for v in bind_arguments("sp_addlinkedsrvlogin", parameters, positional, named)
    )
    servers = _checked(ctx, "sp_addlinkedsrvlogin")
    server = _existing(servers, name)
    if locallogin is not None:
        raise sql_error(50130)  # one mapping for every local login (the NULL one) is what Quietus keeps
    if (useself or "TRUE").casefold() == "true":
        user, password = None, None  # self-mapping: the caller's own credentials
    else:
        user, password = rmtuser, rmtpassword
    servers.change(ctx, server, servers.with_login(server, user, password))
    return 0


def sp_dropserver(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    name, _droplogins = (_text(v) for v in bind_arguments("sp_dropserver", ("server", "droplogins"), positional, named))
    servers = _checked(ctx, "sp_dropserver")
    servers.drop(ctx, _existing(servers, name))
    return 0


SYS_SERVERS = columns("""
server_id int
name nvarchar(128)
product nvarchar(128)
provider nvarchar(128)
data_source nvarchar(4000)
is_linked bit
is_remote_login_enabled bit
is_data_access_enabled bit
modify_date datetime
""")
SYS_LINKED_LOGINS = columns("""
server_id int
local_principal_id int
uses_self_credential bit
remote_name nvarchar(128)
modify_date datetime
""")


def server_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    name = ctx.env.server_name
    yield (0, name, "SQL Server", "SQLNCLI", name, False, True, False, None)
    for s in sorted(catalog(ctx).servers(), key=lambda s: s.server_id):
        yield (s.server_id, s.name, s.product, s.provider, s.data_source, True, False, True, s.modify_date)


def linked_login_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for s in sorted(catalog(ctx).servers(), key=lambda s: s.server_id):
        yield (s.server_id, 0, s.remote_user is None, s.remote_user, s.modify_date)


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.servers", SYS_SERVERS, server_rows),
    VirtualTable("sys.linked_logins", SYS_LINKED_LOGINS, linked_login_rows),
)
PROCEDURES = {
    "sp_addlinkedserver": sp_addlinkedserver,
    "sp_addlinkedsrvlogin": sp_addlinkedsrvlogin,
    "sp_dropserver": sp_dropserver,
}
