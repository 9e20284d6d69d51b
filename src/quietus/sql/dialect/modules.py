"""Module grammars: CREATE / ALTER / CREATE OR ALTER PROCEDURE and DROP PROCEDURE.

``CREATE [OR ALTER] | ALTER PROC[EDURE] [schema.]name [ [(] @p [AS] type [= constant] [OUT[PUT]] [, ...] [)] ]
[WITH RECOMPILE | EXECUTE AS CALLER [, ...]] AS body``.  As in SQL Server the statement must open its batch (111
otherwise) and its body is the rest of the batch.  The body is parsed here, so a procedure with a syntax error is
never stored; what is stored is the statement's text, parsed again (and cached) when the procedure runs.

``DROP PROC[EDURE] [IF EXISTS] [schema.]name [, ...]``.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from quietus.errors import sql_error

from .execute import OUTPUT_WORDS
from .statements import CreateProcedure, DropProcedure, ProcedureParameter, Statement

if t.TYPE_CHECKING:
    from .batch import BatchParser

PROCEDURE_WORDS: tuple[str, ...] = ("PROCEDURE", "PROC")
# WITH options: RECOMPILE is a planning hint (plans are cached by text and re-made when the catalog changes, so it
# changes nothing observable); EXECUTE AS CALLER is the default.  Any other option is a syntax error at its word.
_OPTIONS: tuple[tuple[str, ...], ...] = (("RECOMPILE",), ("EXECUTE", "AS", "CALLER"), ("EXEC", "AS", "CALLER"))


def parse_create_procedure(p: BatchParser) -> CreateProcedure:
    if not p.at_batch_start():
        p.fail_with(sql_error(111, "CREATE/ALTER PROCEDURE"))
    mode = "CREATE OR ALTER" if p.accept("CREATE", "OR", "ALTER") else p.choice(("CREATE", "ALTER"))
    p.choice(PROCEDURE_WORDS)
    schema, name = _schema_and_name(p)
    parameters = _parameters(p)
    recompile = False
    if p.accept("WITH"):
        for option in p.csv(lambda: _option(p)):
            recompile = recompile or option == ("RECOMPILE",)
    p.expect("AS")
    body: list[Statement] = []
    while p.skip_semicolons():
        body.extend(p.parse_statement())
    if not body:
        p.fail()
    return CreateProcedure(schema, name, parameters, tuple(body), mode, recompile)


def parse_drop_procedure(p: BatchParser) -> DropProcedure:
    p.expect("DROP")
    p.choice(PROCEDURE_WORDS)
    if_exists = p.accept("IF", "EXISTS")
    names = p.csv(lambda: ".".join(part for part in _schema_and_name(p) if part))
    return DropProcedure(tuple(names), if_exists)


def _schema_and_name(p: BatchParser) -> tuple[str | None, str]:
    """``name`` or ``schema.name``; a database part is not allowed here (166 in SQL Server: a syntax error)."""
    first = p.name()
    if p.accept_token(TokenType.DOT):
        return first, p.name()
    return None, first


def _parameters(p: BatchParser) -> tuple[ProcedureParameter, ...]:
    if p.at("AS") or p.at("WITH"):
        return ()
    parenthesised = p.accept_token(TokenType.L_PAREN)
    if parenthesised and p.accept_token(TokenType.R_PAREN):
        return ()
    parameters: list[ProcedureParameter] = []
    parameters.append(_parameter(p, 1))
    while p.accept_token(TokenType.COMMA):
        parameters.append(_parameter(p, len(parameters) + 1))
    if parenthesised:
        p.expect_token(TokenType.R_PAREN)
    seen: set[str] = set()
    for parameter in parameters:
        key = parameter.name.casefold()
        if key in seen:
            p.fail_with(sql_error(134, parameter.name))
        seen.add(key)
    return tuple(parameters)


def _parameter(p: BatchParser, number: int) -> ProcedureParameter:
    name = p.variable()
    p.accept("AS")
    if p.at_name() and not p.at_type():
        p.fail_with(sql_error(2715, number, p.name()))
    data_type = p.data_type()
    default: exp.Expression | None = None
    if p.accept_token(TokenType.EQ):
        default = exp.Null() if p.accept("NULL") else p.signed_literal()
    output = any(p.accept(word) for word in OUTPUT_WORDS)
    return ProcedureParameter(name, data_type, default, output)


def _option(p: BatchParser) -> tuple[str, ...]:
    for words in _OPTIONS:
        if p.accept(*words):
            return words
    p.fail()
