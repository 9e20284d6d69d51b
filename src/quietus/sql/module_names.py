"""The module a table reference names: the one lookup of views, synonyms and the name check of CREATE TABLE.

Procedures, views, functions and synonyms share the current database's namespace with its tables.  A reference
(``v``, ``dbo.v``, ``master.dbo.v``, ``master..v``) names a module when its database part, if written, is the
current database and the module catalog holds a module of that schema and name, as the reader's transaction sees
the catalog.  Temporary tables (``#t``, ``##t``) and table variables never name a module.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from quietus.sql.context import ExecContext
from quietus.sql.modules import Module, reader_xid


def find_module(ctx: ExecContext, node: exp.Table, kinds: tuple[str, ...] | None = None) -> Module | None:
    """The module ``node`` names, of one of ``kinds`` (type codes: ``V``, ``SN`` ...; None: any), if any."""
    store: Any = ctx.env.services.get("modules")
    this = node.this
    if store is None or store.db is not ctx.database or not isinstance(this, exp.Identifier):
        return None  # no module catalog here, or a table variable / a call
    if this.args.get("temporary") or this.args.get("global_"):
        return None
    catalog = node.catalog  # the written parts' names ("" when not written: ``master..v`` has no schema)
    if catalog and ctx.env.database(catalog) is not store.db:
        return None
    module: Module | None = store.find(node.db or None, node.name, reader_xid(ctx.session.txn))
    if module is None or (kinds is not None and module.type.strip() not in kinds):
        return None
    return module
