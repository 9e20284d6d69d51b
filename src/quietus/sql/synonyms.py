"""Synonyms: ``CREATE SYNONYM [schema.]name FOR [[[server.]database.]schema.]object``, ``DROP SYNONYM``.

A synonym is a module of type ``SN`` in the module catalog (quietus.sql.modules), stored as its CREATE statement, in
the session's transaction (undone with it, durable through the log), exactly like a view.  Its base object is not
checked when it is made (SQL Server's deferred resolution): a synonym may name a table that does not exist yet.

Where a query or a write names a table or view that is not there, a synonym of that name stands for its base object
(``resolve``): the planner plans the base object's name under the synonym's name (so ``syn.c`` and ``syn`` qualify
its columns), records the synonym in the plan (a cached plan is used only while the synonym reads the same), and a
base object that is missing is 208 naming the synonym's base.  A synonym never names another synonym (no chaining:
the base is looked up among tables and views only).  ``sys.synonyms`` and ``sys.objects`` (type ``SN``) show them.

Not yet: a synonym of a procedure or function (EXEC syn, syn(...)) — those find no procedure or function (2812,
208), as for any unknown name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.dialect import parse_batch_cached
from quietus.sql.dialect import statements as st
from quietus.sql.module_names import find_module
from quietus.sql.modules import Module

KIND = "SN"
SYNONYM = "synonym"  # meta key of a node that names a synonym's base object


def find(ctx: ExecContext, node: exp.Table) -> Module | None:
    """The synonym a plain table reference (``syn``, ``dbo.syn``, ``db.dbo.syn``) names, if any."""
    if node.meta.get(SYNONYM) or len(node.parts) > 3:
        return None  # the base of a synonym (no chaining), or a linked server's name
    return find_module(ctx, node, (KIND,))


def base_name(module: Module) -> str:
    """The base object's name as the CREATE SYNONYM wrote it (``master.dbo.t``)."""
    statement = parse_batch_cached(module.definition)[0]
    assert isinstance(statement, st.CreateSynonym), "a stored synonym is a CREATE SYNONYM"
    return statement.base


def base_of(module: Module, node: exp.Table) -> exp.Table:
    """``node`` (a reference to the synonym) rewritten to name its base object, under the synonym's name (or the
    reference's alias), its table hints kept."""
    quoted = ".".join("[" + part.replace("]", "]]") + "]" if part else "" for part in base_name(module).split("."))
    base = exp.to_table(quoted, dialect="tsql")
    base.set("alias", exp.TableAlias(this=exp.to_identifier(node.alias or node.name)))
    if node.args.get("hints"):
        base.set("hints", node.args["hints"])
    base.meta[SYNONYM] = ".".join(part.name for part in node.parts)  # as written: 5313 names it; never a synonym
    return base


def table_of(ctx: ExecContext, node: exp.Table, find_table: Callable[[ExecContext, exp.Table], Any]) -> Any:
    """The table a synonym reference stands for (``find_table`` looks the base up); None when ``node`` is no
    synonym; 5313 when the synonym's base is not a table here."""
    module = find(ctx, node)
    if module is None:
        return None
    base = base_of(module, node)
    table = find_table(ctx, base)
    if table is None:
        raise sql_error(5313, base.meta[SYNONYM])
    return table


def create_synonym(ctx: ExecContext, statement: st.CreateSynonym) -> None:
    from quietus.sql.stored_procedures import define_module  # the module catalog's DDL (it imports the planner)

    define_module(ctx, KIND, statement.schema, statement.name, "CREATE", statement.text)


HANDLERS: dict[type, Any] = {st.CreateSynonym: create_synonym}  # DROP SYNONYM is views.drop_module's
