"""Recursive common table expressions, run iteratively.

``WITH c AS (anchor UNION ALL recursive-member [UNION ALL recursive-member ...]) ...``: a CTE whose body names
itself.  SQL Server's semantics, level by level:

| level | rows                                                                                       |
|-------|--------------------------------------------------------------------------------------------|
| 0     | the anchor's rows                                                                          |
| n + 1 | every recursive member run with ``c`` standing for the rows of level n (the working table) |

It ends when a level gives no rows.  A level beyond the statement's ``OPTION (MAXRECURSION n)`` (default 100; 0
means no limit) that still gives rows ends the statement with error 530; 310 for n outside 0..32,767.  The loop is a
Python loop, not recursion: depth costs no stack, and every row is a safe point (a kill or an attention stops it).

Errors, SQL Server's: no top-level UNION ALL between the anchor and a recursive member (UNION, or the name used
anywhere else) 252; a body whose every member names the CTE 246.  What a recursive member may not hold, checked on
the member's own query block (a subquery or derived table inside it is its own block, as in SQL Server):

| error | the recursive member has                                                            |
|-------|-------------------------------------------------------------------------------------|
| 460   | SELECT DISTINCT                                                                     |
| 461   | TOP or OFFSET                                                                       |
| 467   | GROUP BY, HAVING or an aggregate function (an aggregate with OVER is a window: fine) |
| 462   | an outer join (LEFT, RIGHT, FULL)                                                   |
| 253   | more than one reference to the CTE                                                  |
| 465   | the reference inside a subquery of an expression (a derived table in FROM is fine)  |
| 240   | a column whose type differs from the anchor's (compared by type name: int vs bigint, |
|       | varchar vs nvarchar; lengths and precisions are not compared)                       |
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql.apply import renamed
from quietus.sql.context import ExecContext
from quietus.sql.operators import Plan, Row
from quietus.sql.scope import ScopeColumn

if TYPE_CHECKING:
    from quietus.sql.planner import Planner

DEFAULT_MAX_RECURSION = 100
MAX_RECURSION_LIMIT = 32_767


def references(body: exp.Expr, name: str) -> list[exp.Table]:
    """The places the CTE body names the CTE ``name`` (unqualified table references)."""
    folded = name.casefold()
    return [
        table
        for table in body.find_all(exp.Table)
        if table.name.casefold() == folded and table.args.get("db") is None and not isinstance(table.this, exp.Func)
    ]


def names_itself(body: exp.Expr, name: str) -> bool:
    """Whether the CTE body names the CTE ``name``."""
    return bool(references(body, name))


def _own_nodes(select: exp.Expr) -> Iterator[exp.Expr]:
    """The nodes of ``select``'s own query block: not descending into a nested SELECT."""
    stack = list(select.iter_expressions())
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, exp.Query):
            stack.extend(node.iter_expressions())


def _in_a_subquery(table: exp.Expr, member: exp.Expr) -> bool:
    """Whether the CTE reference ``table`` sits in a subquery of an expression of ``member`` (not a derived table)."""
    node = table.parent
    while node is not None and node is not member:
        if isinstance(node, exp.Query) and not isinstance(node.parent, (exp.From, exp.Join, exp.Subquery)):
            return True
        if isinstance(node, exp.Subquery) and not isinstance(node.parent, (exp.From, exp.Join)):
            return True
        node = node.parent
    return False


def check_member(member: exp.Expr, name: str) -> None:
    """SQL Server's refusals of what a recursive member of CTE ``name`` may not hold (the table in the docstring)."""
    if isinstance(member, exp.Select):
        if member.args.get("distinct"):
            raise sql_error(460, name)
        if member.args.get("limit") or member.args.get("offset"):
            raise sql_error(461, name)
        own = list(_own_nodes(member))
        grouped = member.args.get("group") or member.args.get("having")
        if grouped or any(isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.Window) for node in own):
            raise sql_error(467, name)
        if any(join.args.get("side") for join in member.args.get("joins") or []):
            raise sql_error(462, name)
    found = references(member, name)
    if len(found) > 1:
        raise sql_error(253, name)
    if any(_in_a_subquery(table, member) for table in found):
        raise sql_error(465)


def max_recursion(node: exp.Expr) -> int:
    """The ``OPTION (MAXRECURSION n)`` of the statement ``node`` belongs to (100 when it has none)."""
    root = node.root()
    options = root.args.get("options")
    if not options and isinstance(root, exp.Insert) and root.expression is not None:
        options = root.expression.args.get("options")  # WITH ... INSERT ... SELECT ... OPTION (...): the SELECT's
    for option in options or []:
        if isinstance(option, exp.QueryOption) and option.this.name.upper() == "MAXRECURSION":
            value = option.args.get("expression")
            limit = int(value.name) if isinstance(value, exp.Literal) and not value.is_string else -1
            if not 0 <= limit <= MAX_RECURSION_LIMIT:
                raise sql_error(310, limit)
            return limit
    return DEFAULT_MAX_RECURSION


class WorkingTable:
    """The rows of the previous level, shared by every place the recursive member names the CTE."""

    def __init__(self, columns: Sequence[ScopeColumn]) -> None:
        self.columns = columns
        self.current: list[Row] = []

    def scan(self, alias: str) -> WorkingScan:
        return WorkingScan(self, [ScopeColumn(column.name, column.type, alias) for column in self.columns])


class WorkingScan(Plan):
    def __init__(self, table: WorkingTable, columns: Sequence[ScopeColumn]) -> None:
        self.table = table
        self.columns = columns

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        tick = ctx.task.tick
        for values in list(self.table.current):
            tick()
            yield outer + values


class RecursiveCte(Plan):
    """The CTE's rows: the anchor's, then each level's until one is empty (530 past the recursion limit)."""

    def __init__(
        self,
        anchor: Plan,
        members: Sequence[Plan],
        working: WorkingTable,
        columns: Sequence[ScopeColumn],
        limit: int,
    ) -> None:
        self.anchor = anchor
        self.members = members
        self.working = working
        self.columns = columns
        self.limit = limit

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        tick = ctx.task.tick
        level_rows = list(self.anchor.rows(ctx, ()))
        level = 0
        while level_rows:
            for values in level_rows:
                tick()
                yield outer + values
            level += 1
            self.working.current = level_rows
            following: list[Row] = []
            for member in self.members:
                following.extend(member.rows(ctx, ()))
            if following and self.limit and level > self.limit:
                raise sql_error(530, self.limit)
            level_rows = following
        self.working.current = []


def plan_recursive(planner: Planner, name: str, body: exp.Expr, alias: str, names: Sequence[str]) -> Plan:
    """The plan of recursive CTE ``name`` whose body is ``body``, read as ``alias``, its columns named ``names`` (the
    CTE's column list) or the anchor's."""
    members: list[exp.Expr] = []
    anchor = body
    while isinstance(anchor, exp.Union) and names_itself(anchor.expression, name):
        if anchor.args.get("distinct"):
            raise sql_error(252, name)
        members.insert(0, anchor.expression)
        anchor = anchor.this
    if not members:
        raise sql_error(252, name)
    if names_itself(anchor, name):
        raise sql_error(246, name)
    limit = max_recursion(body)
    anchor_plan = planner.plan_query(anchor, None)
    columns = renamed([(column.name, column.type) for column in anchor_plan.columns], list(names), alias)
    working = WorkingTable(columns)
    with planner.working_table(name, working):
        member_plans = []
        for member in members:
            check_member(member, name)
            planned = planner.plan_query(member, None)
            if len(planned.columns) != len(columns):
                raise sql_error(205)
            for anchor_column, member_column in zip(columns, planned.columns, strict=True):
                if anchor_column.type.name != member_column.type.name:
                    raise sql_error(240, anchor_column.name, name)
            member_plans.append(planned.plan)
    return RecursiveCte(anchor_plan.plan, member_plans, working, columns, limit)
