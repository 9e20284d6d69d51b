"""The shape of a built-in function: how it is bound to its argument types and called per row.

A ``Builtin`` is data: name, argument count range, and a ``bind`` function that, given the arguments'
types (and constant values where known), returns a ``Bound``: the per-row implementation, the result type,
per-argument implicit conversions, and two flags. The expression compiler does the rest (NULL propagation,
conversions, context passing), so implementations are plain functions of Python values.

Invariants:
  1. ``bind`` runs once per call site at compile time; it raises compile-time errors (8116, 9810, 155).
  2. With ``null_propagating`` the implementation never sees None: any NULL argument gives NULL.
  3. ``needs_context`` implementations take the EvalContext as their first argument.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from quietus.errors import sql_error
from quietus.sql.types_base import BIGINT, FLOAT, INT, VARCHAR, SqlType
from quietus.sql.types_convert import converter

Fn1 = Callable[[Any], Any]


class _NotConstant:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_CONSTANT"


NOT_CONSTANT: Any = _NotConstant()


@dataclass(frozen=True, slots=True)
class Arg:
    """What the binder knows about one argument at compile time."""

    type: SqlType
    constant: Any = NOT_CONSTANT  # the value when the argument is a constant (None: the NULL literal)
    keyword: str | None = None  # a bare word argument such as a datepart (upper-cased)

    @property
    def is_null_literal(self) -> bool:
        return self.constant is None


@dataclass(frozen=True, slots=True)
class Bound:
    fn: Callable[..., Any]
    type: SqlType
    conversions: tuple[Fn1 | None, ...] = ()  # per argument, applied before ``fn``; missing means none
    null_propagating: bool = True
    needs_context: bool = False
    deterministic: bool = True  # False: never constant-folded (RAND, NEWID, GETDATE)


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    min_args: int
    max_args: int
    bind: Callable[[Sequence[Arg]], Bound]
    keyword_args: frozenset[int] = field(default_factory=frozenset)  # positions holding bare words

    def check_count(self, count: int) -> None:
        if self.min_args <= count <= self.max_args:
            return
        if self.min_args == self.max_args:
            raise sql_error(174, self.name.lower(), self.min_args)
        raise sql_error(189, self.name.lower(), self.min_args, self.max_args)


def to_type(arg: Arg, target: SqlType) -> Fn1 | None:
    """The implicit conversion of ``arg`` to ``target``, or None when the value is already usable."""
    family_source, family_target = arg.type.family, target.family
    numeric = ("int", "exact", "approx")
    if family_source == family_target and family_source != "int":
        return None
    if family_source == "int" and family_target == "int" and target.name != "bit":
        return None
    if family_source in numeric and family_target in ("exact", "approx"):
        return None
    if arg.is_null_literal:
        return None
    return converter(arg.type, target, explicit=False)


def string_type(arg: Arg) -> SqlType:
    """The string type an argument is treated as by string functions (non-strings become varchar)."""
    if arg.type.is_string:
        return arg.type
    return VARCHAR(30 if not arg.type.is_binary else arg.type.length)


def to_string(arg: Arg) -> Fn1 | None:
    return to_type(arg, string_type(arg))


def to_int(arg: Arg) -> Fn1 | None:
    return to_type(arg, BIGINT if arg.type.name == "bigint" else INT)


def to_float(arg: Arg) -> Fn1 | None:
    return to_type(arg, FLOAT)


def length_type(arg_type: SqlType) -> SqlType:
    """LEN/CHARINDEX/DATALENGTH return bigint for MAX types, int otherwise."""
    return BIGINT if arg_type.is_max else INT


def simple(
    name: str,
    min_args: int,
    max_args: int,
    fn: Callable[..., Any],
    result: SqlType | Callable[[Sequence[Arg]], SqlType],
    params: Sequence[Callable[[Arg], Fn1 | None]] = (),
    *,
    null_propagating: bool = True,
) -> Builtin:
    """A builtin whose argument conversions and result type follow directly from the argument types.

    ``params[i]`` gives the conversion for argument i (the last entry repeats for extra arguments).
    """

    def bind(args: Sequence[Arg]) -> Bound:
        conversions: list[Fn1 | None] = []
        for i, arg in enumerate(args):
            rule = params[min(i, len(params) - 1)] if params else None
            conversions.append(rule(arg) if rule is not None else None)
        rtype = result if isinstance(result, SqlType) else result(args)
        return Bound(fn, rtype, tuple(conversions), null_propagating)

    return Builtin(name, min_args, max_args, bind)


def registry(*builtins: Builtin) -> dict[str, Builtin]:
    return {b.name: b for b in builtins}
