"""Module grammars: CREATE / ALTER / CREATE OR ALTER PROCEDURE and DROP PROCEDURE.

``CREATE [OR ALTER] | ALTER PROC[EDURE] [schema.]name [ [(] @p [AS] type [= constant] [OUT[PUT]] [, ...] [)] ]
[WITH RECOMPILE | EXECUTE AS CALLER [, ...]] AS body``.  As in SQL Server the statement must open its batch (111
otherwise) and its body is the rest of the batch.  The body is parsed here, so a procedure with a syntax error is
never stored; what is stored is the statement's text, parsed again (and cached) when the procedure runs.

``DROP PROC[EDURE] [IF EXISTS] [schema.]name [, ...]``.

``CREATE [OR ALTER] | ALTER VIEW [schema.]name [(c, ...)] [WITH SCHEMABINDING] AS query [WITH CHECK OPTION]`` and
``CREATE [OR ALTER] | ALTER FUNCTION [schema.]name ([@p type [= constant], ...]) RETURNS type [WITH option, ...]
AS BEGIN ... RETURN expr END`` (scalar), ``RETURNS TABLE [WITH ...] AS RETURN [(] query [)]`` (inline
table-valued) or ``RETURNS @t TABLE (columns) [WITH ...] AS BEGIN ... RETURN END`` (multi-statement table-valued);
each opens its batch (111) and ends it.  ``DROP VIEW | FUNCTION [IF EXISTS] name [, ...]``.

``CREATE SYNONYM [schema.]name FOR [[[server.]database.]schema.]object`` (anywhere in a batch) and ``DROP SYNONYM
[IF EXISTS] [schema.]name``.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from quietus.errors import sql_error

from .execute import OUTPUT_WORDS
from .statements import (
    CreateFunction,
    CreateProcedure,
    CreateSynonym,
    CreateView,
    DropModule,
    DropProcedure,
    ProcedureParameter,
    Statement,
    VariableDecl,
)
from .variables import TABLE_TYPE

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


# -- views and functions ---------------------------------------------------------------------------------------

_VIEW_OPTIONS = ("SCHEMABINDING",)
_FUNCTION_OPTIONS: tuple[tuple[str, ...], ...] = (
    ("SCHEMABINDING",),
    ("RETURNS", "NULL", "ON", "NULL", "INPUT"),
    ("CALLED", "ON", "NULL", "INPUT"),
    ("EXECUTE", "AS", "CALLER"),
    ("EXEC", "AS", "CALLER"),
)
_QUERY_WORDS = ("SELECT", "WITH")


def parse_create_or_alter(p: BatchParser) -> Statement:
    """``CREATE OR ALTER`` picks its grammar by the kind word after it."""
    kind = p.word(3)
    if kind == "VIEW":
        return parse_create_view(p)
    if kind == "FUNCTION":
        return parse_create_function(p)
    return parse_create_procedure(p)


def _mode(p: BatchParser, kind: str) -> str:
    if not p.at_batch_start():
        p.fail_with(sql_error(111, f"CREATE {kind}"))
    mode = "CREATE OR ALTER" if p.accept("CREATE", "OR", "ALTER") else p.choice(("CREATE", "ALTER"))
    p.expect(kind)
    return mode


def _end_of_batch(p: BatchParser) -> None:
    """A view or function is the only statement of its batch: what follows it is a syntax error."""
    if p.skip_semicolons():
        p.fail()


def parse_create_view(p: BatchParser) -> CreateView:
    mode = _mode(p, "VIEW")
    schema, name = _schema_and_name(p)
    columns: list[str] = []
    if p.accept_token(TokenType.L_PAREN):
        columns = p.csv(p.name)
        p.expect_token(TokenType.R_PAREN)
    schemabinding = False
    if p.accept("WITH"):
        schemabinding = "SCHEMABINDING" in p.csv(lambda: p.choice(_VIEW_OPTIONS))
    p.expect("AS")
    if p.word() not in _QUERY_WORDS:
        p.fail()
    query = p.sql_statement().node
    if not isinstance(query, exp.Query):
        p.fail()
    check_option = p.accept("WITH", "CHECK", "OPTION")
    _end_of_batch(p)
    return CreateView(schema, name, tuple(columns), query, mode, schemabinding, check_option)


def parse_create_function(p: BatchParser) -> CreateFunction:
    mode = _mode(p, "FUNCTION")
    schema, name = _schema_and_name(p)
    p.expect_token(TokenType.L_PAREN)
    parameters: tuple[ProcedureParameter, ...] = ()
    if not p.accept_token(TokenType.R_PAREN):
        parameters = _parameters(p)
        p.expect_token(TokenType.R_PAREN)
    if any(parameter.output for parameter in parameters):
        p.fail_with(sql_error(181))
    p.expect("RETURNS")
    returns: exp.DataType | None = None
    table: VariableDecl | None = None
    if p.at_variable():  # RETURNS @t TABLE (...): a multi-statement table-valued function
        name_of_table = p.variable()
        p.expect("TABLE")
        table = VariableDecl(name_of_table, TABLE_TYPE, table=p.schema())
    elif not p.accept("TABLE"):
        returns = p.data_type()
    options: list[tuple[str, ...]] = []
    if p.accept("WITH"):
        options = p.csv(lambda: _function_option(p))
    schemabinding = ("SCHEMABINDING",) in options
    null_on_null = ("RETURNS", "NULL", "ON", "NULL", "INPUT") in options
    p.expect("AS")
    if returns is None and table is None:
        query = _inline_query(p)
        _end_of_batch(p)
        return CreateFunction(schema, name, parameters, None, (), query, mode, schemabinding, null_on_null)
    if not p.at("BEGIN"):
        p.fail()
    body = p.parse_statement()
    _end_of_batch(p)
    return CreateFunction(
        schema, name, parameters, returns, tuple(body), None, mode, schemabinding, null_on_null, table
    )


def _inline_query(p: BatchParser) -> exp.Expression:
    """``RETURN [(] query [)]`` of an inline table-valued function."""
    p.expect("RETURN")
    if p.word() in _QUERY_WORDS:
        node: exp.Expr = p.sql_statement().node
    else:
        node = p.expr()
        while isinstance(node, exp.Subquery | exp.Paren) and not node.args.get("alias"):
            node = node.this
    if not isinstance(node, exp.Query) or not isinstance(node, exp.Expression):
        p.fail()
    return node


def _function_option(p: BatchParser) -> tuple[str, ...]:
    for words in _FUNCTION_OPTIONS:
        if p.accept(*words):
            return words
    p.fail()


def parse_create_synonym(p: BatchParser) -> CreateSynonym:
    p.expect("CREATE", "SYNONYM")
    schema, name = _schema_and_name(p)
    p.expect("FOR")
    base = p.dotted_name()
    if base.count(".") > 3 or not base.rsplit(".", 1)[-1]:
        p.fail()
    return CreateSynonym(schema, name, base)


def parse_drop_module(p: BatchParser) -> DropModule:
    p.expect("DROP")
    kind = p.choice(("VIEW", "FUNCTION", "SYNONYM"))
    if_exists = p.accept("IF", "EXISTS")
    names = p.csv(lambda: ".".join(part for part in _schema_and_name(p) if part))
    return DropModule(kind, tuple(names), if_exists)
