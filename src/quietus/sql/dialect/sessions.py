"""Grammars for ending sessions: SQL Server's KILL and Oracle's ALTER SYSTEM KILL|DISCONNECT SESSION|CANCEL SQL.

``KILL { session_id [WITH STATUSONLY] | 'uow' [WITH STATUSONLY | COMMIT | ROLLBACK] }``.  The parser
accepts every combination the grammar can spell (a negative id, ``54 WITH COMMIT``) so that the
executor, not the parser, gives SQL Server's run-time answer (6101, 6108...).  A variable is not a
session id: SQL Server wants a literal there, so ``KILL @spid`` is a syntax error.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from .statements import CancelSql, DisconnectSession, Kill, KillSession

if t.TYPE_CHECKING:
    from .batch import BatchParser

KILL_OPTIONS: dict[str, tuple[bool, str | None]] = {
    "STATUSONLY": (True, None),
    "COMMIT": (False, "COMMIT"),
    "ROLLBACK": (False, "ROLLBACK"),
}

KILL_SESSION_FLAGS: frozenset[str] = frozenset({"IMMEDIATE", "FORCE", "NOREPLAY"})
DISCONNECT_SESSION_FLAGS: frozenset[str] = frozenset({"POST_TRANSACTION", "IMMEDIATE"})


def parse_kill(p: BatchParser) -> Kill:
    p.expect("KILL")
    target = _kill_target(p)
    statusonly, outcome = False, None
    if p.accept("WITH"):
        statusonly, outcome = KILL_OPTIONS[p.choice(KILL_OPTIONS)]
    return Kill(target, statusonly, outcome)


def _kill_target(p: BatchParser) -> exp.Literal:
    if p.current().token_type in (TokenType.STRING, TokenType.NATIONAL_STRING):
        return exp.Literal.string(p.string())
    return exp.Literal(this=str(p.integer()), is_string=False)


def parse_alter_system(p: BatchParser) -> KillSession | DisconnectSession | CancelSql:
    p.expect("ALTER", "SYSTEM")
    if p.accept("CANCEL", "SQL"):
        return CancelSql(p.string())
    if p.accept("KILL", "SESSION"):
        spec = p.string()
        flags = _flags(p, KILL_SESSION_FLAGS)
        timeout = p.integer() if p.accept("TIMEOUT") else None
        return KillSession(spec, "IMMEDIATE" in flags, "FORCE" in flags, "NOREPLAY" in flags, timeout=timeout)
    p.expect("DISCONNECT", "SESSION")
    spec = p.string()
    flags = _flags(p, DISCONNECT_SESSION_FLAGS)
    return DisconnectSession(spec, "POST_TRANSACTION" in flags, "IMMEDIATE" in flags)


def _flags(p: BatchParser, allowed: frozenset[str]) -> set[str]:
    """Any of ``allowed`` in any order, each at most once."""
    seen: set[str] = set()
    while (word := p.word()) in allowed and word not in seen:
        p.expect(word)
        seen.add(word)
    return seen
