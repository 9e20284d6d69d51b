"""Grammars of the statements that send messages or raise errors: PRINT, RAISERROR, THROW.

RAISERROR takes the parenthesised form only (the pre-2012 ``RAISERROR 50001 'text'`` form is a syntax
error, as in current SQL Server).  THROW without arguments is the re-throw; with arguments it needs all
three.
"""

from __future__ import annotations

import typing as t

from sqlglot.tokenizer_core import TokenType

from .statements import Print, Raiserror, Throw

if t.TYPE_CHECKING:
    from .batch import BatchParser

RAISERROR_OPTIONS: frozenset[str] = frozenset({"LOG", "NOWAIT", "SETERROR"})


def parse_print(p: BatchParser) -> Print:
    p.expect("PRINT")
    return Print(p.expr())


def parse_raiserror(p: BatchParser) -> Raiserror:
    p.expect("RAISERROR")
    p.expect_token(TokenType.L_PAREN)
    values = p.csv(p.expr)
    if len(values) < 3:
        p.fail()
    message, severity, state, *arguments = values
    p.expect_token(TokenType.R_PAREN)
    options: set[str] = set()
    if p.accept("WITH"):
        while True:
            options.add(p.choice(RAISERROR_OPTIONS))
            if not p.accept_token(TokenType.COMMA):
                break
    return Raiserror(message, severity, state, tuple(arguments), frozenset(options))


def parse_throw(p: BatchParser) -> Throw:
    p.expect("THROW")
    if p.at_end():
        return Throw()
    number = p.expr()
    p.expect_token(TokenType.COMMA)
    message = p.expr()
    p.expect_token(TokenType.COMMA)
    state = p.expr()
    return Throw(number, message, state)
