"""User functions: scalar (type FN), inline table-valued (IF) and multi-statement table-valued (TF).

Both are modules (quietus.sql.modules): their CREATE FUNCTION text, parsed again (cached) when used.

**Scalar.**  ``schema.f(args)`` in any expression (SQL Server needs the schema: a bare ``f(…)`` is a built-in or
195).  The call is bound where the expression is compiled: arguments by position (8144 too many, 313 too few;
``DEFAULT`` takes the parameter's default), the result typed as RETURNS says.  Each evaluation runs the body in a
scope of its own (``function_body.FunctionRunner``) inside the calling statement's transaction and row access, one
nesting level down (217 beyond 32, so a recursive function stops at 32 levels); ``RETURNS NULL ON NULL INPUT``
answers NULL without running it when an argument is NULL.  An error in the body ends the calling statement with
the function's name on it.

What SQL Server forbids in a function body is refused at CREATE:

| in the body                                             | error |
|---------------------------------------------------------|-------|
| EXEC, PRINT, RAISERROR, THROW, TRY, transactions, SET option, WAITFOR, DDL ... | 443 (naming the operator) |
| INSERT / UPDATE / DELETE / MERGE of anything but a table variable | 443 |
| a SELECT that returns rows to the client                | 444 |
| NEWID(), RAND()                                         | 443 |
| a last statement that is not RETURN                     | 455 |

**Inline table-valued.**  ``RETURNS TABLE AS RETURN (query)``: named in FROM, JOIN or APPLY as ``schema.f(args)``,
the query is planned there (its names bound at CREATE, as a view's), its parameters read as variables holding the
arguments, which are evaluated per row of the left side under APPLY (``InlineFunctionScan``).

**Multi-statement table-valued.**  ``RETURNS @t TABLE (...) AS BEGIN ... RETURN END``: the body runs like a scalar
function's with ``@t`` declared as its table variable; the rows ``@t`` holds at RETURN are the function's rows
(``TableFunctionScan``), its columns the declared ones.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlglot import exp

from quietus.engine.access import RowAccess
from quietus.errors import sql_error
from quietus.sql import apply, schema_binding
from quietus.sql.context import ExecContext
from quietus.sql.dialect import parse_batch_cached
from quietus.sql.dialect import statements as st
from quietus.sql.dialect.grammar import walk
from quietus.sql.expressions import CompiledExpr
from quietus.sql.modules import Module, reader_xid
from quietus.sql.operators import Plan
from quietus.sql.scope import Scope, ScopeColumn
from quietus.sql.stored_procedures import define_module, nested_context, store_of
from quietus.sql.types import convert
from quietus.sql.types_base import NVARCHAR, VARBINARY, SqlType, type_from_sqlglot
from quietus.sql.views import _planning, _refuse_in_query, bound_columns

if TYPE_CHECKING:
    from quietus.sql.planner import Planner

Row = tuple[Any, ...]


def definition(module: Module) -> st.CreateFunction:
    parsed = parse_batch_cached(module.definition)[0]
    assert isinstance(parsed, st.CreateFunction), "a stored function is a CREATE FUNCTION"
    return parsed


# -- CREATE FUNCTION -------------------------------------------------------------------------------------------

# Statements a function body may hold; anything else is 443 naming what SQL Server names.
_ALLOWED = (
    st.Declare, st.SetVariable, st.Block, st.If, st.While, st.Break, st.Continue, st.Return, st.SqlStatement,
    st.DeclareCursor, st.OpenCursor, st.FetchCursor, st.CloseCursor, st.DeallocateCursor, st.Goto, st.Label,
)  # fmt: skip
_OPERATORS: dict[type, str] = {
    st.Execute: "EXECUTE", st.ExecuteString: "EXECUTE", st.InsertExec: "INSERT EXEC", st.Print: "PRINT",
    st.Raiserror: "RAISERROR", st.Throw: "THROW", st.TryCatch: "BEGIN TRY", st.BeginTransaction: "BEGIN TRANSACTION",
    st.CommitTransaction: "COMMIT TRANSACTION", st.RollbackTransaction: "ROLLBACK TRANSACTION",
    st.SaveTransaction: "SAVE TRANSACTION", st.SetOption: "SET OPTION ON", st.WaitFor: "WAITFOR",
}  # fmt: skip
_WRITES: dict[type, str] = {exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE", exp.Merge: "MERGE"}
_SIDE_EFFECT_CALLS = {"NEWID": "newid", "RAND": "rand", "NEWSEQUENTIALID": "newsequentialid"}


def create_function(ctx: ExecContext, statement: st.CreateFunction) -> None:
    if statement.query is not None:
        _refuse_in_query(statement.query)
    else:
        _refuse_side_effects(statement.body)
        _require_final_return(statement.body, with_value=statement.table is None)

    def check(access: RowAccess) -> None:
        if statement.mode != "CREATE":
            schema_binding.refuse_drop(ctx, "ALTER", statement.name, statement.name)
        if statement.query is not None:
            with _planning(ctx, access):
                bound_columns(_with_parameters(ctx, statement.parameters), statement.query, statement.name)
        if statement.schemabinding:
            schema_binding.check_bindable(statement, "function")

    kind = "IF" if statement.query is not None else "TF" if statement.table is not None else "FN"
    define_module(ctx, kind, statement.schema, statement.name, statement.mode, statement.text, check)


def _refuse_side_effects(statements: Sequence[st.Statement]) -> None:
    for statement in statements:
        operator = _OPERATORS.get(type(statement))
        if operator is None and not isinstance(statement, _ALLOWED):
            operator = (statement.text or type(statement).__name__).split()[0].upper()
        if operator is not None:
            raise sql_error(443, operator, line=statement.line or 1)
        if isinstance(statement, st.SqlStatement):
            _refuse_sql_side_effects(statement)
        for name in statement.__slots__:
            value = getattr(statement, name, None)
            if isinstance(value, st.Statement):
                _refuse_side_effects((value,))
            elif isinstance(value, tuple) and value and isinstance(value[0], st.Statement):
                _refuse_side_effects(value)
        for tree in _expressions(statement):
            _refuse_calls(tree, statement.line)


def _expressions(statement: st.Statement) -> Iterator[exp.Expr]:
    for name in statement.__slots__:
        value = getattr(statement, name, None)
        if isinstance(value, exp.Expr):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, exp.Expr):
                    yield item
                elif isinstance(item, st.VariableDecl) and item.default is not None:
                    yield item.default


def _refuse_calls(tree: exp.Expr, line: int) -> None:
    for node in walk(tree):
        name = node.name.upper() if isinstance(node, exp.Anonymous) else ""
        if isinstance(node, exp.Uuid):
            name = "NEWID"
        elif isinstance(node, exp.Rand):
            name = "RAND"
        if name in _SIDE_EFFECT_CALLS:
            raise sql_error(443, _SIDE_EFFECT_CALLS[name], line=line or 1)


def _refuse_sql_side_effects(statement: st.SqlStatement) -> None:
    node = statement.node
    line = statement.line or 1
    write = _WRITES.get(type(node))
    if write is not None:
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        if not (isinstance(target, exp.Table) and target.name.startswith("@")) and not _is_table_variable(target):
            raise sql_error(443, write, line=line)
        return
    if isinstance(node, exp.Select) and node.args.get("into") is not None:
        raise sql_error(443, "SELECT INTO", line=line)
    if isinstance(node, exp.Query):
        if (
            isinstance(node, exp.Select)
            and node.expressions
            and all(isinstance(item, exp.EQ) and isinstance(item.this, exp.Parameter) for item in node.expressions)
        ):
            return  # SELECT @v = ...: an assignment
        raise sql_error(444, line=line)
    raise sql_error(443, (statement.text or "").split()[0].upper() + " " + str(node.args.get("kind") or ""), line=line)


def _is_table_variable(target: exp.Expr) -> bool:
    from quietus.sql import temp_tables

    return isinstance(target, exp.Table) and temp_tables.is_table_variable(target)


def _require_final_return(body: Sequence[st.Statement], with_value: bool) -> None:
    """455 unless the body ends with RETURN (with a value in a scalar function, without one in a table function)."""
    statements: Sequence[st.Statement] = body
    while statements and isinstance(statements[-1], st.Block):
        statements = statements[-1].statements
    if not statements or not isinstance(statements[-1], st.Return) or (statements[-1].value is None) == with_value:
        raise sql_error(455)


# -- scalar calls ----------------------------------------------------------------------------------------------


def call_parts(node: exp.Dot) -> tuple[list[str], exp.Anonymous]:
    """``[db.]schema.f(args)`` → (the name's parts before f, the call)."""
    found = apply.function_name(node)
    assert found is not None and isinstance(found[1], exp.Anonymous)
    return found[0], found[1]


def find_function(ctx: ExecContext, parts: Sequence[str], name: str, kinds: tuple[str, ...]) -> Module | None:
    """The function ``parts.name`` of one of ``kinds`` (a schema is required, as in SQL Server)."""
    store = store_of(ctx)
    if store is None or ctx.database is not store.db or not parts:
        return None
    if len(parts) >= 2 and parts[-2] and ctx.env.database(parts[-2]) is not store.db:
        return None
    module = store.find(parts[-1] or None, name, reader_xid(ctx.session.txn))
    return module if module is not None and module.type.strip() in kinds else None


def _varbintohexstr(value: bytes) -> str:
    return "0x" + value.hex()


# Scalar functions SQL Server keeps in the sys schema: named sys.f, master.sys.f or master.dbo.f (never bare: 195).
# name -> (the Python function of its one argument, the argument's type, the result's type)
SYSTEM_SCALAR_FUNCTIONS: dict[str, tuple[Any, SqlType, SqlType]] = {
    "fn_varbintohexstr": (_varbintohexstr, VARBINARY(None), NVARCHAR(None)),
}


def _system_call(planner: Planner, parts: list[str], call: exp.Anonymous, scope: Scope) -> CompiledExpr | None:
    found = SYSTEM_SCALAR_FUNCTIONS.get(call.name.casefold())
    schema = parts[-1].casefold() if parts else ""
    database = parts[-2].casefold() if len(parts) >= 2 and parts[-2] else planner.ctx.database.name.casefold()
    if found is None or not (schema == "sys" or (schema == "dbo" and database == "master")):
        return None
    function, argument_type, result_type = found
    if len(call.expressions) != 1:
        raise sql_error(174, call.name, 1)
    argument = planner.compile(call.expressions[0], scope)
    source = argument.fn
    from_type = argument.type

    def evaluate(row: Row, ctx: Any) -> Any:
        value = source(row, ctx)
        return None if value is None else function(convert(value, from_type, argument_type, explicit=False))

    return CompiledExpr(evaluate, result_type)


def compile_scalar_call(planner: Planner, node: exp.Dot, scope: Scope) -> CompiledExpr:
    """``schema.f(args)`` in an expression: bound now, run at each evaluation (a user function, or one of SQL
    Server's sys functions)."""
    parts, call = call_parts(node)
    written = ".".join([*parts, call.name])
    module = find_function(planner.ctx, parts, call.name, ("FN",))
    if module is None:
        system = _system_call(planner, parts, call, scope)
        if system is not None:
            return system
        raise sql_error(4121, parts[0] if parts else call.name, written)
    planner.modules.append(module)
    function = definition(module)
    arguments = _arguments(planner, function, list(call.expressions), scope, written)
    assert function.returns is not None
    result_type = type_from_sqlglot(function.returns)

    def evaluate(row: Row, ctx: Any) -> Any:
        values = [argument(row, ctx) for argument in arguments]
        return invoke(cast(ExecContext, ctx), module, function, values, result_type)

    return CompiledExpr(evaluate, result_type)


def _arguments(
    planner: Planner, function: st.CreateFunction, given: list[exp.Expr], scope: Scope, written: str
) -> list[Any]:
    """Per-row functions giving each parameter's value, converted to its type (8144, 313; DEFAULT → default)."""
    parameters = function.parameters
    if len(given) > len(parameters):
        raise sql_error(8144, written)
    if len(given) < len(parameters):
        raise sql_error(313, written)
    empty = planner.scope([], None)
    arguments = []
    for parameter, argument in zip(parameters, given, strict=True):
        target = type_from_sqlglot(parameter.type)
        if _is_default(argument):
            if parameter.default is None:
                raise sql_error(313, written)
            compiled = planner.compile(parameter.default, empty)
        else:
            compiled = planner.compile(argument, scope)
        arguments.append(_converted(compiled, target))
    return arguments


def _is_default(node: exp.Expr) -> bool:
    return isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"


def _converted(compiled: CompiledExpr, target: SqlType) -> Any:
    fn, source = compiled.fn, compiled.type

    def value(row: Row, ctx: Any) -> Any:
        result = fn(row, ctx)
        return result if result is None or source == target else convert(result, source, target, explicit=False)

    return value


def invoke(ctx: ExecContext, module: Module, function: st.CreateFunction, values: list[Any], result: SqlType) -> Any:
    """Run a scalar function's body for ``values`` (already of the parameters' types); its RETURN value."""
    from quietus.sql.function_body import FunctionReturn, FunctionRunner  # the batch runner runs bodies

    if function.null_on_null and any(value is None for value in values):
        return None
    nested = _bound_context(ctx, module, function, values)
    runner = FunctionRunner(nested, ctx.row_access())
    try:
        runner.run_block(function.body)
    except FunctionReturn as returned:
        value, source = returned.value, returned.type
        return value if value is None or source == result else convert(value, source, result, explicit=False)
    finally:
        runner.finish()
    raise sql_error(455)


# -- inline table-valued functions -----------------------------------------------------------------------------


def _parameters_context(
    ctx: ExecContext, types: dict[str, SqlType], values: dict[str, Any] | None = None
) -> ExecContext:
    """The calling context seen by an inline function's query: the caller's (a shallow copy: the same session, task,
    row access, clock ...), its own variables the parameters only.  A copy, not a wrapper: the compiled build's plan
    nodes take an ``ExecContext`` and nothing else."""
    inner = copy.copy(ctx)
    inner.variable_types = types
    inner.variables = values if values is not None else {}
    return inner


def _with_parameters(ctx: ExecContext, parameters: Sequence[st.ProcedureParameter]) -> ExecContext:
    types = {parameter.name.casefold(): type_from_sqlglot(parameter.type) for parameter in parameters}
    return _parameters_context(ctx, types)


def table_columns(ctx: ExecContext, module: Module) -> list[tuple[str, Any]]:
    """The columns a table-valued function returns (sys.columns)."""
    function = definition(module)
    if function.table is not None:
        return declared_columns(function.table)
    assert function.query is not None
    return bound_columns(_with_parameters(ctx, function.parameters), function.query, module.name)


def declared_columns(table: st.VariableDecl) -> list[tuple[str, SqlType]]:
    """The columns of ``RETURNS @t TABLE (...)``."""
    from quietus.sql.ddl import column_def
    from quietus.sql.planner import column_type

    assert table.table is not None
    return [
        (definition.name, column_type(definition))
        for definition, _ in (column_def(item) for item in table.table.expressions if isinstance(item, exp.ColumnDef))
    ]


class InlineFunctionScan(Plan):
    """An inline function's query, run with its parameters bound to the arguments (evaluated on the outer row, the
    left row under APPLY); rows are ``outer + its values``, as every scan's."""

    def __init__(
        self, body: Plan, arguments: Sequence[Any], keys: Sequence[str], types: dict[str, SqlType],
        columns: Sequence[ScopeColumn],
    ) -> None:  # fmt: skip
        self.body = body
        self.arguments = list(arguments)
        self.keys = list(keys)
        self.types = types
        self.columns = list(columns)

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        values = {key: argument(outer, ctx) for key, argument in zip(self.keys, self.arguments, strict=True)}
        bound = _parameters_context(ctx, self.types, values)
        for row in self.body.rows(bound, ()):
            yield outer + row


def plan_inline(
    planner: Planner, module: Module, call: exp.Func, written: str, alias: str, scope: Scope, names: Sequence[str]
) -> Plan:
    """``schema.f(args) [AS] a[(c, ...)]`` in FROM / JOIN / APPLY."""
    from quietus.sql.planner import Planner as Fresh

    if module.object_id in planner.expanding:
        raise sql_error(4429, module.name)
    planner.modules.append(module)
    function = definition(module)
    assert function.query is not None
    given = list(call.expressions) if isinstance(call, exp.Anonymous) else []
    arguments = _arguments(planner, function, given, scope, written)
    inner_ctx = _with_parameters(planner.ctx, function.parameters)
    inner = Fresh(inner_ctx, expanding=(*planner.expanding, module.object_id), modules=planner.modules)
    planned = inner.plan_query(function.query)
    source = alias or module.name
    columns = apply.renamed([(c.name, c.type) for c in planned.columns], list(names), source)
    shown = [ScopeColumn(c.name, c.type, source, module.name) for c in columns]
    keys = [parameter.name.casefold() for parameter in function.parameters]
    return InlineFunctionScan(planned.plan, arguments, keys, dict(inner_ctx.variable_types), shown)


# -- multi-statement table-valued functions --------------------------------------------------------------------


class TableFunctionScan(Plan):
    """A multi-statement function's rows: its body run for the arguments (evaluated on the outer row), then the rows
    it left in its RETURNS table; rows are ``outer + its values``."""

    def __init__(
        self, module: Module, function: st.CreateFunction, arguments: Sequence[Any], columns: Sequence[ScopeColumn]
    ) -> None:
        self.module = module
        self.function = function
        self.arguments = list(arguments)
        self.columns = list(columns)

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        values = [argument(outer, ctx) for argument in self.arguments]
        for row in fill_table(ctx, self.module, self.function, values):
            yield outer + row


def fill_table(ctx: ExecContext, module: Module, function: st.CreateFunction, values: list[Any]) -> list[Row]:
    """Run a multi-statement function's body with its RETURNS table declared; the rows it put there."""
    from quietus.sql.function_body import FunctionRunner

    assert function.table is not None and function.table.table is not None
    nested = _bound_context(ctx, module, function, values)
    runner = FunctionRunner(nested, ctx.row_access())
    try:
        return runner.run_for_table(function.body, function.table.name, function.table.table)
    finally:
        runner.finish()


def _bound_context(ctx: ExecContext, module: Module, function: st.CreateFunction, values: list[Any]) -> ExecContext:
    nested = nested_context(ctx, module.name, module.object_id)
    nested.share_clock(ctx)
    for parameter, value in zip(function.parameters, values, strict=True):
        key = parameter.name.casefold()
        nested.variable_types[key] = type_from_sqlglot(parameter.type)
        nested.variables[key] = value
    return nested


def plan_table_function(
    planner: Planner, module: Module, call: exp.Func, written: str, alias: str, scope: Scope, names: Sequence[str]
) -> Plan:
    """``schema.f(args) [AS] a[(c, ...)]`` of a multi-statement function in FROM / JOIN / APPLY."""
    planner.modules.append(module)
    function = definition(module)
    assert function.table is not None
    given = list(call.expressions) if isinstance(call, exp.Anonymous) else []
    arguments = _arguments(planner, function, given, scope, written)
    source = alias or module.name
    columns = apply.renamed(declared_columns(function.table), list(names), source)
    shown = [ScopeColumn(c.name, c.type, source, module.name) for c in columns]
    return TableFunctionScan(module, function, arguments, shown)


HANDLERS: dict[type, Any] = {st.CreateFunction: create_function}
