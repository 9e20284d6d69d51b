"""WITH SCHEMABINDING: what a schema-bound view or function names cannot be dropped or changed under it.

SQL Server records the dependencies of a schema-bound module; Quietus reads them from its text when a DROP or ALTER
asks (the texts are parsed once, through the batch parser's cache):

| statement                                   | refused while a schema-bound module names ...    | error |
|---------------------------------------------|--------------------------------------------------|-------|
| DROP TABLE t                                | t                                                | 3729  |
| ALTER TABLE t DROP COLUMN c                 | t, and c anywhere in its text                    | 5074  |
| DROP VIEW / DROP FUNCTION x, ALTER VIEW x   | x                                                | 3729  |

At create, a schema-bound module must name its tables, views and functions in two parts (``dbo.t``: 4512) and
may not use ``*`` (1054).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.dialect import parse_batch_cached
from quietus.sql.dialect import statements as st
from quietus.sql.dialect.grammar import walk
from quietus.sql.modules import Module, reader_xid


def module_trees(statement: st.Statement) -> Iterator[exp.Expr]:
    """The sqlglot trees of a view's or function's definition: its query, or its body's statements'."""
    if isinstance(statement, st.CreateView):
        yield statement.query
    elif isinstance(statement, st.CreateFunction):
        if statement.query is not None:
            yield statement.query
        yield from _statement_trees(statement.body)


def _statement_trees(statements: tuple[st.Statement, ...]) -> Iterator[exp.Expr]:
    for statement in statements:
        for value in (getattr(statement, name, None) for name in getattr(statement, "__slots__", ())):
            if isinstance(value, exp.Expr):
                yield value
            elif isinstance(value, st.Statement):
                yield from _statement_trees((value,))
            elif isinstance(value, tuple):
                yield from _statement_trees(tuple(v for v in value if isinstance(v, st.Statement)))
                yield from (v for v in value if isinstance(v, exp.Expr))


def named_objects(statement: st.Statement) -> Iterator[exp.Table | exp.Dot]:
    """Every table, view or function reference of a definition (CTE names included: callers compare names)."""
    for tree in module_trees(statement):
        for node in walk(tree):
            table = isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier | exp.Func)
            if table or (isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous)):
                yield node  # type: ignore[misc]


def _cte_names(statement: st.Statement) -> set[str]:
    return {cte.alias_or_name.casefold() for tree in module_trees(statement) for cte in tree.find_all(exp.CTE)}


def check_bindable(statement: st.CreateView | st.CreateFunction, noun: str) -> None:
    """4512 for a one-part name of a table or function, 1054 for ``*``."""
    ctes = _cte_names(statement)
    for node in named_objects(statement):
        if isinstance(node, exp.Table):
            name = node.name
            if name.casefold() in ctes or name.startswith("@") or (node.args.get("db") is not None):
                continue
            if isinstance(node.this, exp.Func) and not node.args.get("db"):
                name = node.this.name
            raise sql_error(4512, noun, statement.name, name)
    for tree in module_trees(statement):
        for part in walk(tree):
            if isinstance(part, exp.Star) and not isinstance(part.parent, exp.Count):
                raise sql_error(1054, "*")


def _bound(ctx: ExecContext) -> Iterator[tuple[Module, st.CreateView | st.CreateFunction]]:
    store = ctx.env.services.get("modules")
    if store is None or store.db is not ctx.database:
        return
    for module in store.modules(reader_xid(ctx.session.txn)):
        if module.type.strip() not in ("V", "FN", "IF", "TF"):
            continue
        parsed = parse_batch_cached(module.definition)[0]
        if isinstance(parsed, st.CreateView | st.CreateFunction) and parsed.schemabinding:
            yield module, parsed


def _names(node: exp.Table | exp.Dot) -> str:
    if isinstance(node, exp.Dot):
        return str(node.expression.name).casefold()
    return str(node.this.name if isinstance(node.this, exp.Func) else node.name).casefold()


def referencing_module(ctx: ExecContext, name: str, column: str | None = None) -> str | None:
    """The name of a schema-bound module that names ``name`` (and ``column`` in its text, if given)."""
    folded = name.casefold()
    for module, parsed in _bound(ctx):
        if module.name.casefold() == folded:
            continue
        if not any(_names(node) == folded for node in named_objects(parsed)):
            continue
        if column is not None and not any(
            isinstance(node, exp.Column) and node.name.casefold() == column.casefold()
            for tree in module_trees(parsed)
            for node in walk(tree)
        ):
            continue
        return module.name
    return None


def refuse_drop(ctx: ExecContext, verb: str, shown: str, name: str) -> None:
    """3729 when a schema-bound module names ``name`` (``verb``: DROP TABLE, DROP VIEW, ALTER ...)."""
    referencing = referencing_module(ctx, name)
    if referencing is not None:
        raise sql_error(3729, verb, shown, referencing)


def refuse_drop_column(ctx: ExecContext, table: str, column: str) -> None:
    referencing = referencing_module(ctx, table, column)
    if referencing is not None:
        raise sql_error(5074, "object", referencing, column)
