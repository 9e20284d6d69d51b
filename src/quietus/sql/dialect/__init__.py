"""The T-SQL batch parser: text of one client request in, immutable statements out.

Public face::

    parse_batch(text) -> list[Statement]          # raises quietus.errors.SqlError (102, 105, 113, 156...)
    parse_batch_cached(text) -> tuple[Statement, ...]   # the same, memoised (bounded LRU)

Invariant: either every statement of the batch parses and the whole list is returned, or one SqlError
is raised and nothing is returned, so no statement of a bad batch can run.  See docs/design/parser.md.
"""

from __future__ import annotations

from functools import lru_cache

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


def parse_batch(text: str) -> list[Statement]:
    """Parse one T-SQL batch; raise the SqlError SQL Server would give for the first syntax error."""
    return BatchParser().parse_tokens(tokenize(text), text)


@lru_cache(maxsize=PLAN_CACHE_SIZE)
def parse_batch_cached(text: str) -> tuple[Statement, ...]:
    """``parse_batch`` memoised by text; safe because statements are immutable (errors are not cached)."""
    return tuple(parse_batch(text))


__all__ = [
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
]
