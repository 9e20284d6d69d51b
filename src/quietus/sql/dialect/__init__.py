"""The T-SQL batch parser: text of one client request in, immutable statements out.

Public face::

    parse_batch(text) -> list[Statement]          # raises quietus.errors.SqlError (102, 105, 113, 156...)
    parse_batch_cached(text) -> tuple[Statement, ...]   # the same, memoised (bounded LRU)

Invariant: either every statement of the batch parses and the whole list is returned, or one SqlError
is raised and nothing is returned, so no statement of a bad batch can run.  See docs/design/parser.md.
"""

from __future__ import annotations

import sys
import typing as t
from functools import lru_cache

from quietus.errors import sql_error

from .batch import BatchParser
from .lexer import tokenize
from .statements import (
    AlterDatabaseSet,
    AlterLogin,
    AlterServerRole,
    Argument,
    BeginDistributedTransaction,
    BeginTransaction,
    Block,
    Break,
    CancelSql,
    Checkpoint,
    CommitTransaction,
    Continue,
    CreateLogin,
    CreateProcedure,
    Declare,
    DisconnectSession,
    DropLogin,
    DropProcedure,
    Execute,
    ExecuteString,
    GrantPermission,
    If,
    InsertExec,
    Kill,
    KillSession,
    Print,
    ProcedureParameter,
    Raiserror,
    Return,
    RollbackTransaction,
    SaveTransaction,
    SetOption,
    SetVariable,
    SqlStatement,
    Statement,
    Throw,
    TryCatch,
    Use,
    VariableDecl,
    WaitFor,
    While,
)
from .tsql import DIALECT, Quietus

PLAN_CACHE_SIZE = 1024


# Frames the parser may use.  sqlglot's recursive descent spends about twenty frames on each nested call, and the
# T-SQL SQL Server accepts nests deeply: sp_WhoIsActive escapes XML with 28 nested REPLACE calls inside six levels
# of derived tables, about 950 frames, deeper than Python's default of 1,000 leaves once a procedure calls
# sp_executesql.  Python 3.11 runs Python-to-Python calls without C stack, so the limit costs heap, not stack.
PARSE_RECURSION_LIMIT = 6_000


def parse_batch(text: str, quoted_identifier: bool = True) -> list[Statement]:
    """Parse one T-SQL batch; raise the SqlError SQL Server would give for the first syntax error.

    The parse is recursive descent: nesting deeper than ``PARSE_RECURSION_LIMIT`` frames is SQL Server's 191."""
    if sys.getrecursionlimit() < PARSE_RECURSION_LIMIT:
        sys.setrecursionlimit(PARSE_RECURSION_LIMIT)
    try:
        return BatchParser().parse_tokens(tokenize(text, quoted_identifier), text)
    except RecursionError:
        raise sql_error(191) from None


# Longer batches are parsed every time: a 100,000-value IN list's tree (a million objects) kept in the cache would
# hold its memory after the request and lengthen every later garbage collection, which stalls the engine.
CACHED_TEXT_LIMIT: t.Final = 32_768  # characters


@lru_cache(maxsize=PLAN_CACHE_SIZE)
def _parse_batch_memoised(text: str, quoted_identifier: bool) -> tuple[Statement, ...]:
    return tuple(parse_batch(text, quoted_identifier))


def parse_batch_cached(text: str, quoted_identifier: bool = True) -> tuple[Statement, ...]:
    """``parse_batch`` memoised by text and QUOTED_IDENTIFIER (up to ``CACHED_TEXT_LIMIT`` characters); safe because
    statements are immutable (errors are not cached).  Plans are keyed by statement identity, so a batch parsed
    under each QUOTED_IDENTIFIER setting has plans of its own."""
    if len(text) > CACHED_TEXT_LIMIT:
        return tuple(parse_batch(text, quoted_identifier))
    return _parse_batch_memoised(text, quoted_identifier)


def parse_cache_info() -> t.Any:
    return _parse_batch_memoised.cache_info()


__all__ = [
    "CACHED_TEXT_LIMIT",
    "DIALECT",
    "PLAN_CACHE_SIZE",
    "AlterDatabaseSet",
    "AlterLogin",
    "AlterServerRole",
    "Argument",
    "BeginDistributedTransaction",
    "BeginTransaction",
    "Block",
    "Break",
    "CancelSql",
    "Checkpoint",
    "CommitTransaction",
    "Continue",
    "CreateLogin",
    "CreateProcedure",
    "Declare",
    "DisconnectSession",
    "DropLogin",
    "DropProcedure",
    "Execute",
    "ExecuteString",
    "GrantPermission",
    "If",
    "InsertExec",
    "Kill",
    "KillSession",
    "Print",
    "ProcedureParameter",
    "Quietus",
    "Raiserror",
    "Return",
    "RollbackTransaction",
    "SaveTransaction",
    "SetOption",
    "SetVariable",
    "SqlStatement",
    "Statement",
    "Throw",
    "TryCatch",
    "Use",
    "VariableDecl",
    "WaitFor",
    "While",
    "parse_batch",
    "parse_batch_cached",
    "parse_cache_info",
]
