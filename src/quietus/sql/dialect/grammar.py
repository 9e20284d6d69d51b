"""sqlglot's T-SQL parser, tightened into a validator for the queries, DML and DDL Quietus runs.

Invariants:

1. Never a Command: wherever sqlglot would fall back to ``exp.Command`` (its "unsupported, keep the text"
   escape hatch) this parser raises a syntax error at the token where it gave up.
2. Every parse error is a ``SyntaxAt`` carrying the offending token (or a catalogued error); the batch
   parser turns it into 102/156 with that token's line.  ``SyntaxAt`` is a ``ParseError``, so sqlglot's
   own backtracking (``_try_parse``) still works.
3. An undelimited T-SQL reserved keyword is never taken as a name or alias (keywords.NEVER_NAMES): this is
   what ends a statement at ``END``, ``ELSE``, ``WHILE``, ``PRINT``... when no ``;`` separates statements.
4. Table hints are checked against ``TABLE_HINTS`` (unknown hint: error 321) and come out upper-case.
5. A compound assignment (``SET col += v`` in UPDATE, ``SELECT @v += v``) is ``EQ(target, Add(target,
   v))`` with ``meta["compound"] = "+="``: the same tree as the long form.
6. T-SQL's ``TOP (n) [PERCENT]`` on UPDATE and DELETE is the node's ``limit`` (an ``exp.Limit`` with
   ``meta["top"]``), exactly as on SELECT.  DELETE has one shape: ``this`` is the target table, ``using``
   the second FROM's table sources, ``where``, ``limit``, ``returning`` (OUTPUT).
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.parsers.tsql import OPTIONS as QUERY_HINTS
from sqlglot.parsers.tsql import TSQLParser
from sqlglot.tokenizer_core import Token, TokenType

from quietus.engine.scheduler import safe_point
from quietus.errors import SqlError, sql_error

from .keywords import NEVER_NAMES

SAFE_POINT_EVERY = 255  # a mask: the tokenizer and the parser reach a safe point every 256 tokens


def walk(root: exp.Expr) -> t.Iterator[exp.Expr]:
    """``root.walk()`` with a safe point every 256 nodes: a tree of 100,000 nodes is searched without freezing the
    engine."""
    for count, node in enumerate(root.walk()):
        if not count & SAFE_POINT_EVERY:
            safe_point()
        yield node

if t.TYPE_CHECKING:
    from collections.abc import Collection

# Tokens whose text is the inside of a delimiter: never a keyword.
DELIMITED_TOKENS: frozenset[TokenType] = frozenset(
    {
        TokenType.IDENTIFIER,
        TokenType.STRING,
        TokenType.NATIONAL_STRING,
        TokenType.HEX_STRING,
        TokenType.BIT_STRING,
        TokenType.BYTE_STRING,
        TokenType.RAW_STRING,
        TokenType.UNICODE_STRING,
    }
)

# Table hints accepted in WITH (...), by name; INDEX(...) and FORCESEEK(...) take arguments.
# fmt: off
TABLE_HINTS: frozenset[str] = frozenset({
    "NOLOCK", "READUNCOMMITTED", "READCOMMITTED", "READCOMMITTEDLOCK", "REPEATABLEREAD", "SERIALIZABLE",
    "HOLDLOCK", "SNAPSHOT", "UPDLOCK", "XLOCK", "ROWLOCK", "PAGLOCK", "TABLOCK", "TABLOCKX", "READPAST",
    "NOWAIT", "NOEXPAND", "FORCESEEK", "FORCESCAN", "INDEX",
})
# fmt: on


# Compound assignment operators (``+=``...) by their first token: to sqlglot they are two adjacent tokens.
COMPOUND_ASSIGNMENTS: dict[TokenType, tuple[str, type[exp.Binary]]] = {
    TokenType.PLUS: ("+=", exp.Add),
    TokenType.DASH: ("-=", exp.Sub),
    TokenType.STAR: ("*=", exp.Mul),
    TokenType.SLASH: ("/=", exp.Div),
    TokenType.MOD: ("%=", exp.Mod),
    TokenType.AMP: ("&=", exp.BitwiseAnd),
    TokenType.PIPE: ("|=", exp.BitwiseOr),
    TokenType.CARET: ("^=", exp.BitwiseXor),
}


class SyntaxAt(ParseError):
    """A parse failure at ``token``; ``error`` is set when the failure has its own catalogued number."""

    def __init__(self, message: str, token: Token, error: SqlError | None = None) -> None:
        # sqlglot's parse_into annotates errors[0], so keep its error-record shape.
        super().__init__(message, [{"description": message, "line": token.line, "col": token.col}])
        self.token = token
        self.error = error


def is_word(token: Token) -> bool:
    """True for an undelimited token, whose text may be a keyword."""
    return bool(token) and token.token_type not in DELIMITED_TOKENS


def _login_function(name: str) -> t.Callable[[list[exp.Expr]], exp.Expr]:
    return lambda args: exp.Anonymous(this=name, expressions=args)


class QuietusParser(TSQLParser):
    """T-SQL expression/query/DML/DDL parser; the batch parser builds statements on top of it."""

    # sqlglot folds the login functions into CURRENT_USER (the database user, 'dbo') and SYSDATETIME /
    # SYSDATETIMEOFFSET into GETDATE's node (datetime, 1/300 s); T-SQL keeps them apart.
    FUNCTIONS: t.ClassVar[dict[str, t.Callable[..., exp.Expr]]] = {
        **TSQLParser.FUNCTIONS,
        **{
            name: _login_function(name)
            for name in ("SUSER_NAME", "SUSER_SNAME", "SYSTEM_USER", "SYSDATETIME", "SYSDATETIMEOFFSET")
        },
    }
    NO_PAREN_FUNCTION_PARSERS: t.ClassVar[dict[str, t.Callable[..., exp.Expr]]] = {
        **TSQLParser.NO_PAREN_FUNCTION_PARSERS,
        "SYSTEM_USER": lambda self: _login_function("SYSTEM_USER")([]),
    }
    # CREATE TABLE's inline indexes: ``c type INDEX ix`` and, among the columns, ``INDEX ix [UNIQUE] (c, ...)``.
    CONSTRAINT_PARSERS: t.ClassVar[dict[str, t.Callable[..., exp.Expr | None]]] = {
        **TSQLParser.CONSTRAINT_PARSERS,
        "INDEX": lambda self: self._parse_inline_index(),
    }
    SCHEMA_UNNAMED_CONSTRAINTS: t.ClassVar = {*TSQLParser.SCHEMA_UNNAMED_CONSTRAINTS, "INDEX"}

    def _parse_inline_index(self) -> exp.IndexColumnConstraint:
        """``INDEX name [UNIQUE] [CLUSTERED | NONCLUSTERED] [(column [ASC | DESC], ...)] [INCLUDE (...)]
        [WITH (options)]``: kind is "UNIQUE CLUSTERED" ... as written; the parameters as CREATE INDEX's."""
        name = self._parse_id_var(any_token=False)
        if name is None:
            self.raise_error("expected an index name")
        words = [
            self._prev.text.upper() for _ in range(2) if self._match_texts(("UNIQUE", "CLUSTERED", "NONCLUSTERED"))
        ]
        return self.expression(
            exp.IndexColumnConstraint(this=name, kind=" ".join(words) or None, options=[self._parse_index_params()])
        )

    def raise_error(self, message: str, token: Token | None = None) -> None:
        culprit = token or self._curr or self._prev
        raise SyntaxAt(message, culprit)

    def _advance(self, times: int = 1) -> None:
        super()._advance(times)
        if not self._index & SAFE_POINT_EVERY:  # a long statement yields the engine while it is parsed
            safe_point()

    def _parse_table_part(self, schema: bool = False) -> exp.Expr | None:
        """A part of a table name is an identifier, never a string: ``FROM 'x'`` (or ``"x"`` with QUOTED_IDENTIFIER
        OFF) is a syntax error in T-SQL, not the table x."""
        if self._curr is not None and self._curr.token_type == TokenType.STRING:
            return None
        return super()._parse_table_part(schema)

    def _parse_projections(self) -> tuple[list[exp.Expr], list[exp.Expr] | None]:
        """A select list is never empty: ``SELECT FROM t`` fails at FROM, a lone ``SELECT`` at itself."""
        projections, exclude = super()._parse_projections()
        if not projections:
            self.raise_error("empty select list", self._curr or self._prev)
        return projections, exclude

    def _parse_as_command(self, start: Token) -> exp.Command:
        self.raise_error("unsupported statement", self._curr or self._prev)
        raise AssertionError("unreachable")

    def _parse_command(self) -> exp.Command:
        self.raise_error("unsupported command", self._prev)
        raise AssertionError("unreachable")

    def _parse_id_var(
        self,
        any_token: bool = True,
        tokens: Collection[TokenType] | None = None,
    ) -> exp.Expr | None:
        if is_word(self._curr) and self._curr.text.upper() in NEVER_NAMES:
            return None
        return super()._parse_id_var(any_token=any_token, tokens=tokens)

    def _parse_function_args(self, alias: bool = False) -> list[exp.Expr]:
        """A call's arguments; the keyword ``DEFAULT`` alone is one (a user function's parameter default), kept as
        ``Var(DEFAULT)`` for the binder to take or refuse."""
        def argument() -> exp.Expr | None:
            after = self._next
            if (
                is_word(self._curr)
                and self._curr.text.upper() == "DEFAULT"
                and after is not None
                and after.token_type in (TokenType.COMMA, TokenType.R_PAREN)
            ):
                self._advance()
                return exp.var("DEFAULT")
            return self._parse_lambda(alias=alias)

        return self._parse_csv(argument)

    def _parse_table_hints(self) -> list[exp.Expr] | None:
        if not self._match_pair(TokenType.WITH, TokenType.L_PAREN):
            return None
        hints: list[exp.Expr] = []
        while True:
            token = self._curr
            name = token.text.upper() if is_word(token) else ""
            if name not in TABLE_HINTS:
                error = sql_error(321, token.text, line=token.line)
                raise SyntaxAt("unknown table hint", token, error)
            if self._next.token_type == TokenType.L_PAREN:
                self._advance(2)
                arguments = self._parse_csv(self._parse_primary_or_var)
                self._match_r_paren()
                hints.append(exp.Anonymous(this=name, expressions=arguments))
            else:
                self._advance()
                hints.append(exp.var(name))
            if not self._match(TokenType.COMMA):
                break
        self._match_r_paren()
        return [self.expression(exp.WithTableHint(expressions=hints))]

    def at_compound_assignment(self) -> bool:
        """True at ``+=``, ``-=``... written without a space between the two characters."""
        operator, equals = self._curr, self._next
        return (
            operator.token_type in COMPOUND_ASSIGNMENTS
            and equals.token_type == TokenType.EQ
            and operator.end + 1 == equals.start
        )

    def _parse_compound_assignment(self, target: exp.Expr) -> exp.Expr:
        """``target op= value`` as ``target = target op value`` (meta["compound"] keeps the operator)."""
        text, operation = COMPOUND_ASSIGNMENTS[self._curr.token_type]
        self._advance(2)
        value = self._parse_disjunction()
        if value is None:
            self.raise_error("expected a value")
        assignment = self.expression(
            exp.EQ(this=target, expression=operation(this=target.copy(), expression=value))
        )
        assignment.meta["compound"] = text
        return assignment

    def _parse_update_assignment(self) -> exp.Expr | None:
        index = self._index
        target = self._parse_column()
        if target is not None and self.at_compound_assignment():
            return self._parse_compound_assignment(target)
        self._retreat(index)
        return super()._parse_update_assignment()

    def _parse_expression(self) -> exp.Expr | None:
        # SELECT @v += expr: T-SQL's compound assignment in a select list.
        if self._curr.token_type == TokenType.PARAMETER:
            index = self._index
            target = self._parse_placeholder()
            if target is not None and self.at_compound_assignment():
                return self._parse_compound_assignment(target)
            self._retreat(index)
        return super()._parse_expression()

    def _parse_table(
        self,
        schema: bool = False,
        joins: bool = False,
        alias_tokens: Collection[TokenType] | None = None,
        parse_bracket: bool = False,
        is_db_reference: bool = False,
        parse_partition: bool = False,
        consume_pipe: bool = False,
    ) -> exp.Expr | None:
        if self._curr and self._curr.token_type == TokenType.DCOLON:  # FROM ::fn_x(...): the old name of sys.fn_x
            self._advance()
            called = super()._parse_table(alias_tokens=alias_tokens)
            if not isinstance(called, exp.Table) or not isinstance(called.this, exp.Anonymous) or called.args.get("db"):
                raise SyntaxAt("only a system function follows ::", self._prev)
            called.set("db", exp.to_identifier("sys"))
            return called
        table = super()._parse_table(
            schema=schema,
            joins=joins,
            alias_tokens=alias_tokens,
            parse_bracket=parse_bracket,
            is_db_reference=is_db_reference,
            parse_partition=parse_partition,
            consume_pipe=consume_pipe,
        )
        # The deprecated bare form ``FROM t (nolock)`` keeps the hint as typed: upper-case it like WITH (...).
        hints = table.args.get("hints") if isinstance(table, exp.Table) else None
        for hint in hints or ():
            for name in hint.expressions:
                if isinstance(name, exp.Var):
                    name.set("this", name.name.upper())
        return table

    def _parse_with(self, skip_with_token: bool = False) -> exp.With | None:
        """``WITH XMLNAMESPACES ('uri' AS prefix [, ...]) [, cte AS (...) ...]``: the prefixes are kept in the
        With's ``meta["xmlnamespaces"]`` for the statement's xml methods (quietus.sql.xml_methods)."""
        at_namespaces = self._curr and self._curr.token_type == TokenType.WITH and self._next
        if skip_with_token or not at_namespaces or self._next.text.upper() != "XMLNAMESPACES":
            return super()._parse_with(skip_with_token)
        self._advance(2)
        self._match_l_paren()
        namespaces: dict[str, str] = {}
        while True:
            if is_word(self._curr) and self._curr.text.upper() == "DEFAULT":
                error = sql_error(40517, "XMLNAMESPACES DEFAULT", line=self._curr.line)
                raise SyntaxAt("a default namespace is not built", self._curr, error)
            uri = self._parse_string()
            prefix = self._parse_id_var(any_token=False) if self._match(TokenType.ALIAS) else None
            if not isinstance(uri, exp.Literal | exp.National) or prefix is None:
                raise SyntaxAt("expected 'uri' AS prefix", self._curr or self._prev)
            namespaces[prefix.name] = str(uri.this)
            if not self._match(TokenType.COMMA):
                break
        self._match_r_paren()
        ctes = super()._parse_with(skip_with_token=True) if self._match(TokenType.COMMA) else None
        with_ = ctes if ctes is not None else self.expression(exp.With(expressions=[]))
        with_.meta["xmlnamespaces"] = namespaces
        return with_

    def _parse_insert_table(self) -> exp.Expr | None:
        """``INSERT [INTO] t WITH (hints) [(columns)]``: sqlglot would read WITH as a CTE there."""
        index = self._index
        table = self._parse_table_parts(schema=True)
        hinted = self._curr and self._curr.token_type == TokenType.WITH and self._next.token_type == TokenType.L_PAREN
        if isinstance(table, exp.Table) and hinted:
            table.set("hints", self._parse_table_hints())
            return self._parse_schema(this=table)
        self._retreat(index)
        return super()._parse_insert_table()

    def _parse_dml_top(self) -> exp.Expr | None:
        """``TOP (n) [PERCENT]`` of UPDATE/DELETE: the parentheses are required there."""
        if self._curr.token_type != TokenType.TOP:
            return None
        if self._next.token_type != TokenType.L_PAREN:
            self.raise_error("TOP needs parentheses in UPDATE and DELETE", self._next or self._curr)
        return self._parse_limit(top=True)

    def _parse_update(self) -> exp.Update:
        top = self._parse_dml_top()
        update = super()._parse_update()
        if top is not None:
            update.set("limit", top)
        return update

    def _parse_delete(self) -> exp.Delete:
        top = self._parse_dml_top()
        self._match(TokenType.FROM)
        target = self._parse_table()
        if target is None:
            self.raise_error("expected a table")
        returning = self._parse_returning()
        sources = self._match(TokenType.FROM) and self._parse_csv(lambda: self._parse_table(joins=True))
        delete = self.expression(
            exp.Delete(
                this=target,
                limit=top,
                returning=returning,
                using=sources or None,
                where=self._parse_where(),
            )
        )
        options = self._parse_options()  # OPTION (RECOMPILE, MAXRECURSION n ...), as UPDATE takes it
        if options:
            delete.set("options", options)
        return delete

    # -- key constraints: PRIMARY KEY / UNIQUE [CLUSTERED | NONCLUSTERED] [(columns)] [WITH (index options)] -----

    def _parse_primary_key(
        self,
        wrapped_optional: bool = False,
        in_props: bool = False,
        named_primary_key: bool = False,
    ) -> exp.PrimaryKeyColumnConstraint | exp.PrimaryKey:
        """sqlglot takes CLUSTERED/NONCLUSTERED after PRIMARY KEY only in a named constraint; T-SQL allows it
        everywhere.  The word is kept in ``meta["index_kind"]``."""
        kind = self._prev.text.upper() if self._match_texts(("CLUSTERED", "NONCLUSTERED")) else None
        key = super()._parse_primary_key(wrapped_optional, in_props, named_primary_key)
        if kind is not None:
            key.meta["index_kind"] = kind
        return key

    def _parse_unique(self) -> exp.UniqueColumnConstraint:
        """UNIQUE [CLUSTERED | NONCLUSTERED] (columns) may carry index options: ``WITH (IGNORE_DUP_KEY = ON)``."""
        unique = super()._parse_unique()
        if self._curr and self._curr.token_type == TokenType.WITH and self._next.token_type == TokenType.L_PAREN:
            unique.meta["index_options"] = self._parse_index_params()
        return unique

    # -- OPTION (query hints) ------------------------------------------------------------------------------------

    def _parse_options(self) -> list[exp.Expr] | None:
        """sqlglot's OPTION list, plus ``OPTIMIZE FOR (@v = constant | @v UNKNOWN, ...)`` (it knows only OPTIMIZE
        FOR UNKNOWN); like the other plan hints it changes no result."""
        if not self._match(TokenType.OPTION):
            return None

        def hinted_value() -> exp.Expr | None:
            variable = self._parse_placeholder()
            if self._match_text_seq("UNKNOWN"):
                return variable
            if not self._match(TokenType.EQ):
                self.raise_error("expected = or UNKNOWN")
            return exp.EQ(this=variable, expression=self._parse_unary())

        def option() -> exp.Expr | None:
            ahead = [token.text.upper() for token in self._tokens[self._index : self._index + 3]]
            if ahead == ["OPTIMIZE", "FOR", "("]:
                self._advance(2)
                values = self._parse_wrapped_csv(hinted_value)
                return exp.QueryOption(this=exp.var("OPTIMIZE FOR"), expression=exp.Tuple(expressions=values))
            hint = self._parse_var_from_options(QUERY_HINTS)
            if not hint:
                return None
            self._match(TokenType.EQ)
            return self.expression(exp.QueryOption(this=hint, expression=self._parse_primary_or_var()))

        return self._parse_wrapped_csv(option)
