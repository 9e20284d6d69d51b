"""Computed columns: ``CREATE TABLE t (a INT, b INT, total AS a + b [PERSISTED [NOT NULL]])``.

A computed column's value is the expression over the other columns of its row.  Quietus writes it with the row
(every INSERT, every UPDATE, ALTER TABLE ADD for the rows already there), so reads, indexes and keys see a stored
value; that is exactly SQL Server's result for a deterministic expression, persisted or not.  A non-deterministic
expression (GETDATE(), SYSDATETIME(), NEWID() ...) SQL Server computes anew at every read, and so does Quietus:
the planner puts ``ReadTimeColumns`` over the table's scan, which replaces the value written with the row by the
expression's value now (sp_BlitzCache's ``PlanCreationTimeHours AS DATEDIFF(HOUR, PlanCreationTime,
SYSDATETIME())``).  Such a column may not be PERSISTED (4936), nor be in an index (2729), as in SQL Server.

| rule                                                                   | SQL Server's error |
|------------------------------------------------------------------------|--------------------|
| the column's type is the expression's                                  |                    |
| it may not name another computed column                                | 1759               |
| a subquery                                                             | 1046               |
| an unknown column                                                      | 207                |
| NOT NULL without PERSISTED                                             | 8183               |
| PERSISTED over a non-deterministic expression                          | 4936               |
| a non-deterministic one in an index's key or INCLUDE, or a PRIMARY KEY / UNIQUE | 2729      |
| INSERT naming it, UPDATE assigning it                                  | 271                |
| DROP COLUMN of a column it names                                       | 5074               |
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

import msgspec
import sqlglot
from sqlglot import exp

from quietus.engine.storage.schema import ColumnDef
from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.expressions import CompiledExpr, compile_expression
from quietus.sql.operators import Plan, Row, RowFn
from quietus.sql.scope import Scope, ScopeColumn

# Functions whose value is not fixed by their arguments (SQL Server's non-deterministic built-ins): the ones
# sqlglot reads as calls by name, and the ones it gives a class of their own (GETDATE, SYSDATETIME and
# CURRENT_TIMESTAMP are CurrentTimestamp; NEWID is Uuid).  CHECKSUM(expr) is deterministic, as in SQL Server (only
# CHECKSUM(*), which a computed column cannot name, is not): `AS CHECKSUM(col) PERSISTED` is the usual hash column.
NON_DETERMINISTIC = frozenset(
    {"GETDATE", "GETUTCDATE", "SYSDATETIME", "SYSUTCDATETIME", "SYSDATETIMEOFFSET", "NEWID", "NEWSEQUENTIALID",
     "RAND", "CURRENT_USER", "HOST_NAME", "APP_NAME", "SUSER_SNAME", "USER_NAME"}
)  # fmt: skip
NON_DETERMINISTIC_NODES = (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.Rand, exp.Uuid)


def column_def(node: exp.ColumnDef) -> tuple[ColumnDef, list[exp.ColumnConstraint]]:
    """The column of ``name AS expression [PERSISTED [NOT NULL]]``, typed later by ``resolve``."""
    constraints = list(node.args.get("constraints") or [])
    computed = next(c.args["kind"] for c in constraints if isinstance(c.args.get("kind"), exp.ComputedColumnConstraint))
    others = [c for c in constraints if not isinstance(c.args.get("kind"), exp.ComputedColumnConstraint)]
    persisted = bool(computed.args.get("persisted"))
    not_null = bool(computed.args.get("not_null"))
    value = computed.this
    if isinstance(value, exp.Not) and isinstance(value.this, exp.Is) and isinstance(value.this.expression, exp.Null):
        raise sql_error(8183)  # sqlglot reads ``c AS a + 1 NOT NULL`` as NOT (a + 1 IS NULL): NOT NULL, not persisted
    if not_null and not persisted:
        raise sql_error(8183)
    if computed.args.get("data_type") is not None:  # ``c AS a NULL``
        raise sql_error(102, "NULL")
    if isinstance(value, exp.Predicate | exp.Not | exp.Connector):  # a condition is no value in T-SQL
        raise sql_error(102, value.sql(dialect="tsql")[:40])
    expression = value.sql(dialect="tsql")
    definition = ColumnDef(
        name=node.name, type_name="int", nullable=not not_null, computed_sql=expression, persisted=persisted
    )
    return definition, others


def expression(column: ColumnDef) -> exp.Expr:
    assert column.computed_sql is not None
    return sqlglot.parse_one(column.computed_sql, read="tsql")


def references(column: ColumnDef) -> set[str]:
    """The (case-folded) names of the columns a computed column's expression reads."""
    return {node.name.casefold() for node in expression(column).find_all(exp.Column)}


def resolve(ctx: ExecContext, table: str, columns: Sequence[ColumnDef]) -> list[ColumnDef]:
    """``columns`` with every computed column checked and typed by its expression (see the module's table)."""
    if not any(column.computed_sql is not None for column in columns):
        return list(columns)
    computed_names = {c.name.casefold() for c in columns if c.computed_sql is not None}
    resolved = []
    for column in columns:
        if column.computed_sql is None:
            resolved.append(column)
            continue
        node = expression(column)
        if references(column) & computed_names:
            raise sql_error(1759, column.name, table)
        if any(isinstance(part, exp.Subquery | exp.Select) for part in node.walk()):
            raise sql_error(1046)
        compiled = compile_over(ctx, columns, node)
        if column.persisted and not _deterministic(node):
            raise sql_error(4936, column.name, table)
        sql_type = compiled.type
        resolved.append(
            msgspec.structs.replace(
                column,
                type_name=sql_type.name,
                length=sql_type.length,
                precision=sql_type.precision,
                scale=sql_type.scale,
            )
        )
    return resolved


def compile_over(ctx: ExecContext, columns: Sequence[ColumnDef], node: exp.Expr) -> CompiledExpr:
    """The expression compiled over a row of the table (its values in column order)."""
    from quietus.sql.planner import column_type  # the planner plans reads of these columns: imported when used

    scope_columns = [ScopeColumn(c.name, column_type(c)) for c in columns]
    return compile_expression(node, Scope(scope_columns, None, ctx.variable_type))


def _deterministic(node: exp.Expr) -> bool:
    for part in node.walk():
        if isinstance(part, NON_DETERMINISTIC_NODES):
            return False
        if isinstance(part, exp.Func):
            name = (part.name if isinstance(part, exp.Anonymous) else part.sql_name()).upper()
            if name in NON_DETERMINISTIC:
                return False
        if isinstance(part, exp.Parameter | exp.SessionParameter):
            return False
    return True


@functools.lru_cache(maxsize=1024)
def _non_deterministic_sql(sql: str) -> bool:
    return not _deterministic(sqlglot.parse_one(sql, read="tsql"))


def read_time_positions(columns: Sequence[ColumnDef]) -> tuple[int, ...]:
    """The positions of the computed columns whose value is computed at each read (non-deterministic ones)."""
    return tuple(
        position
        for position, column in enumerate(columns)
        if column.computed_sql is not None and not column.persisted and _non_deterministic_sql(column.computed_sql)
    )


def refuse_in_index(table: str, columns: Sequence[ColumnDef], positions: Sequence[int]) -> None:
    """2729 when an index (or key constraint) would hold a column computed at each read."""
    for position in positions:
        if position in read_time_positions(columns):
            raise sql_error(2729, columns[position].name, table)


class ReadTimeColumns(Plan):
    """A table's scan whose non-deterministic computed columns are computed as each row is read, over the row's
    stored values (the value written with the row is never shown)."""

    def __init__(self, scan: Plan, width: int, computed: Sequence[tuple[int, RowFn]]) -> None:
        self.scan = scan
        self.columns = scan.columns
        self.width = width  # the table's columns (a write's row key may follow them)
        self.computed = tuple(computed)

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        start = len(outer)
        stop = start + self.width
        for row in self.scan.rows(ctx, outer):
            values = row[start:stop]
            changed = list(row)
            for position, fn in self.computed:
                changed[start + position] = fn(values, ctx)
            yield tuple(changed)


def computed_at_read(ctx: ExecContext, columns: Sequence[ColumnDef], scan: Plan) -> Plan:
    """``scan`` of a table with ``columns``, under ``ReadTimeColumns`` if it has any column computed at read."""
    positions = read_time_positions(columns)
    if not positions:
        return scan
    computed = [(position, compile_over(ctx, columns, expression(columns[position])).fn) for position in positions]
    return ReadTimeColumns(scan, len(columns), computed)
