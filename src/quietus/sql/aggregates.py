"""Aggregate functions as small accumulators: ``new()`` → ``step(value)`` per row → ``result()``.

``make_aggregate(name, arg_type, distinct, extra)`` returns an ``AggregateSpec`` (result type + factory).
Names are SQL Server's (count, count_big, sum, avg, min, max, stdev, stdevp, var, varp, string_agg) or
sqlglot's node keys for them (stddev, stddevpop, variance, variancepop, groupconcat).

Invariants:
  1. NULL inputs are skipped by every aggregate except COUNT(*) (the caller steps it with None per row).
  2. Over no non-NULL input, COUNT gives 0 and every other aggregate gives NULL (STDEV/VAR need 2 rows).
  3. Result types follow SQL Server: SUM/AVG of tinyint/smallint/int are int, of bigint bigint, of
     decimal(p,s) decimal(38,s) (AVG: decimal(38,max(s,6))), of money money, of float/real float;
     AVG of integers truncates.
  4. DISTINCT variants step the inner accumulator once per distinct collation key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from quietus.errors import sql_error
from quietus.sql.collation import sort_key
from quietus.sql.types_base import (
    BIGINT,
    DECIMAL,
    FAMILY,
    FLOAT,
    INT,
    MAX_CHAR,
    MAX_NCHAR,
    NVARCHAR,
    VARCHAR,
    SqlType,
)
from quietus.sql.types_convert import DECIMAL_CONTEXT, check_int, converter, fit_decimal


class Accumulator(Protocol):
    def step(self, value: Any) -> None: ...

    def result(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class AggregateSpec:
    name: str
    type: SqlType
    new: Callable[[], Accumulator]


class CountStar:
    __slots__ = ("count", "type")

    def __init__(self, t: SqlType) -> None:
        self.count = 0
        self.type = t

    def step(self, value: Any) -> None:
        self.count += 1

    def result(self) -> int:
        return check_int(self.count, self.type)


class Count(CountStar):
    __slots__ = ()

    def step(self, value: Any) -> None:
        if value is not None:
            self.count += 1


class Sum:
    __slots__ = ("total", "type")

    def __init__(self, t: SqlType) -> None:
        self.total: Any = None
        self.type = t

    def step(self, value: Any) -> None:
        if value is None:
            return
        self.total = value if self.total is None else self.total + value

    def result(self) -> Any:
        return _finish(self.total, self.type)


class ExactSum(Sum):
    """SUM of decimal/money: adds in the 100-digit context (the default context keeps only 28 digits)."""

    __slots__ = ()

    def step(self, value: Any) -> None:
        if value is not None:
            self.total = value if self.total is None else DECIMAL_CONTEXT.add(self.total, value)


def _finish(value: Any, t: SqlType) -> Any:
    if value is None:
        return None
    family = FAMILY[t.name]
    if family == "int":
        return check_int(int(value), t)
    if family == "exact":
        return fit_decimal(value if isinstance(value, Decimal) else Decimal(value), t)
    return float(value)


class Avg:
    __slots__ = ("count", "total", "type")

    def __init__(self, t: SqlType) -> None:
        self.total: Any = 0
        self.count = 0
        self.type = t

    def step(self, value: Any) -> None:
        if value is not None:
            self.total = DECIMAL_CONTEXT.add(self.total, value) if type(value) is Decimal else self.total + value
            self.count += 1

    def result(self) -> Any:
        if not self.count:
            return None
        family = FAMILY[self.type.name]
        if family == "int":
            quotient = abs(int(self.total)) // self.count
            return check_int(-quotient if self.total < 0 else quotient, self.type)
        if family == "exact":
            return fit_decimal(DECIMAL_CONTEXT.divide(Decimal(self.total), self.count), self.type)
        return float(self.total) / self.count


class Extreme:
    """MIN or MAX: keeps the original value whose sort key is lowest (or highest)."""

    __slots__ = ("key", "lowest", "order", "value")

    def __init__(self, lowest: bool, order: Callable[[Any], Any] = sort_key) -> None:
        self.lowest = lowest
        self.order = order
        self.value: Any = None
        self.key: Any = None

    def step(self, value: Any) -> None:
        if value is None:
            return
        key = self.order(value)
        if self.value is None or (key < self.key if self.lowest else key > self.key):
            self.value, self.key = value, key

    def result(self) -> Any:
        return self.value


class Deviation:
    """STDEV/STDEVP/VAR/VARP by Welford's method (numerically stable in one pass)."""

    __slots__ = ("count", "mean", "population", "root", "squares")

    def __init__(self, population: bool, root: bool) -> None:
        self.count = 0
        self.mean = 0.0
        self.squares = 0.0
        self.population = population
        self.root = root

    def step(self, value: Any) -> None:
        if value is None:
            return
        x = float(value)
        self.count += 1
        delta = x - self.mean
        self.mean += delta / self.count
        self.squares += delta * (x - self.mean)

    def result(self) -> float | None:
        n = self.count - (0 if self.population else 1)
        if n <= 0:
            return None if self.count == 0 or not self.population else 0.0
        variance = max(self.squares / n, 0.0)
        return math.sqrt(variance) if self.root else variance


class StringAgg:
    __slots__ = ("parts", "separator", "to_text")

    def __init__(self, separator: str, to_text: Callable[[Any], Any]) -> None:
        self.parts: list[str] = []
        self.separator = separator
        self.to_text = to_text

    def step(self, value: Any) -> None:
        if value is not None:
            self.parts.append(self.to_text(value))

    def result(self) -> str | None:
        return self.separator.join(self.parts) if self.parts else None


class Distinct:
    """Feeds ``inner`` only the first value of each collation-equal group."""

    __slots__ = ("inner", "order", "seen")

    def __init__(self, inner: Accumulator, order: Callable[[Any], Any] = sort_key) -> None:
        self.inner = inner
        self.order = order
        self.seen: set[Any] = set()

    def step(self, value: Any) -> None:
        if value is None:
            return
        key = self.order(value)
        if key not in self.seen:
            self.seen.add(key)
            self.inner.step(value)

    def result(self) -> Any:
        return self.inner.result()


# --- result types ---------------------------------------------------------------------------------------


def _numeric_argument(name: str, t: SqlType) -> None:
    if FAMILY[t.name] not in ("int", "exact", "approx") or t.name == "bit":
        raise sql_error(8117, t.display(), name)


def _sum_type(t: SqlType) -> SqlType:
    family = FAMILY[t.name]
    if family == "int":
        return BIGINT if t.name == "bigint" else INT
    if t.name in ("decimal", "numeric"):
        return DECIMAL(38, t.scale or 0)
    if family == "exact":
        return t if t.name == "money" else SqlType("money", precision=19, scale=4)
    return FLOAT


def _avg_type(t: SqlType) -> SqlType:
    if t.name in ("decimal", "numeric"):
        return DECIMAL(38, max(t.scale or 0, 6))
    return _sum_type(t)


def _string_agg_type(t: SqlType) -> SqlType:
    if t.is_max:
        return t
    return NVARCHAR(MAX_NCHAR) if t.is_unicode else VARCHAR(MAX_CHAR)


_DEVIATIONS: dict[str, tuple[bool, bool]] = {  # name → (population, square root)
    "stdev": (False, True), "stddev": (False, True), "stddevsamp": (False, True),
    "stdevp": (True, True), "stddevpop": (True, True),
    "var": (False, False), "variance": (False, False),
    "varp": (True, False), "variancepop": (True, False),
}  # fmt: skip
AGGREGATE_NAMES = frozenset(
    {"count", "count_big", "sum", "avg", "min", "max", "string_agg", "groupconcat", *_DEVIATIONS}
)


def make_aggregate(
    name: str,
    arg_type: SqlType | None,
    distinct: bool = False,
    extra: Any = None,
    order: Callable[[Any], Any] = sort_key,
) -> AggregateSpec:
    """Bind aggregate ``name`` to its argument type (None for COUNT(*)); ``extra``: STRING_AGG separator;
    ``order``: the session collation's sort key (MIN, MAX, DISTINCT)."""
    key = name.lower()
    spec = _bind(key, arg_type, extra, order)
    if not distinct:
        return spec
    inner = spec.new
    return AggregateSpec(spec.name, spec.type, lambda: Distinct(inner(), order))


def _bind(key: str, t: SqlType | None, extra: Any, order: Callable[[Any], Any] = sort_key) -> AggregateSpec:
    if key in ("count", "count_big"):
        result = BIGINT if key == "count_big" else INT
        if t is None:
            return AggregateSpec(key, result, lambda: CountStar(result))
        return AggregateSpec(key, result, lambda: Count(result))
    if t is None:
        raise sql_error(102, "*")
    if key in ("min", "max"):
        if t.name == "bit":
            raise sql_error(8117, t.display(), key)
        lowest = key == "min"
        return AggregateSpec(key, t, lambda: Extreme(lowest, order))
    if key == "sum":
        _numeric_argument(key, t)
        total = _sum_type(t)
        summer = ExactSum if FAMILY[total.name] == "exact" else Sum
        return AggregateSpec(key, total, lambda: summer(total))
    if key == "avg":
        _numeric_argument(key, t)
        average = _avg_type(t)
        return AggregateSpec(key, average, lambda: Avg(average))
    if key in _DEVIATIONS:
        _numeric_argument(key, t)
        population, root = _DEVIATIONS[key]
        return AggregateSpec(key, FLOAT, lambda: Deviation(population, root))
    if key in ("string_agg", "groupconcat"):
        text_type = t if t.is_string else VARCHAR(None)
        to_text = converter(t, text_type, explicit=False)
        separator = "" if extra is None else str(extra)
        return AggregateSpec("string_agg", _string_agg_type(text_type), lambda: StringAgg(separator, to_text))
    raise sql_error(195, key, "built-in function name")
