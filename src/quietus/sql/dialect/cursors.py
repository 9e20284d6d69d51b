"""Cursor grammars (DECLARE ... CURSOR, OPEN, FETCH, CLOSE, DEALLOCATE), GOTO with its labels, and CREATE
STATISTICS.

Which options a cursor may carry, and what they mean, is the executor's table (``quietus.sql.cursors``); the
grammar only reads them.  Labels are checked here, for the whole batch (a procedure's body is its batch): a GOTO to
a label the batch lacks is 133, a label declared twice 132, as in SQL Server.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Iterator, Sequence

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from quietus.errors import sql_error

from . import variables
from .statements import (
    CloseCursor,
    CreateStatistics,
    DeallocateCursor,
    DeclareCursor,
    FetchCursor,
    Goto,
    Label,
    OpenCursor,
    Statement,
    UpdateStatistics,
)

if t.TYPE_CHECKING:
    from .batch import BatchParser, Parsed

CURSOR_OPTION_WORDS = frozenset(
    {"LOCAL", "GLOBAL", "FORWARD_ONLY", "SCROLL", "STATIC", "KEYSET", "DYNAMIC", "FAST_FORWARD", "READ_ONLY",
     "SCROLL_LOCKS", "OPTIMISTIC", "TYPE_WARNING"}
)  # fmt: skip
FETCH_ORIENTATIONS = frozenset({"NEXT", "PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE"})


def parse_declare(p: BatchParser) -> Parsed:
    """DECLARE of variables, or of a cursor (``DECLARE name [INSENSITIVE] [SCROLL] CURSOR ...``)."""
    if p.peek().token_type == TokenType.PARAMETER:
        return variables.parse_declare(p)
    p.expect("DECLARE")
    name = p.name()
    options: list[str] = []
    while p.word() in ("INSENSITIVE", "SCROLL"):  # the ISO form takes no other option
        options.append(p.choice({"INSENSITIVE", "SCROLL"}))
    p.expect("CURSOR")
    while not options and p.word() in CURSOR_OPTION_WORDS:
        while p.word() in CURSOR_OPTION_WORDS:
            options.append(p.choice(CURSOR_OPTION_WORDS))
    p.expect("FOR")
    start = p.current()
    query = p.sql_statement().node
    if not isinstance(query, exp.Select | exp.Union | exp.Except | exp.Intersect) or query.args.get("into"):
        p.fail(start)
    if p.accept("FOR"):
        if p.accept("READ"):
            p.expect("ONLY")
            options.append("READ_ONLY")
        else:
            p.fail()  # FOR UPDATE [OF ...]: positioned updates are not supported
    return DeclareCursor(name, query, tuple(options))


def _cursor_name(p: BatchParser) -> tuple[str, bool]:
    global_ = p.accept("GLOBAL") and p.at_name()
    if p.at_variable():
        p.fail()  # cursor variables are not supported
    return p.name(), global_


def parse_open(p: BatchParser) -> OpenCursor:
    p.expect("OPEN")
    return OpenCursor(*_cursor_name(p))


def parse_close(p: BatchParser) -> CloseCursor:
    p.expect("CLOSE")
    return CloseCursor(*_cursor_name(p))


def parse_deallocate(p: BatchParser) -> DeallocateCursor:
    p.expect("DEALLOCATE")
    return DeallocateCursor(*_cursor_name(p))


def parse_fetch(p: BatchParser) -> FetchCursor:
    p.expect("FETCH")
    orientation = "NEXT"
    position: exp.Expression | None = None
    if p.word() in FETCH_ORIENTATIONS:
        orientation = p.choice(FETCH_ORIENTATIONS)
        if orientation in ("ABSOLUTE", "RELATIVE"):
            position = p.expr()
        p.expect("FROM")
    else:
        p.accept("FROM")
    name, global_ = _cursor_name(p)
    into: list[str] = []
    if p.accept("INTO"):
        into = p.csv(p.variable)
    return FetchCursor(name, global_, orientation=orientation, position=position, into=tuple(into))


def parse_goto(p: BatchParser) -> Goto:
    p.expect("GOTO")
    return Goto(p.name())


def at_label(p: BatchParser) -> bool:
    """``name:`` starts a label (``::`` is another token)."""
    return p.at_name() and p.peek().token_type == TokenType.COLON


def parse_label(p: BatchParser) -> Label:
    name = p.name()
    p.expect_token(TokenType.COLON)
    return Label(name)


def check_labels(statements: Sequence[Statement]) -> None:
    """133 for a GOTO whose label the batch lacks, 132 for a label declared twice (names compare as the server
    collation does: case-insensitively)."""
    labels: set[str] = set()
    gotos: list[Goto] = []
    for statement in walk(statements):
        if isinstance(statement, Label):
            key = statement.name.casefold()
            if key in labels:
                raise sql_error(132, statement.name, line=statement.line)
            labels.add(key)
        elif isinstance(statement, Goto):
            gotos.append(statement)
    for goto in gotos:
        if goto.label.casefold() not in labels:
            raise sql_error(133, goto.label, line=goto.line)


def walk(statements: Sequence[Statement]) -> Iterator[Statement]:
    """Every statement, nested ones too (the branches of IF, the bodies of WHILE, blocks, TRY and CATCH)."""
    pending = list(reversed(statements))
    while pending:
        statement = pending.pop()
        yield statement
        children: list[Statement] = []
        for field in dataclasses.fields(statement):
            value = getattr(statement, field.name)
            if isinstance(value, Statement):
                children.append(value)
            elif isinstance(value, tuple):
                children.extend(item for item in value if isinstance(item, Statement))
        pending.extend(reversed(children))


STATISTICS_FLAGS = frozenset({"FULLSCAN", "NORECOMPUTE"})
STATISTICS_SWITCHES = frozenset({"INCREMENTAL", "PERSIST_SAMPLE_PERCENT", "AUTO_DROP"})


def parse_create_statistics(p: BatchParser) -> CreateStatistics:
    """CREATE STATISTICS (a hint to SQL Server's optimizer; see ``quietus.sql.cursors.create_statistics``)."""
    p.expect("CREATE", "STATISTICS")
    name = p.name()
    p.expect("ON")
    table = p._within(_next_parenthesis(p), p.table)  # else ``t (a, b)`` reads as a call of t
    p.expect_token(TokenType.L_PAREN)
    columns = p.csv(p.name)
    p.expect_token(TokenType.R_PAREN)
    options: list[str] = []
    if p.accept("WITH"):
        options = p.csv(lambda: _statistics_option(p))
    return CreateStatistics(name, table, tuple(columns), tuple(options))


# UPDATE STATISTICS's WITH options: flags, switches (= ON | OFF) and counts (= n; ROWCOUNT and PAGECOUNT are
# SQL Server's undocumented ones, which the First Responder Kit's sp_BlitzLock uses).
UPDATE_STATISTICS_FLAGS = frozenset({"FULLSCAN", "RESAMPLE", "ALL", "COLUMNS", "INDEX", "NORECOMPUTE"})
UPDATE_STATISTICS_COUNTS = frozenset({"MAXDOP", "ROWCOUNT", "PAGECOUNT"})


def parse_update_statistics(p: BatchParser) -> UpdateStatistics:
    """UPDATE STATISTICS (refused when it runs: see ``quietus.sql.cursors.update_statistics``)."""
    if p.current().text.upper().split() != ["UPDATE", "STATISTICS"]:  # one token to sqlglot
        p.fail()
    p._advance()
    table = p._within(_next_parenthesis(p), p.table)  # else ``t (a, b)`` reads as a call of t
    names: list[str] = []
    if p.accept_token(TokenType.L_PAREN):
        names = p.csv(p.name)
        p.expect_token(TokenType.R_PAREN)
    elif p.at_name():
        names = [p.name()]
    options: list[str] = []
    if p.accept("WITH"):
        options = p.csv(lambda: _update_statistics_option(p))
    return UpdateStatistics(table, tuple(names), tuple(options))


def _update_statistics_option(p: BatchParser) -> str:
    word = p.word()
    if word in UPDATE_STATISTICS_FLAGS:
        p.choice(UPDATE_STATISTICS_FLAGS)
        return word
    if word in UPDATE_STATISTICS_COUNTS:
        p.choice(UPDATE_STATISTICS_COUNTS)
        p.expect_token(TokenType.EQ)
        return f"{word} = {p.integer()}"
    return _statistics_option(p)


def _next_parenthesis(p: BatchParser) -> int:
    index = p._index
    while index < p._tokens_size and p._tokens[index].token_type != TokenType.L_PAREN:
        index += 1
    return index


def _statistics_option(p: BatchParser) -> str:
    word = p.word()
    if word in STATISTICS_FLAGS:
        p.choice(STATISTICS_FLAGS)
        return word
    if word == "SAMPLE":
        p.expect("SAMPLE")
        amount = p.integer()
        return f"SAMPLE {amount} {p.choice({'PERCENT', 'ROWS'})}"
    if word in STATISTICS_SWITCHES:
        p.choice(STATISTICS_SWITCHES)
        p.expect_token(TokenType.EQ)
        return f"{word} = {p.on_off()}"
    p.fail()
