"""Views: CREATE / ALTER / DROP VIEW, a view's expansion where a query names it, and writes through a view.

A view is a module (quietus.sql.modules) of type ``V``: its CREATE VIEW text, nothing else.  Where a query names
it, the planner plans the view's query in its place (a derived table under the view's name and column list), with a
planner of its own so the outer query's CTEs never leak in; so a view joins, filters, sits under APPLY or in a
subquery like a table, and always reads its tables' current definitions.

At CREATE / ALTER the query is planned once inside the DDL's transaction: every name it uses must exist then (208,
207, as SQL Server binds a view at create), and its columns must be named (4511) and unique (4506), as many as a
column list gives (8158 / 8159).  ORDER BY needs TOP or OFFSET (1033); a temporary table is refused (4508).
``WITH SCHEMABINDING`` asks for two-part names (4512) and no ``*`` (1054), and then a referenced table cannot be
dropped (3729) nor lose a column the view names (5074) while the view exists (quietus.sql.schema_binding).

INSERT, UPDATE and DELETE of a view become the same statement on its one base table, the view's column names
replaced by the base columns they show and (UPDATE, DELETE) the view's WHERE added, so only rows the view shows
are touched, as in SQL Server:

| the view's query has ...                          | a write through it                                     |
|---------------------------------------------------|--------------------------------------------------------|
| one table in FROM, plain or renamed columns       | runs on that table (through a view of a view too)      |
| a join, APPLY or set operation                    | 4405                                                   |
| DISTINCT, GROUP BY, HAVING or an aggregate        | 4403                                                   |
| TOP or OFFSET                                     | 40517 (SQL Server writes through them; Quietus does not) |
| a computed column, when the write names it        | 4406                                                   |

``WITH CHECK OPTION``: every row an INSERT or UPDATE through the view writes must satisfy the view's WHERE (and the
WHERE of every view under it that has the option, and of those it is stacked on); else 550 and the statement is
undone.  The check is an extra constraint on the base table for that statement (``ctx.view_checks``, read by
dml.RowWriter).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from quietus.engine.access import RowAccess
from quietus.errors import sql_error
from quietus.sql import apply, schema_binding, temp_tables
from quietus.sql.aggregates import AGGREGATE_NAMES
from quietus.sql.context import ExecContext
from quietus.sql.dialect import parse_batch_cached
from quietus.sql.dialect import statements as st
from quietus.sql.dialect.grammar import walk
from quietus.sql.module_names import find_module
from quietus.sql.modules import Module, reader_xid
from quietus.sql.operators import Plan
from quietus.sql.stored_procedures import define_module, drop_modules, store_of

if TYPE_CHECKING:
    from quietus.sql.planner import Planner

MAX_VIEW_NESTING = 32


def definition(module: Module) -> st.CreateView:
    parsed = parse_batch_cached(module.definition)[0]
    assert isinstance(parsed, st.CreateView), "a stored view is a CREATE VIEW"
    return parsed


def find_view(ctx: ExecContext, node: exp.Table) -> Module | None:
    return find_module(ctx, node, ("V",))


# -- expansion -------------------------------------------------------------------------------------------------


def plan_view(planner: Planner, module: Module, alias: str) -> Plan:
    """The view's query planned where a query names it, under ``alias`` and the view's column names."""
    from quietus.sql.planner import Planner as Fresh  # the planner module plans views: imported when one is met

    if module.object_id in planner.expanding or len(planner.expanding) >= MAX_VIEW_NESTING:
        raise sql_error(4429, module.name)
    planner.modules.append(module)
    view = definition(module)
    inner = Fresh(planner.ctx, expanding=(*planner.expanding, module.object_id), modules=planner.modules)
    return inner.derived(view.query, alias, None, list(view.columns))


def still_current(ctx: ExecContext, modules: Sequence[Module]) -> bool:
    """Whether every module a cached plan expanded still reads as it did (same text, same visibility)."""
    if not modules:  # a plan of tables alone (most): nothing to look up
        return True
    store = store_of(ctx)
    if store is None:
        return not modules
    xid = reader_xid(ctx.session.txn)
    return all(store.by_id(module.object_id, xid) == module for module in modules)


# -- DDL -------------------------------------------------------------------------------------------------------


def create_view(ctx: ExecContext, statement: st.CreateView) -> None:
    def check(access: RowAccess) -> None:
        if statement.mode != "CREATE":
            schema_binding.refuse_drop(ctx, "ALTER", statement.name, statement.name)
        with _planning(ctx, access):
            bound_columns(ctx, statement.query, statement.name, statement.columns)
        if statement.schemabinding:
            schema_binding.check_bindable(statement, "view")

    _refuse_in_query(statement.query)
    define_module(ctx, "V", statement.schema, statement.name, statement.mode, statement.text, check)


def bound_columns(
    ctx: ExecContext, query: exp.Expr, name: str, column_list: Sequence[str] = ()
) -> list[tuple[str, Any]]:
    """Plan ``query`` (every name must exist: 208 / 207 ...) and name its columns as a view or inline function
    does: 4511 for a column without a name, 4506 for one named twice, 8158 / 8159 for a column list of another
    length."""
    from quietus.sql.planner import Planner

    planned = Planner(ctx).plan_query(query)
    if not column_list:
        for position, column in enumerate(planned.columns, start=1):
            if not column.name:
                raise sql_error(4511, position)
    columns = apply.renamed([(c.name, c.type) for c in planned.columns], list(column_list), name)  # 8158/8159
    seen: set[str] = set()
    for column in columns:
        folded = column.name.casefold()
        if folded in seen:
            raise sql_error(4506, column.name, name)
        seen.add(folded)
    return [(column.name, column.type) for column in columns]


@contextlib.contextmanager
def _planning(ctx: ExecContext, access: RowAccess) -> Iterator[None]:
    """Plan (never run) a query inside a DDL's transaction: the planner reads the statement's isolation."""
    saved = ctx.access
    ctx.access = access
    try:
        yield
    finally:
        ctx.access = saved


def _refuse_in_query(query: exp.Expr) -> None:
    """What a view's or inline function's query may not have: ORDER BY without TOP / OFFSET / FOR XML (1033),
    a temporary table (4508)."""
    ordered = isinstance(query, exp.Select) and query.args.get("order") is not None
    if ordered and not any(query.args.get(clause) is not None for clause in ("limit", "offset", "for_")):
        raise sql_error(1033)
    for node in walk(query):
        if isinstance(node, exp.Table) and (temp_tables.is_local(node) or temp_tables.is_global(node)):
            raise sql_error(4508)


def drop_module(ctx: ExecContext, statement: st.DropModule) -> None:
    """DROP VIEW / DROP FUNCTION: refused while a schema-bound module names the one dropped (3729)."""
    verb = f"DROP {statement.kind}"

    def refuse_if_bound(access: RowAccess, module: Module) -> None:
        schema_binding.refuse_drop(ctx, verb, module.name, module.name)

    drop_modules(ctx, statement.kind, statement.names, statement.if_exists, refuse_if_bound)


# -- writes through a view -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ViewCheck:
    """WITH CHECK OPTION of a view written through: rows of ``table_name`` written by the statement must satisfy
    ``condition``, whose columns are qualified by ``alias``."""

    view: str
    table_name: str
    alias: str
    condition: exp.Expr


@contextlib.contextmanager
def writes_through(ctx: ExecContext, node: exp.Expr) -> Iterator[exp.Expr]:
    """``node`` (INSERT / UPDATE / DELETE) with a view target rewritten onto its base table, the CHECK OPTIONs in
    force on ``ctx`` while it runs."""
    checks: list[ViewCheck] = []
    rewritten = node
    for _ in range(MAX_VIEW_NESTING + 1):
        module = _view_target(ctx, rewritten)
        if module is None:
            break
        rewritten = _onto_base(ctx, rewritten, module, checks)
    else:
        raise sql_error(4429, _target_node(rewritten).name)
    saved = ctx.view_checks
    ctx.view_checks = tuple(checks)
    try:
        yield rewritten
    finally:
        ctx.view_checks = saved


def _target_node(node: exp.Expr) -> exp.Table:
    target = node.this
    if isinstance(target, exp.Schema):
        target = target.this
    assert isinstance(target, exp.Table)
    return target


def _view_target(ctx: ExecContext, node: exp.Expr) -> Module | None:
    target = node.this.this if isinstance(node.this, exp.Schema) else node.this
    if not isinstance(target, exp.Table) or isinstance(target.this, exp.Func):
        return None
    from_ = node.args.get("from_")
    if from_ is not None:  # UPDATE x ... FROM ...: x may be an alias of FROM
        return None if find_view(ctx, target) is None else _refuse_from(target)
    return find_view(ctx, target)


def _refuse_from(target: exp.Table) -> Module:
    raise sql_error(40517, f"UPDATE or DELETE of view '{target.name}' with a FROM clause")


def _onto_base(ctx: ExecContext, node: exp.Expr, module: Module, checks: list[ViewCheck]) -> exp.Expr:
    view = definition(module)
    query = view.query
    name = module.name
    if not isinstance(query, exp.Select):
        raise sql_error(4405, name)
    from_ = query.args.get("from_")
    if (
        from_ is None
        or query.args.get("joins")
        or from_.this.args.get("joins")
        or not isinstance(from_.this, exp.Table)
    ):
        raise sql_error(4405, name)
    if query.args.get("distinct") is not None or query.args.get("group") is not None or query.args.get("having"):
        raise sql_error(4403, name)
    if any(_is_aggregate(item) for item in query.expressions):
        raise sql_error(4403, name)
    if query.args.get("limit") is not None or query.args.get("offset") is not None:
        raise sql_error(40517, f"INSERT, UPDATE or DELETE through view '{name}' with TOP or OFFSET")
    base = from_.this
    alias = base.alias_or_name
    shown = _shown_columns(ctx, query, base, view.columns, name)
    where = query.args.get("where")
    condition = where.this.copy() if where is not None else None
    if condition is not None and (view.check_option or checks):  # a view under one WITH CHECK OPTION is checked too
        checks.append(ViewCheck(name, base.name, alias, condition))
    user_alias = _target_node(node).alias_or_name
    rewritten = node.copy()
    if isinstance(rewritten, exp.Insert):
        _insert_onto(rewritten, base, shown, name)
        return rewritten
    substitute = _substituter(shown, user_alias)
    if isinstance(rewritten, exp.Update):
        items = []
        for item in rewritten.expressions:
            if not isinstance(item, exp.EQ) or not isinstance(item.this, exp.Column):
                raise sql_error(102, "=")
            column = _plain_base_column(shown, item.this.name, name)
            items.append(exp.EQ(this=exp.column(column), expression=substitute(item.expression)))
        rewritten.set("expressions", items)
    old_where = rewritten.args.get("where")
    conditions = [substitute(old_where.this)] if old_where is not None else []
    if condition is not None:
        conditions.append(condition.copy())
    rewritten.set("where", exp.Where(this=exp.and_(*[exp.Paren(this=c) for c in conditions])) if conditions else None)
    rewritten.set("this", _aliased(base, alias))
    return rewritten


def _aliased(base: exp.Table, alias: str) -> exp.Table:
    table = base.copy()
    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


def _is_aggregate(node: exp.Expr) -> bool:
    for part in walk(node):
        if isinstance(part, exp.Window):
            return False
        if isinstance(part, exp.AggFunc) or (isinstance(part, exp.Anonymous) and part.name.lower() in AGGREGATE_NAMES):
            return True
    return False


def _shown_columns(
    ctx: ExecContext, query: exp.Select, base: exp.Table, names: Sequence[str], view: str
) -> dict[str, exp.Expr]:
    """The view's column names (folded) → the expression over the base table each shows."""
    shown: list[tuple[str, exp.Expr]] = []
    for item in query.expressions:
        if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
            table = temp_tables.find_table(ctx, base)
            if table is None:
                raise sql_error(208, base.name)
            shown += [(c.name, exp.column(c.name)) for c in table.definition.columns]
        elif isinstance(item, exp.Alias):
            shown.append((item.alias, item.this))
        else:
            shown.append((item.name if isinstance(item, exp.Column) else "", item))
    if names:
        if len(names) != len(shown):
            raise sql_error(4413, view)
        shown = [(new, expression) for new, (_, expression) in zip(names, shown, strict=True)]
    return {column.casefold(): expression for column, expression in shown if column}


def _plain_base_column(shown: dict[str, exp.Expr], column: str, view: str) -> str:
    expression = shown.get(column.casefold())
    if expression is None:
        raise sql_error(207, column)
    if not isinstance(expression, exp.Column) or isinstance(expression.this, exp.Star):
        raise sql_error(4406, view)
    return expression.name


def _insert_onto(node: exp.Insert, base: exp.Table, shown: dict[str, exp.Expr], view: str) -> None:
    target = node.this
    names = [identifier.name for identifier in target.expressions] if isinstance(target, exp.Schema) else []
    if not names:
        names = list(shown)
    columns = [exp.to_identifier(_plain_base_column(shown, column, view)) for column in names]
    table = base.copy()
    table.set("alias", None)
    node.set("this", exp.Schema(this=table, expressions=columns))


def _substituter(shown: dict[str, exp.Expr], alias: str) -> Any:
    """Replace references to the view's columns (``c`` or ``alias.c``) by the base expressions they show; an
    unqualified name inside a nested query is left to that query."""
    folded_alias = alias.casefold()

    def substitute(expression: exp.Expr) -> exp.Expr:
        copied = expression.copy()
        for column in list(copied.find_all(exp.Column)):
            qualifier = column.table.casefold() if column.table else ""
            if qualifier and qualifier != folded_alias:
                continue
            if not qualifier and column.find_ancestor(exp.Select) is not None:
                continue
            replacement = shown.get(column.name.casefold())
            if replacement is not None:
                if column is copied:
                    return replacement.copy()
                column.replace(replacement.copy())
        return copied

    return substitute


HANDLERS: dict[type, Any] = {st.CreateView: create_view, st.DropModule: drop_module}
