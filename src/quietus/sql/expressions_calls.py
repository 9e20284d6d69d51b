"""Compiling calls: builtin functions, the lazy conditional forms, CAST/CONVERT, and sqlglot's function nodes.

sqlglot's T-SQL parser turns many functions into its own node classes (exp.Length, exp.DateAdd, exp.Coalesce
...), sometimes rewritten (LEN(x) becomes Length(Cast(x AS TEXT)), YEAR(x) becomes Year(TsOrDsToDate(x))).
``_NODE_CALLS`` maps each such class back to the T-SQL builtin and its arguments in T-SQL order, undoing the
rewrites; ``exp.Anonymous`` falls back to the builtin table by name. So a dialect that keeps a function as
Anonymous and one that gives it a node class both compile to the same closure.

Invariants:
  1. ISNULL, COALESCE, IIF, CHOOSE and CASE evaluate only the branch they return (a later branch that would
     fail, such as 1/0, is never run), exactly as SQL Server short-circuits them.
  2. A CASE/COALESCE result is converted to the result type (highest precedence of its branches), so every
     row yields the same type; 8133 when every branch is the NULL constant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlglot import exp

from quietus.errors import SqlError, sql_error
from quietus.sql import xml_methods
from quietus.sql.aggregates import AGGREGATE_NAMES
from quietus.sql.builtins import CASE_SENSITIVE_FUNCTIONS, lookup
from quietus.sql.builtins_core import NOT_CONSTANT, Arg, Builtin
from quietus.sql.builtins_format import STRFTIME_FORMAT
from quietus.sql.expressions import (
    CompiledExpr,
    EvalContext,
    Row,
    Scope,
    compare_written,
    compile_expression,
    compile_predicate,
    constant,
    fold,
    named_collation,
    syntax_error,
)
from quietus.sql.types_base import DATE, INT, SqlType, datetime2, result_type, type_from_sqlglot
from quietus.sql.types_convert import converter


class Keyword:
    """A bare-word argument (a datepart such as ``day``) passed through to the builtin's binder."""

    __slots__ = ("word",)

    def __init__(self, word: str) -> None:
        self.word = word


Argument = exp.Expr | Keyword | None


def _present(args: Sequence[Argument]) -> list[exp.Expr | Keyword]:
    return [a for a in args if a is not None]


def _unwrap_text_cast(node: exp.Expr) -> exp.Expr:
    """Undo the CAST(x AS TEXT) sqlglot wraps around LEN/LEFT/RIGHT arguments."""
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.TEXT:
        inner: exp.Expr = node.this
        return inner
    return node


def _unwrap_date(node: exp.Expr) -> exp.Expr:
    """Undo the TsOrDsToDate/TimeStrToTime sqlglot wraps around date function arguments."""
    if isinstance(node, exp.TsOrDsToDate | exp.TimeStrToTime):
        inner: exp.Expr = node.this
        return inner
    return node


def _unit(node: exp.Expr | None) -> Keyword | None:
    return None if node is None else Keyword(node.name)


def _trim(node: exp.Trim) -> tuple[str, list[Argument]]:
    position = str(node.args.get("position") or "").upper()
    name = {"LEADING": "LTRIM", "TRAILING": "RTRIM"}.get(position, "TRIM")
    return name, [node.this, node.expression]


def _datediff(node: exp.DateDiff) -> tuple[str, list[Argument]]:
    name = "DATEDIFF_BIG" if node.args.get("big_int") else "DATEDIFF"
    return name, [_unit(node.args.get("unit")), _unwrap_date(node.expression), _unwrap_date(node.this)]


Mapping = Callable[[Any], tuple[str, list[Argument]]]

# sqlglot function node → (T-SQL builtin name, arguments in T-SQL order).
def _parsename(node: exp.Expr) -> tuple[str, list[Argument]]:
    """sqlglot turns PARSENAME('a.b.c', n) on a literal into SPLIT_PART counted from the left: count back."""
    text, index = node.this, node.args.get("part_index")
    if not (isinstance(text, exp.Literal) and text.is_string and isinstance(index, exp.Literal)):
        raise syntax_error(node)
    parts = str(text.this).count(".") + 1
    return "PARSENAME", [text, exp.Literal.number(parts - int(str(index.this)) + 1)]


_NODE_CALLS: dict[type[exp.Expr], Mapping] = {
    exp.Length: lambda n: ("LEN", [_unwrap_text_cast(n.this)]),
    exp.Upper: lambda n: ("UPPER", [n.this]),
    exp.ObjectId: lambda n: ("OBJECT_ID", [n.this, n.args.get("expression")]),
    exp.Lower: lambda n: ("LOWER", [n.this]),
    exp.Trim: _trim,
    exp.Substring: lambda n: ("SUBSTRING", [n.this, n.args.get("start"), n.args.get("length")]),
    exp.Left: lambda n: ("LEFT", [_unwrap_text_cast(n.this), n.expression]),
    exp.Right: lambda n: ("RIGHT", [_unwrap_text_cast(n.this), n.expression]),
    exp.StrPosition: lambda n: ("CHARINDEX", [n.args.get("substr"), n.this, n.args.get("position")]),
    exp.Replace: lambda n: ("REPLACE", [n.this, n.expression, n.args.get("replacement")]),
    exp.Repeat: lambda n: ("REPLICATE", [n.this, n.args.get("times")]),
    exp.Reverse: lambda n: ("REVERSE", [n.this]),
    exp.Stuff: lambda n: ("STUFF", [n.this, n.args.get("start"), n.args.get("length"), n.expression]),
    exp.Space: lambda n: ("SPACE", [n.this]),
    exp.Concat: lambda n: ("CONCAT", list(n.expressions)),
    exp.ConcatWs: lambda n: ("CONCAT_WS", list(n.expressions)),
    exp.NumberToStr: lambda n: ("FORMAT", [n.this, n.args.get("format"), n.args.get("culture")]),
    exp.Chr: lambda n: ("CHAR", list(n.expressions)),
    exp.Ascii: lambda n: ("ASCII", [n.this]),
    exp.Unicode: lambda n: ("UNICODE", [n.this]),
    exp.Abs: lambda n: ("ABS", [n.this]),
    exp.Ceil: lambda n: ("CEILING", [n.this]),
    exp.Floor: lambda n: ("FLOOR", [n.this]),
    exp.Round: lambda n: ("ROUND", [n.this, n.args.get("decimals"), n.args.get("truncate")]),
    exp.Pow: lambda n: ("POWER", [n.this, n.expression]),
    exp.Sqrt: lambda n: ("SQRT", [n.this]),
    exp.Sign: lambda n: ("SIGN", [n.this]),
    exp.Pi: lambda n: ("PI", []),
    exp.Exp: lambda n: ("EXP", [n.this]),
    exp.Ln: lambda n: ("LOG", [n.this]),
    exp.Log: lambda n: ("LOG", [n.expression, n.this]),  # sqlglot keeps the base in ``this``
    exp.Rand: lambda n: ("RAND", [n.this]),
    exp.CurrentTimestamp: lambda n: ("GETDATE", []),
    exp.DateAdd: lambda n: ("DATEADD", [_unit(n.args.get("unit")), n.expression, n.this]),
    exp.DateDiff: _datediff,
    exp.Extract: lambda n: ("DATEPART", [_unit(n.this), _unwrap_date(n.expression)]),
    exp.Year: lambda n: ("YEAR", [_unwrap_date(n.this)]),
    exp.Month: lambda n: ("MONTH", [_unwrap_date(n.this)]),
    exp.Day: lambda n: ("DAY", [_unwrap_date(n.this)]),
    exp.LastDay: lambda n: ("EOMONTH", [_unwrap_date(n.this)]),
    exp.DateFromParts: lambda n: (
        "DATEFROMPARTS",
        [n.args.get("year"), n.args.get("month"), n.args.get("day")],
    ),
    exp.TimestampTrunc: lambda n: ("DATETRUNC", [_unit(n.args.get("unit")), n.this]),
    exp.Uuid: lambda n: ("NEWID", []),
    exp.SplitPart: lambda n: _parsename(n),
    exp.CurrentSchema: lambda n: ("SCHEMA_NAME", [n.this]),
    exp.Translate: lambda n: ("TRANSLATE", [n.this, n.args.get("from_"), n.args.get("to")]),
    exp.CurrentUser: lambda n: ("CURRENT_USER", []),
    exp.SessionUser: lambda n: ("SESSION_USER", []),
}


def compile_call_node(node: exp.Expr, scope: Scope) -> CompiledExpr:
    """Everything the operator table in expressions.py does not cover: calls and conditional forms."""
    special = _SPECIAL_NODES.get(type(node))
    if special is not None:
        return special(node, scope)
    mapping = _NODE_CALLS.get(type(node))
    if mapping is not None:
        name, args = mapping(node)
        return compile_builtin(_collated(lookup(name), args), _present(args), scope)
    if isinstance(node, exp.Anonymous):
        return _anonymous(node, scope)
    if xml_methods.method_call(node) is not None:
        return xml_methods.compile_method(node, scope)
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous):
        return scope.compile_function(node)
    if isinstance(node, exp.AggFunc):
        raise sql_error(147)
    raise syntax_error(node)


def _anonymous(node: exp.Anonymous, scope: Scope) -> CompiledExpr:
    name = node.name.upper()
    args = list(node.expressions)
    form = _SPECIAL_FORMS.get(name)
    if form is not None:
        low, high, compile_form = form
        Builtin(name, low, high, _no_bind).check_count(len(args))
        return compile_form(args, scope, node)
    if name.lower() in AGGREGATE_NAMES:
        raise sql_error(147)
    builtin = _collated(lookup(name), args)
    return compile_builtin(builtin, [_keyword_or_node(a, i, builtin) for i, a in enumerate(args)], scope)


def _collated(builtin: Builtin, args: Sequence[Any]) -> Builtin:
    """CHARINDEX, PATINDEX and REPLACE compare text: an argument's explicit case-sensitive or binary COLLATE binds
    their exact variants; an accent-insensitive one is not supported yet (16901)."""
    if builtin.name not in CASE_SENSITIVE_FUNCTIONS:
        return builtin
    collations = [named_collation(arg) for arg in args if isinstance(arg, exp.Expr)]
    found = [collation for collation in collations if collation is not None]
    if not found:
        return builtin
    if not found[0].accent_sensitive:
        raise sql_error(16901, f"{builtin.name} under an accent-insensitive collation")
    return CASE_SENSITIVE_FUNCTIONS[builtin.name] if found[0].case_sensitive else builtin


def _no_bind(args: Sequence[Arg]) -> Any:
    raise AssertionError("special forms are compiled, not bound")


def _keyword_or_node(node: exp.Expr, position: int, builtin: Builtin) -> exp.Expr | Keyword:
    if position in builtin.keyword_args and isinstance(node, exp.Column | exp.Var | exp.Identifier):
        return Keyword(node.name)
    return node


# --- builtin calls --------------------------------------------------------------------------------------


def compile_builtin(builtin: Builtin, nodes: Sequence[exp.Expr | Keyword], scope: Scope) -> CompiledExpr:
    """Bind a builtin to its compiled arguments and build the per-row closure."""
    builtin.check_count(len(nodes))
    compiled: list[CompiledExpr] = []
    args: list[Arg] = []
    for position, node in enumerate(nodes):
        if position in builtin.keyword_args:
            word = node.word if isinstance(node, Keyword) else node.name
            compiled.append(constant(word, INT))
            args.append(Arg(INT, NOT_CONSTANT, word))
            continue
        if isinstance(node, Keyword):
            raise sql_error(102, node.word)
        part = compile_expression(node, scope)
        compiled.append(part)
        args.append(Arg(part.type, part.constant))
    bound = builtin.bind(args)
    fns = []
    for position, part in enumerate(compiled):
        convert = bound.conversions[position] if position < len(bound.conversions) else None
        fns.append(_converted(part.fn, convert) if convert is not None else part.fn)
    closure = _call_closure(bound.fn, fns, bound.null_propagating, bound.needs_context)
    result = CompiledExpr(closure, bound.type)
    if bound.deterministic and not bound.needs_context:
        return fold(result, *compiled)
    return result


def _converted(fn: Callable[[Row, EvalContext], Any], convert: Callable[[Any], Any]) -> Callable[..., Any]:
    def run(row: Row, ctx: EvalContext) -> Any:
        return convert(fn(row, ctx))

    return run


def _call_closure(
    impl: Callable[..., Any], fns: list[Callable[..., Any]], nulls: bool, needs_context: bool
) -> Callable[[Row, EvalContext], Any]:
    """Closures specialised by arity: the common one- and two-argument calls avoid building a list."""
    if needs_context:
        if not fns:
            return lambda row, ctx: impl(ctx)

        def with_context(row: Row, ctx: EvalContext) -> Any:
            values = [f(row, ctx) for f in fns]
            if nulls and None in values:
                return None
            return impl(ctx, *values)

        return with_context
    if not fns:
        return lambda row, ctx: impl()
    if len(fns) == 1 and nulls:
        (f0,) = fns

        def one(row: Row, ctx: EvalContext) -> Any:
            a = f0(row, ctx)
            return None if a is None else impl(a)

        return one
    if len(fns) == 2 and nulls:
        f0, f1 = fns

        def two(row: Row, ctx: EvalContext) -> Any:
            a = f0(row, ctx)
            if a is None:
                return None
            b = f1(row, ctx)
            return None if b is None else impl(a, b)

        return two

    def many(row: Row, ctx: EvalContext) -> Any:
        values = [f(row, ctx) for f in fns]
        if nulls and any(v is None for v in values):
            return None
        return impl(*values)

    return many


# --- conditional forms ----------------------------------------------------------------------------------


def unify(parts: Sequence[CompiledExpr]) -> SqlType:
    """The result type of CASE/COALESCE branches: highest precedence, ignoring NULL constants."""
    typed = [p.type for p in parts if not (p.is_constant and p.constant is None)]
    if not typed:
        raise sql_error(8133)
    result = typed[0]
    for t in typed[1:]:
        result = result_type(result, t)
    return result


def to_result(part: CompiledExpr, t: SqlType) -> Callable[[Row, EvalContext], Any]:
    """``part`` converted to ``t`` (implicitly) unless it already is ``t``."""
    if part.type == t or (part.is_constant and part.constant is None):
        return part.fn
    return _converted(part.fn, converter(part.type, t, explicit=False))


def compile_case(
    conditions: Sequence[CompiledExpr], results: Sequence[CompiledExpr], default: CompiledExpr | None
) -> CompiledExpr:
    t = unify([*results, *([default] if default is not None else [])])
    branches = [(c.fn, to_result(r, t)) for c, r in zip(conditions, results, strict=True)]
    otherwise = to_result(default, t) if default is not None else None

    def case(row: Row, ctx: EvalContext) -> Any:
        for condition, result in branches:
            if condition(row, ctx) is True:
                return result(row, ctx)
        return otherwise(row, ctx) if otherwise is not None else None

    parts = [*conditions, *results, *([default] if default is not None else [])]
    return fold(CompiledExpr(case, t), *parts)


def _case(node: exp.Case, scope: Scope) -> CompiledExpr:
    operand = compile_expression(node.this, scope) if node.this is not None else None
    conditions: list[CompiledExpr] = []
    results: list[CompiledExpr] = []
    for branch in node.args.get("ifs") or []:
        if operand is not None:
            value = compile_expression(branch.this, scope)
            conditions.append(compare_written("=", node.this, branch.this, operand, value))
        else:
            conditions.append(compile_predicate(branch.this, scope))
        results.append(compile_expression(branch.args["true"], scope))
    default_node = node.args.get("default")
    default = compile_expression(default_node, scope) if default_node is not None else None
    return compile_case(conditions, results, default)


def _iif(node: exp.If, scope: Scope) -> CompiledExpr:
    condition = compile_predicate(node.this, scope)
    true = compile_expression(node.args["true"], scope)
    false_node = node.args.get("false")
    false = compile_expression(false_node, scope) if false_node is not None else constant(None, INT)
    return compile_case([condition], [true], false)


def compile_coalesce(parts: Sequence[CompiledExpr], t: SqlType) -> CompiledExpr:
    fns = [to_result(p, t) for p in parts]

    def first_not_null(row: Row, ctx: EvalContext) -> Any:
        for fn in fns:
            value = fn(row, ctx)
            if value is not None:
                return value
        return None

    return fold(CompiledExpr(first_not_null, t), *parts)


def _coalesce_node(node: exp.Coalesce, scope: Scope) -> CompiledExpr:
    nodes = [node.this, *node.expressions]
    if node.args.get("is_null"):
        return _isnull(nodes, scope, node)
    return _coalesce(nodes, scope, node)


def _coalesce(nodes: Sequence[exp.Expr], scope: Scope, node: exp.Expr) -> CompiledExpr:
    if len(nodes) < 2:
        raise sql_error(189, "coalesce", 2, 254)
    parts = [compile_expression(n, scope) for n in nodes]
    return compile_coalesce(parts, unify(parts))


def _isnull(nodes: Sequence[exp.Expr], scope: Scope, node: exp.Expr) -> CompiledExpr:
    if len(nodes) != 2:
        raise sql_error(174, "isnull", 2)
    parts = [compile_expression(n, scope) for n in nodes]
    first = parts[0]
    t = parts[1].type if first.is_constant and first.constant is None else first.type
    return compile_coalesce(parts, t)


def _nullif_node(node: exp.Nullif, scope: Scope) -> CompiledExpr:
    return _nullif([node.this, node.expression], scope, node)


def _nullif(nodes: Sequence[exp.Expr], scope: Scope, node: exp.Expr) -> CompiledExpr:
    left = compile_expression(nodes[0], scope)
    right = compile_expression(nodes[1], scope)
    equal = compare_written("=", nodes[0], nodes[1], left, right).fn
    value = left.fn

    def nullif(row: Row, ctx: EvalContext) -> Any:
        return None if equal(row, ctx) is True else value(row, ctx)

    return fold(CompiledExpr(nullif, left.type), left, right)


def _iif_anonymous(nodes: Sequence[exp.Expr], scope: Scope, node: exp.Expr) -> CompiledExpr:
    condition = compile_predicate(nodes[0], scope)
    parts = [compile_expression(n, scope) for n in nodes[1:]]
    return compile_case([condition], [parts[0]], parts[1])


def _choose(nodes: Sequence[exp.Expr], scope: Scope, node: exp.Expr) -> CompiledExpr:
    index = compile_expression(nodes[0], scope)
    choices = [compile_expression(n, scope) for n in nodes[1:]]
    t = unify(choices)
    fns = [to_result(c, t) for c in choices]
    index_fn = _converted(index.fn, converter(index.type, INT, explicit=False)) if index.type != INT else index.fn

    def choose(row: Row, ctx: EvalContext) -> Any:
        i = index_fn(row, ctx)
        if i is None or not 1 <= i <= len(fns):
            return None
        return fns[i - 1](row, ctx)

    return fold(CompiledExpr(choose, t), index, *choices)


def _isnull_anonymous(nodes: Sequence[exp.Expr], scope: Scope, node: exp.Expr) -> CompiledExpr:
    return _isnull(nodes, scope, node)


# name → (min args, max args, compiler) for forms that must evaluate lazily.
_SPECIAL_FORMS: dict[str, tuple[int, int, Callable[[Sequence[exp.Expr], Scope, exp.Expr], CompiledExpr]]] = {
    "ISNULL": (2, 2, _isnull_anonymous),
    "COALESCE": (2, 254, _coalesce),
    "NULLIF": (2, 2, _nullif),
    "IIF": (3, 3, _iif_anonymous),
    "CHOOSE": (2, 255, _choose),
}


# --- CAST / CONVERT -------------------------------------------------------------------------------------


def compile_cast(value: CompiledExpr, target: SqlType, style: int | None, safe: bool, node: exp.Expr) -> CompiledExpr:
    if value.type.name == "boolean":
        raise syntax_error(node)
    run = converter(value.type, target, style, explicit=True)
    inner = value.fn
    if safe:

        def try_cast(row: Row, ctx: EvalContext) -> Any:
            try:
                return run(inner(row, ctx))
            except SqlError:
                return None

        return fold(CompiledExpr(try_cast, target), value)

    def cast(row: Row, ctx: EvalContext) -> Any:
        return run(inner(row, ctx))

    return fold(CompiledExpr(cast, target), value)


def _cast(node: exp.Cast, scope: Scope) -> CompiledExpr:
    value = compile_expression(node.this, scope)
    to = node.to
    if to.this == exp.DataType.Type.TEXT and value.type.is_string:
        return value  # LEN(x) → Length(CAST(x AS TEXT)) in sqlglot: strings pass through
    target = type_from_sqlglot(to, in_cast=True)
    return compile_cast(value, target, None, isinstance(node, exp.TryCast) or bool(node.args.get("safe")), node)


def _convert(node: exp.Convert, scope: Scope) -> CompiledExpr:
    value = compile_expression(node.expression, scope)
    target = type_from_sqlglot(node.this, in_cast=True)
    style_node = node.args.get("style")
    style: int | None = None
    if style_node is not None:
        compiled_style = compile_expression(style_node, scope)
        if not compiled_style.is_constant:
            raise syntax_error(style_node)
        style = None if compiled_style.constant is None else int(compiled_style.constant)
    return compile_cast(value, target, style, bool(node.args.get("safe")), node)


def _as_type(target: SqlType) -> Callable[[Any, Scope], CompiledExpr]:
    """sqlglot's TsOrDsToDate/TimeStrToTime outside a date function: a CAST to date/datetime2."""

    def compile_as(node: Any, scope: Scope) -> CompiledExpr:
        value = compile_expression(node.this, scope)
        return compile_cast(value, target, None, False, node)

    return compile_as


# sqlglot writes DATENAME(part, x) as TimeToStr(CAST(x AS DATETIME2), <one code>); these codes map back.
_DATENAME_CODES: dict[str, str] = {
    "%Y": "year", "quarter": "quarter", "%B": "month", "%j": "dayofyear", "%d": "day", "%W": "week",
    "%A": "weekday", "%w": "weekday", "%h": "hour", "%I": "hour", "%M": "minute", "%S": "second",
    "%f": "millisecond", "%V": "iso_week",
}  # fmt: skip


def _strftime(node: exp.TimeToStr, scope: Scope) -> CompiledExpr:
    """FORMAT(date, pattern) or DATENAME(part, date), as sqlglot rewrote them."""
    value, pattern = node.this, node.args["format"]
    if (
        isinstance(value, exp.Cast)
        and value.to.this == exp.DataType.Type.DATETIME2
        and not value.to.expressions
        and isinstance(pattern, exp.Literal)
        and pattern.this in _DATENAME_CODES
    ):
        # Taken as DATENAME: FORMAT(CAST(x AS DATETIME2), 'dd') is indistinguishable and rarer.
        return compile_builtin(lookup("DATENAME"), [Keyword(_DATENAME_CODES[pattern.this]), value.this], scope)
    return compile_builtin(STRFTIME_FORMAT, [value, pattern], scope)


_SPECIAL_NODES: dict[type[exp.Expr], Callable[[Any, Scope], CompiledExpr]] = {
    exp.Case: _case,
    exp.If: _iif,
    exp.Coalesce: _coalesce_node,
    exp.Nullif: _nullif_node,
    exp.Cast: _cast,
    exp.TryCast: _cast,
    exp.Convert: _convert,
    exp.TsOrDsToDate: _as_type(DATE),
    exp.TimeStrToTime: _as_type(datetime2(7)),
    exp.TimeToStr: _strftime,
}
