"""Temporary tables: ``#t`` private to its session and procedure scope, ``##t`` global; and name resolution.

Quietus has one database a session can be in, and a transaction belongs to one database, so temporary tables live
in that database (``tempdb`` is accepted as their database's name: ``tempdb..#t``, ``OBJECT_ID('tempdb..#t')``)
under names no user can type, as SQL Server stores them in tempdb:

| written | stored as                                          | seen by                                           |
|---------|----------------------------------------------------|---------------------------------------------------|
| ``#t``  | ``#t`` + ``_`` padding + 12 hex digits (128 chars) | its session, at the level that made it and deeper |
| ``##t`` | ``##t``                                            | every session                                     |

Lifetime (SQL Server's):

1. ``#t`` made in a stored procedure is dropped when the procedure returns; made in a batch, when the session ends
   (a dropped connection, a kill, a reset). A rolled-back CREATE leaves nothing, and the name is free again.
2. ``##t`` is dropped when the session that made it ends.
3. A start after a crash drops every temporary table left in the catalog.

``Session.temp_tables`` maps each name to a stack of (nesting level, stored name): an inner procedure may make its
own ``#t`` while its caller has one, and then sees its own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from quietus.engine.access import ReadPolicy, RowAccess
from quietus.engine.database import Database
from quietus.engine.locks import LockMode
from quietus.engine.scheduler import Task
from quietus.engine.storage.table import Table
from quietus.engine.txn.transaction import Isolation, Transaction
from quietus.errors import SqlError, sql_error
from quietus.sessions.session import Session
from quietus.sql import remote_tables, synonyms
from quietus.sql.context import ExecContext
from quietus.sql.module_names import find_module
from quietus.sql.modules import commit_system_transaction

TEMPDB = "tempdb"
_STORED_NAME = re.compile(r"[#@].*_[0-9A-F]{12}")
STORED_NAME_LENGTH = 128
_unique = itertools.count(1)
GLOBAL_OWNERS = "global temporary tables"  # env.services key: stored name -> the session id that made it


def is_local(node: exp.Table) -> bool:
    identifier = node.this
    return isinstance(identifier, exp.Identifier) and bool(identifier.args.get("temporary")) and not is_global(node)


def is_global(node: exp.Table) -> bool:
    return bool(node.this.args.get("global_")) if isinstance(node.this, exp.Identifier) else False


def written_name(node: exp.Table) -> str:
    """The name as the user wrote it (``#t``, ``##t``, ``t``): what error messages quote."""
    prefix = "##" if is_global(node) else "#" if is_local(node) else "@" if is_table_variable(node) else ""
    return prefix + node.name


def written_qualified(node: exp.Table) -> str:
    """The name with the qualifiers the user wrote (``nosuchdb.dbo.t``, ``master..t``, ``dbo.t``): what 208 quotes."""
    if node.catalog:
        return f"{node.catalog}.{node.db}.{written_name(node)}"
    return f"{node.db}.{written_name(node)}" if node.db else written_name(node)


def is_table_variable(node: exp.Table) -> bool:
    return isinstance(node.this, exp.Parameter)


def new_table_variable(ctx: ExecContext, name: str) -> str:
    """The stored name for ``DECLARE @name TABLE``, registered with the scope (dropped at its end) and with the
    session (dropped at its end if a rollback brought a dropped one back)."""
    stored = _unique_name("@" + name.lstrip("@"))
    ctx.table_variables[name.casefold()] = stored
    ctx.session.temp_tables.setdefault(name.casefold(), []).append((ctx.nest_level, stored))
    return stored


def drop_table_variables(ctx: ExecContext, txn: Transaction | None = None) -> None:
    """The batch, procedure or function that declared them ended (a function's are dropped in ``txn``, the calling
    statement's, which holds their locks)."""
    names = set(ctx.table_variables.values())
    ctx.table_variables.clear()
    if not names:
        return
    _take(ctx.session, lambda level: False, names)
    _drop_in(ctx.task, ctx.database, ctx.session, sorted(names), within=txn)


def stored_name(ctx: ExecContext, node: exp.Table) -> str:
    """The catalog name ``node`` refers to now ("" for a ``#t`` this session does not have); 1087 for an
    undeclared table variable."""
    if is_table_variable(node):
        written = "@" + node.this.name
        stored = ctx.table_variables.get(written.casefold())
        if stored is None:
            raise sql_error(1087, written)
        return stored
    if is_global(node):
        return "##" + node.name
    if not is_local(node):
        if node.args.get("catalog") is not None and len(node.parts) == 4:
            refuse_remote(ctx, node)
        if node.catalog and ctx.env.database(node.catalog) is not ctx.database:
            return ""  # another database's table (or no database's): none of this database's (208 where it is read)
        return node.name
    stack = ctx.session.temp_tables.get(node.name.casefold())
    db = ctx.database
    while stack:
        _level, stored = stack[-1]
        if db.table_by_name(stored) is not None:
            return stored
        stack.pop()  # its creating transaction rolled back: the name is free again
    return ""


def refuse_remote(ctx: ExecContext, node: exp.Table) -> None:
    """A four-part name ``server.database.schema.object`` is never resolved locally: 7202 for a server sys.servers
    does not list, else "not supported" (admin/linked_servers.py keeps the catalog)."""
    server = remote_tables.known_server(ctx, node)
    raise sql_error(50131, ".".join(part.name for part in node.parts), server)


def stored_name_of(ctx: ExecContext, written: str) -> str:
    """``stored_name`` for a name given as text (OBJECT_ID's argument): ``#t``, ``##t`` or ``t``."""
    if written.startswith("##"):
        return written
    if written.startswith("#"):
        identifier = exp.Identifier(this=written[1:], temporary=True)
        return stored_name(ctx, exp.Table(this=identifier))
    return written


def find_table(ctx: ExecContext, node: exp.Table) -> Table | None:
    name = stored_name(ctx, node)
    return ctx.database.table_by_name(name) if name else None


def find_target(ctx: ExecContext, node: exp.Table) -> Table | None:
    """The table an INSERT, UPDATE, DELETE or MERGE writes: the one ``node`` names, or the base table of the synonym
    it names (quietus.sql.synonyms).  DDL never goes through a synonym (DROP TABLE syn is 3701, as in SQL Server)."""
    table = find_table(ctx, node)
    if table is None and not node.meta.get(synonyms.SYNONYM):
        found: Table | None = synonyms.table_of(ctx, node, find_table)
        return found
    return table


def name_for_create(ctx: ExecContext, node: exp.Table) -> str:
    """The stored name a CREATE TABLE / SELECT INTO of ``node`` makes (registering a ``#t`` with the session);
    2714 when that name is taken at this level."""
    db = ctx.database
    if not is_local(node):
        if node.catalog and ctx.env.database(node.catalog) is None:
            raise sql_error(911, node.catalog)
        name = stored_name(ctx, node)
        if db.table_by_name(name) is not None or ctx.env.virtual_table(name) is not None or find_module(ctx, node):
            raise sql_error(2714, written_name(node))
        if is_global(node):
            ctx.env.services.setdefault(GLOBAL_OWNERS, {})[name.casefold()] = ctx.session.session_id
        return name
    key = node.name.casefold()
    stack = ctx.session.temp_tables.setdefault(key, [])
    current = stored_name(ctx, node)
    if current and stack and stack[-1][0] == ctx.nest_level:
        raise sql_error(2714, written_name(node))
    stored = _unique_name("#" + node.name)
    stack.append((ctx.nest_level, stored))
    return stored


def _unique_name(stem: str) -> str:
    suffix = f"{next(_unique):012X}"
    return stem + "_" * max(1, STORED_NAME_LENGTH - len(stem) - len(suffix)) + suffix


def is_temporary_name(name: str) -> bool:
    """A temporary table's or a table variable's stored name: ``##t``, or ``#t``/``@t`` with the padding and unique
    suffix only ``_unique_name`` writes (so a user's ``[@x]`` table is never taken for one, nor dropped at start)."""
    return name.startswith("##") or _STORED_NAME.fullmatch(name) is not None


# -- dropping ----------------------------------------------------------------------------------------------


def drop_scope(ctx: ExecContext, level: int) -> None:
    """A procedure at nesting ``level`` returned: drop the ``#`` tables it made, in the session's transaction."""
    doomed = _take(ctx.session, lambda made_at: made_at >= level)
    if doomed:
        _drop_in(ctx.task, ctx.database, ctx.session, doomed)


def drop_session_tables(task: Task, db: Database, session: Session, globals_: dict[str, int] | None) -> None:
    """The session ended (its transaction already rolled back): drop its ``#`` tables and the ``##`` it made."""
    doomed = _take(session, lambda made_at: True)
    if globals_:
        for name, owner in list(globals_.items()):
            if owner == session.session_id:
                del globals_[name]
                doomed.append(name)
    if doomed:
        _drop_in(task, db, session, doomed, own_transaction=True)


def drop_leftovers(db: Database) -> int:
    """At start, before any session: drop the temporary tables a crash left in the catalog; returns how many."""
    tables = [table for table in db.tables.values() if is_temporary_name(table.name)]
    if tables:
        txn = db.begin(0, Isolation.READ_COMMITTED, explicit=False)
        for table in tables:
            db.drop_table(txn, table)
        commit_system_transaction(db, txn, "the drop of leftover temporary tables")
    return len(tables)


def _take(session: Session, chosen: Callable[[int], bool], names: set[str] | None = None) -> list[str]:
    """Remove from the session's registry the tables made at a chosen level (or named in ``names``)."""
    taken: list[str] = []
    for key, stack in list(session.temp_tables.items()):
        picked = [(level, stored) for level, stored in stack if chosen(level) or (names and stored in names)]
        keep = [entry for entry in stack if entry not in picked]
        taken.extend(stored for _level, stored in picked)
        if keep:
            session.temp_tables[key] = keep
        else:
            del session.temp_tables[key]
    return taken


def _drop_in(
    task: Task, db: Database, session: Session, names: list[str], own_transaction: bool = False,
    within: Transaction | None = None,
) -> None:  # fmt: skip
    own: Transaction | None = None
    txn = within or (None if own_transaction else session.txn)
    if txn is None:
        own = txn = db.begin(session.session_id, Isolation.READ_COMMITTED, explicit=False)
    access = RowAccess(db, task, txn)
    try:
        for name in names:
            table = db.table_by_name(name)
            if table is not None:
                access.lock_object(table, LockMode.SCH_M)
                db.drop_table(txn, table)
    except BaseException as error:
        if own is not None:
            db.rollback(task, own)
        if isinstance(error, SqlError):
            return  # a table someone else still holds (a ##t in use) stays; nothing else to undo
        raise
    if own is not None:
        db.commit(task, own)


# -- table variables outlive a rollback ----------------------------------------------------------------------

TableContents = list[tuple[Table, list[tuple[Any, ...]]]]


def table_variable_contents(ctx: ExecContext, txn: Transaction) -> TableContents:
    """The rows every table variable of the session holds in ``txn``, read just before a ROLLBACK: SQL Server's
    table variables are not part of transactions, so their rows are put back afterwards (``put_back``)."""
    db = ctx.database
    access = RowAccess(db, ctx.task, txn)
    contents: TableContents = []
    for stack in ctx.session.temp_tables.values():
        for _level, stored in stack:
            table = db.table_by_name(stored) if stored.startswith("@") else None
            if table is not None:
                contents.append((table, [values for _key, values in access.scan(table, ReadPolicy())]))
    return contents


def put_back(ctx: ExecContext, contents: TableContents, txn: Transaction | None = None) -> None:
    """Make each table hold exactly the rows saved, in ``txn`` (a savepoint's rollback) or in a transaction of its
    own (a whole transaction's rollback)."""
    if not contents:
        return
    db = ctx.database
    own = db.begin(ctx.session.session_id, Isolation.READ_COMMITTED, explicit=False) if txn is None else None
    access = RowAccess(db, ctx.task, txn or own)  # type: ignore[arg-type]
    try:
        for table, rows in contents:
            if table.object_id not in db.tables:
                continue  # dropped meanwhile (its scope ended)
            current = [values for _key, values in access.scan(table, ReadPolicy())]
            if current == rows:
                continue
            for key, _values in list(access.scan(table, ReadPolicy())):
                access.delete(table, key)
            for row in rows:
                ctx.task.tick()
                access.insert(table, row)
    except BaseException:
        if own is not None:
            db.rollback(ctx.task, own)
        raise
    if own is not None:
        db.commit(ctx.task, own)
