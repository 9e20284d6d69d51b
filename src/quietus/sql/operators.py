"""Relational operators: small plan nodes whose ``rows(ctx, outer)`` yield tuples.

Every node yields rows laid out as ``outer + own columns`` (``outer`` is the enclosing block's row for correlated
subqueries, ``()`` at top level).  Long loops call ``ctx.task.tick()``: it raises when the request is killed or
cancelled and gives the loop back when the time slice is used up, so no query stalls other sessions.  Sorting is
done in chunks merged lazily, for the same reason.
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mypy_extensions import mypyc_attr

from quietus.engine.access import ReadPolicy
from quietus.engine.storage.keys import NULL_KEY
from quietus.engine.storage.table import Table
from quietus.sql.context import ExecContext
from quietus.sql.environment import TableFunction, VirtualTable
from quietus.sql.scope import ScopeColumn, nullable_columns, plain_columns
from quietus.sql.types_datetime import round_datetime

Row = tuple[Any, ...]
RowFn = Callable[[Row, ExecContext], Any]

_SORT_CHUNK = 4096


# Compiled (quietus.compiled); the plan nodes of other modules (windows, CTEs, FOR XML ...) stay interpreted.
@mypyc_attr(allow_interpreted_subclasses=True)
class Plan:
    columns: Sequence[ScopeColumn] = ()

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        raise NotImplementedError


class TableScan(Plan):
    """All visible rows of a base table, locking as the policy says; optionally with the row key appended."""

    def __init__(self, table: Table, columns: Sequence[ScopeColumn], policy: ReadPolicy, with_key: bool) -> None:
        self.table = table
        self.columns = columns
        self.policy = policy
        self.with_key = with_key
        self.seek: tuple[RowFn, RowFn] | None = None  # clustered key range [low, high], set by the planner
        self.seek_once = False  # low and high are one plain value (pk = @p): evaluated once, not twice

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        access = ctx.row_access()
        access.begin_read(self.table, self.policy)
        seek = self.seek
        if seek is not None:
            low = seek[0](outer, ctx)  # keys already (the planner's seek applies the key column's rule)
            high = low if self.seek_once else seek[1](outer, ctx)
            if low is NULL_KEY or high is NULL_KEY:
                return  # a key is never NULL: nothing equals NULL
            self.table.usage.sought(access.statement)
            source = access.seek_range(self.table, low, high, self.policy)
        else:
            self.table.usage.scanned(access.statement)
            source = access.scan(self.table, self.policy)
        if self.with_key:
            for row_key, values in source:
                yield outer + values + (row_key,)
        else:
            for _row_key, values in source:
                yield outer + values


class VirtualScan(Plan):
    """A view's rows.  Its ``datetime`` columns are put on SQL Server's 1/300 s tick, as every datetime value is
    (a view reads the clock to the microsecond; unrounded, two views' copies of one time would not compare equal
    once one of them is stored), unless the view's provider does that itself (``VirtualTable.on_ticks``: a large
    view rounds a value it repeats once, and its rows are not copied here)."""

    def __init__(self, view: VirtualTable, columns: Sequence[ScopeColumn]) -> None:
        self.view = view
        self.columns = columns
        self._datetimes = [] if view.on_ticks else [i for i, (_, t) in enumerate(view.columns) if t.name == "datetime"]

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        tick = ctx.task.tick
        datetimes = self._datetimes
        for values in list(self.view.rows(ctx)):
            tick()
            if datetimes:
                values = _on_datetime_ticks(values, datetimes)
            yield outer + values if outer or type(values) is not tuple else values


def _on_datetime_ticks(values: Row, positions: Sequence[int]) -> Row:
    changed = list(values)
    for position in positions:
        if changed[position] is not None:
            changed[position] = round_datetime(changed[position])
    return tuple(changed)


class FunctionScan(Plan):
    """A table-valued function's rows; its arguments are evaluated on the outer row (the left row under APPLY)."""

    def __init__(self, function: TableFunction, arguments: Sequence[RowFn], columns: Sequence[ScopeColumn]) -> None:
        self.function = function
        self.arguments = arguments
        self.columns = columns

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        values = tuple(argument(outer, ctx) for argument in self.arguments)
        tick = ctx.task.tick
        for row in list(self.function.rows(ctx, values)):
            tick()
            yield outer + row


class ValuesScan(Plan):
    """``(VALUES (...), ...)`` under APPLY: each row's expressions evaluated on the outer row."""

    def __init__(self, rows: Sequence[Sequence[RowFn]], columns: Sequence[ScopeColumn]) -> None:
        self.value_rows = rows
        self.columns = columns

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        for row in self.value_rows:
            yield outer + tuple(fn(outer, ctx) for fn in row)


class Correlated(Plan):
    """A query run once per outer row (a derived table under APPLY): rows are ``outer + its values``."""

    def __init__(self, child: Plan, columns: Sequence[ScopeColumn]) -> None:
        self.child = child
        self.columns = columns

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        for values in self.child.rows(ctx, outer):
            yield outer + values


class Apply(Plan):
    """CROSS APPLY / OUTER APPLY: the right side runs once per left row, with that row as its outer row (its rows
    are ``left row + own values``).  OUTER keeps a left row the right side gives nothing for, with NULLs."""

    def __init__(self, left: Plan, right: Plan, keep_unmatched: bool) -> None:
        self.left = left
        self.right = right
        self.keep_unmatched = keep_unmatched
        right_columns = plain_columns(right.columns)
        self.columns = plain_columns(left.columns) + (
            nullable_columns(right_columns) if keep_unmatched else right_columns
        )

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        nulls = (None,) * len(self.right.columns)
        tick = ctx.task.tick
        for left_row in self.left.rows(ctx, outer):
            found = False
            for row in self.right.rows(ctx, left_row):
                tick()
                found = True
                yield row
            if not found and self.keep_unmatched:
                yield left_row + nulls


class ConstantRow(Plan):
    """A FROM-less SELECT: one empty row."""

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        yield outer


class Materialized(Plan):
    """Rows computed once per execution (a derived table or CTE run without correlation)."""

    def __init__(self, child: Plan, columns: Sequence[ScopeColumn], project: Callable[[ExecContext], list[Row]]):
        self.child = child
        self.columns = columns
        self._project = project

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        for values in self._project(ctx):
            ctx.task.tick()
            yield outer + values


class Filter(Plan):
    def __init__(self, child: Plan, predicate: RowFn) -> None:
        self.child = child
        self.columns = child.columns
        self.predicate = predicate

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        predicate = self.predicate
        for row in self.child.rows(ctx, outer):
            if predicate(row, ctx) is True:
                yield row


class Join(Plan):
    """INNER / LEFT / RIGHT / FULL / CROSS join; hash lookup when equality keys are known, else nested loops.

    The right input is read once per execution (materialised), so its locks are taken once.
    """

    def __init__(
        self,
        left: Plan,
        right: Plan,
        kind: str,
        predicate: RowFn | None,
        left_key: RowFn | None = None,
        right_key: RowFn | None = None,
    ) -> None:
        self.left = left
        self.right = right
        self.kind = kind
        self.predicate = predicate
        self.left_key = left_key
        self.right_key = right_key
        left_columns, right_columns = plain_columns(left.columns), plain_columns(right.columns)
        if kind in ("RIGHT", "FULL"):
            left_columns = nullable_columns(left_columns)
        if kind in ("LEFT", "FULL"):
            right_columns = nullable_columns(right_columns)
        self.columns = left_columns + right_columns

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        right_rows = list(self.right.rows(ctx, ()))
        predicate = self.predicate
        kind = self.kind
        track_right = kind in ("RIGHT", "FULL")
        matched = [False] * len(right_rows) if track_right else []
        right_nulls = (None,) * len(self.right.columns)
        index: dict[Any, list[int]] | None = None
        if self.left_key is not None and self.right_key is not None:
            index = {}
            for position, right_row in enumerate(right_rows):
                key = self.right_key(right_row, ctx)
                if key is not None:
                    index.setdefault(key, []).append(position)
        everything = range(len(right_rows))
        tick = ctx.task.tick
        for left_row in self.left.rows(ctx, outer):
            found = False
            if index is not None:
                assert self.left_key is not None
                key = self.left_key(left_row, ctx)
                candidates: Sequence[int] = index.get(key, ()) if key is not None else ()
            else:
                candidates = everything
            for position in candidates:
                tick()
                row = left_row + right_rows[position]
                if predicate is None or predicate(row, ctx) is True:
                    found = True
                    if track_right:
                        matched[position] = True
                    yield row
            if not found and kind in ("LEFT", "FULL"):
                yield left_row + right_nulls
        if track_right:
            left_nulls = (None,) * len(self.left.columns)
            for position, right_row in enumerate(right_rows):
                if not matched[position]:
                    yield outer + left_nulls + right_row


class Aggregate(Plan):
    """Hash aggregation: output rows are ``outer + group values + aggregate results``."""

    def __init__(
        self,
        child: Plan,
        columns: Sequence[ScopeColumn],
        group_fns: Sequence[RowFn],
        group_keys: Sequence[Callable[[Any], Any]],
        aggregates: Sequence[tuple[Callable[[], Any], RowFn | None]],
        scalar: bool,
    ) -> None:
        self.child = child
        self.columns = columns
        self.group_fns = group_fns
        self.group_keys = group_keys
        self.aggregates = aggregates
        self.scalar = scalar  # no GROUP BY: one row even for no input

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        groups: dict[Any, tuple[Row, list[Any]]] = {}
        group_fns = self.group_fns
        group_keys = self.group_keys
        aggregates = self.aggregates
        for row in self.child.rows(ctx, outer):
            values = tuple(fn(row, ctx) for fn in group_fns)
            key = tuple(k(v) for k, v in zip(group_keys, values, strict=True))
            entry = groups.get(key)
            if entry is None:
                entry = (values, [new() for new, _ in aggregates])
                groups[key] = entry
            for accumulator, (_, argument) in zip(entry[1], aggregates, strict=True):
                accumulator.step(None if argument is None else argument(row, ctx))
        if not groups and self.scalar:
            groups[()] = ((), [new() for new, _ in aggregates])
        for values, accumulators in groups.values():
            ctx.task.tick()
            yield outer + values + tuple(accumulator.result() for accumulator in accumulators)


class Project(Plan):
    """The select list.  When every item is a plain column (``slots`` given), one C-level itemgetter builds each
    output row instead of a closure call per column."""

    def __init__(
        self,
        child: Plan,
        columns: Sequence[ScopeColumn],
        fns: Sequence[RowFn],
        slots: Sequence[int] | None = None,
        width: int = -1,
    ) -> None:
        self.child = child
        self.columns = columns
        self.fns = fns
        self.getter: Callable[[Row], Any] | None = None
        self.identity = False
        if slots is not None and list(slots) == list(range(width)):
            self.identity = True  # e.g. SELECT * of a block with no outer row
        elif slots is not None and slots:
            picker = operator.itemgetter(*slots)
            self.getter = picker if len(slots) > 1 else (lambda row: (picker(row),))

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        if self.identity:  # the select list is every slot of the row, in order: the row itself
            yield from self.child.rows(ctx, outer)
            return
        getter = self.getter
        if getter is not None:
            for row in self.child.rows(ctx, outer):
                yield getter(row)
            return
        fns = self.fns
        for row in self.child.rows(ctx, outer):
            yield tuple(fn(row, ctx) for fn in fns)


class Distinct(Plan):
    def __init__(self, child: Plan, key: Callable[[Row], Any]) -> None:
        self.child = child
        self.columns = child.columns
        self.key = key

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        seen: set[Any] = set()
        for row in self.child.rows(ctx, outer):
            key = self.key(row)
            if key not in seen:
                seen.add(key)
                yield row


class Sort(Plan):
    """ORDER BY: chunks sorted one at a time (each a few milliseconds), then merged lazily."""

    def __init__(self, child: Plan, key: Callable[[Row, ExecContext], Any]) -> None:
        self.child = child
        self.columns = child.columns
        self.key = key

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        key = self.key
        tick = ctx.task.tick
        chunks: list[list[tuple[Any, int, Row]]] = []
        chunk: list[tuple[Any, int, Row]] = []
        counter = itertools.count()
        for row in self.child.rows(ctx, outer):
            chunk.append((key(row, ctx), next(counter), row))
            if len(chunk) >= _SORT_CHUNK:
                chunk.sort(key=_first_two)
                chunks.append(chunk)
                chunk = []
                ctx.task.yield_now()
        if chunk:
            chunk.sort(key=_first_two)
            chunks.append(chunk)
        if len(chunks) == 1:
            for _, _, row in chunks[0]:
                tick()
                yield row
            return
        for _, _, row in heapq.merge(*chunks, key=_first_two):
            tick()
            yield row


def _first_two(entry: tuple[Any, int, Row]) -> tuple[Any, int]:
    return entry[0], entry[1]


class Limit(Plan):
    """TOP n / OFFSET m ROWS FETCH NEXT n ROWS ONLY, counts computed per execution."""

    def __init__(
        self,
        child: Plan,
        count: Callable[[ExecContext], int | None],
        offset: Callable[[ExecContext], int],
        percent: bool = False,
    ) -> None:
        self.child = child
        self.columns = child.columns
        self.count = count
        self.offset = offset
        self.percent = percent

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        count = self.count(ctx)
        offset = self.offset(ctx)
        source = self.child.rows(ctx, outer)
        if self.percent and count is not None:
            everything = list(source)
            count = -(-len(everything) * count // 100)
            source = iter(everything)
        stop = None if count is None else offset + count
        yield from itertools.islice(source, offset, stop)


class SetOperation(Plan):
    """UNION [ALL] / EXCEPT / INTERSECT over two projected inputs."""

    def __init__(self, left: Plan, right: Plan, kind: str, distinct: bool, key: Callable[[Row], Any]) -> None:
        self.left = left
        self.right = right
        self.kind = kind
        self.distinct = distinct
        self.key = key
        self.columns = left.columns

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        key = self.key
        if self.kind == "UNION":
            if not self.distinct:
                yield from self.left.rows(ctx, outer)
                yield from self.right.rows(ctx, outer)
                return
            seen: set[Any] = set()
            for row in itertools.chain(self.left.rows(ctx, outer), self.right.rows(ctx, outer)):
                k = key(row)
                if k not in seen:
                    seen.add(k)
                    yield row
            return
        right_keys = {key(row) for row in self.right.rows(ctx, outer)}
        emitted: set[Any] = set()
        for row in self.left.rows(ctx, outer):
            k = key(row)
            if k in emitted:
                continue
            if (k in right_keys) == (self.kind == "INTERSECT"):
                emitted.add(k)
                yield row
