"""Window functions: ``f(...) OVER ([PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE frame])``.

A query block's windows are computed after WHERE, GROUP BY and HAVING and before the select list, DISTINCT,
ORDER BY and TOP, as in SQL Server.  Windows with the same PARTITION BY and ORDER BY share one step:

    Sort(partition keys, order keys)  →  Window: one partition at a time, every function of the step computed
                                         over the partition, each row yielded with the results appended

The planner then reads each window's value as a column (``%win0`` ...), exactly as it reads an aggregate's.

| function                        | ORDER BY in OVER | frame           | value                                |
|---------------------------------|------------------|-----------------|--------------------------------------|
| ROW_NUMBER, RANK, DENSE_RANK    | required (4112)  | refused (10752) | bigint                               |
| NTILE(n)                        | required (4112)  | refused (10752) | bigint; n must be positive (9819)    |
| PERCENT_RANK, CUME_DIST         | required (4112)  | refused (10752) | float                                |
| LAG / LEAD (x [, off [, dflt]]) | required (4112)  | refused (10752) | x's type; a negative offset is 8730  |
| FIRST_VALUE / LAST_VALUE (x)    | required (4112)  | allowed         | x's type, first / last of the frame  |
| COUNT[_BIG], SUM, AVG, MIN, MAX, STDEV[P], VAR[P] | optional | allowed (needs ORDER BY: 10756) | as aggregate |

Frames: without a frame, ``ORDER BY`` means ``RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`` (a row's peers,
the rows with an equal ORDER BY key, are all in its frame) and no ORDER BY means the whole partition.  ``ROWS``
takes ``n PRECEDING|FOLLOWING`` (an integer literal); ``RANGE`` only UNBOUNDED and CURRENT ROW (4194); a frame that
starts FOLLOWING and ends before the current row is 4193.

Cost: one sort per distinct (PARTITION BY, ORDER BY) pair; an aggregate whose frame starts at UNBOUNDED PRECEDING
is a running total (linear), any other frame is recomputed per row (linear in the frame's width).  Every row
computed calls ``ctx.task.tick()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql.aggregates import make_aggregate
from quietus.sql.collation import sort_key
from quietus.sql.context import ExecContext
from quietus.sql.operators import Plan, RowFn, Sort
from quietus.sql.scope import Scope, ScopeColumn
from quietus.sql.types_base import BIGINT, FLOAT, SqlType
from quietus.sql.types_convert import converter

if TYPE_CHECKING:
    from quietus.sql.planner import Planner

Row = tuple[Any, ...]

# The functions that exist only with OVER: name in messages, and what they need.
RANKING: dict[type[exp.Expr], str] = {
    exp.RowNumber: "ROW_NUMBER",
    exp.Rank: "RANK",
    exp.DenseRank: "DENSE_RANK",
    exp.Ntile: "NTILE",
    exp.PercentRank: "PERCENT_RANK",
    exp.CumeDist: "CUME_DIST",
}
OFFSETS: dict[type[exp.Expr], str] = {exp.Lag: "LAG", exp.Lead: "LEAD"}
VALUES: dict[type[exp.Expr], str] = {exp.FirstValue: "FIRST_VALUE", exp.LastValue: "LAST_VALUE"}
OVER_ONLY: dict[type[exp.Expr], str] = {**RANKING, **OFFSETS, **VALUES}
WINDOWED_AGGREGATES = frozenset(
    {"count", "count_big", "sum", "avg", "min", "max", "stdev", "stdevp", "var", "varp", "stddev", "stddevpop",
     "stddevsamp", "variance", "variancepop"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Frame:
    """Offsets from the current row: ``start`` None is UNBOUNDED PRECEDING, ``end`` None UNBOUNDED FOLLOWING.
    In a RANGE frame 0 means the current row's first (start) or last (end) peer."""

    rows: bool
    start: int | None
    end: int | None


WHOLE_PARTITION = Frame(rows=True, start=None, end=None)
TO_CURRENT_PEER = Frame(rows=False, start=None, end=0)


class WindowFunction:
    """One function over one partition: ``values(rows, peers, ctx)`` gives one value per row, in order."""

    type: SqlType = BIGINT

    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        raise NotImplementedError


class RowNumber(WindowFunction):
    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        return list(range(1, len(rows) + 1))


class Rank(WindowFunction):
    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        return [first + 1 for first, _ in peers]


class DenseRank(WindowFunction):
    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        result: list[Any] = []
        rank = 0
        for position, (first, _) in enumerate(peers):
            rank += first == position
            result.append(rank)
        return result


class PercentRank(WindowFunction):
    """(rank - 1) / (rows - 1), 0 for a partition of one row."""

    type = FLOAT

    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        span = len(rows) - 1
        return [first / span if span else 0.0 for first, _ in peers]


class CumeDist(WindowFunction):
    """The share of the partition's rows ordered at or before the row (its last peer's position / rows)."""

    type = FLOAT

    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        return [(last + 1) / len(rows) for _, last in peers]


class Ntile(WindowFunction):
    def __init__(self, buckets: RowFn) -> None:
        self.buckets = buckets

    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        count = self.buckets(rows[0], ctx)
        if count is None or int(count) <= 0:
            raise sql_error(9819)
        count = int(count)
        size, larger = divmod(len(rows), count)
        result: list[Any] = []
        for bucket in range(1, count + 1):
            result.extend([bucket] * (size + (bucket <= larger)))
        return result[: len(rows)]


class Offset(WindowFunction):
    """LAG (direction -1) and LEAD (+1): the value ``offset`` rows away in the partition, else the default."""

    def __init__(self, value: RowFn, type_: SqlType, offset: RowFn, default: RowFn, direction: int) -> None:
        self.value = value
        self.type = type_
        self.offset = offset
        self.default = default
        self.direction = direction

    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        result: list[Any] = []
        tick = ctx.task.tick
        for position, row in enumerate(rows):
            tick()
            offset = self.offset(row, ctx)
            if offset is None or int(offset) < 0:
                raise sql_error(8730)
            other = position + self.direction * int(offset)
            result.append(self.value(rows[other], ctx) if 0 <= other < len(rows) else self.default(row, ctx))
        return result


class FrameValue(WindowFunction):
    """FIRST_VALUE / LAST_VALUE: the value on the first or last row of each row's frame (NULL if it is empty)."""

    def __init__(self, value: RowFn, type_: SqlType, frame: Frame, last: bool) -> None:
        self.value = value
        self.type = type_
        self.frame = frame
        self.last = last

    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        result: list[Any] = []
        tick = ctx.task.tick
        for low, high in frame_bounds(self.frame, peers):
            tick()
            result.append(None if low > high else self.value(rows[high if self.last else low], ctx))
        return result


class FrameAggregate(WindowFunction):
    """An aggregate over each row's frame: a running accumulator when frames start at the partition's first row
    (their ends never move back), else a fresh one per row."""

    def __init__(self, argument: RowFn | None, type_: SqlType, new: Callable[[], Any], frame: Frame) -> None:
        self.argument = argument
        self.type = type_
        self.new = new
        self.frame = frame

    def values(self, rows: list[Row], peers: list[tuple[int, int]], ctx: ExecContext) -> list[Any]:
        argument = self.argument
        inputs = [None if argument is None else argument(row, ctx) for row in rows]
        tick = ctx.task.tick
        result: list[Any] = []
        if self.frame.start is None:
            running = self.new()
            fed = 0
            for _low, high in frame_bounds(self.frame, peers):
                while fed <= high:
                    tick()
                    running.step(inputs[fed])
                    fed += 1
                result.append(running.result())
            return result
        for low, high in frame_bounds(self.frame, peers):
            accumulator = self.new()
            for position in range(low, high + 1):
                tick()
                accumulator.step(inputs[position])
            result.append(accumulator.result())
        return result


def frame_bounds(frame: Frame, peers: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Each row's frame as inclusive positions ``(low, high)`` in its partition (``low > high``: empty)."""
    last = len(peers) - 1
    for position, (first_peer, last_peer) in enumerate(peers):
        if frame.rows:
            low = 0 if frame.start is None else max(position + frame.start, 0)
            high = last if frame.end is None else min(position + frame.end, last)
        else:
            low = 0 if frame.start is None else first_peer
            high = last if frame.end is None else last_peer
        yield low, high


class Window(Plan):
    """Reads its input sorted by (partition, order) and yields each row with its window values appended."""

    def __init__(
        self,
        child: Plan,
        columns: Sequence[ScopeColumn],
        partition_key: Callable[[Row, ExecContext], Any],
        order_key: Callable[[Row, ExecContext], Any],
        functions: Sequence[WindowFunction],
    ) -> None:
        self.child = child
        self.columns = columns
        self.partition_key = partition_key
        self.order_key = order_key
        self.functions = functions

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        partition: list[Row] = []
        order_keys: list[Any] = []
        current: Any = None
        tick = ctx.task.tick
        for row in self.child.rows(ctx, outer):
            tick()
            key = self.partition_key(row, ctx)
            if partition and key != current:
                yield from self._partition(partition, order_keys, ctx)
                partition, order_keys = [], []
            current = key
            partition.append(row)
            order_keys.append(self.order_key(row, ctx))
        if partition:
            yield from self._partition(partition, order_keys, ctx)

    def _partition(self, rows: list[Row], order_keys: list[Any], ctx: ExecContext) -> Iterator[Row]:
        peers = _peer_groups(order_keys)
        results = [function.values(rows, peers, ctx) for function in self.functions]
        for position, row in enumerate(rows):
            ctx.task.tick()
            yield row + tuple(values[position] for values in results)


def _peer_groups(order_keys: list[Any]) -> list[tuple[int, int]]:
    """For each row, the first and last position of the rows with its ORDER BY key (the input is sorted)."""
    groups: list[tuple[int, int]] = []
    start = 0
    for position in range(1, len(order_keys) + 1):
        if position == len(order_keys) or order_keys[position] != order_keys[start]:
            groups.extend([(start, position - 1)] * (position - start))
            start = position
    return groups


# -- planning ------------------------------------------------------------------------------------------------


def find_windows(roots: Sequence[exp.Expr | None]) -> list[exp.Window]:
    """The windows of a query block's select list and ORDER BY (not those of its subqueries), each once."""
    from quietus.sql.planner import _canonical, _inside_subquery

    found: list[exp.Window] = []
    seen: set[str] = set()
    for root in roots:
        if root is None:
            continue
        for node in root.find_all(exp.Window):
            if _inside_subquery(node, root):
                continue
            key = _canonical(node)
            if key not in seen:
                seen.add(key)
                found.append(node)
    return found


def is_window_function(node: exp.Expr) -> bool:
    """Whether ``node`` is the function of an OVER clause (its aggregate is not the query's)."""
    return isinstance(node.parent, exp.Window) and node.arg_key == "this"


def plan_windows(
    planner: Planner,
    source: Plan,
    scope: Scope,
    projections: list[exp.Expr],
    order: exp.Order | None,
) -> tuple[Plan, Scope, list[exp.Expr], exp.Order | None]:
    """Add the block's window steps above ``source``; the select list and ORDER BY come back reading them as
    columns of the returned scope."""
    from quietus.sql.planner import _canonical, _rewrite

    windows = find_windows([*projections, order])
    if not windows:
        return source, scope, projections, order
    steps: dict[str, list[tuple[str, WindowFunction]]] = {}
    specs: dict[str, exp.Window] = {}
    replacements: dict[str, str] = {}
    added: list[ScopeColumn] = []
    for position, window in enumerate(windows):
        function = _bind(planner, window, scope)
        name = f"%win{position}"
        replacements[_canonical(window)] = name
        step = _step_key(window)
        steps.setdefault(step, []).append((name, function))
        specs.setdefault(step, window)
    plan = source
    for step, functions in steps.items():
        window = specs[step]
        partition_key = _partition_key(planner, window, scope)
        order_key = _order_key(planner, window, scope)
        sorted_rows = Sort(plan, _sort_key(partition_key, order_key))
        added.extend(ScopeColumn(name, function.type) for name, function in functions)
        plan = Window(sorted_rows, (*plan.columns, *added[-len(functions) :]), partition_key, order_key,
                      [function for _, function in functions])  # fmt: skip

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Window):
            name = replacements.get(_canonical(node))
            if name is not None:
                return exp.column(name)
        return node

    new_projections = [_rewrite(item, rewrite) for item in projections]
    new_order = _rewrite(order, rewrite) if order is not None else None
    return plan, scope.extended(added), new_projections, new_order  # type: ignore[return-value]


def _sort_key(partition: Callable[[Row, ExecContext], Any], order: Callable[[Row, ExecContext], Any]) -> Any:
    return lambda row, ctx: (partition(row, ctx), order(row, ctx))


def _step_key(window: exp.Window) -> str:
    partition = [node.sql(dialect="tsql").casefold() for node in window.args.get("partition_by") or []]
    order = window.args.get("order")
    return repr((partition, order.sql(dialect="tsql").casefold() if order is not None else ""))


def _partition_key(planner: Planner, window: exp.Window, scope: Scope) -> Callable[[Row, ExecContext], Any]:
    fns = [planner.compile(node, scope).fn for node in window.args.get("partition_by") or []]
    return lambda row, ctx: tuple(sort_key(fn(row, ctx)) for fn in fns)


def _order_key(planner: Planner, window: exp.Window, scope: Scope) -> Callable[[Row, ExecContext], Any]:
    order = window.args.get("order")
    if order is None:
        return lambda row, ctx: ()
    for ordered in order.expressions:
        if isinstance(ordered.this, exp.Literal) and not ordered.this.is_string:
            raise sql_error(5308)
    return planner._order_key(order, scope, [], None)


def _bind(planner: Planner, window: exp.Window, scope: Scope) -> WindowFunction:
    """Check one OVER clause against SQL Server's rules and compile its function."""
    from quietus.sql.planner import _aggregate_argument, _aggregate_name, _is_aggregate

    function = window.this
    for node in [*function.iter_expressions(), *(window.args.get("partition_by") or [])]:
        if node.find(exp.Window) is not None:
            raise sql_error(4109)
    order = window.args.get("order")
    if order is not None and order.find(exp.Window) is not None:
        raise sql_error(4109)
    spec = window.args.get("spec")
    kind = type(function)
    if kind in OVER_ONLY:
        name = OVER_ONLY[kind]
        if order is None:
            raise sql_error(4112, name)
        if spec is not None and kind not in VALUES:
            raise sql_error(10752, name, state=3 if kind in RANKING else 1)
    elif not _is_aggregate(function) or _aggregate_name(function) not in WINDOWED_AGGREGATES:
        raise sql_error(4113, _function_name(function), state=4)
    if spec is not None and order is None:
        raise sql_error(10756)
    frame = _frame(spec) if spec is not None else (TO_CURRENT_PEER if order is not None else WHOLE_PARTITION)

    if kind is exp.RowNumber:
        return RowNumber()
    if kind is exp.Rank:
        return Rank()
    if kind is exp.DenseRank:
        return DenseRank()
    if kind is exp.PercentRank:
        return PercentRank()
    if kind is exp.CumeDist:
        return CumeDist()
    if kind is exp.Ntile:
        return Ntile(planner.compile(function.this, scope).fn)
    if kind in OFFSETS:
        value = planner.compile(function.this, scope)
        offset_node = function.args.get("offset")
        offset: RowFn = planner.compile(offset_node, scope).fn if offset_node is not None else _one
        default_node = function.args.get("default")
        default: RowFn = lambda row, ctx: None  # noqa: E731
        if default_node is not None:
            compiled_default = planner.compile(default_node, scope)
            convert = converter(compiled_default.type, value.type, explicit=False)
            default = lambda row, ctx: convert(compiled_default.fn(row, ctx))  # noqa: E731
        return Offset(value.fn, value.type, offset, default, -1 if kind is exp.Lag else 1)
    if kind in VALUES:
        value = planner.compile(function.this, scope)
        return FrameValue(value.fn, value.type, frame, last=kind is exp.LastValue)
    argument, distinct = _aggregate_argument(function)
    if distinct:
        raise sql_error(10759)
    compiled = None if argument is None else planner.compile(argument, scope)
    aggregate = make_aggregate(_aggregate_name(function), None if compiled is None else compiled.type)
    return FrameAggregate(None if compiled is None else compiled.fn, aggregate.type, aggregate.new, frame)


def _one(row: Row, ctx: ExecContext) -> int:
    return 1


def _function_name(function: exp.Expr) -> str:
    if isinstance(function, exp.Anonymous):
        return str(function.name).upper()
    if isinstance(function, exp.GroupConcat):
        return "STRING_AGG"
    return function.sql(dialect="tsql").split("(")[0].upper()


def _frame(spec: exp.WindowSpec) -> Frame:
    rows = str(spec.args.get("kind") or "").upper() == "ROWS"
    start = _bound(spec.args.get("start"), spec.args.get("start_side"), rows, is_start=True)
    end_node = spec.args.get("end")
    end = _bound(end_node, spec.args.get("end_side"), rows, is_start=False) if end_node is not None else 0
    starts_following = start is not None and start > 0
    if starts_following and (end is not None and end <= 0):
        raise sql_error(4193)
    return Frame(rows, start, end)


def _bound(node: Any, side: Any, rows: bool, is_start: bool) -> int | None:
    """One frame delimiter as an offset from the current row (None: unbounded on its own side)."""
    text = (node.name if isinstance(node, exp.Expr) else str(node or "")).upper()
    side_text = str(side or "").upper()
    if text == "CURRENT ROW":
        return 0
    if text == "UNBOUNDED":
        if (side_text == "PRECEDING") != is_start:  # UNBOUNDED FOLLOWING cannot start a frame, nor PRECEDING end it
            raise sql_error(102, side_text or "UNBOUNDED")
        return None
    if not rows:
        raise sql_error(4194)
    if not (isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit()):
        raise sql_error(102, text)
    return -int(node.this) if side_text == "PRECEDING" else int(node.this)
