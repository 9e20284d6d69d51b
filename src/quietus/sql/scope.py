"""Name resolution for one query block: which row slot a column reference reads.

Row layout inside a block: the outer block's row (for correlated subqueries) followed by the block's own FROM
columns.  So an outer reference is just a low slot number, and a subquery runs with the outer row as its prefix.

Resolution rules (SQL Server's):

| reference        | found                                  | error                                         |
|------------------|----------------------------------------|-----------------------------------------------|
| ``col``          | exactly one own column                  | 209 if several sources have it; else outer; else 207 |
| ``q.col``        | a column of the source named/aliased q | 4104 if no source is called q; 207 if q lacks col |
| ``@v``           | a declared variable                    | 137                                           |
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql.syntax_near import near
from quietus.sql.types_base import SqlType


@dataclass(frozen=True, slots=True)
class ScopeColumn:
    name: str
    type: SqlType
    source: str = ""  # the alias, or the table name when it has no alias ("" for derived expressions)
    table: str = ""  # the base table's name, for messages
    nullable: bool = True
    hidden: bool = False  # the row key of an UPDATE/DELETE target: never matched by name
    identity: tuple[int, int] | None = None  # (seed, increment) of a base table's IDENTITY column, for SELECT INTO


def nullable_columns(columns: Sequence[ScopeColumn]) -> tuple[ScopeColumn, ...]:
    """The columns of an outer join's optional side: NULL where nothing matched."""
    return tuple(dataclasses.replace(column, nullable=True) for column in columns)


def plain_columns(columns: Sequence[ScopeColumn]) -> tuple[ScopeColumn, ...]:
    """Columns that no longer carry an IDENTITY property (a join, a set operation: SQL Server's SELECT INTO rule)."""
    return tuple(dataclasses.replace(column, identity=None) if column.identity else column for column in columns)


class Scope:
    """Implements the expression compiler's Scope protocol for one query block."""

    def __init__(
        self,
        columns: Sequence[ScopeColumn],
        outer: Scope | None,
        variables: Callable[[str], SqlType],
        subquery_compiler: Callable[[exp.Expr, str, Scope], Any] | None = None,
        after_grouping: Scope | None = None,
        function_compiler: Callable[[exp.Expr, Scope], Any] | None = None,
    ) -> None:
        self.outer = outer
        self._function_compiler = function_compiler
        self.prefix = outer.layout if outer is not None else ()
        self.columns = tuple(columns)
        self.layout: tuple[ScopeColumn, ...] = tuple(self.prefix) + self.columns
        self._variables = variables
        self._subquery_compiler = subquery_compiler
        self._pre_grouping = after_grouping  # set on a post-GROUP BY scope: the scope before grouping

    def extended(self, columns: Sequence[ScopeColumn]) -> Scope:
        """The same block with ``columns`` appended to its rows (window values)."""
        columns = (*self.columns, *columns)
        return Scope(
            columns, self.outer, self._variables, self._subquery_compiler, self._pre_grouping, self._function_compiler
        )

    # -- Scope protocol --------------------------------------------------------------------------------------

    def resolve_column(self, parts: tuple[str, ...]) -> tuple[int, SqlType]:
        name = parts[-1].casefold()
        qualifier = parts[-2].casefold() if len(parts) >= 2 else None
        found = self._find(name, qualifier, len(self.prefix))
        if found is not None:
            return found
        if self.outer is not None:
            try:
                return self.outer.resolve_column(parts)
            except Exception:
                pass
        if self._pre_grouping is not None and self._pre_grouping._find(name, qualifier, 0) is not None:
            raise sql_error(8120, ".".join(parts))
        if qualifier is not None and not self._has_source(qualifier):
            raise sql_error(4104, ".".join(parts))
        raise sql_error(207, parts[-1])

    def variable_type(self, name: str) -> SqlType:
        return self._variables(name)

    def compile_subquery(self, node: exp.Expr, mode: str) -> Any:
        if self._subquery_compiler is None:
            raise sql_error(102, near(node))
        return self._subquery_compiler(node, mode, self)

    def compile_function(self, node: exp.Dot) -> Any:
        """``schema.f(args)``: a user function (4121 where no planner binds one: a default, a CHECK)."""
        if self._function_compiler is None:
            parts = [part.name for part in node.find_all(exp.Identifier)]
            raise sql_error(4121, parts[0] if parts else "", node.sql(dialect="tsql").split("(")[0])
        return self._function_compiler(node, self)

    # -- helpers ---------------------------------------------------------------------------------------------

    def _find(self, name: str, qualifier: str | None, offset: int) -> tuple[int, SqlType] | None:
        matches = [
            (offset + position, column)
            for position, column in enumerate(self.columns)
            if not column.hidden
            and column.name.casefold() == name
            and (qualifier is None or column.source.casefold() == qualifier)
        ]
        if not matches:
            return None
        if len(matches) > 1 and len({column.source.casefold() for _, column in matches}) > 1:
            raise sql_error(209, name if qualifier is None else f"{qualifier}.{name}")
        slot, column = matches[0]
        return slot, column.type

    def _has_source(self, qualifier: str) -> bool:
        scope: Scope | None = self
        while scope is not None:
            if any(column.source.casefold() == qualifier for column in scope.columns):
                return True
            scope = scope.outer
        return False

    def sources(self) -> list[str]:
        seen: list[str] = []
        for column in self.columns:
            if column.source and column.source not in seen:
                seen.append(column.source)
        return seen

    def slot_of_hidden(self, source: str) -> int:
        folded = source.casefold()
        for position, column in enumerate(self.columns):
            if column.hidden and column.source.casefold() == folded:
                return len(self.prefix) + position
        raise KeyError(source)
