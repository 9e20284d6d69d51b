"""Oracle's string comparison: binary (case- and accent-sensitive), as Oracle's default NLS_COMP=BINARY is.

The shared expression compiler compares strings under SQL Server's default collation (case-insensitive).  An
Oracle statement's comparisons are rewritten by the normaliser into the node classes below, subclasses of
sqlglot's own (so the planner still sees an ``exp.EQ`` and can seek a key or hash a join; the looser collation
key then only narrows the candidates, and this predicate decides).  They are also ``exp.Func``s, so sqlglot's
generator writes them as calls (``BINARY_E_Q(a, b)``) for messages and the planner's canonical text.  Their
compilers are registered in the shared compiler's table:

| node          | strings                                    | other types                      |
|---------------|--------------------------------------------|----------------------------------|
| ``BinaryEQ``… | Python's code-point comparison of the text  | the shared comparison, unchanged |
| ``BinaryLike``| ``%`` and ``_`` (and ESCAPE), case-sensitive| the value as text                |
| ``BinaryIn``  | ``x IN (subquery)`` by code point           | the shared comparison, unchanged |

Trailing spaces count when a VARCHAR2 value is compared (``'a '`` in a VARCHAR2 column is not ``'a'``); when
both sides are CHAR/NCHAR or literals, Oracle's blank-padded comparison applies (``'a ' = 'a'``).  ORDER BY,
GROUP BY, DISTINCT, MIN and MAX order by code point through ``OracleContext.collation``.
"""

from __future__ import annotations

import operator
import re
import typing as t
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from quietus.sql.expressions import (
    CompiledExpr,
    EvalContext,
    Row,
    Scope,
    binary,
    compile_expression,
    constant,
    fold,
    register_compiler,
)
from quietus.sql.oracle.functions import as_text
from quietus.sql.types_base import BOOLEAN, FAMILY, SqlType
from quietus.sql.types_ops import comparison, comparison_type


class BinaryEQ(exp.EQ, exp.Func):
    pass


class BinaryNEQ(exp.NEQ, exp.Func):
    pass


class BinaryLT(exp.LT, exp.Func):
    pass


class BinaryLTE(exp.LTE, exp.Func):
    pass


class BinaryGT(exp.GT, exp.Func):
    pass


class BinaryGTE(exp.GTE, exp.Func):
    pass


class BinaryIn(exp.In, exp.Func):
    """``this IN (subquery)``, compared as ``=`` is here."""


class BinaryLike(exp.Like, exp.Func):
    """``this LIKE expression [ESCAPE escape]``, case-sensitive."""

    arg_types: t.ClassVar[dict[str, bool]] = {**exp.Like.arg_types, "escape": False}


# Oracle node → (binary node class, operator).
BINARY_COMPARISONS: dict[type[exp.Expr], tuple[type[exp.Expr], str]] = {
    exp.EQ: (BinaryEQ, "="),
    exp.NEQ: (BinaryNEQ, "<>"),
    exp.LT: (BinaryLT, "<"),
    exp.LTE: (BinaryLTE, "<="),
    exp.GT: (BinaryGT, ">"),
    exp.GTE: (BinaryGTE, ">="),
}

_NATIVE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


def converted(
    compiled: CompiledExpr, convert: Callable[[Any], Any] | None, t: SqlType | None = None
) -> CompiledExpr:
    """``compiled`` with ``convert`` applied to its non-NULL values (typed ``t``, by default its own type)."""
    if convert is None:
        return compiled
    inner = compiled.fn

    def run(row: Row, ctx: EvalContext) -> Any:
        value = inner(row, ctx)
        return None if value is None else convert(value)

    return fold(CompiledExpr(run, compiled.type if t is None else t), compiled)


def _comparison_compiler(op: str) -> Callable[[Any, Scope], CompiledExpr]:
    def compile_binary(node: exp.Binary, scope: Scope) -> CompiledExpr:
        left = compile_expression(node.this, scope)
        right = compile_expression(node.expression, scope)
        operation = comparison(op, left.type, right.type)
        string = FAMILY[comparison_type(left.type, right.type).name] == "string"
        fn = _NATIVE[op] if string else operation.fn
        if string and _blank_padded(left) and _blank_padded(right):
            native = fn

            def fn(a: Any, b: Any) -> bool:
                return native(a.rstrip(" "), b.rstrip(" "))

        return binary(fn, converted(left, operation.left), converted(right, operation.right), BOOLEAN)

    return compile_binary


def _in_subquery(node: BinaryIn, scope: Scope) -> CompiledExpr:
    value = compile_expression(node.this, scope)
    candidates = scope.compile_subquery(node.args["query"], "in")
    operation = comparison("=", value.type, candidates.type)
    string = FAMILY[comparison_type(value.type, candidates.type).name] == "string"
    equal = _NATIVE["="] if string else operation.fn
    padded = string and _blank_padded(value) and candidates.type.name in ("char", "nchar")
    value = converted(value, operation.left)
    convert_candidate = operation.right
    value_fn, candidates_fn = value.fn, candidates.fn

    def member(row: Row, ctx: EvalContext) -> Any:
        v = value_fn(row, ctx)
        found = candidates_fn(row, ctx)
        if v is None:
            return None if found else False
        if padded:
            v = v.rstrip(" ")
        unknown = False
        for candidate in found:
            if candidate is None:
                unknown = True
                continue
            if convert_candidate is not None:
                candidate = convert_candidate(candidate)
            if equal(v, candidate.rstrip(" ") if padded else candidate):
                return True
        return None if unknown else False

    return CompiledExpr(member, BOOLEAN)


def _blank_padded(operand: CompiledExpr) -> bool:
    """CHAR, NCHAR and text literals compare blank-padded in Oracle (``'a ' = 'a'``); VARCHAR2 values do not."""
    return operand.type.name in ("char", "nchar") or (operand.is_constant and isinstance(operand.constant, str))


def like_regex(pattern: str, escape: str | None) -> re.Pattern[str]:
    """Oracle's LIKE pattern as an anchored, case-sensitive regular expression."""
    parts: list[str] = []
    characters = iter(pattern)
    for character in characters:
        if escape is not None and character == escape:
            parts.append(re.escape(next(characters, "")))
        elif character == "%":
            parts.append(".*")
        elif character == "_":
            parts.append(".")
        else:
            parts.append(re.escape(character))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _like(node: BinaryLike, scope: Scope) -> CompiledExpr:
    value = compile_expression(node.this, scope)
    pattern = compile_expression(node.expression, scope)
    escape_node = node.args.get("escape")
    escape = None
    if escape_node is not None:
        compiled_escape = compile_expression(escape_node, scope)
        escape = str(compiled_escape.constant)[:1] if compiled_escape.is_constant and compiled_escape.constant else None
    value_fn, pattern_fn = value.fn, pattern.fn
    negate = bool(node.args.get("negate"))
    if pattern.is_constant:
        if pattern.constant is None:
            return constant(None, BOOLEAN)
        match = like_regex(as_text(pattern.constant), escape).match

        def like_constant(row: Row, ctx: EvalContext) -> Any:
            v = value_fn(row, ctx)
            return None if v is None else (match(as_text(v)) is not None) is not negate

        return CompiledExpr(like_constant, BOOLEAN)

    def like_any(row: Row, ctx: EvalContext) -> Any:
        v = value_fn(row, ctx)
        p = pattern_fn(row, ctx)
        if v is None or p is None:
            return None
        return (like_regex(as_text(p), escape).match(as_text(v)) is not None) is not negate

    return CompiledExpr(like_any, BOOLEAN)


for _node_class, _op in BINARY_COMPARISONS.values():
    register_compiler(_node_class, _comparison_compiler(_op))
register_compiler(BinaryLike, _like)
register_compiler(BinaryIn, _in_subquery)
