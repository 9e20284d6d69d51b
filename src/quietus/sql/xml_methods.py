"""Compiling the xml type's methods in expressions: ``x.value(path, type)``, ``x.query(path)``, ``x.exist(path)``.

sqlglot reads ``x.value('(/a/@b)[1]', 'int')`` as ``Dot(x, Anonymous(value, ...))``; the receiver is a column
(``x`` or ``t.x``), a variable, or a parenthesised expression (``(SELECT … FOR XML PATH(''), TYPE).value(…)``).
As in SQL Server the path and the type are string literals (8172 otherwise); ``modify()`` is a mutator, legal only
where ``compile_modify`` is called (``SET @x.modify(…)``, ``UPDATE … SET col.modify(…)``; 8137 elsewhere, see
quietus.sql.xml_dml); ``nodes()`` belongs in FROM / APPLY (quietus.sql.apply).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql import xml_dml, xml_values
from quietus.sql.environment import TableFunction
from quietus.sql.expressions import CompiledExpr, EvalContext, Row, Scope, compile_expression
from quietus.sql.operators import FunctionScan
from quietus.sql.scope import ScopeColumn
from quietus.sql.types_base import BIT, NVARCHAR, XML, parse_type_name
from quietus.sql.types_convert import converter

METHODS = ("value", "query", "exist")


def method_call(node: exp.Expr) -> tuple[exp.Expr, str, list[exp.Expr]] | None:
    """(receiver, method, arguments) when ``node`` is an xml method call, else None."""
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and node.args.get("db") is not None:
        # in FROM, sqlglot reads @x.nodes(...) / t.doc.nodes(...) as a table named by a function
        method = node.this.name.lower()
        if method != "nodes":
            return None
        owner, column = node.args.get("catalog"), node.args["db"]
        if isinstance(column, exp.Parameter):
            target: exp.Expr = column.copy()
        else:
            target = exp.Column(this=exp.to_identifier(column.name), table=owner.copy() if owner else None)
        return target, method, list(node.this.expressions)
    if not isinstance(node, exp.Dot) or not isinstance(node.expression, exp.Anonymous):
        return None
    method = node.expression.name.lower()
    if method not in (*METHODS, "modify", "nodes"):
        return None
    return receiver(node.this), method, list(node.expression.expressions)


def receiver(node: exp.Expr) -> exp.Expr:
    """The xml expression a method is called on, as an expression the compiler reads."""
    if isinstance(node, exp.Identifier):
        return exp.Column(this=node.copy())
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
        parts = [part for part in (node.this, node.expression) if isinstance(part, exp.Identifier)]
        if len(parts) == 2:
            return exp.Column(this=parts[1].copy(), table=parts[0].copy())
    if isinstance(node, exp.Paren | exp.Subquery) and isinstance(node.this, exp.Select):
        return exp.Subquery(this=_columns_named(node.this.copy()))
    return node


# Where a bare identifier is a name of something other than a column.
_NAME_HOLDERS = (exp.Column, exp.Table, exp.TableAlias, exp.Alias, exp.Dot, exp.Var, exp.Schema, exp.ColumnDef)


def _columns_named(select: exp.Select) -> exp.Select:
    """sqlglot leaves the column references of a query that is the receiver of a method (``(SELECT name …).value()``)
    as bare identifiers: make them columns again."""
    for dot in list(select.find_all(exp.Dot)):
        if isinstance(dot.this, exp.Identifier) and isinstance(dot.expression, exp.Identifier):
            dot.replace(exp.Column(this=dot.expression.copy(), table=dot.this.copy()))
    for identifier in list(select.find_all(exp.Identifier)):
        if not isinstance(identifier.parent, _NAME_HOLDERS):
            identifier.replace(exp.Column(this=identifier.copy()))
    return select


def _literal(node: exp.Expr, method: str, position: int) -> str:
    """A string literal argument, ``'…'`` or ``N'…'``; 8172 for anything else."""
    if isinstance(node, exp.National):
        return str(node.this)
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise sql_error(8172, position, method)
    return str(node.this)


def compile_method(node: exp.Expr, scope: Scope) -> CompiledExpr:
    call = method_call(node)
    assert call is not None
    target, method, arguments = call
    if method == "modify":
        raise sql_error(8137, "modify")
    if method == "nodes":
        raise sql_error(102, "nodes")  # only in FROM / APPLY
    wanted = 2 if method == "value" else 1
    if len(arguments) != wanted:
        raise sql_error(174, method, wanted)
    path = _literal(arguments[0], method, 1)
    namespaces = statement_namespaces(node)
    compiled = compile_expression(target, scope)
    if compiled.type.name not in ("xml", "nvarchar", "varchar", "nchar", "char"):
        raise sql_error(227, method)
    source = compiled.fn
    if method == "value":
        result_type = parse_type_name(_literal(arguments[1], method, 2))
        to_result = converter(NVARCHAR(None), result_type)

        def evaluate(value: Any) -> Any:
            return to_result(xml_values.value(value, path, namespaces))

        return _closure(source, evaluate, result_type)
    if method == "query":
        return _closure(source, lambda value: xml_values.query(value, path, namespaces), XML)
    return _closure(source, lambda value: xml_values.exist(value, path, namespaces), BIT)


def statement_namespaces(node: exp.Expr) -> dict[str, str] | None:
    """The prefixes the statement holding ``node`` declares with WITH XMLNAMESPACES, if any."""
    with_ = node.root().args.get("with_")
    found: dict[str, str] | None = None if with_ is None else with_.meta.get("xmlnamespaces")
    return found


def compile_modify(target: exp.Expr, label: str, arguments: list[exp.Expr], scope: Scope) -> CompiledExpr:
    """``target.modify('…')`` in a mutator position: the target's new value (``label`` names it in 5302).  The XML
    DML text is parsed here, once; its ``sql:column`` / ``sql:variable`` accessors are compiled in ``scope``."""
    if len(arguments) != 1:
        raise sql_error(174, "modify", 1)
    modification = xml_dml.parse(_literal(arguments[0], "modify", 1))
    compiled = compile_expression(target, scope)
    if compiled.type.name != "xml":
        raise sql_error(258, compiled.type.name)
    accessors = [compile_expression(_accessor_node(accessor), scope) for accessor in modification.accessors]
    as_texts = [converter(accessor.type, NVARCHAR(None)) for accessor in accessors]
    source = compiled.fn

    def fn(row: Row, ctx: EvalContext) -> Any:
        instance = source(row, ctx)
        if instance is None:
            raise sql_error(5302, label)
        texts = []
        for accessor, to_text in zip(accessors, as_texts, strict=True):
            value = accessor.fn(row, ctx)
            texts.append(None if value is None else str(to_text(value)))
        return xml_dml.apply(instance, modification, texts)

    return CompiledExpr(fn, XML)


def _accessor_node(accessor: xml_dml.Accessor) -> exp.Expr:
    """``sql:column("t.c")`` as a column reference, ``sql:variable("@v")`` as a variable."""
    if accessor.kind == "variable":
        return exp.Parameter(this=exp.Var(this=accessor.name.lstrip("@")))
    parts = [part.strip("[]") for part in accessor.name.split(".")]
    return exp.column(parts[-1], table=parts[-2] if len(parts) > 1 else None)


def _closure(source: Callable[[Row, EvalContext], Any], apply: Callable[[Any], Any], t: Any) -> CompiledExpr:
    def fn(row: Row, ctx: EvalContext) -> Any:
        value = source(row, ctx)
        return None if value is None else apply(value)

    return CompiledExpr(fn, t)


def is_nodes_call(node: exp.Expr) -> bool:
    call = method_call(node)
    return call is not None and call[1] == "nodes"


def plan_nodes(source: exp.Expr, alias: str, names: list[str], scope: Scope) -> FunctionScan:
    """``x.nodes(path) AS t(c)`` in FROM or APPLY: one row per selected node, its column ``c`` the node (the
    receiver evaluated on the outer row, so ``t.doc.nodes(...)`` under APPLY reads the left row's ``doc``)."""
    call = method_call(source)
    assert call is not None
    target, method, arguments = call
    if len(arguments) != 1:
        raise sql_error(174, method, 1)
    path = _literal(arguments[0], method, 1)
    namespaces = statement_namespaces(source)
    if len(names) != 1:
        raise sql_error(8158 if len(names) > 1 else 8155, alias if len(names) > 1 else 1, alias)
    compiled = compile_expression(target, scope)

    def rows(ctx: Any, values: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return [] if values[0] is None else [(node,) for node in xml_values.nodes(values[0], path, namespaces)]

    function = TableFunction("nodes", (), ((names[0], XML),), rows)
    return FunctionScan(function, [compiled.fn], [ScopeColumn(names[0], XML, alias)])
