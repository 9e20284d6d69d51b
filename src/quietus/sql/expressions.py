"""The scalar expression compiler: a sqlglot T-SQL AST becomes nested Python closures, once.

``compile_expression(node, scope)`` walks the tree one time and returns a ``CompiledExpr`` whose ``fn(row,
ctx)`` evaluates it for one input row (a tuple; joins hand over concatenated tuples). Everything that can be
decided from types is decided here: operator and conversion binding, collation keys of constants, LIKE
patterns, builtin dispatch. Per row there is no AST, no dictionary lookup by node type, no type test.

Invariants:
  1. Compilation is pure: it reads the scope and the AST and raises compile-time SQL Server errors
     (207, 137, 195, 174/189, 206, 257, 529, 402, 8117, 4145); nothing is evaluated that could fail at
     run time, except constant subtrees, whose errors are deferred to the row that evaluates them.
  2. A predicate (comparison, AND/OR/NOT, IS, BETWEEN, IN, LIKE, EXISTS) has type BOOLEAN and returns
     True/False/None; any other expression returns a value of its ``type`` in the engine's representation.
  3. ``fn`` never walks the AST and never touches global state: session values come through ``ctx``.
  4. Constant subtrees without side effects are folded at compile time (``CompiledExpr.constant``).

GETDATE() and the other clocks read ``ctx.now``, which the executor fixes per statement (SQL Server treats
them as runtime constants of a query), so every row of one statement sees the same time.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlglot import exp

from quietus.engine.scheduler import safe_point
from quietus.errors import SqlError, sql_error
from quietus.sql import utf16
from quietus.sql.builtins import SYSTEM_VARIABLES, system_value_reader
from quietus.sql.builtins_core import NOT_CONSTANT
from quietus.sql.collation import Collation, collation_key, find_collation, like_matcher, sort_key, strip_accents
from quietus.sql.types_base import (
    BOOLEAN,
    DECIMAL,
    FLOAT,
    INT,
    MAX_CHAR,
    MAX_NCHAR,
    NVARCHAR,
    VARBINARY,
    VARCHAR,
    SqlType,
    whole_number,
)
from quietus.sql.types_convert import fit_text
from quietus.sql.types_ops import binary_operation, comparison, comparison_type, unary_operation

Row = tuple[Any, ...]


class EvalContext(Protocol):
    """What a compiled expression may ask of the running request (implemented by the executor)."""

    @property
    def now(self) -> datetime.datetime: ...  # the statement's clock: GETDATE() and friends

    def get_variable(self, name: str) -> Any: ...  # '@x'

    def system_value(self, name: str) -> Any: ...  # '@@SPID', 'SCOPE_IDENTITY', 'ERROR_NUMBER' ...

    def check_interrupt(self) -> None: ...

    def session_option(self, name: str) -> bool: ...  # 'ANSI_NULLS', 'CONCAT_NULL_YIELDS_NULL' (run-time SET options)


RowFn = Callable[[Row, EvalContext], Any]


@dataclass(frozen=True, slots=True)
class CompiledExpr:
    fn: RowFn
    type: SqlType
    constant: Any = NOT_CONSTANT  # the value, when known at compile time (None: NULL)
    slot: int | None = None  # the row slot, when the expression is a plain column reference

    @property
    def is_constant(self) -> bool:
        return self.constant is not NOT_CONSTANT


class Scope(Protocol):
    """Name resolution and subqueries for one query block (implemented by the planner)."""

    def resolve_column(self, parts: tuple[str, ...]) -> tuple[int, SqlType]: ...

    def variable_type(self, name: str) -> SqlType: ...

    def compile_subquery(self, node: exp.Expr, mode: str) -> CompiledExpr: ...

    def compile_function(self, node: exp.Dot) -> CompiledExpr: ...  # schema.f(args): a user function


Compiler = Callable[[Any, Scope], CompiledExpr]


def compile_expression(node: exp.Expr, scope: Scope) -> CompiledExpr:
    """Compile a scalar expression or predicate once into a closure over (row, ctx)."""
    safe_point()  # a 100,000-item IN list or a 50,000-term sum is compiled without freezing the engine
    compiler = _COMPILERS.get(type(node))
    if compiler is None:
        from quietus.sql.expressions_calls import compile_call_node

        return compile_call_node(node, scope)
    return compiler(node, scope)


def compile_predicate(node: exp.Expr, scope: Scope) -> CompiledExpr:
    """Compile a search condition; 4145 when the expression is not boolean (``WHERE 1``)."""
    compiled = compile_expression(node, scope)
    return require_boolean(compiled, node)


def require_boolean(compiled: CompiledExpr, node: exp.Expr) -> CompiledExpr:
    if compiled.type != BOOLEAN:
        raise sql_error(4145, node.sql(dialect="tsql")[:30])
    return compiled


def syntax_error(node: exp.Expr) -> SqlError:
    return sql_error(102, node.sql(dialect="tsql")[:30])


def constant(value: Any, t: SqlType) -> CompiledExpr:
    def fn(row: Row, ctx: EvalContext) -> Any:
        return value

    return CompiledExpr(fn, t, value)


def fold(compiled: CompiledExpr, *parts: CompiledExpr) -> CompiledExpr:
    """Evaluate ``compiled`` now when all ``parts`` are constants; errors stay deferred to run time."""
    if not all(p.is_constant for p in parts):
        return compiled
    try:
        value = compiled.fn((), _NO_CONTEXT)
    except SqlError:
        return compiled
    return constant(value, compiled.type)


class _NoContext:
    """The context seen while folding constants: nothing session-dependent may be folded."""

    now = datetime.datetime(1900, 1, 1)

    def get_variable(self, name: str) -> Any:
        raise sql_error(137, name)

    def system_value(self, name: str) -> Any:
        raise sql_error(137, name)

    def check_interrupt(self) -> None:
        return None

    def session_option(self, name: str) -> bool:
        raise sql_error(137, name)  # a value that depends on a SET option is not folded


_NO_CONTEXT = _NoContext()


# --- leaves ---------------------------------------------------------------------------------------------


def number_literal(text: str) -> CompiledExpr:
    """Type a numeric literal as SQL Server does: 1 int, 1.5 decimal(2,1), 1e3 float, 2147483648 decimal."""
    lowered = text.lower()
    if "e" in lowered:
        return constant(float(text), FLOAT)
    if "." in text:
        whole, _, fraction = text.partition(".")
        scale = len(fraction)
        precision = max(len(whole.lstrip("0")) + scale, scale, 1)
        if precision > 38:
            raise sql_error(1007, text)
        return constant(Decimal(text), DECIMAL(precision, scale))
    value = whole_number(text)
    if -(2**31) <= value < 2**31:
        return constant(value, INT)
    return constant(Decimal(value), DECIMAL(max(len(text.lstrip("0")), 1), 0))


def _literal(node: exp.Literal, scope: Scope) -> CompiledExpr:
    if node.is_string:  # longer than 8,000 bytes: SQL Server types the literal varchar(max)
        text = fit_text(node.this, VARCHAR(None))
        return constant(text, VARCHAR(max(len(text), 1) if len(text) <= MAX_CHAR else None))
    return number_literal(node.this)


def _national(node: exp.National, scope: Scope) -> CompiledExpr:
    text = node.this  # longer than 4,000 code units: nvarchar(max)
    units = utf16.units(text)
    return constant(text, NVARCHAR(max(units, 1) if units <= MAX_NCHAR else None))


def _hex(node: exp.HexString, scope: Scope) -> CompiledExpr:
    digits = node.this
    raw = bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits)
    return constant(raw, VARBINARY(max(len(raw), 1)))


def _null(node: exp.Null, scope: Scope) -> CompiledExpr:
    return constant(None, INT)  # an untyped NULL is int, as in SQL Server


def column_parts(node: exp.Column) -> tuple[str, ...]:
    return tuple(part.name for part in node.parts)


def _column(node: exp.Column, scope: Scope) -> CompiledExpr:
    if not isinstance(node.this, exp.Identifier):
        raise syntax_error(node)
    slot, t = scope.resolve_column(column_parts(node))

    def read(row: Row, ctx: EvalContext) -> Any:
        return row[slot]

    return CompiledExpr(read, t, slot=slot)


def variable(name: str, scope: Scope) -> CompiledExpr:
    if name.startswith("@@"):
        t = SYSTEM_VARIABLES.get(name.upper())
        if t is None:
            raise sql_error(137, name)
        reader = system_value_reader(name.upper(), t)
        return CompiledExpr(lambda row, ctx: reader(ctx), t)
    t = scope.variable_type(name)

    def read(row: Row, ctx: EvalContext) -> Any:
        return ctx.get_variable(name)

    return CompiledExpr(read, t)


def _parameter(node: exp.Parameter, scope: Scope) -> CompiledExpr:
    inner = node.this
    if isinstance(inner, exp.Parameter):
        return variable("@@" + inner.name, scope)
    return variable("@" + inner.name, scope)


def _var(node: exp.Var, scope: Scope) -> CompiledExpr:
    if node.name.startswith("@"):
        return variable(node.name, scope)
    raise syntax_error(node)


def _paren(node: exp.Paren, scope: Scope) -> CompiledExpr:
    return compile_expression(node.this, scope)


# --- operators ------------------------------------------------------------------------------------------


def _with_conversion(compiled: CompiledExpr, convert: Callable[[Any], Any] | None) -> CompiledExpr:
    if convert is None:
        return compiled
    inner = compiled.fn

    def converted(row: Row, ctx: EvalContext) -> Any:
        return convert(inner(row, ctx))

    return fold(CompiledExpr(converted, compiled.type), compiled)


def binary(fn: Callable[[Any, Any], Any], left: CompiledExpr, right: CompiledExpr, t: SqlType) -> CompiledExpr:
    """NULL-propagating application of ``fn`` to two compiled operands (specialised for constants)."""
    fa, fb = left.fn, right.fn
    if right.is_constant and right.constant is not None:
        b = right.constant

        def with_constant(row: Row, ctx: EvalContext) -> Any:
            a = fa(row, ctx)
            return None if a is None else fn(a, b)

        return fold(CompiledExpr(with_constant, t), left)
    if right.is_constant or (left.is_constant and left.constant is None):
        return constant(None, t)

    def apply(row: Row, ctx: EvalContext) -> Any:
        a = fa(row, ctx)
        if a is None:
            return None
        b = fb(row, ctx)
        if b is None:
            return None
        return fn(a, b)

    return fold(CompiledExpr(apply, t), left, right)


_ARITHMETIC: dict[type[exp.Expr], str] = {
    exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%",
    exp.BitwiseAnd: "&", exp.BitwiseOr: "|", exp.BitwiseXor: "^",
}  # fmt: skip


def _arithmetic(node: exp.Binary, scope: Scope) -> CompiledExpr:
    left = compile_expression(node.this, scope)
    right = compile_expression(node.expression, scope)
    # An untyped NULL meeting a string takes the string's type, as SQL Server types ``'abc' + NULL`` (varchar).
    if isinstance(node.this, exp.Null) and right.type.family == "string":
        left = constant(None, right.type)
    elif isinstance(node.expression, exp.Null) and left.type.family == "string":
        right = constant(None, left.type)
    return arithmetic(_ARITHMETIC[type(node)], left, right, node)


def arithmetic(op: str, left: CompiledExpr, right: CompiledExpr, node: exp.Expr) -> CompiledExpr:
    """Bind ``left op right`` (op in + - * / % & | ^) with SQL Server's result type and conversions."""
    _not_boolean(left, right, node)
    operation = binary_operation(op, _literal_type(left, right.type), _literal_type(right, left.type))
    if op == "+" and operation.type.family == "string":
        return _concatenation(operation.fn, left, right, operation)
    fn = operation.fn
    if op == "+" and operation.type.is_binary and operation.type.length is not None:
        fn = _cut_to(fn, operation.type.length)  # binary + binary is cut at 8,000 bytes too
    return binary(
        fn,
        _with_conversion(left, operation.left),
        _with_conversion(right, operation.right),
        operation.type,
    )


def _cut_to(fn: Callable[[Any, Any], Any], length: int) -> Callable[[Any, Any], Any]:
    return lambda a, b: fn(a, b)[:length]


def _concatenation(
    fn: Callable[[Any, Any], Any], left: CompiledExpr, right: CompiledExpr, operation: Any
) -> CompiledExpr:
    """String ``+``: NULL with CONCAT_NULL_YIELDS_NULL ON (the default); with it OFF, a NULL operand counts as ''
    (both NULL still give NULL, as in SQL Server).  Without a max operand the result is cut at its type's length
    (8,000 bytes), as SQL Server cuts it."""
    fa = _with_conversion(left, operation.left).fn
    fb = _with_conversion(right, operation.right).fn
    t = operation.type
    length = t.length

    def concatenate(row: Row, ctx: EvalContext) -> Any:
        a = fa(row, ctx)
        b = fb(row, ctx)
        if a is not None and b is not None:
            joined = fn(a, b)
            if length is None:
                return joined
            return utf16.at_most(joined, length) if isinstance(joined, str) else joined[:length]
        if (a is None and b is None) or ctx.session_option("CONCAT_NULL_YIELDS_NULL"):
            return None
        return b if a is None else a

    return fold(CompiledExpr(concatenate, t), left, right)


def _literal_type(operand: CompiledExpr, other: SqlType) -> SqlType:
    """An integer constant meeting a decimal counts as decimal(digits, 0), as SQL Server types it there."""
    value = operand.constant
    if other.name in ("decimal", "numeric") and operand.type == INT and type(value) is int:
        return DECIMAL(max(len(str(abs(value))), 1), 0)
    return operand.type


def _not_boolean(*parts: CompiledExpr | exp.Expr) -> None:
    """A predicate used as a value is a syntax error in T-SQL."""
    node = parts[-1]
    for part in parts[:-1]:
        if isinstance(part, CompiledExpr) and part.type == BOOLEAN and isinstance(node, exp.Expr):
            raise syntax_error(node)


def _unary(op: str) -> Compiler:
    def compile_unary(node: exp.Expr, scope: Scope) -> CompiledExpr:
        operand = compile_expression(node.this, scope)
        _not_boolean(operand, node)
        fn, t = unary_operation(op, operand.type)
        inner = operand.fn

        def apply(row: Row, ctx: EvalContext) -> Any:
            value = inner(row, ctx)
            return None if value is None else fn(value)

        return fold(CompiledExpr(apply, t), operand)

    return compile_unary


_COMPARISONS: dict[type[exp.Expr], str] = {
    exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=",
}  # fmt: skip


def compare(op: str, left: CompiledExpr, right: CompiledExpr, collation: Collation | None = None) -> CompiledExpr:
    """Bind ``left op right`` with implicit conversion and collation (the default one unless an operand names
    one); NULL on either side gives NULL."""
    operation = comparison(op, left.type, right.type, None if collation is None else collation.key)
    left = _with_conversion(left, operation.left)
    right = _with_conversion(right, operation.right)
    fn = operation.fn
    if (
        collation is None
        and right.is_constant
        and right.constant is not None
        and left.slot is not None
        and operation.left is None
    ):
        return _column_vs_constant(op, left.slot, right.constant, fn)
    return binary(fn, left, right, BOOLEAN)


def _column_vs_constant(op: str, slot: int, value: Any, fn: Callable[[Any, Any], Any]) -> CompiledExpr:
    """The hottest shape (``WHERE col = 'x'``): read the slot directly, precompute the constant's key."""
    if isinstance(value, str) and op == "=":
        key = collation_key(value)

        def equal_text(row: Row, ctx: EvalContext) -> Any:
            a = row[slot]
            if a is None:
                return None
            return a == value or collation_key(a) == key

        return CompiledExpr(equal_text, BOOLEAN)
    if isinstance(value, str):
        key = collation_key(value)
        native = _NATIVE_KEYED[op]

        def order_text(row: Row, ctx: EvalContext) -> Any:
            a = row[slot]
            return None if a is None else native(collation_key(a), key)

        return CompiledExpr(order_text, BOOLEAN)

    def against(row: Row, ctx: EvalContext) -> Any:
        a = row[slot]
        return None if a is None else fn(a, value)

    return CompiledExpr(against, BOOLEAN)


_NATIVE_KEYED: dict[str, Callable[[Any, Any], bool]] = {
    "<>": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip


def _comparison(node: exp.Binary, scope: Scope) -> CompiledExpr:
    left = compile_expression(node.this, scope)
    right = compile_expression(node.expression, scope)
    _not_boolean(left, right, node)
    op = _COMPARISONS[type(node)]
    collation = explicit_collation(node.this, node.expression, _OPERATION_NAMES[op])
    return compare_written(op, node.this, node.expression, left, right, collation)


def compare_written(
    op: str,
    left_node: exp.Expr,
    right_node: exp.Expr,
    left: CompiledExpr,
    right: CompiledExpr,
    collation: Collation | None = None,
) -> CompiledExpr:
    """``compare`` for operands as written: = and <> against a NULL literal or a @variable follow ANSI_NULLS
    (comparisons, simple CASE, NULLIF)."""
    if op in ("=", "<>") and (null_or_variable(left_node) or null_or_variable(right_node)):
        return _ansi_nulls_comparison(op, left, right, collation)
    return compare(op, left, right, collation)


def null_or_variable(node: exp.Expr) -> bool:
    """Whether an operand is a NULL literal or a @variable: the comparisons SET ANSI_NULLS OFF changes."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Null):
        return True
    if isinstance(node, exp.Parameter):
        return not isinstance(node.this, exp.Parameter)  # @v, not @@SPID
    return isinstance(node, exp.Var) and node.name.startswith("@") and not node.name.startswith("@@")


def _ansi_nulls_comparison(
    op: str, left: CompiledExpr, right: CompiledExpr, collation: Collation | None
) -> CompiledExpr:
    """``x = NULL``, ``x <> @v``: NULL when ANSI_NULLS is ON (the default); with it OFF, SQL Server's non-ISO rule
    (= is true when both sides are NULL, false when one is; <> the opposite)."""
    operation = comparison(op, left.type, right.type, None if collation is None else collation.key)
    left = _with_conversion(left, operation.left)
    right = _with_conversion(right, operation.right)
    fa, fb, fn = left.fn, right.fn, operation.fn
    equal = op == "="

    def compare_nulls(row: Row, ctx: EvalContext) -> Any:
        a = fa(row, ctx)
        b = fb(row, ctx)
        if a is not None and b is not None:
            return fn(a, b)
        if ctx.session_option("ANSI_NULLS"):
            return None
        return (a is None and b is None) is equal

    return fold(CompiledExpr(compare_nulls, BOOLEAN), left, right)


_OPERATION_NAMES = {
    "=": "equal to", "<>": "not equal to", "<": "less than", "<=": "less than or equal to", ">": "greater than",
    ">=": "greater than or equal to", "like": "like",
}  # fmt: skip


def explicit_collation(left: exp.Expr, right: exp.Expr, operation: str) -> Collation | None:
    """The collation an operand names with COLLATE (it wins over the default); 468 when both name different
    ones."""
    named = [named_collation(side) for side in (left, right)]
    found = [collation for collation in named if collation is not None]
    if len(found) == 2 and found[0].name.casefold() != found[1].name.casefold():
        raise sql_error(468, found[0].name, found[1].name, operation)
    return found[0] if found else None


def named_collation(node: exp.Expr) -> Collation | None:
    while isinstance(node, exp.Paren):
        node = node.this
    if not isinstance(node, exp.Collate):
        return None
    return collation_named(node)


def collated_sort_key(node: exp.Expr) -> Callable[[Any], Any]:
    """The ORDER BY key of an expression: its COLLATE's order for strings, else the default ``sort_key``."""
    collation = named_collation(node)
    if collation is None:
        return sort_key
    text_key = collation.key

    def key(value: Any) -> Any:
        return text_key(value) if type(value) is str else sort_key(value)

    return key


def collation_named(node: exp.Collate) -> Collation:
    name = node.expression.name
    collation = find_collation(name)
    if collation is None:
        raise sql_error(448, name)
    return collation


# --- logic ----------------------------------------------------------------------------------------------


def _connective(decisive: bool) -> Callable[[RowFn, RowFn], RowFn]:
    """AND (decisive False) or OR (decisive True) in three-valued logic: decisive value first, then NULL."""

    def combine(a_fn: RowFn, b_fn: RowFn) -> RowFn:
        def connect(row: Row, ctx: EvalContext) -> Any:
            a = a_fn(row, ctx)
            if a is decisive:
                return decisive
            b = b_fn(row, ctx)
            if b is decisive:
                return decisive
            if a is None or b is None:
                return None
            return not decisive

        return connect

    return combine


conjunction = _connective(False)
disjunction = _connective(True)


def _logic(combine: Callable[[RowFn, RowFn], RowFn]) -> Compiler:
    def compile_logic(node: exp.Expr, scope: Scope) -> CompiledExpr:
        fa = compile_predicate(node.this, scope)
        fb = compile_predicate(node.expression, scope)
        return fold(CompiledExpr(combine(fa.fn, fb.fn), BOOLEAN), fa, fb)

    return compile_logic


def _not(node: exp.Not, scope: Scope) -> CompiledExpr:
    operand = compile_predicate(node.this, scope)
    inner = operand.fn

    def negate(row: Row, ctx: EvalContext) -> Any:
        value = inner(row, ctx)
        return None if value is None else not value

    return fold(CompiledExpr(negate, BOOLEAN), operand)


def _is(node: exp.Is, scope: Scope) -> CompiledExpr:
    if not isinstance(node.expression, exp.Null):
        raise syntax_error(node)
    operand = compile_expression(node.this, scope)
    _not_boolean(operand, node)
    inner = operand.fn

    def is_null(row: Row, ctx: EvalContext) -> bool:
        return inner(row, ctx) is None

    return fold(CompiledExpr(is_null, BOOLEAN), operand)


def _between(node: exp.Between, scope: Scope) -> CompiledExpr:
    value = compile_expression(node.this, scope)
    low_node, high_node = node.args["low"], node.args["high"]
    low = compare(">=", value, compile_expression(low_node, scope), explicit_collation(node.this, low_node, "between"))
    high = compare(
        "<=", value, compile_expression(high_node, scope), explicit_collation(node.this, high_node, "between")
    )
    return fold(CompiledExpr(conjunction(low.fn, high.fn), BOOLEAN), low, high)


def _in(node: exp.In, scope: Scope) -> CompiledExpr:
    value = compile_expression(node.this, scope)
    query = node.args.get("query")
    if query is not None:
        return _in_subquery(value, scope.compile_subquery(query, "in"))
    items = [compile_expression(item, scope) for item in node.expressions]
    collations = [explicit_collation(node.this, item, "equal to") for item in node.expressions]
    nulls = [null_or_variable(item) for item in node.expressions]  # each compared as ``x = item`` under ANSI_NULLS
    if all(item.is_constant for item in items) and not any(collations) and not any(nulls):
        fast = _in_constants(value, items)
        if fast is not None:
            return fast
    tests = [
        (_ansi_nulls_comparison if null else compare)("=", value, item, collation).fn
        for item, collation, null in zip(items, collations, nulls, strict=True)
    ]

    def any_equal(row: Row, ctx: EvalContext) -> Any:
        unknown = False
        for test in tests:
            result = test(row, ctx)
            if result:
                return True
            if result is None:
                unknown = True
        return None if unknown else False

    return CompiledExpr(any_equal, BOOLEAN)


def _left_conversion(source: SqlType, target: SqlType) -> Any:
    safe_point()
    return comparison("=", source, target).left


def _in_constants(value: CompiledExpr, items: list[CompiledExpr]) -> CompiledExpr | None:
    """``x IN (c1, c2, ...)`` as one set lookup, when all items meet x's type without conversion errors."""
    target = value.type
    for item in items:
        safe_point()
        target = comparison_type(target, item.type)
    to_target = [_left_conversion(item.type, target) for item in items]
    keys: set[Any] = set()
    has_null = False
    try:
        for item, convert in zip(items, to_target, strict=True):
            safe_point()
            if item.constant is None:
                has_null = True
            else:
                keys.add(sort_key(convert(item.constant) if convert else item.constant))
    except SqlError:
        return None
    value = _with_conversion(value, comparison("=", value.type, target).left)
    inner = value.fn
    miss = None if has_null else False

    def member(row: Row, ctx: EvalContext) -> Any:
        v = inner(row, ctx)
        if v is None:
            return None
        return True if sort_key(v) in keys else miss

    return fold(CompiledExpr(member, BOOLEAN), value)


def _in_subquery(value: CompiledExpr, sub: CompiledExpr) -> CompiledExpr:
    target = comparison_type(value.type, sub.type)
    to_target_value = comparison("=", value.type, target).left
    to_target_item = comparison("=", sub.type, target).left
    value = _with_conversion(value, to_target_value)
    inner, values = value.fn, sub.fn

    def member(row: Row, ctx: EvalContext) -> Any:
        v = inner(row, ctx)
        candidates = values(row, ctx)
        if v is None:
            return None if candidates else False
        key = sort_key(v)
        unknown = False
        for candidate in candidates:
            if candidate is None:
                unknown = True
            elif sort_key(to_target_item(candidate) if to_target_item else candidate) == key:
                return True
        return None if unknown else False

    return CompiledExpr(member, BOOLEAN)


def _like(node: exp.Like, scope: Scope, escape_node: exp.Expr | None = None) -> CompiledExpr:
    from quietus.sql.builtins_core import Arg, to_string

    value = compile_expression(node.this, scope)
    pattern = compile_expression(node.expression, scope)
    _not_boolean(value, pattern, node)
    unicode = value.type.is_unicode or pattern.type.is_unicode
    value = _with_conversion(value, to_string(Arg(value.type, value.constant)))
    pattern = _with_conversion(pattern, to_string(Arg(pattern.type, pattern.constant)))
    escape: str | None = None
    if escape_node is not None:
        compiled_escape = compile_expression(escape_node, scope)
        if not compiled_escape.is_constant or not isinstance(compiled_escape.constant, str):
            raise syntax_error(escape_node)
        escape = compiled_escape.constant[:1] or None
    negate = bool(node.args.get("negate"))
    collation = explicit_collation(node.this, node.expression, "like")
    sensitive = collation is not None and collation.case_sensitive
    inner = value.fn
    if collation is not None and not collation.accent_sensitive:
        inner = _unaccented(value.fn)
        if pattern.is_constant:
            pattern = constant(_without_accents(pattern.constant), pattern.type)
        else:
            pattern = CompiledExpr(_unaccented(pattern.fn), pattern.type)
    if pattern.is_constant:
        if pattern.constant is None:
            return constant(None, BOOLEAN)
        matches = like_matcher(pattern.constant, escape, unicode, sensitive)

        def like_constant(row: Row, ctx: EvalContext) -> Any:
            v = inner(row, ctx)
            if v is None:
                return None
            return matches(v) is not negate

        return fold(CompiledExpr(like_constant, BOOLEAN), value)
    pattern_fn = pattern.fn

    def like_any(row: Row, ctx: EvalContext) -> Any:
        v = inner(row, ctx)
        if v is None:
            return None
        p = pattern_fn(row, ctx)
        if p is None:
            return None
        return like_matcher(p, escape, unicode, sensitive)(v) is not negate

    return CompiledExpr(like_any, BOOLEAN)


def _without_accents(value: Any) -> Any:
    return None if value is None else strip_accents(value)


def _unaccented(fn: RowFn) -> RowFn:
    return lambda row, ctx: _without_accents(fn(row, ctx))


def _like_node(node: exp.Like, scope: Scope) -> CompiledExpr:
    return _like(node, scope)


def _escape(node: exp.Escape, scope: Scope) -> CompiledExpr:
    if not isinstance(node.this, exp.Like):
        raise syntax_error(node)
    return _like(node.this, scope, node.expression)


def _exists(node: exp.Exists, scope: Scope) -> CompiledExpr:
    sub = scope.compile_subquery(node.this, "exists")
    inner = sub.fn

    def exists(row: Row, ctx: EvalContext) -> bool:
        return bool(inner(row, ctx))

    return CompiledExpr(exists, BOOLEAN)


def _subquery(node: exp.Subquery, scope: Scope) -> CompiledExpr:
    return scope.compile_subquery(node, "scalar")


def _collate(node: exp.Collate, scope: Scope) -> CompiledExpr:
    """``x COLLATE name``: the value is x's; the collation counts where values are compared (comparisons, LIKE,
    ORDER BY), which find it on the operand (448 for an unknown name)."""
    collation_named(node)
    compiled = compile_expression(node.this, scope)
    if not compiled.type.is_string:
        raise sql_error(447, compiled.type.name)
    return compiled


def _window(node: exp.Window, scope: Scope) -> CompiledExpr:
    """A window the planner did not take out of the select list or ORDER BY is in a clause where none may be."""
    raise sql_error(4108)


def _needs_over(node: exp.Expr, scope: Scope) -> CompiledExpr:
    from quietus.sql.windows import OVER_ONLY

    raise sql_error(10753, OVER_ONLY[type(node)], state=3)


_COMPILERS: dict[type[exp.Expr], Compiler] = {
    exp.Literal: _literal,
    exp.National: _national,
    exp.HexString: _hex,
    exp.Null: _null,
    exp.Column: _column,
    exp.Parameter: _parameter,
    exp.Var: _var,
    exp.Paren: _paren,
    exp.Neg: _unary("neg"),
    exp.BitwiseNot: _unary("~"),
    **dict.fromkeys(_ARITHMETIC, _arithmetic),
    **dict.fromkeys(_COMPARISONS, _comparison),
    exp.And: _logic(conjunction),
    exp.Or: _logic(disjunction),
    exp.Not: _not,
    exp.Is: _is,
    exp.Between: _between,
    exp.In: _in,
    exp.Like: _like_node,
    exp.Escape: _escape,
    exp.Exists: _exists,
    exp.Subquery: _subquery,
    exp.Collate: _collate,
    exp.Window: _window,
    **dict.fromkeys(
        (
            exp.RowNumber,
            exp.Rank,
            exp.DenseRank,
            exp.Ntile,
            exp.PercentRank,
            exp.CumeDist,
            exp.Lag,
            exp.Lead,
            exp.FirstValue,
            exp.LastValue,
        ),
        _needs_over,
    ),
}


def register_compiler(node_type: type[exp.Expr], compiler: Compiler) -> None:
    """Compile a dialect's own node class (``quietus.sql.oracle``'s case-sensitive comparisons) with
    ``compiler``: the dialect adds to the table instead of the compiler testing for the dialect."""
    _COMPILERS[node_type] = compiler
