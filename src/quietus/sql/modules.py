"""The module catalog: stored procedures, views and user functions, kept as their definition text in a hidden table
of master.

| table (schema ``sys``) | key        | one row per                                                              |
|------------------------|------------|--------------------------------------------------------------------------|
| ``sysobjvalues``       | object_id  | module: schema, name, type (``P V FN IF TF SN``), definition text, dates |

Invariants:

1. The table is written only inside a transaction of master (the session's own, joined, or one of the statement's
   own), so CREATE/ALTER/DROP PROCEDURE are atomic, undone with their transaction and durable through the log like
   any row.  A writer holds an X lock on the table until its transaction ends: module DDL takes turns.
2. The table is hidden (schema ``sys`` is never resolved by name); sys.procedures, sys.sql_modules and
   OBJECT_DEFINITION are the only ways to read it.
3. Readers (EXEC, the views) take no locks: they see committed rows plus their own transaction's (``xid``).
4. A stored definition always parses: it was parsed when it was stored.  Running a procedure parses its text again
   through the batch parser's cache, so a procedure costs one parse per distinct text, not per call.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from quietus.engine.access import RowAccess
from quietus.engine.database import Database
from quietus.engine.locks import LockMode
from quietus.engine.scheduler import Task
from quietus.engine.storage.schema import ColumnDef, IndexDef, TableDef
from quietus.engine.storage.table import Table
from quietus.engine.txn.transaction import Isolation, Transaction

log = logging.getLogger("quietus.sql")

TABLE_NAME = "sysobjvalues"
NOBODY = -1  # an xid no transaction has: committed rows only
DEFAULT_SCHEMA = "dbo"


def reader_xid(txn: Transaction | None) -> int:
    """The xid a reader of the catalog passes: its open transaction's (its own uncommitted modules are visible to
    it), else NOBODY (committed modules only)."""
    return NOBODY if txn is None else txn.xid

TYPE_DESCRIPTIONS = {
    "P": "SQL_STORED_PROCEDURE",
    "V": "VIEW",
    "FN": "SQL_SCALAR_FUNCTION",
    "IF": "SQL_INLINE_TABLE_VALUED_FUNCTION",
    "TF": "SQL_TABLE_VALUED_FUNCTION",
    "SN": "SYNONYM",
}


@dataclass(frozen=True, slots=True)
class Module:
    object_id: int
    schema_name: str
    name: str
    type: str  # "P", "V", "FN", "IF", "TF" or "SN" (a synonym) (sys.objects.type)
    definition: str
    create_date: datetime.datetime
    modify_date: datetime.datetime

    @property
    def type_desc(self) -> str:
        return TYPE_DESCRIPTIONS[self.type.strip()]

    def values(self) -> tuple[Any, ...]:
        return (
            self.object_id,
            self.schema_name,
            self.name,
            self.type,
            self.definition,
            self.create_date,
            self.modify_date,
        )


def _definition(object_id: int) -> TableDef:
    return TableDef(
        object_id,
        TABLE_NAME,
        (
            ColumnDef("object_id", "int", nullable=False),
            ColumnDef("schema_name", "nvarchar", 128, nullable=False),
            ColumnDef("name", "nvarchar", 128, nullable=False),
            ColumnDef("type", "char", 2, nullable=False),
            ColumnDef("definition", "nvarchar", None, nullable=False),
            ColumnDef("create_date", "datetime", nullable=False),
            ColumnDef("modify_date", "datetime", nullable=False),
        ),
        (
            IndexDef(1, "PK_sysobjvalues", (0,), unique=True, primary_key=True),
            IndexDef(2, "UQ_sysobjvalues_name", (1, 2), unique=True, unique_constraint=True),
        ),
        schema_name="sys",
    )


class ModuleStore:
    """Reads and writes of the module table of one database."""

    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.table = table
        self.created: asyncio.Task[None] | None = None  # the background commit of a new table, while it runs

    @classmethod
    def install(cls, db: Database) -> ModuleStore:
        """The store of ``db``; a database without the table (new, or made before procedures existed) gets it in a
        transaction of its own, committed in the background (nothing can wait on a table nobody has seen)."""
        for table in db.tables.values():
            if table.definition.schema_name == "sys" and table.name.casefold() == TABLE_NAME:
                return cls(db, table)
        txn = db.begin(0, Isolation.READ_COMMITTED, explicit=False)
        store = cls(db, db.create_table(txn, _definition(db.allocate_object_id())))
        store.created = commit_system_transaction(db, txn, "the module catalog")
        return store

    # -- reads -----------------------------------------------------------------------------------------------

    def modules(self, xid: int = NOBODY) -> Iterator[Module]:
        latest = self.db.txns.latest_committed
        for head in list(self.table.rows.values()):
            version = latest(head, xid)
            if version is not None and version.values is not None:
                yield Module(*version.values)

    def find(self, schema: str | None, name: str, xid: int = NOBODY) -> Module | None:
        folded_schema = (schema or DEFAULT_SCHEMA).casefold()
        folded = name.casefold()
        for module in self.modules(xid):
            if module.name.casefold() == folded and module.schema_name.casefold() == folded_schema:
                return module
        return None

    def by_id(self, object_id: int, xid: int = NOBODY) -> Module | None:
        version = self.db.txns.latest_committed(self.table.rows.get(self.table.new_row_key((object_id,))), xid)
        return None if version is None or version.values is None else Module(*version.values)

    # -- writes (inside the caller's transaction, after lock) -----------------------------------------------

    def lock(self, access: RowAccess) -> None:
        """Module DDL takes turns: X on the table until the writer's transaction ends."""
        access.lock_object(self.table, LockMode.X)

    def insert(self, access: RowAccess, module: Module) -> None:
        access.insert(self.table, module.values())

    def replace(self, access: RowAccess, old: Module, new: Module) -> None:
        access.update(self.table, self.table.new_row_key(old.values()), old.values(), new.values())

    def delete(self, access: RowAccess, module: Module) -> None:
        access.delete(self.table, self.table.new_row_key(module.values()))


def commit_system_transaction(db: Database, txn: Transaction, what: str) -> asyncio.Task[None] | None:
    """Commit a catalog change made at start, outside any request: at once in memory; else in a task of its own
    (waiting for the log needs one), returned so a caller may await it.  Nothing can wait on what it changed before
    it commits, because no session exists yet."""
    loop = asyncio.get_running_loop()
    task = Task(loop)
    if db.wal is None:
        db.commit(task, txn)
        return None

    async def commit() -> None:
        try:
            await task.run(db.commit, task, txn)
        except Exception:
            log.exception("%s of %s could not be committed", what, db.name)

    return loop.create_task(commit())
