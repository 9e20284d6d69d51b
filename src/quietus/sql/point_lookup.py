"""The point lookup: ``SELECT <list> FROM t WHERE pk = <value> [AND ...]`` as one operator.

With ``pk`` a primary key of one column, or of several all bound by equalities (``a = @a AND b = @b``).  The
general plan of that query is three operators over the access method, each a generator resumed per row:
``Project → Filter → TableScan`` (with a key seek) ``→ RowAccess.seek_range → read_row``.  For a point select,
the one row it reads pays for four generators, their frames and their hand-offs; ``PointLookup`` does the same
steps, in the same order, in one generator:

| step                                   | general path                 | PointLookup                          |
|----------------------------------------|------------------------------|--------------------------------------|
| the table's object lock                | TableScan: ``begin_read``    | the same call, first                 |
| the key value, once, normalised        | TableScan (``seek_once``)    | the same function                    |
| a NULL key finds nothing               | TableScan                    | the same                             |
| the stored keys in [key, key]          | seek_range: ``irange``       | a dict probe (1), else ``irange``    |
| per key: a safe point                  | seek_range: ``task.tick``    | the same                             |
| per key: lock, visible version, release | ``RowAccess.read_row``      | the same call                        |
| the whole WHERE re-checked on the row  | Filter (2)                   | the same predicate                   |
| the select list                        | Project                      | the same row, itemgetter or functions |

(1) when the key's Python type is the stored keys' own (int for an integer key column, str for a string one; a key
of several columns always goes through ``irange``): an equal value is then the very key stored, with the same hash
and the same text in a lock resource.  (2) the seek's key is the storage's case-folded one: the column's
comparison, or a conversion, may reject what it found.

So the locks, their order and their hold time (every isolation level and table hint: the ``ReadPolicy`` decides,
as for a scan), the versions seen, the errors (a parameter that does not convert fails where it failed), the kill
and cancel points and the rows are those of the general path.  It stays a generator: nothing runs until the first
row is asked for, as before (a UNION's right input, for one, still locks after its left input is read).

The planner fuses only that exact shape (``fused``): a Project whose input is a Filter over a key-seeking
TableScan that evaluates its key once (a literal or a variable: ``seek_once``) and reads rather than writes
(``with_key``: an UPDATE's or DELETE's target keeps the general path).  Anything between the three (a sort,
grouping, a window, HAVING) and anything around them (DISTINCT, TOP, a UNION) leaves the shape unmatched or
wraps the fused operator unchanged.  Both dialects plan through here; an Oracle comparison is a subclass of
``exp.EQ`` compiled with Oracle's semantics into the same seek and predicate, so it is fused the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from quietus.engine.storage.keys import NULL_KEY
from quietus.sql.context import ExecContext
from quietus.sql.operators import Filter, Plan, Project, Row, RowFn, TableScan
from quietus.sql.types_base import FAMILY


def single_key(value: RowFn, part: Callable[[Any], Any]) -> RowFn:
    """The key a one-column seek looks for: ``value`` as the key column's rule makes it a key (NULL_KEY for NULL:
    nothing equals it).  Made by the planner for any key seek; here, compiled, because a point select calls it on
    every request."""
    return lambda row, ctx: part(value(row, ctx))


def composite_key(values: Sequence[RowFn], parts: Sequence[Callable[[Any], Any]]) -> RowFn:
    """A key of several columns from one value each, each made a key part by its column's rule; NULL_KEY (nothing
    equals it) when a part is NULL."""
    pairs = tuple(zip(parts, values, strict=True))

    def key(row: Row, ctx: ExecContext) -> Any:
        key = tuple(part(value(row, ctx)) for part, value in pairs)
        return NULL_KEY if any(part is NULL_KEY for part in key) else key

    return key


# The Python type of a stored one-column key, by the key column's type, where a value of that Python type equal to
# a stored key is that key (same hash, same text in a lock resource); other key types are found through the
# sorted keys, as a scan's seek finds them.
_STORED_KEY_TYPE: dict[str, type] = {
    "tinyint": int,
    "smallint": int,
    "int": int,
    "bigint": int,
    **{name: str for name, family in FAMILY.items() if family == "string"},
}


class PointLookup(Plan):
    """``Project(Filter(TableScan with a one-value key seek))`` as one generator (see the module note)."""

    def __init__(self, project: Project, where: Filter, scan: TableScan) -> None:
        assert scan.seek is not None and scan.seek_once and not scan.with_key
        self.columns = project.columns
        self.scan = scan  # what it reads, as the general plan said it (never run: its parts are copied below)
        self.table = scan.table
        self.policy = scan.policy
        self.key: RowFn = scan.seek[0]
        self.predicate = where.predicate
        primary = scan.table.definition.primary_key
        assert primary is not None
        key_columns = [scan.table.definition.columns[position] for position in primary.columns]
        self.stored_key_type = _STORED_KEY_TYPE.get(key_columns[0].type_name) if len(key_columns) == 1 else None
        self.identity = project.identity
        self.getter = project.getter
        self.fns = tuple(project.fns)

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        access = ctx.row_access()
        table = self.table
        policy = self.policy
        access.begin_read(table, policy)
        key = self.key(outer, ctx)
        if key is NULL_KEY:
            return  # a key is never NULL: nothing equals NULL
        table.usage.sought(access.statement)
        tick = ctx.task.tick
        predicate = self.predicate
        for row_key in self._stored_keys(table.rows, key):
            tick()
            values = access.read_row(table, row_key, policy)
            if values is None:
                continue
            row = outer + values
            if predicate(row, ctx) is not True:
                continue
            if self.identity:
                yield row
            elif self.getter is not None:
                yield self.getter(row)
            else:
                yield tuple(fn(row, ctx) for fn in self.fns)

    def _stored_keys(self, stored: Any, key: Any) -> Sequence[Any]:
        """The stored keys equal to ``key`` (one at most, as a rule), as a seek of [key, key] finds them."""
        if type(key) is self.stored_key_type:
            rows: dict[Any, Any] = stored  # a SortedDict, so a dict: compiled, `in` is the dict lookup, no slot call
            return (key,) if key in rows else ()
        return list(stored.irange(key, key))


def fused(plan: Project) -> Plan:
    """``plan`` as a PointLookup when it is exactly Project → Filter → a reading TableScan seeking one key value;
    else ``plan`` itself."""
    where = plan.child
    if type(where) is not Filter:
        return plan
    scan = where.child
    if type(scan) is not TableScan or scan.seek is None or not scan.seek_once or scan.with_key:
        return plan
    return PointLookup(plan, where, scan)


__all__ = ["PointLookup", "fused"]
