"""Table sources that take arguments or see the row to their left: table-valued functions and APPLY.

sqlglot's T-SQL parser reads ``CROSS APPLY x`` / ``OUTER APPLY x`` as a join whose source is an ``exp.Lateral``
(``cross_apply`` True for CROSS, False for OUTER) and ``FROM sys.f(a)`` as an ``exp.Table`` whose ``this`` is the
call.  What each right-hand side of APPLY becomes:

| ``APPLY ...``                                 | plan                                            | sees the left row |
|-----------------------------------------------|-------------------------------------------------|-------------------|
| ``sys.f(args) [AS] a``                        | ``FunctionScan``: arguments evaluated per row   | in its arguments  |
| ``(SELECT ...) [AS] a[(c1, ...)]``            | the query planned with the left side as outer   | anywhere in it    |
| ``(VALUES (...), ...) [AS] a(c1, ...)``       | ``ValuesScan``: each row's expressions per row  | in its expressions|
| a table, view or CTE name                     | as in FROM (a cross join when CROSS)            | no                |

``Apply`` runs the right side once per left row with that row as its outer row; CROSS keeps the pairs, OUTER also
keeps a left row with no match, NULLs on the right (SQL Server's semantics).

Errors, SQL Server's: an unknown function 208 (the whole name, as written), a table or view given arguments 215,
a function without its arguments or with too few 216, too many 8144, an argument of the wrong type 8116, a
derived table's column list of the wrong length 8158 / 8159.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql import user_functions, xml_methods
from quietus.sql.environment import TableFunction
from quietus.sql.operators import Apply, Correlated, FunctionScan, Plan, ValuesScan
from quietus.sql.scope import Scope, ScopeColumn
from quietus.sql.types_base import SqlType

if TYPE_CHECKING:
    from quietus.sql.planner import Planner, TargetInfo

# Argument type families a function parameter accepts (anything else is error 8116).
_ACCEPTS: dict[str, frozenset[str]] = {
    "binary": frozenset({"binary", "varbinary"}),
    "int": frozenset({"tinyint", "smallint", "int", "bigint", "bit", "decimal", "numeric"}),
    "string": frozenset({"char", "varchar", "nchar", "nvarchar"}),
}
_FAMILY: dict[str, str] = {
    "varbinary": "binary", "binary": "binary", "smallint": "int", "int": "int", "nvarchar": "string",
    "nchar": "string", "varchar": "string",
}  # fmt: skip


def function_name(node: exp.Expr) -> tuple[list[str], exp.Func] | None:
    """``[db.]schema.f(args)`` in any of sqlglot's shapes → (the name's parts, the call); None if not a call."""
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Func):
        parts = [part for part in (node.catalog, node.db) if part]  # the written ones (``master..f()`` has no schema)
        return parts, node.this
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        return [p.name for p in _identifiers(node.this)], node.expression
    if isinstance(node, exp.Func) and not isinstance(node, exp.Dot):
        return [], node
    return None


def _identifiers(node: exp.Expr) -> list[exp.Identifier]:
    if isinstance(node, exp.Identifier):
        return [node]
    if isinstance(node, exp.Dot):
        return _identifiers(node.this) + _identifiers(node.expression)
    raise sql_error(102, node.sql(dialect="tsql").split()[0])


def _call_name(call: exp.Func) -> str:
    return call.name if isinstance(call, exp.Anonymous) else call.sql_name()


def _call_arguments(call: exp.Func) -> list[exp.Expr]:
    if isinstance(call, exp.Anonymous):
        return list(call.expressions)
    return [value for value in call.args.values() if isinstance(value, exp.Expr)]


def resolve_function(planner: Planner, parts: list[str], name: str) -> TableFunction:
    """The registered function ``parts.name`` names (system functions live in schema sys, any database)."""
    written = ".".join([*parts, name])
    env = planner.ctx.env
    # fn_* system functions answer without their schema too (FROM fn_my_permissions(NULL, 'SERVER'))
    in_sys = (parts and parts[-1].casefold() == "sys") or (not parts and name.casefold().startswith("fn_"))
    function = env.table_function("sys." + name) if in_sys else None
    if function is not None:
        return function
    qualified = written.casefold()
    schema_ok = not parts or parts[-1].casefold() in ("dbo", "")
    if env.virtual_table(qualified) is not None or (schema_ok and planner.ctx.database.table_by_name(name)):
        raise sql_error(215, written)
    raise sql_error(208, written)


def alias_columns(alias: exp.Expr | None) -> list[str]:
    """The column list of ``AS a(c1, c2)``, if any."""
    return [c.name for c in alias.args.get("columns") or []] if isinstance(alias, exp.TableAlias) else []


def plan_function(
    planner: Planner, node: exp.Expr, alias: str, scope: Scope, names: Sequence[str] = ()
) -> Plan:
    """A table-valued function call whose arguments are compiled in ``scope`` (the left side's under APPLY);
    ``names`` renames its columns (``AS a(c1, ...)``).  A user's inline function (``dbo.f(...)``) is planned by
    quietus.sql.user_functions."""
    found = function_name(node)
    assert found is not None
    parts, call = found
    name = _call_name(call)
    module = user_functions.find_function(planner.ctx, parts, name, ("IF", "TF"))
    if module is not None:
        written = ".".join([*parts, name])
        plan = user_functions.plan_inline if module.type.strip() == "IF" else user_functions.plan_table_function
        return plan(planner, module, call, written, alias, scope, names)
    function = resolve_function(planner, parts, name)
    arguments = _call_arguments(call)
    if len(arguments) < len(function.parameters):
        raise sql_error(216, ".".join([*parts, name]))
    if len(arguments) > len(function.parameters):
        raise sql_error(8144, name)
    compiled = []
    for position, (argument, (_, expected)) in enumerate(zip(arguments, function.parameters, strict=True), 1):
        if function.defaults is not None and isinstance(argument, exp.Var) and argument.name.upper() == "DEFAULT":
            default = function.defaults[position - 1]  # the documented value DEFAULT stands for
            argument = exp.Null() if default is None else exp.Literal.number(default)
        value = planner.compile(argument, scope)
        if not isinstance(argument, exp.Null) and not _accepts(expected, value.type):
            raise sql_error(8116, value.type.display(), position, name)
        compiled.append(value.fn)
    source = alias or name
    shown = renamed(list(function.columns), list(names), source)
    columns = [ScopeColumn(c.name, c.type, source, name) for c in shown]
    return FunctionScan(function, compiled, columns)


def _accepts(expected: SqlType, given: SqlType) -> bool:
    family = _FAMILY.get(expected.name, expected.name)
    return given.name in _ACCEPTS.get(family, frozenset({expected.name}))


def lateral_table(lateral: exp.Lateral) -> exp.Table | None:
    """``APPLY t [AS] x`` as the table it names (None when the right side is a function or a query)."""
    source = lateral.this
    if function_name(source) is None and isinstance(source, exp.Identifier | exp.Dot):
        return _as_table(source, lateral.args.get("alias"))
    return None


def plan_apply(
    planner: Planner, lateral: exp.Lateral, left: Plan, outer: Scope | None, target: TargetInfo | None = None
) -> Plan:
    """``left CROSS|OUTER APPLY right``: the right side planned with the left row as its outer row; a table named
    there may be an UPDATE/DELETE ``target``."""
    keep_unmatched = lateral.args.get("cross_apply") is False
    if lateral.args.get("cross_apply") is None:
        raise sql_error(156, "LATERAL")  # LATERAL is not T-SQL; only APPLY reaches here
    alias_node = lateral.args.get("alias")
    alias = alias_node.name if alias_node is not None else ""
    names = alias_columns(alias_node)
    left_scope = planner.scope(left.columns, outer)
    source = lateral.this
    right: Plan
    if xml_methods.is_nodes_call(source):
        right = xml_methods.plan_nodes(source, alias, names, left_scope)
    elif function_name(source) is not None:
        right = plan_function(planner, source, alias, left_scope, names)
    elif isinstance(source, exp.Subquery) and isinstance(source.this, exp.Values):
        right = plan_values(planner, source.this, alias, names, left_scope)
    elif isinstance(source, exp.Subquery):
        planned = planner.plan_query(source.this, left_scope)
        columns = renamed([(c.name, c.type) for c in planned.columns], names, alias)
        right = Correlated(planned.plan, columns)
    elif (table := lateral_table(lateral)) is not None:
        right = planner.plan_table_source(table, target)
    else:
        raise sql_error(102, source.sql(dialect="tsql").split()[0])
    return Apply(left, right, keep_unmatched)


def plan_values(planner: Planner, values: exp.Values, alias: str, names: list[str], scope: Scope) -> ValuesScan:
    rows = [[planner.compile(item, scope) for item in row.expressions] for row in values.expressions]
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise sql_error(10709)
    types = [row_types[0].type for row_types in zip(*rows, strict=True)]
    if not names:
        raise sql_error(8155, 1, alias)
    columns = renamed([("", t) for t in types], names, alias)
    return ValuesScan([[c.fn for c in row] for row in rows], columns)


def renamed(columns: list[tuple[str, SqlType]], names: list[str], alias: str) -> list[ScopeColumn]:
    """Columns under a derived table's or function's column list (8158 / 8159 when its length differs; 8155 for a
    column left without a name)."""
    if names and len(names) < len(columns):
        raise sql_error(8158, alias)
    if names and len(names) > len(columns):
        raise sql_error(8159, alias)
    if names:
        columns = [(new, t) for new, (_, t) in zip(names, columns, strict=True)]
    for position, (name, _) in enumerate(columns, 1):
        if not name:
            raise sql_error(8155, position, alias)
    return [ScopeColumn(name, t, alias) for name, t in columns]


def _as_table(node: exp.Expr, alias: exp.TableAlias | None) -> exp.Table:
    parts = _identifiers(node)
    table = exp.Table(this=parts[-1].copy())
    keys = ["db", "catalog"]
    for part, key in zip(reversed(parts[:-1]), keys, strict=False):
        table.set(key, part.copy())
    if alias is not None:
        table.set("alias", alias.copy())
    return table
