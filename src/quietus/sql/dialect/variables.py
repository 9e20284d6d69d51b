"""Variable grammars: DECLARE and ``SET @variable op value``.

``DECLARE @a [AS] type [= default], @t [AS] TABLE (column definitions)``; cursors are not supported.
SET's compound operators (``+=``...) are recognised only when written without a space, as SQL Server
requires (grammar.COMPOUND_ASSIGNMENTS).
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from .grammar import COMPOUND_ASSIGNMENTS
from .statements import Declare, SetVariable, VariableDecl

if t.TYPE_CHECKING:
    from .batch import BatchParser

# The type of a table variable: sqlglot has no TABLE data type, so a user-defined type named TABLE.
TABLE_TYPE = exp.DataType(this=exp.DType.USERDEFINED, kind="TABLE")


def parse_declare(p: BatchParser) -> Declare:
    p.expect("DECLARE")
    return Declare(tuple(p.csv(lambda: _declaration(p))))


def _declaration(p: BatchParser) -> VariableDecl:
    name = p.variable()
    p.accept("AS")
    if p.accept("TABLE"):
        return VariableDecl(name, TABLE_TYPE, table=p.schema())
    data_type = p.data_type()
    default = p.expr() if p.accept_token(TokenType.EQ) else None
    return VariableDecl(name, data_type, default)


def parse_set_variable(p: BatchParser) -> SetVariable:
    """``SET @name = value``, ``SET @name += value`` or ``SET @x.modify('…')`` (after SET; the operator is then
    ``.modify`` and the value the tuple of the method's arguments)."""
    name = p.variable()
    if p.accept_token(TokenType.DOT):
        method = p.name()
        p.expect_token(TokenType.L_PAREN)
        arguments = p.csv(p.expr)
        p.expect_token(TokenType.R_PAREN)
        return SetVariable(name, "." + method.lower(), exp.Tuple(expressions=arguments))
    operator = _assignment_operator(p)
    return SetVariable(name, operator, p.expr())


def _assignment_operator(p: BatchParser) -> str:
    if p.accept_token(TokenType.EQ):
        return "="
    if not p.at_compound_assignment():
        p.fail()
    operator, _ = COMPOUND_ASSIGNMENTS[p.current().token_type]
    p.accept_token(p.current().token_type)
    p.accept_token(TokenType.EQ)
    return operator
