"""T-SQL cursors (DECLARE ... CURSOR, OPEN, FETCH, CLOSE, DEALLOCATE, @@FETCH_STATUS) and GOTO.

A cursor reads its rows when it is OPENed, in one statement of its own (its locks are those of that SELECT under
the session's isolation level), and FETCH walks that list.  That is a STATIC cursor, which is what SQL Server
gives for STATIC and INSENSITIVE, and what it converts other cursor types to when their query does not allow them;
Quietus does the same for every cursor it accepts (FAST_FORWARD, FORWARD_ONLY, or no type at all), and says so
with SQL Server's 16956 when the cursor asks for TYPE_WARNING.  Types whose point is to see later changes or to
update through the cursor (KEYSET, DYNAMIC, SCROLL_LOCKS, OPTIMISTIC, FOR UPDATE) are refused (16901, or a syntax
error for FOR UPDATE), never quietly downgraded.

States of a cursor::

    (declared) --OPEN--> open, before the first row --FETCH--> on row k | after the last (-1)
         ^                        |
         +--------CLOSE-----------+          DEALLOCATE (open or not) --> gone

| option                        | meaning here                                                               |
|-------------------------------|----------------------------------------------------------------------------|
| LOCAL / GLOBAL                | the batch's or procedure's own cursor / the session's (GLOBAL by default)  |
| FORWARD_ONLY                  | only FETCH NEXT (16911 for others)                                         |
| SCROLL                        | NEXT, PRIOR, FIRST, LAST, ABSOLUTE n, RELATIVE n                           |
| STATIC, INSENSITIVE           | rows read at OPEN (scrollable unless FORWARD_ONLY)                          |
| FAST_FORWARD                  | forward only, read only; rows read at OPEN                                 |
| READ_ONLY, FOR READ ONLY      | read only (every cursor is)                                                 |
| TYPE_WARNING                  | 16956 at OPEN when the cursor is not STATIC or INSENSITIVE                  |
| (SET CURSOR_CLOSE_ON_COMMIT ON) | COMMIT or ROLLBACK of the user transaction closes every open cursor       |
| KEYSET, DYNAMIC, SCROLL_LOCKS, OPTIMISTIC | 16901 "This feature has not been implemented yet."             |

GOTO: ``label:`` is a statement; ``GOTO label`` continues after it.  The label may be in the statement list being
run or in any enclosing one (out of loops, blocks, TRY and CATCH), and inside BEGIN...END blocks of those lists;
a label inside an IF, WHILE or TRY that the GOTO is not already in is refused with 16901.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql import temp_tables
from quietus.sql.dialect import statements as st
from quietus.sql.results import MessageEvent, ResultColumn, ResultSink, StatementDone
from quietus.sql.types_base import type_from_sqlglot

if TYPE_CHECKING:
    from quietus.sql.batch import BatchRunner
    from quietus.sql.context import ExecContext

Row = tuple[Any, ...]

REFUSED_OPTIONS = frozenset({"KEYSET", "DYNAMIC", "SCROLL_LOCKS", "OPTIMISTIC"})
# Options of which a cursor may have one only (SQL Server's 1048 "Conflicting cursor options").
OPTION_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"LOCAL", "GLOBAL"}),
    frozenset({"FORWARD_ONLY", "SCROLL"}),
    frozenset({"STATIC", "KEYSET", "DYNAMIC", "FAST_FORWARD"}),
    frozenset({"READ_ONLY", "SCROLL_LOCKS", "OPTIMISTIC"}),
    frozenset({"FAST_FORWARD", "SCROLL"}),
)
STATIC_TYPES = frozenset({"STATIC", "INSENSITIVE"})

FETCHED = 0
NO_ROW = -1


@dataclass
class Cursor:
    name: str
    query: exp.Expression
    scrollable: bool
    warn_on_conversion: bool
    rows: list[Row] | None = None  # None while closed
    columns: list[ResultColumn] = field(default_factory=list)
    position: int = -1  # the current row; -1 before the first, len(rows) after the last


def declare(runner: BatchRunner, statement: st.DeclareCursor) -> None:
    options = statement.options
    for group in OPTION_GROUPS:
        chosen = [option for option in options if option in group]
        if len(chosen) > 1:
            raise sql_error(1048, chosen[0], chosen[1])
    refused = [option for option in options if option in REFUSED_OPTIONS]
    if refused:
        raise sql_error(16901, f"DECLARE CURSOR {refused[0]}")
    scrollable = "SCROLL" in options or (
        "FORWARD_ONLY" not in options and "STATIC" in options and "INSENSITIVE" not in options
    )
    space = _space(runner, statement.options)
    key = statement.name.casefold()
    if key in space:
        raise sql_error(16915, statement.name)
    warn = "TYPE_WARNING" in options and not STATIC_TYPES & set(options)
    space[key] = Cursor(statement.name, statement.query, scrollable, warn)


def open_cursor(runner: BatchRunner, statement: st.OpenCursor) -> None:
    cursor = _find(runner, statement)
    if cursor.rows is not None:
        raise sql_error(16905)
    ctx = runner.ctx
    capture = _RowCapture(ctx.sink)
    ctx.sink = capture
    try:
        runner.run_sql(st.SqlStatement(cursor.query, line=statement.line, text=statement.text))
    finally:
        ctx.sink = capture.outer
    cursor.rows, cursor.columns, cursor.position = capture.rows, capture.columns, -1
    if cursor.warn_on_conversion:
        runner.info(16956, sql_error(16956).message, severity=10)


def fetch(runner: BatchRunner, statement: st.FetchCursor) -> None:
    cursor = _find(runner, statement)
    rows = cursor.rows
    if rows is None:
        raise sql_error(16917)
    orientation = statement.orientation
    if orientation != "NEXT" and not cursor.scrollable:
        raise sql_error(16911, "fetch", orientation.lower())
    if statement.into and len(statement.into) != len(cursor.columns):
        raise sql_error(16924)
    amount = 0
    if statement.position is not None:
        value = runner.evaluate(statement.position)
        amount = 0 if value is None else int(value)
    count = len(rows)
    position = max(-1, min(_target(orientation, cursor.position, count, amount), count))
    cursor.position = position
    row = rows[position] if 0 <= position < count else None
    runner.session.fetch_status = FETCHED if row is not None else NO_ROW
    if statement.into:
        if row is not None:
            for name, value, column in zip(statement.into, row, cursor.columns, strict=True):
                runner.assign(name, value, column.type)
        return
    sink = runner.ctx.sink
    sink.start_result(cursor.columns)
    if row is not None:
        sink.row(row)
    sink.end_result()
    sink.done(StatementDone(None))


def _target(orientation: str, current: int, count: int, amount: int) -> int:
    """Where a FETCH goes (before clamping to just before the first row or just after the last)."""
    if orientation == "NEXT":
        return current + 1
    if orientation == "PRIOR":
        return current - 1
    if orientation == "FIRST":
        return 0
    if orientation == "LAST":
        return count - 1
    if orientation == "ABSOLUTE":
        return amount - 1 if amount > 0 else (count + amount if amount < 0 else -1)
    return current + amount  # RELATIVE


def close(runner: BatchRunner, statement: st.CloseCursor) -> None:
    cursor = _find(runner, statement)
    if cursor.rows is None:
        raise sql_error(16917)
    cursor.rows, cursor.position = None, -1


def deallocate(runner: BatchRunner, statement: st.DeallocateCursor) -> None:
    cursor = _find(runner, statement)
    for space in (runner.ctx.cursors, runner.session.cursors):
        if space.get(cursor.name.casefold()) is cursor:
            del space[cursor.name.casefold()]
            return


def transaction_ended(runner: BatchRunner) -> None:
    """SET CURSOR_CLOSE_ON_COMMIT ON: the end of a user transaction (COMMIT or ROLLBACK) closes every open cursor.
    OFF (the default) keeps them, as SQL Server keeps fully populated STATIC cursors."""
    if not runner.session.options.get("CURSOR_CLOSE_ON_COMMIT"):
        return
    for space in (runner.ctx.cursors, runner.session.cursors):
        for cursor in space.values():
            cursor.rows, cursor.position = None, -1


def _space(runner: BatchRunner, options: Sequence[str]) -> dict[str, Any]:
    """LOCAL cursors belong to the batch or procedure; GLOBAL ones (SQL Server's default) to the session."""
    return runner.ctx.cursors if "LOCAL" in options else runner.session.cursors


def _find(runner: BatchRunner, statement: st.CursorStatement) -> Cursor:
    key = statement.name.casefold()
    found = None if statement.global_ else runner.ctx.cursors.get(key)
    if found is None:
        found = runner.session.cursors.get(key)
    if found is None:
        raise sql_error(16916, statement.name)
    assert isinstance(found, Cursor)
    return found


class _RowCapture:
    """OPEN's sink: keeps the query's columns and rows; messages still reach the client, the row count does not
    (OPEN reports none)."""

    def __init__(self, outer: ResultSink) -> None:
        self.outer = outer
        self.rows: list[Row] = []
        self.columns: list[ResultColumn] = []

    def start_result(self, columns: Sequence[ResultColumn]) -> None:
        self.columns = list(columns)

    def row(self, values: Row) -> None:
        self.rows.append(values)

    def end_result(self) -> None:
        pass

    def message(self, event: MessageEvent) -> None:
        self.outer.message(event)

    def done(self, event: StatementDone) -> None:
        pass

    def transaction(self, event: Any) -> None:
        self.outer.transaction(event)

    def return_status(self, event: Any) -> None:
        pass


# -- GOTO ------------------------------------------------------------------------------------------------------


class Jump(Exception):
    """GOTO: unwinds to the statement list that holds the label."""

    def __init__(self, label: str) -> None:
        self.label = label


def locate(statements: Sequence[st.Statement], label: str) -> int | None:
    """The position in ``statements`` of the label, or of the BEGIN...END block that holds it (at any depth of
    blocks); None when the label is elsewhere."""
    key = label.casefold()
    for position, statement in enumerate(statements):
        if isinstance(statement, st.Label) and statement.name.casefold() == key:
            return position
        if isinstance(statement, st.Block) and locate(statement.statements, label) is not None:
            return position
    return None


def goto(runner: BatchRunner, statement: st.Goto) -> None:
    if not any(locate(block, statement.label) is not None for block in runner.running_blocks):
        raise sql_error(16901, "GOTO into IF, WHILE or TRY")
    _declare_skipped(runner, statement)
    raise Jump(statement.label)


def _declare_skipped(runner: BatchRunner, jump: st.Goto) -> None:
    """A T-SQL variable is declared where its DECLARE is written, not when it runs: a GOTO forward past a DECLARE
    leaves the variable declared at the label, NULL (its ``= value`` is not assigned), as in SQL Server
    (sp_BlitzCache's ``GOTO AllSorts``).  A table variable skipped so is not made (1087 where it is used)."""
    written = [inner for outer in runner.running_blocks[0] for inner in _nested(outer)]
    key = jump.label.casefold()
    target = next((s for s in written if isinstance(s, st.Label) and s.name.casefold() == key), None)
    if target is None or target.offset <= jump.offset:
        return
    declare_unrun(runner, (s for s in written if jump.offset < s.offset < target.offset))


def declare_unrun(runner: BatchRunner, written: Iterable[st.Statement]) -> None:
    """The scalar variables that the DECLAREs among ``written`` (statements passed over: a GOTO's, an IF's branch not
    taken, a WHILE's body never entered, a CATCH not needed) declare, declared NULL: a variable exists from where
    its DECLARE is written, run or not.  Each is noted as that DECLARE's, so the DECLARE may still run later (a GOTO
    back to it) without 134."""
    ctx = runner.ctx
    for declare in written:
        if not isinstance(declare, st.Declare):
            continue
        for variable in declare.variables:
            name = variable.name.casefold()
            if variable.table is None and name not in ctx.variable_types and name not in ctx.table_variables:
                ctx.variable_types[name] = type_from_sqlglot(variable.type)
                ctx.variables[name] = None
                runner.declared_at[name] = declare.offset


def written_in(statements: Iterable[st.Statement | None]) -> Iterator[st.Statement]:
    """Every statement written in ``statements``, nested ones included, in the order they are written."""
    for statement in statements:
        if statement is not None:
            yield from _nested(statement)


def _nested(statement: st.Statement) -> Iterator[st.Statement]:
    """``statement`` and every statement written inside it, in the order they are written."""
    yield statement
    children: Sequence[st.Statement | None] = ()
    if isinstance(statement, st.Block):
        children = statement.statements
    elif isinstance(statement, st.If):
        children = (statement.then, statement.else_)
    elif isinstance(statement, st.While):
        children = (statement.body,)
    elif isinstance(statement, st.TryCatch):
        children = (*statement.try_block, *statement.catch_block)
    for child in children:
        if child is not None:
            yield from _nested(child)


def label(runner: BatchRunner, statement: st.Label) -> None:
    """A label does nothing when reached."""


# -- CREATE STATISTICS -----------------------------------------------------------------------------------------


def update_statistics(ctx: ExecContext, statement: st.UpdateStatistics) -> None:
    """UPDATE STATISTICS: Quietus keeps no statistics to update (nor the row and page counts ROWCOUNT / PAGECOUNT
    would set), so after SQL Server's check of the table (1088) it is refused with 40517, never answered as done."""
    table = temp_tables.find_table(ctx, statement.table)
    if table is None:
        raise sql_error(1088, temp_tables.written_name(statement.table))
    raise sql_error(40517, "UPDATE STATISTICS")


def create_statistics(runner: BatchRunner, statement: st.CreateStatistics) -> None:
    """Statistics steer SQL Server's optimizer; Quietus's planner keeps none, so the statement checks its table and
    columns as SQL Server does (1088, 1911; 1913 when an index already has the name) and changes nothing else."""
    ctx = runner.ctx
    table = temp_tables.find_table(ctx, statement.table)
    if table is None:
        raise sql_error(1088, temp_tables.written_name(statement.table))
    definition = table.definition
    if any(index.name.casefold() == statement.name.casefold() for index in definition.indexes):
        raise sql_error(1913, statement.name, table.name)
    for column in statement.columns:
        if definition.column_position(column) is None:
            raise sql_error(1911, column)
