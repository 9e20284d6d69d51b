"""EXECUTE grammars: procedure calls and dynamic SQL.

``EXEC[UTE] [@rc =] procedure [[@name =] value [OUTPUT|OUT] [, ...]] [WITH RECOMPILE]`` or ``EXEC[UTE] (string
expression)``.  WITH RECOMPILE is a planning hint, as CREATE PROCEDURE's (plans are cached by text and re-made when
the catalog changes, so it changes nothing observable); WITH RESULT SETS is not supported (102).
As in SQL Server an argument value is a constant, a variable, a system variable (``@@SERVERNAME``), NULL,
DEFAULT or a bare word (taken as a string: ``EXEC sp_who active``), never an expression.  A bare procedure name
opening a batch is the same call without EXEC.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from .statements import Argument, Execute, ExecuteString

if t.TYPE_CHECKING:
    from .batch import BatchParser

OUTPUT_WORDS: tuple[str, ...] = ("OUTPUT", "OUT")
LITERAL_TOKENS: frozenset[TokenType] = frozenset(
    {
        TokenType.NUMBER,
        TokenType.STRING,
        TokenType.NATIONAL_STRING,
        TokenType.HEX_STRING,
        TokenType.DASH,
        TokenType.PLUS,
    }
)


def parse_execute(p: BatchParser) -> Execute | ExecuteString:
    if not (p.accept("EXEC") or p.accept("EXECUTE")):
        p.fail()
    if p.accept_token(TokenType.L_PAREN):
        value = p.expr()
        p.expect_token(TokenType.R_PAREN)
        return ExecuteString(value, p.name() if p.accept("AT") else None)
    return_variable = None
    if p.at_variable() and p.peek(2).token_type == TokenType.EQ:
        return_variable = p.variable()
        p.expect_token(TokenType.EQ)
    return _call(p, return_variable)


def parse_bare_procedure(p: BatchParser) -> Execute:
    return _call(p, None)


def _call(p: BatchParser, return_variable: str | None) -> Execute:
    procedure = p.variable() if p.at_variable() else p.dotted_name()
    arguments: list[Argument] = []
    if not p.at_end():
        arguments = p.csv(lambda: _argument(p))
    p.accept("WITH", "RECOMPILE")
    return Execute(procedure, tuple(arguments), return_variable)


def _argument(p: BatchParser) -> Argument:
    name = None
    if p.at_variable() and p.peek(2).token_type == TokenType.EQ:
        name = p.variable()
        p.expect_token(TokenType.EQ)
    value = _value(p)
    output = any(p.accept(word) for word in OUTPUT_WORDS)
    return Argument(name, value, output)


def _value(p: BatchParser) -> exp.Expression | None:
    token = p.current()
    if p.accept("DEFAULT"):
        return None
    if p.accept("NULL"):
        return exp.Null()
    if p.at_variable():
        return p.variable_node()
    if token.token_type == TokenType.PARAMETER and p.peek().token_type == TokenType.PARAMETER:
        after = p.peek(3)  # the token after @@NAME: where an expression around it goes wrong
        value = p.expr()  # a system function such as @@SERVERNAME (an expression around it is refused)
        if not (isinstance(value, exp.Parameter) and isinstance(value.this, exp.Parameter)):
            p.fail(after)
        return value
    if token.token_type in LITERAL_TOKENS:
        return p.signed_literal()
    if p.at_name():
        return exp.Literal.string(p.name())
    p.fail()
