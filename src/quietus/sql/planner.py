"""From a sqlglot query to a plan of operators.

A query block is planned in SQL's logical order: FROM (tables, views, derived tables, CTEs, joins) → WHERE →
GROUP BY and aggregates → HAVING → ORDER BY keys → SELECT list → DISTINCT → TOP / OFFSET-FETCH.  Aggregates and
GROUP BY expressions are replaced in the later clauses by references to the aggregation's output columns, which is
how SQL Server's 8120 ("not contained in either an aggregate function or the GROUP BY clause") arises.

An equality or range on the clustered key in WHERE becomes a key seek, so a point query locks one key, as SQL
Server's does; anything else scans.  A select list over such a seek of one key value is fused into one operator
(sql/point_lookup.py) that does the same steps without a generator per operator.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlglot import exp

from quietus.engine.access import read_policy
from quietus.engine.storage.keys import key_part
from quietus.engine.storage.schema import ColumnDef
from quietus.engine.storage.table import Table
from quietus.errors import sql_error
from quietus.sql import (
    apply,
    computed_columns,
    for_xml,
    point_lookup,
    recursive_cte,
    remote_tables,
    synonyms,
    temp_tables,
    user_functions,
    views,
    windows,
    xml_methods,
)
from quietus.sql.aggregates import AGGREGATE_NAMES, make_aggregate
from quietus.sql.context import ExecContext
from quietus.sql.dialect.grammar import walk
from quietus.sql.expressions import (
    CompiledExpr,
    EvalContext,
    collated_sort_key,
    compile_expression,
    compile_predicate,
    named_collation,
    null_or_variable,
)
from quietus.sql.module_names import find_module
from quietus.sql.modules import Module
from quietus.sql.operators import (
    Aggregate,
    ConstantRow,
    Correlated,
    Distinct,
    Filter,
    Join,
    Limit,
    Materialized,
    Plan,
    Project,
    RowFn,
    SetOperation,
    Sort,
    TableScan,
    VirtualScan,
)
from quietus.sql.results import ResultColumn
from quietus.sql.scope import Scope, ScopeColumn
from quietus.sql.types_base import INT, SqlType, make_type, result_type
from quietus.sql.types_convert import converter

Row = tuple[Any, ...]


def column_type(column: ColumnDef) -> SqlType:
    """The SQL type of a stored column."""
    params: list[int | None]
    if column.type_name in ("decimal", "numeric"):
        params = [column.precision, column.scale]
    elif column.type_name in ("datetime2", "time", "datetimeoffset"):
        params = [column.scale] if column.scale is not None else []
    elif column.type_name in ("float",):
        params = [column.precision] if column.precision is not None else []
    elif column.type_name in ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary"):
        params = [column.length]
    else:
        params = []
    return make_type(column.type_name, params)


@dataclass
class QueryPlan:
    """A planned query: its operator tree and its output columns (names and types)."""

    plan: Plan
    columns: list[ScopeColumn]
    assignments: list[tuple[str, RowFn]] | None = None  # SELECT @v = expr ...
    sources: list[str] | None = None  # per output column, the table (alias) it reads, "" for an expression
    modules: tuple[Module, ...] = ()  # the views and functions it expanded, as they were (a cached plan checks)

    @functools.cached_property
    def result_columns(self) -> tuple[ResultColumn, ...]:
        """The columns a client is told of (names and types, reported nullable as always): made once per plan, so
        a cached plan's result set is described by the same objects every time."""
        return tuple(ResultColumn(c.name, c.type) for c in self.columns)


@dataclass
class TargetInfo:
    """For UPDATE/DELETE: the target table's source name in the plan, so its row key can be found."""

    table: Table
    source: str
    key_slot: int = -1
    value_slots: tuple[int, int] = (0, 0)


@dataclass
class Planner:
    ctx: ExecContext
    ctes: dict[str, exp.CTE] = field(default_factory=dict)
    working: dict[str, recursive_cte.WorkingTable] = field(default_factory=dict)  # recursive CTEs being planned
    expanding: tuple[int, ...] = ()  # the views and inline functions being expanded, outermost first (4429)
    modules: list[Module] = field(default_factory=list)  # every module the plan expanded (cached plans check them)

    @contextlib.contextmanager
    def working_table(self, name: str, table: recursive_cte.WorkingTable) -> Iterator[None]:
        """While a recursive member is planned, its CTE's name reads the previous level's rows."""
        folded = name.casefold()
        saved = self.working.get(folded)
        self.working[folded] = table
        try:
            yield
        finally:
            if saved is None:
                del self.working[folded]
            else:
                self.working[folded] = saved

    def with_clause(self, node: exp.Expr) -> None:
        """Make the CTEs of ``node``'s WITH (a query's, or an UPDATE's / DELETE's) known by name."""
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None:
            for cte in with_.expressions:
                self.ctes[cte.alias_or_name.casefold()] = cte

    # -- entry points ----------------------------------------------------------------------------------------

    def plan_query(self, node: exp.Expr, outer: Scope | None = None) -> QueryPlan:
        if isinstance(node, exp.Subquery):
            return self.plan_query(node.this, outer)
        saved = dict(self.ctes)
        self.with_clause(node)
        try:
            if isinstance(node, exp.Union | exp.Except | exp.Intersect):
                return self._plan_set_operation(node, outer)
            if isinstance(node, exp.Select) and node.args.get("for_") is not None:
                return self._plan_for_xml(node, outer)
            if isinstance(node, exp.Select):
                return self._plan_select(node, outer)
            raise sql_error(102, node.sql(dialect="tsql")[:40])
        finally:
            self.ctes = saved

    def variable_type(self, name: str) -> SqlType:
        return self.ctx.variable_type(name)

    def scope(self, columns: Sequence[ScopeColumn], outer: Scope | None) -> Scope:
        return Scope(columns, outer, self.variable_type, self._compile_subquery, None, self._compile_function)

    def compile(self, node: exp.Expr, scope: Scope) -> CompiledExpr:
        return compile_expression(node, scope)

    # -- SELECT ----------------------------------------------------------------------------------------------

    def _plan_for_xml(self, select: exp.Select, outer: Scope | None) -> QueryPlan:
        """SELECT ... FOR XML: the query planned without its FOR clause, its rows made one value (sql.for_xml)."""
        chosen = for_xml.options(select.args["for_"])
        inner = select.copy()
        inner.set("for_", None)
        planned = self._plan_select(inner, outer)
        if chosen.mode == "AUTO" and not any(planned.sources or ()):
            raise sql_error(6800)
        plan = for_xml.ForXml(planned.plan, planned.columns, chosen, planned.sources)
        return QueryPlan(plan, list(plan.columns))

    def _plan_select(self, select: exp.Select, outer: Scope | None, target: TargetInfo | None = None) -> QueryPlan:
        _refuse_unsupported(select)
        source, scope = self.plan_from(select, outer, target)
        where = select.args.get("where")
        if where is not None:
            self._seek(source, where.this, scope)
            source = Filter(source, compile_predicate(where.this, scope).fn)

        projections = self._expand_star(select.expressions, scope)
        names = [_output_name(item) for item in projections]
        group = select.args.get("group")
        having = select.args.get("having")
        order = select.args.get("order")
        aggregates = _find_aggregates(projections, having, order)
        if group is not None or aggregates:
            source, scope, projections, having_node, order = self._plan_grouping(
                source, scope, projections, group, aggregates, having, order
            )
            if having_node is not None:
                source = Filter(source, compile_predicate(having_node, scope).fn)
        elif having is not None:
            source = Filter(source, compile_predicate(having.this, scope).fn)
        source, scope, projections, order = windows.plan_windows(self, source, scope, projections, order)

        assignments: list[tuple[str, RowFn]] | None = None
        compiled: list[CompiledExpr] = []
        output_names: list[str] = []
        sources: list[str] = []
        for item, name in zip(projections, names, strict=True):
            if isinstance(item, exp.EQ) and isinstance(item.this, exp.Parameter):
                assignments = assignments or []
                name = "@" + item.this.name
                self.variable_type(name)
                assignments.append((name, self.compile(item.expression, scope).fn))
                continue
            compiled.append(self.compile(item.this if isinstance(item, exp.Alias) else item, scope))
            output_names.append(name)
            value = item.this if isinstance(item, exp.Alias) else item
            sources.append(value.table or _source_of(value, scope) if isinstance(value, exp.Column) else "")
        if assignments is not None and compiled:
            raise sql_error(141)
        names = output_names
        columns = _output_columns(names, compiled, scope)

        distinct = select.args.get("distinct") is not None
        limit = select.args.get("limit")
        offset = select.args.get("offset")
        if order is not None and not distinct:
            source = Sort(source, self._order_key(order, scope, projections, compiled))
        if assignments is not None:  # SELECT [TOP (n)] @v = ...: each row assigns, the last one's values stay
            fns = [fn for _, fn in assignments]
            return QueryPlan(self._limit(point_lookup.fused(Project(source, [], fns)), limit, offset), [], assignments)
        slots = [c.slot for c in compiled]
        plain = None if any(slot is None for slot in slots) else [s for s in slots if s is not None]
        plan = point_lookup.fused(Project(source, columns, [c.fn for c in compiled], plain, width=len(scope.layout)))
        if distinct:
            plan = Distinct(plan, self._row_key())
            if order is not None:
                out_scope = self.scope(columns, None)
                plan = Sort(plan, self._order_key(order, out_scope, projections, None, names))
        plan = self._limit(plan, limit, offset)
        return QueryPlan(plan, columns, sources=sources)

    def _limit(self, plan: Plan, limit: exp.Expr | None, offset: exp.Expr | None) -> Plan:
        if limit is None and offset is None:
            return plan
        percent = False
        count_fn: Callable[[ExecContext], int | None] = lambda ctx: None  # noqa: E731
        if limit is not None:
            count_node = limit.args.get("count") if isinstance(limit, exp.Fetch) else limit.expression
            options = limit.args.get("limit_options")
            percent = bool(options is not None and options.args.get("percent"))
            if options is not None and options.args.get("with_ties"):
                raise sql_error(40517, "TOP WITH TIES")
            count_fn = self._constant_int(count_node, negative_error=1014)
        offset_fn: Callable[[ExecContext], int] = lambda ctx: 0  # noqa: E731
        if offset is not None:
            raw = self._constant_int(offset.expression, negative_error=10742)

            def offset_fn(ctx: ExecContext) -> int:
                return raw(ctx) or 0

        return Limit(plan, count_fn, offset_fn, percent)

    def _constant_int(self, node: exp.Expr | None, negative_error: int) -> Callable[[ExecContext], int | None]:
        if node is None:
            return lambda ctx: None
        scope = self.scope([], None)
        compiled = self.compile(node, scope)

        def evaluate(ctx: ExecContext) -> int | None:
            value = compiled.fn((), ctx)
            if value is None:
                return None
            count = int(value)
            if count < 0:
                raise sql_error(negative_error)
            return count

        return evaluate

    def _expand_star(self, projections: list[exp.Expr], scope: Scope) -> list[exp.Expr]:
        expanded: list[exp.Expr] = []
        for item in projections:
            if isinstance(item, exp.Star):
                expanded.extend(_column_refs(scope.columns))
            elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
                qualifier = item.table.casefold()
                picked = [c for c in scope.columns if c.source.casefold() == qualifier and not c.hidden]
                if not picked:
                    raise sql_error(4104, item.table)
                expanded.extend(_column_refs(picked))
            else:
                expanded.append(item)
        return expanded

    def _order_key(
        self,
        order: exp.Order,
        scope: Scope,
        projections: list[exp.Expr],
        compiled: list[CompiledExpr] | None,
        names: list[str] | None = None,
    ) -> Callable[[Row, ExecContext], Any]:
        parts: list[tuple[RowFn, bool, bool, Callable[[Any], Any]]] = []
        for ordered in order.expressions:
            node = ordered.this
            fn: RowFn | None = None
            if isinstance(node, exp.Literal) and not node.is_string:
                position = int(node.this) - 1
                if not 0 <= position < len(projections):
                    raise sql_error(108, position + 1)
                fn = compiled[position].fn if compiled is not None else _slot_fn(position)
            elif isinstance(node, exp.Column) and not node.table:
                alias = node.name.casefold()
                for position, item in enumerate(projections):
                    if isinstance(item, exp.Alias) and item.alias.casefold() == alias:
                        fn = compiled[position].fn if compiled is not None else _slot_fn(position)
                        break
                if fn is None and names is not None:
                    for position, name in enumerate(names):
                        if name.casefold() == alias:
                            fn = _slot_fn(position)
                            break
            if fn is None:
                fn = self.compile(node, scope).fn
            desc = bool(ordered.args.get("desc"))
            nulls_first = ordered.args.get("nulls_first")
            nulls_low = (not desc) if nulls_first is None else bool(nulls_first) != desc  # before any reversal
            # an explicit COLLATE orders by it; otherwise the session's collation (binary for Oracle sessions)
            order_by = collated_sort_key(node) if named_collation(node) is not None else self.ctx.collation.sort_key
            parts.append((fn, desc, nulls_low, order_by))
        if all(nulls_low for _, _, nulls_low, _ in parts):  # NULLs lowest (SQL Server's order): sort keys do that

            def plain_key(row: Row, ctx: ExecContext) -> Any:
                return tuple(
                    _Descending(order_by(fn(row, ctx))) if desc else order_by(fn(row, ctx))
                    for fn, desc, _, order_by in parts
                )

            return plain_key

        def part(value: Any, desc: bool, nulls_low: bool, order_by: Callable[[Any], Any]) -> Any:
            key = _HIGHEST if value is None and not nulls_low else order_by(value)
            return _Descending(key) if desc else key

        def key(row: Row, ctx: ExecContext) -> Any:
            return tuple(part(fn(row, ctx), desc, nulls_low, order_by) for fn, desc, nulls_low, order_by in parts)

        return key

    def _row_key(self) -> Callable[[Row], Row]:
        """Equality key of a whole row under the session's collation (DISTINCT, UNION, INTERSECT, EXCEPT)."""
        equality = self.ctx.collation.equality_key
        return lambda row: tuple(equality(value) for value in row)

    # -- GROUP BY --------------------------------------------------------------------------------------------

    def _plan_grouping(
        self,
        source: Plan,
        scope: Scope,
        projections: list[exp.Expr],
        group: exp.Group | None,
        aggregates: list[exp.Expr],
        having: exp.Having | None,
        order: exp.Order | None,
    ) -> tuple[Plan, Scope, list[exp.Expr], exp.Expr | None, exp.Order | None]:
        group_nodes = list(group.expressions) if group is not None else []
        group_compiled = [self.compile(node, scope) for node in group_nodes]
        columns: list[ScopeColumn] = []
        replacements: dict[str, str] = {}
        for position, (node, compiled) in enumerate(zip(group_nodes, group_compiled, strict=True)):
            if isinstance(node, exp.Column):
                columns.append(ScopeColumn(node.name, compiled.type, node.table or _source_of(node, scope)))
            else:
                name = f"%group{position}"
                columns.append(ScopeColumn(name, compiled.type))
            replacements[_canonical(node)] = columns[-1].name
        specs: list[tuple[Callable[[], Any], RowFn | None]] = []
        for position, node in enumerate(aggregates):
            argument, distinct = _aggregate_argument(node)
            compiled_argument = None if argument is None else self.compile(argument, scope)
            extra = self._aggregate_extra(node, scope)
            spec = make_aggregate(
                _aggregate_name(node),
                None if compiled_argument is None else compiled_argument.type,
                distinct,
                extra,
                self.ctx.collation.sort_key,
            )
            specs.append((spec.new, None if compiled_argument is None else compiled_argument.fn))
            name = f"%agg{position}"
            columns.append(ScopeColumn(name, spec.type))
            replacements[_canonical(node)] = name
        plan = Aggregate(
            source,
            columns,
            [c.fn for c in group_compiled],
            [self.ctx.collation.equality_key for _ in group_compiled],
            specs,
            scalar=group is None,
        )
        grouped_scope = Scope(
            columns, scope.outer, self.variable_type, self._compile_subquery, scope, self._compile_function
        )

        def rewrite(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Identifier | exp.Order | exp.Ordered | exp.Star | exp.Literal):
                return node
            if windows.is_window_function(node):  # SUM(x) OVER (...): x is read after grouping
                return node
            if _is_aggregate(node) and node.find_ancestor(exp.Subquery, exp.Select) is not None:
                return node  # (SELECT COUNT(*) FROM u) beside COUNT(*): the subquery's own aggregate
            canonical = _canonical(node)
            if canonical in replacements:
                name = replacements[canonical]
                column = exp.column(name, table=None)
                if isinstance(node, exp.Column) and node.table:
                    column = exp.column(name, table=node.table)
                return column
            return node

        new_projections = [_rewrite(item, rewrite) for item in projections]
        having_node = _rewrite(having.this, rewrite) if having is not None else None
        new_order = _rewrite(order, rewrite) if order is not None else None
        return plan, grouped_scope, new_projections, having_node, new_order  # type: ignore[return-value]

    def _aggregate_extra(self, node: exp.Expr, scope: Scope) -> Any:
        if isinstance(node, exp.GroupConcat | exp.Anonymous) and node.args.get("separator") is not None:
            return self.compile(node.args["separator"], scope).fn((), self.ctx)
        return None

    # -- FROM ------------------------------------------------------------------------------------------------

    def plan_from(self, select: exp.Expr, outer: Scope | None, target: TargetInfo | None = None) -> tuple[Plan, Scope]:
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is None:
            return ConstantRow(), self.scope([], outer)
        source = from_.this
        joins = list(select.args.get("joins") or [])
        joins = list(source.args.get("joins") or []) + joins
        plan = self._plan_source(source, outer, target)
        for join in joins:
            if isinstance(join.this, exp.Lateral):  # CROSS / OUTER APPLY
                plan = apply.plan_apply(self, join.this, plan, outer, target)
                continue
            right = self._plan_source(join.this, None, target)  # a join's right side never sees outer rows
            kind = _join_kind(join)
            combined = self.scope(tuple(plan.columns) + tuple(right.columns), outer)
            on = join.args.get("on")
            predicate = None if on is None else compile_predicate(on, combined).fn
            left_key = right_key = None
            if on is not None and kind != "CROSS":
                keys = self._equi_keys(on, plan, right, outer)
                if keys is not None:
                    left_key, right_key = keys
            if kind in ("INNER", "CROSS", "LEFT", "RIGHT", "FULL"):
                plan = Join(plan, right, kind, predicate, left_key, right_key)
        return plan, self.scope(plan.columns, outer)

    def _plan_source(self, source: exp.Expr, outer: Scope | None, target: TargetInfo | None) -> Plan:
        if isinstance(source, exp.Subquery):
            alias = source.alias_or_name
            return self.derived(source.this, alias, outer, apply.alias_columns(source.args.get("alias")))
        if isinstance(source, exp.Values):  # (VALUES (...), ...) AS v(c1, ...)
            alias_node = source.args.get("alias")
            alias = alias_node.name if alias_node is not None else ""
            return apply.plan_values(self, source, alias, apply.alias_columns(alias_node), self.scope([], outer))
        if xml_methods.is_nodes_call(source):  # FROM @x.nodes('/a') AS t(c)
            alias_node = source.args.get("alias")
            alias = alias_node.name if alias_node is not None else ""
            scope = self.scope([], outer)
            return xml_methods.plan_nodes(source, alias, apply.alias_columns(alias_node), scope)
        if apply.function_name(source) is not None:
            names = apply.alias_columns(source.args.get("alias"))
            return apply.plan_function(self, source, source.alias, self.scope([], outer), names)
        if remote_tables.is_remote(source):  # server.database.schema.object on a linked server
            assert isinstance(source, exp.Table)
            return remote_tables.plan_scan(self.ctx, source, source.alias or source.name)
        if isinstance(source, exp.Table):
            name = source.name
            alias = source.alias or name
            parts = [_part(p) for p in (source.args.get("catalog"), source.args.get("db")) if p is not None]
            qualified = ".".join([*parts, name]).casefold()
            if not parts and name.casefold() in self.working and not temp_tables.is_local(source):
                return self.working[name.casefold()].scan(alias)
            if not parts and name.casefold() in self.ctes and not temp_tables.is_local(source):
                cte = self.ctes[name.casefold()]
                names = [column.name for column in cte.args["alias"].columns]  # WITH c (a, b) AS (...)
                if recursive_cte.names_itself(cte.this, name):
                    return recursive_cte.plan_recursive(self, name, cte.this, alias, names)
                return self.derived(cte.this, alias, None, names)  # a CTE sees only its WITH
            if len(parts) == 2 and not _names_a_database(self.ctx, parts[0]):
                raise sql_error(208, temp_tables.written_qualified(source))  # nosuchdb.dbo.t
            schema = parts[-1].casefold() if parts else ""
            view = self.ctx.env.virtual_table(qualified) or (  # master.sys.x, db.INFORMATION_SCHEMA.x
                self.ctx.env.virtual_table(f"{schema}.{name.casefold()}") if schema in _VIEW_SCHEMAS else None
            ) or (  # sysprocesses, dbo.sysprocesses, master..sysprocesses: a compatibility view
                self.ctx.env.virtual_table(f"sys.{name.casefold()}")
                if schema in ("", "dbo") and name.casefold() in _COMPATIBILITY_VIEWS
                else None
            )
            if view is None and parts and parts[-1].casefold() == "sys" and self.ctx.env.table_function("sys." + name):
                raise sql_error(216, ".".join([*parts, name]))  # a function named without (...)
            if view is not None:
                columns = [ScopeColumn(n, t, alias, name) for n, t in view.columns]
                return VirtualScan(view, columns)
            module = find_module(self.ctx, source, ("V", synonyms.KIND))  # one catalog lookup for both
            if module is not None and module.type.strip() == "V":
                return views.plan_view(self, module, alias)
            if module is not None and not source.meta.get(synonyms.SYNONYM):
                # a synonym: its base object, planned under the synonym's name; the plan depends on it
                self.modules.append(module)
                return self._plan_source(synonyms.base_of(module, source), outer, target)
            table = temp_tables.find_table(self.ctx, source)
            if table is None and source.meta.get(synonyms.SYNONYM):
                raise sql_error(5313, source.meta[synonyms.SYNONYM])
            if table is None or (parts and parts[-1].casefold() not in ("dbo", "")):
                raise sql_error(208, temp_tables.written_qualified(source))
            hints = _hints(source)
            for_write = (
                target is not None
                and target.table is table
                and target.source.casefold()
                in (
                    alias.casefold(),
                    name.casefold(),
                )
            )
            policy = read_policy(
                self.ctx.txn.isolation,
                hints,
                self.ctx.read_committed_snapshot,
                for_write=for_write,
                versioned_writes=self.ctx.versioned_writes,
            )
            columns = [
                ScopeColumn(c.name, column_type(c), alias, name, c.nullable, identity=_identity(c))
                for c in table.definition.columns
            ]
            if for_write:
                assert target is not None
                columns.append(ScopeColumn("%rowkey", INT, alias, name, hidden=True))
            scan = TableScan(table, columns, policy, with_key=for_write)
            return computed_columns.computed_at_read(self.ctx, table.definition.columns, scan)
        raise sql_error(102, source.sql(dialect="tsql")[:40])

    def plan_table_source(self, table: exp.Table, target: TargetInfo | None = None) -> Plan:
        """A named table, view or CTE (the right side of an APPLY that names one)."""
        return self._plan_source(table, None, target)

    def derived(self, query: exp.Expr, alias: str, outer: Scope | None, names: Sequence[str] = ()) -> Plan:
        """A derived table or CTE.  Inside a subquery or APPLY (``outer`` given) it may name the outer query's columns,
        as in SQL Server, and then runs once per outer row."""
        planned = self.plan_query(query, outer)
        if names:  # (SELECT ...) AS x(c1, ...)
            columns = apply.renamed([(c.name, c.type) for c in planned.columns], list(names), alias)
        else:
            columns = [ScopeColumn(c.name, c.type, alias) for c in planned.columns]
        if outer is not None:
            return Correlated(planned.plan, columns)

        def run(ctx: ExecContext) -> list[Row]:
            return list(planned.plan.rows(ctx, ()))

        return Materialized(planned.plan, columns, run)

    def _equi_keys(self, on: exp.Expr, left: Plan, right: Plan, outer: Scope | None) -> tuple[RowFn, RowFn] | None:
        """If ON is ``a = b`` (or a conjunction containing it) with a on the left and b on the right, the hash
        keys for the join; the full predicate is still checked on every candidate pair."""
        conditions = list(on.flatten()) if isinstance(on, exp.And) else [on]
        left_scope = self.scope(left.columns, outer)
        right_scope = self.scope(right.columns, None)
        for condition in conditions:
            # ``a = @v`` / ``a = NULL`` is no join key (and SET ANSI_NULLS OFF makes NULLs match in it)
            if (
                not isinstance(condition, exp.EQ)
                or null_or_variable(condition.this)
                or null_or_variable(condition.expression)
            ):
                continue
            for a, b in ((condition.this, condition.expression), (condition.expression, condition.this)):
                try:
                    left_fn = self.compile(a, left_scope)
                    right_fn = self.compile(b, right_scope)
                except Exception:
                    continue
                if left_fn.type.name != right_fn.type.name and {left_fn.type.name, right_fn.type.name} - _INTS:
                    continue
                equality = self.ctx.collation.equality_key
                return _hashed(left_fn.fn, equality), _hashed(right_fn.fn, equality)
        return None

    def _seek(self, plan: Plan, condition: exp.Expr, scope: Scope) -> None:
        """Turn ``pk = constant`` in WHERE into a clustered key seek; ranges still scan.  A primary key of several
        columns is sought when every one of its columns is equal to a literal or a variable
        (``point_lookup.composite_key``)."""
        if isinstance(plan, computed_columns.ReadTimeColumns):  # its key is never one of the columns computed
            plan = plan.scan
        if not isinstance(plan, TableScan) or plan.table.is_heap:
            return
        primary = plan.table.definition.primary_key
        if primary is None:
            return
        conditions = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
        source = plan.columns[0].source.casefold()
        parts = [self._key_value(plan.table, position, source, conditions) for position in primary.columns]
        key_parts = [key_part(plan.table.definition.columns[position]) for position in primary.columns]
        if len(parts) == 1 and parts[0] is not None:
            compiled, value = parts[0]
            key = point_lookup.single_key(compiled.fn, key_parts[0])
            plan.seek = (key, key)
            plan.seek_once = _plain_value(value)
        elif all(part is not None and _plain_value(part[1]) for part in parts):
            key = point_lookup.composite_key([part[0].fn for part in parts if part is not None], key_parts)
            plan.seek = (key, key)
            plan.seek_once = True

    def _key_value(
        self, table: Table, position: int, source: str, conditions: Sequence[exp.Expr]
    ) -> tuple[CompiledExpr, exp.Expr] | None:
        """The first ``column = constant`` (either way round) in ``conditions`` for the key column at ``position``
        of ``table`` (read as ``source``) whose value a seek may use: compiled, and as written."""
        column = table.definition.columns[position]
        name = column.name.casefold()
        empty = self.scope([], None)
        for cond in conditions:
            if not isinstance(cond, exp.EQ):
                continue
            for col, value in ((cond.this, cond.expression), (cond.expression, cond.this)):
                if (
                    isinstance(col, exp.Column)
                    and col.name.casefold() == name
                    and col.table.casefold() in ("", source)  # o.id of an outer query is no key of this table
                    and _is_constant(value)
                ):
                    compiled = self.compile(value, empty)
                    if _seekable(compiled.type, column_type(column)):
                        return compiled, value
        return None

    def _compile_function(self, node: exp.Expr, scope: Scope) -> CompiledExpr:
        assert isinstance(node, exp.Dot)
        return user_functions.compile_scalar_call(self, node, scope)

    def _compile_subquery(self, node: exp.Expr, mode: str, scope: Scope) -> CompiledExpr:
        query = node.this if isinstance(node, exp.Subquery) else node
        planned = self.plan_query(query, scope)  # binds the whole query: an unknown column is still 207
        plan = planned.plan
        if mode == "exists":
            projectionless = _existence_only(query)
            if projectionless is not None:
                plan = self.plan_query(projectionless, scope).plan

            def exists(row: Row, ctx: EvalContext) -> bool:
                for _ in plan.rows(cast(ExecContext, ctx), row):
                    return True
                return False

            return CompiledExpr(exists, make_type("bit", []))
        if mode == "in":

            def values(row: Row, ctx: EvalContext) -> list[Any]:
                return [r[0] for r in plan.rows(cast(ExecContext, ctx), row)]

            return CompiledExpr(values, planned.columns[0].type)

        def scalar(row: Row, ctx: EvalContext) -> Any:
            result = None
            for seen, r in enumerate(plan.rows(cast(ExecContext, ctx), row)):
                if seen:
                    raise sql_error(512)
                result = r[0]
            return result

        return CompiledExpr(scalar, planned.columns[0].type)

    # -- set operations --------------------------------------------------------------------------------------

    def _plan_set_operation(self, node: exp.Expr, outer: Scope | None) -> QueryPlan:
        left = self.plan_query(node.this, outer)
        right = self.plan_query(node.expression, outer)
        if len(left.columns) != len(right.columns):
            raise sql_error(205)
        kind = _SET_OPERATIONS[type(node)]
        distinct = bool(node.args.get("distinct", True))
        types = _unified_types(left, right, _bare_nulls(node.this), _bare_nulls(node.expression))
        unified = [replace(c, type=t) for c, t in zip(left.columns, types, strict=True)]
        left = QueryPlan(_converted(left, types), unified)
        plan: Plan = SetOperation(left.plan, _converted(right, types), kind, distinct, self._row_key())
        order = node.args.get("order")
        if order is not None:
            order = _order_by_output_columns(order, node)
            names = [c.name for c in left.columns]
            scope = self.scope(left.columns, None)
            projections: list[exp.Expr] = [exp.column(n) for n in names]
            plan = Sort(plan, self._order_key(order, scope, projections, None, names))
        plan = self._limit(plan, node.args.get("limit"), node.args.get("offset"))
        return QueryPlan(plan, [replace(c, identity=None, nullable=True) for c in left.columns])


def _bare_nulls(query: exp.Expr) -> frozenset[int]:
    """The output columns of ``query`` that are a bare NULL in every branch: they take the type of the other side of a
    set operation (``SELECT NULL UNION SELECT 'a'`` is varchar in SQL Server, not int)."""
    if isinstance(query, exp.Union | exp.Except | exp.Intersect):
        return _bare_nulls(query.this) & _bare_nulls(query.expression)
    if not isinstance(query, exp.Select):
        return frozenset()
    items = [item.this if isinstance(item, exp.Alias) else item for item in query.expressions]
    return frozenset(i for i, item in enumerate(items) if isinstance(item, exp.Null))


def _unified_types(
    left: QueryPlan, right: QueryPlan, left_nulls: frozenset[int], right_nulls: frozenset[int]
) -> list[SqlType]:
    """Each output column's type across both sides of a UNION / EXCEPT / INTERSECT, as SQL Server types it: the
    higher-precedence type, strings as long as the longer (``SELECT 'a' UNION SELECT 'abc'`` is varchar(3))."""
    types = []
    for i, (a, b) in enumerate(zip(left.columns, right.columns, strict=True)):
        if i in left_nulls:
            types.append(b.type)
        elif i in right_nulls:
            types.append(a.type)
        else:
            types.append(result_type(a.type, b.type))
    return types


def _converted(planned: QueryPlan, types: list[SqlType]) -> Plan:
    """``planned``'s rows with each value in its unified type (implicitly converted: 245 for a value that cannot be);
    a column whose values need no change (the same type, or a longer string or binary) is passed as it is."""
    fns: list[RowFn] = []
    changed = False
    for i, (column, target) in enumerate(zip(planned.columns, types, strict=True)):
        source = column.type
        if source == target or (source.name == target.name and (source.is_string or source.is_binary)):
            fns.append(_slot_fn(i))
            continue
        fns.append(_converted_slot(i, converter(source, target, explicit=False)))
        changed = True
    if not changed:
        return planned.plan
    columns = [replace(c, type=t) for c, t in zip(planned.columns, types, strict=True)]
    return Project(planned.plan, columns, fns)


def _converted_slot(i: int, convert: Callable[[Any], Any]) -> RowFn:
    return lambda row, ctx: convert(row[i])


def _seekable(value: SqlType, key: SqlType) -> bool:
    """Whether a key seek may use ``value`` for a key of type ``key``: the same type, both strings, both binary or
    both exact numbers (int 5 and decimal 5 are one key, 'ab' and N'AB ' too, 0x01 and 0x0100 as well: keys.py;
    the WHERE filter still decides every row)."""
    if value.name == key.name or value.family == key.family in ("string", "binary"):
        return True
    return {value.family, key.family} <= _EXACT_FAMILIES


_EXACT_FAMILIES = frozenset({"int", "exact"})


def _order_by_output_columns(order: exp.Order, node: exp.Expr) -> exp.Order:
    """ORDER BY of a UNION/EXCEPT/INTERSECT names the first query's select-list items, also as they are written
    there (``ORDER BY t.a`` for ``SELECT t.a ... UNION ...``, as SQLAlchemy's reflection queries do): such a
    qualified name becomes the output column's name.  Anything else is bound as before (and fails as before)."""
    first = node
    while isinstance(first, exp.Union | exp.Except | exp.Intersect):
        first = first.this
    if not isinstance(first, exp.Select):
        return order
    outputs: dict[tuple[str, str], str] = {}
    for item in first.expressions:
        inner = item.this if isinstance(item, exp.Alias) else item
        if isinstance(inner, exp.Column) and inner.table:
            outputs.setdefault((inner.table.casefold(), inner.name.casefold()), item.alias_or_name)

    def rename(expr: exp.Expr) -> exp.Expr:
        if isinstance(expr, exp.Column) and expr.table:
            output = outputs.get((expr.table.casefold(), expr.name.casefold()))
            if output is not None:
                return exp.column(output, quoted=True)
        return expr

    if not outputs:
        return order
    renamed = order.copy().transform(rename)
    assert isinstance(renamed, exp.Order)
    return renamed


_VIEW_SCHEMAS = frozenset({"sys", "information_schema"})
# SQL Server 2000's names, found in dbo and with no schema too
_COMPATIBILITY_VIEWS = frozenset({"sysprocesses", "syslogins"})
_SET_OPERATIONS: dict[type[exp.Expr], str] = {exp.Union: "UNION", exp.Except: "EXCEPT", exp.Intersect: "INTERSECT"}
_INTS = frozenset({"int", "bigint", "smallint", "tinyint", "bit"})


class _Descending:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)


class _Highest:
    """Above every sort key: NULL where NULLs sort last (Oracle's ascending order, NULLS LAST)."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return other is self

    def __ge__(self, other: object) -> bool:
        return True


_HIGHEST = _Highest()


def _hashed(fn: RowFn, equality: Callable[[Any], Any]) -> RowFn:
    return lambda row, ctx: equality(fn(row, ctx))


def _slot_fn(position: int) -> RowFn:
    return lambda row, ctx: row[position]


def _identity(column: ColumnDef) -> tuple[int, int] | None:
    if column.identity_seed is None:
        return None
    return column.identity_seed, column.identity_increment or 1


def _output_columns(names: Sequence[str], compiled: Sequence[CompiledExpr], scope: Scope) -> list[ScopeColumn]:
    """The select list's columns: a plain column reference keeps its source's nullability and IDENTITY (what
    SELECT INTO gives its new table, as SQL Server does); a non-NULL constant is NOT NULL; anything else may be
    NULL.  A select list naming the IDENTITY column twice carries it nowhere."""
    columns = []
    for name, item in zip(names, compiled, strict=True):
        if item.slot is not None:
            source = scope.layout[item.slot]
            columns.append(ScopeColumn(name, item.type, nullable=source.nullable, identity=source.identity))
        else:
            columns.append(ScopeColumn(name, item.type, nullable=not item.is_constant or item.constant is None))
    if sum(1 for column in columns if column.identity) > 1:
        columns = [replace(column, identity=None) for column in columns]
    return columns


def _is_constant(node: exp.Expr) -> bool:
    return not any(isinstance(n, exp.Column | exp.Subquery | exp.Select) for n in walk(node))


# What a value made of these alone is: a literal or a variable, signed or in parentheses (no function to call).
_PLAIN_VALUE = (
    exp.Literal, exp.HexString, exp.National, exp.Null, exp.Parameter, exp.Var, exp.Identifier, exp.Neg, exp.Paren
)  # fmt: skip


def _plain_value(node: exp.Expr) -> bool:
    """Whether ``node`` reads the same every time it is evaluated in one statement and does nothing else (no
    function: NEWID() differs, a function reading a table takes locks and counts reads each time)."""
    return all(isinstance(n, _PLAIN_VALUE) for n in walk(node))


def _refuse_unsupported(select: exp.Select) -> None:
    """Clauses Quietus does not carry out are errors (40517), never plain rows or a query without them."""
    for_clause = select.args.get("for_")
    if for_clause is not None:  # FOR XML / FOR JSON / FOR BROWSE
        raise sql_error(40517, f"FOR {for_clause.args.get('kind') or ''}".strip())
    if select.args.get("into") is not None:  # SELECT ... INTO new_table: only as a statement (BatchRunner)
        raise sql_error(40517, "SELECT INTO")
    group = select.args.get("group")
    if group is not None:
        for clause in ("rollup", "cube", "grouping_sets"):
            if group.args.get(clause):
                raise sql_error(40517, clause.upper().replace("_", " "))
    from_ = select.args.get("from_")
    tables = [from_.this] if from_ is not None else []
    tables += [join.this for join in select.args.get("joins") or ()]
    if any(isinstance(t, exp.Table) and t.args.get("sample") is not None for t in tables):
        raise sql_error(40517, "TABLESAMPLE")


def _column_refs(columns: Sequence[ScopeColumn]) -> list[exp.Expr]:
    return [exp.column(c.name, table=c.source or None) for c in columns if not c.hidden]


def _output_name(item: exp.Expr) -> str:
    if isinstance(item, exp.Alias):
        return item.alias
    if isinstance(item, exp.Column):
        return item.name
    return ""


def _canonical(node: exp.Expr) -> str:
    return node.sql(dialect="tsql").casefold()


def _source_of(node: exp.Column, scope: Scope) -> str:
    name = node.name.casefold()
    for column in scope.columns:
        if column.name.casefold() == name:
            return column.source
    return ""


def _find_aggregates(projections: list[exp.Expr], having: exp.Expr | None, order: exp.Expr | None) -> list[exp.Expr]:
    found: list[exp.Expr] = []
    seen: set[str] = set()
    for root in [*projections, having, order]:
        if root is None:
            continue
        for node in walk(root):
            if _is_aggregate(node) and not _inside_subquery(node, root) and not windows.is_window_function(node):
                if node.find(exp.Window) is not None:
                    raise sql_error(4109)
                key = _canonical(node)
                if key not in seen:
                    seen.add(key)
                    found.append(node)
    return found


def _existence_only(query: exp.Expr) -> exp.Expr | None:
    """The query of ``EXISTS (query)`` with its select list replaced by a constant, where that cannot change how many
    rows it has: SQL Server never evaluates an EXISTS subquery's select list (``EXISTS (SELECT 1/0 FROM t)`` is
    true when t has rows; the First Responder Kit relies on it).  None where the select list counts: an aggregate
    without GROUP BY makes one row of none, so such a query runs as written."""
    if not isinstance(query, exp.Select) or query.args.get("group") or query.args.get("having"):
        return None
    if query.args.get("into") is not None or _find_aggregates(query.expressions, None, None):
        return None
    constant = query.copy()
    constant.set("expressions", [exp.Literal.number(1)])
    constant.set("distinct", None)
    constant.set("order", None)
    return constant


def _inside_subquery(node: exp.Expr, root: exp.Expr) -> bool:
    if node is root:
        return False
    parent = node.parent
    while parent is not None and parent is not root:
        if isinstance(parent, exp.Subquery | exp.Select):
            return True
        parent = parent.parent
    return False


def _is_aggregate(node: exp.Expr) -> bool:
    """sqlglot's aggregate nodes, plus T-SQL aggregates it leaves as plain calls (STDEVP, VAR, VARP ...)."""
    if isinstance(node, exp.AggFunc):
        return True
    return isinstance(node, exp.Anonymous) and node.name.lower() in AGGREGATE_NAMES


def _aggregate_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Count) and node.args.get("big_int"):
        return "count_big"
    return node.key


def _aggregate_argument(node: exp.Expr) -> tuple[exp.Expr | None, bool]:
    argument = node.expressions[0] if isinstance(node, exp.Anonymous) and node.expressions else node.this
    if isinstance(argument, exp.Star) or argument is None:
        return None, False
    if isinstance(argument, exp.Distinct):
        return argument.expressions[0], True
    return argument, False


def _rewrite(node: exp.Expr, fn: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    return node.copy().transform(fn)


def _join_kind(join: exp.Join) -> str:
    kind = (join.args.get("kind") or "").upper()
    side = (join.args.get("side") or "").upper()
    if kind == "CROSS":
        return "CROSS"
    if side in ("LEFT", "RIGHT", "FULL"):
        return side
    if join.args.get("on") is None and not join.args.get("using"):
        return "CROSS"
    return "INNER"


# SQL Server's system databases: their names qualify the server's views and functions (tempdb.sys.x, msdb.dbo.x)
# although Quietus keeps one database, master; their catalogs are not kept apart from it.
_SYSTEM_DATABASES = frozenset({"master", "tempdb", "msdb", "model"})


def _names_a_database(ctx: ExecContext, name: str) -> bool:
    """Whether the database part of a three-part name names a database: one of the server's, or a system
    database's name (an empty part, ``a..t``, is the current one)."""
    return not name or name.casefold() in _SYSTEM_DATABASES or ctx.env.database(name) is not None


def _hints(table: exp.Table) -> frozenset[str]:
    names: set[str] = set()
    for hint in table.args.get("hints") or []:
        for item in hint.expressions:
            names.add(item.name.upper() if hasattr(item, "name") else str(item).upper())
    return frozenset(names)


def _part(part: exp.Expr | str) -> str:
    """A qualifier of a table name (database or schema), whether sqlglot gave a node or a bare string."""
    return part if isinstance(part, str) else part.name
