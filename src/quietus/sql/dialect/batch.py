"""The batch parser: statement boundaries, statement dispatch, and the cursor helpers statement grammars use.

Theory of operation.  A batch is tokenized once and parsed left to right as one token stream (``;`` is a
token, not a split point).  At each statement start the first one or two words pick a grammar from
``STATEMENTS`` (a table: ``("BEGIN", "TRY")`` before ``"BEGIN"``).  Queries, DML and DDL go to sqlglot's
own statement parser, which stops at the first token it cannot use; procedural statements have grammars
in the sibling modules.  Whatever follows a statement must start the next one, be a ``;``, or (inside
BEGIN...END / TRY / CATCH) be the closing END; anything else is a syntax error at that token.

Invariants:

1. ``parse`` returns all statements of the batch or raises one SqlError; nothing partial escapes.
2. Each statement's ``line`` and ``text`` come from its first and last token (``_stamp``).
3. Only the first statement of a batch may be a bare procedure name (``sp_who``), as in SQL Server;
   not even a statement nested in the first one (``IF 1=1 sp_who`` is a syntax error).
4. BREAK and CONTINUE are accepted only inside a WHILE body (135/136 otherwise, as SQL Server).
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from collections.abc import Callable, Collection

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError
from sqlglot.tokenizer_core import Token, TokenType

from quietus.errors import SqlError, sql_error
from quietus.sql.syntax_near import token_text
from quietus.sql.types_base import whole_number

from . import administration, control, cursors, execute, messages, modules, options, sessions, transactions
from .grammar import QuietusParser, SyntaxAt, is_word, walk
from .keywords import EXPRESSION_KEYWORDS, RESERVED_KEYWORDS
from .statements import MODULE_DEFINITIONS, Block, InsertExec, SqlStatement, Statement
from .tsql import Quietus

T = t.TypeVar("T")
N = t.TypeVar("N", bound=exp.Expression)
ON_OFF: tuple[str, ...] = ("ON", "OFF")
Parsed = Statement | list[Statement]
Handler = Callable[["BatchParser"], Parsed]

# sqlglot node kinds accepted as SqlStatement; anything else sqlglot returns is a syntax error.
SQL_NODES: tuple[type[exp.Expression], ...] = (
    exp.Select,
    exp.Union,
    exp.Except,
    exp.Intersect,
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Merge,
)
# DDL is parsed in a token window ending where the next statement starts (see BatchParser._ddl_end).
DDL_WORDS = frozenset({"CREATE", "ALTER", "TRUNCATE"})
DDL_STOP_WORDS = frozenset(
    {
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE", "IF", "WHILE",
        "BEGIN", "END", "ELSE", "DECLARE", "SET", "PRINT", "EXEC", "EXECUTE", "COMMIT", "ROLLBACK", "SAVE",
        "RAISERROR", "THROW", "WAITFOR", "USE", "KILL", "RETURN", "BREAK", "CONTINUE", "CHECKPOINT", "GRANT",
        "REVOKE", "DENY", "DBCC",
    }
)

SQL_KINDS: dict[type[exp.Expression], frozenset[str]] = {
    exp.Create: frozenset({"TABLE", "INDEX", "CLUSTERED INDEX", "NONCLUSTERED INDEX"}),
    exp.Drop: frozenset({"TABLE", "INDEX"}),
    exp.Alter: frozenset({"TABLE"}),
}


class BatchParser(QuietusParser):
    """Parses one batch into statements; one instance per parse (it holds the cursor)."""

    def __init__(self) -> None:
        super().__init__(error_level=ErrorLevel.IMMEDIATE, dialect=Quietus)
        self.loop_depth = 0

    # --- entry ----------------------------------------------------------------------------------------

    def parse_tokens(self, tokens: list[Token], sql: str) -> list[Statement]:
        self.reset()
        self.sql = sql
        self._tokens = tokens
        self._tokens_size = len(tokens)
        self._index = -1
        self._advance()
        statements: list[Statement] = []
        try:
            while self.skip_semicolons():
                statements.extend(self.parse_statement())
            cursors.check_labels(statements)
        except SyntaxAt as failure:
            raise self.error_for(failure) from None
        except ParseError:
            # sqlglot raising without raise_error (its helpers that parse a string of their own)
            raise self.error_for(SyntaxAt("syntax error", self._curr or self._prev)) from None
        return statements

    def error_for(self, failure: SyntaxAt) -> SqlError:
        """102 near the token, or 156 when the token is a reserved keyword (or the failure's own error)."""
        if failure.error is not None:
            return failure.error
        token = failure.token
        if not token:
            return sql_error(102, "", line=1)
        if is_word(token):
            keyword = token.text.split()[0]
            if keyword.upper() in RESERVED_KEYWORDS:
                return sql_error(156, keyword, line=token.line)
        return sql_error(102, self.shown_text(token), line=token.line)

    def shown_text(self, token: Token) -> str:
        """A token as SQL Server quotes it: ``@x`` or ``@@SPID`` whole, content for strings and identifiers."""
        index = self._tokens.index(token) if token in self._tokens else -1
        return token.text if index < 0 else token_text(self._tokens, index)

    # --- statements -----------------------------------------------------------------------------------

    def parse_statement(self) -> list[Statement]:
        """One statement (several for a multi-option SET), stamped with its line and text."""
        start = self._curr
        handler = self.handler_for_current()
        parsed = handler(self)
        return self._stamp(parsed, start, self._prev)

    def statement(self) -> Statement:
        """Exactly one statement, as the branch of IF/ELSE or the body of WHILE needs."""
        # No empty branch: ';', END or ELSE here is SQL Server's "Incorrect syntax near" that token.
        if not self._curr or self._curr.token_type == TokenType.SEMICOLON or self.word() in ("END", "ELSE"):
            self.fail()
        parsed = self.parse_statement()
        if len(parsed) == 1:
            return parsed[0]
        return Block(tuple(parsed), line=parsed[0].line, text=parsed[0].text, offset=parsed[0].offset)

    def statements_until_end(self, allow_empty: bool = False) -> tuple[Statement, ...]:
        """Statements up to (not including) the END that closes the current block."""
        statements: list[Statement] = []
        while True:
            if not self.skip_semicolons():
                self.fail()
            if self.at("END"):
                break
            statements.extend(self.parse_statement())
        if not statements and not allow_empty:
            self.fail()
        return tuple(statements)

    def handler_for_current(self) -> Handler:
        first, second = self.word(), self.word(1)
        together = self._curr.text.upper().split() if is_word(self._curr) else []
        if len(together) == 2:  # sqlglot's one token for two words: UPDATE STATISTICS
            second = together[1]
        handler = STATEMENTS.get((first, second)) or STATEMENTS.get(first)
        if handler is not None:
            return handler
        if cursors.at_label(self):
            return cursors.parse_label
        if self.at_batch_start() and self.at_name():
            return execute.parse_bare_procedure
        self.fail()

    def at_batch_start(self) -> bool:
        """True when only ``;`` precede the current token: where a bare procedure name is a call."""
        return all(token.token_type == TokenType.SEMICOLON for token in self._tokens[: self._index])

    def sql_statement(self) -> SqlStatement:
        """A query, DML or DDL statement, parsed by sqlglot."""
        start = self._index
        if self.word() in DDL_WORDS:
            node = self._within(self._ddl_end(), self._parse_statement)
        else:
            node = self._parse_statement()
        if not isinstance(node, SQL_NODES) or _contains_command(node):
            self.fail(self._tokens[start])
        kinds = SQL_KINDS.get(type(node))
        if kinds is not None and str(node.args.get("kind", "")).upper() not in kinds:
            self.fail(self._tokens[start + 1])
        return SqlStatement(node)

    def _ddl_end(self) -> int:
        """Index just past the DDL statement that starts here.

        sqlglot parses a ``;``-separated chunk at a time and turns CREATE/ALTER/TRUNCATE with tokens left over into
        a Command (or takes a following SELECT as CREATE TABLE AS SELECT, which T-SQL lacks).  We hand it the whole
        batch, so it gets a window instead: up to a ``;`` or the keyword that starts the next statement, at
        parenthesis depth 0."""
        first = self.word()
        stops = DDL_STOP_WORDS - ({"DROP", "SET"} if first == "ALTER" else set())
        depth = 0
        index = self._index + 1
        while index < self._tokens_size:
            token = self._tokens[index]
            if token.token_type == TokenType.L_PAREN:
                depth += 1
            elif token.token_type == TokenType.R_PAREN:
                depth -= 1
            elif depth == 0:
                if token.token_type == TokenType.SEMICOLON:
                    break
                if is_word(token) and token.text.upper() in stops:
                    break
            index += 1
        return index

    def _within(self, end: int, parse: Callable[[], T]) -> T:
        """Run ``parse`` seeing only the tokens before ``end``; the cursor carries on from where it stopped."""
        tokens, size = self._tokens, self._tokens_size
        self._tokens, self._tokens_size = tokens[:end], end
        self._advance(0)
        try:
            return parse()
        finally:
            self._tokens, self._tokens_size = tokens, size
            self._advance(0)

    def _stamp(self, parsed: Parsed, start: Token, end: Token) -> list[Statement]:
        text = self.sql[start.start : end.end + 1]
        items = parsed if isinstance(parsed, list) else [parsed]
        if isinstance(parsed, MODULE_DEFINITIONS):  # first in its batch (111): SQL Server keeps the comments before it
            return [dataclasses.replace(parsed, line=start.line, text=self.sql[: end.end + 1], offset=0)]
        return [dataclasses.replace(item, line=start.line, text=text, offset=start.start) for item in items]

    # --- cursor helpers for statement grammars --------------------------------------------------------

    def fail(self, token: Token | None = None) -> t.NoReturn:
        """Raise a syntax error at ``token`` (default: the current token, or the last one at the end)."""
        raise SyntaxAt("syntax error", token or self._curr or self._prev)

    def fail_ahead(self) -> t.NoReturn:
        """Raise a syntax error at the token after the current one (the word that picks a kind)."""
        self.fail(self._next or self._curr)

    def fail_with(self, error: SqlError) -> t.NoReturn:
        raise SyntaxAt(str(error), self._curr or self._prev, error)

    def skip_semicolons(self) -> bool:
        """Skip ``;`` tokens; True when a token remains."""
        while self._match(TokenType.SEMICOLON):
            pass
        return bool(self._curr)

    def after_semicolons(self, word: str) -> bool:
        """True when one or more ``;`` and then ``word`` follow (``IF c SELECT 1; ELSE ...``)."""
        index = self._index
        while index < self._tokens_size and self._tokens[index].token_type == TokenType.SEMICOLON:
            index += 1
        return index > self._index and self.word(index - self._index) == word

    def word(self, offset: int = 0) -> str:
        """Upper-case first word of the undelimited token ``offset`` ahead, or "" (end, string, [name])."""
        index = self._index + offset
        if index >= self._tokens_size:
            return ""
        token = self._tokens[index]
        return token.text.split()[0].upper() if is_word(token) and token.text.strip() else ""

    def at(self, *words: str) -> bool:
        return all(self.word(offset) == word for offset, word in enumerate(words))

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self._advance(len(words))
            return True
        return False

    def expect(self, *words: str) -> None:
        for word in words:
            if not self.accept(word):
                self.fail()

    def choice(self, words: Collection[str]) -> str:
        """The current word, which must be one of ``words``; consumed."""
        word = self.word()
        if word not in words:
            self.fail()
        self._advance()
        return word

    def on_off(self) -> str:
        return self.choice(ON_OFF)

    def accept_token(self, token_type: TokenType) -> bool:
        return self._match(token_type)

    def expect_token(self, token_type: TokenType) -> None:
        if not self._match(token_type):
            self.fail()

    def current(self) -> Token:
        return self._curr

    def peek(self, offset: int = 1) -> Token:
        """The token ``offset`` ahead of the current one (a false sentinel past the end)."""
        index = self._index + offset
        return self._tokens[index] if index < self._tokens_size else Token(TokenType.SENTINEL, "")

    def at_end(self) -> bool:
        """True when no operand follows: end of batch, ``;``, or a reserved word that cannot start an
        expression (so it starts the next statement or closes a block)."""
        word = self.word()
        return (
            not self._curr
            or self._curr.token_type == TokenType.SEMICOLON
            or (word in RESERVED_KEYWORDS and word not in EXPRESSION_KEYWORDS)
        )

    def expr(self) -> exp.Expression:
        """A scalar or boolean expression (sqlglot's disjunction level: no alias, no assignment)."""
        return self.required(self._parse_disjunction, exp.Expression)

    def required(self, parse: Callable[[], exp.Expr | None], kind: type[N]) -> N:
        """Run a sqlglot parse method that must give a ``kind`` node; else a syntax error where it began."""
        start = self._curr
        node = parse()
        if not isinstance(node, kind):
            self.fail(start)
        return node

    def integer(self) -> int:
        """An integer literal, optionally signed."""
        sign = -1 if self._match(TokenType.DASH) else 1
        if sign == 1:
            self._match(TokenType.PLUS)
        token = self._curr
        if token.token_type != TokenType.NUMBER or not token.text.isdigit():
            self.fail()
        self._advance()
        return sign * whole_number(token.text)

    def string(self) -> str:
        """A string literal (``'x'`` or ``N'x'``), as its content."""
        if not self._match_set((TokenType.STRING, TokenType.NATIONAL_STRING)):
            self.fail()
        return self._prev.text

    def literal(self) -> exp.Expression:
        """A string literal as a node."""
        if self._curr.token_type not in (TokenType.STRING, TokenType.NATIONAL_STRING):
            self.fail()
        return self.expression_from(self._parse_primary())

    def signed_literal(self) -> exp.Expression:
        """A constant: number (maybe signed), string or binary literal."""
        negative = self._match(TokenType.DASH)
        if not negative:
            self._match(TokenType.PLUS)
        if self._curr.token_type not in _LITERAL_TOKENS:
            self.fail()
        node = self.expression_from(self._parse_primary())
        return exp.Neg(this=node) if negative else node

    def name(self) -> str:
        """An identifier: ``[delimited]``, ``"delimited"`` or an undelimited non-reserved word."""
        token = self._curr
        if token.token_type == TokenType.IDENTIFIER or (
            is_word(token) and token.text.upper() not in RESERVED_KEYWORDS and _is_name_token(token)
        ):
            self._advance()
            return token.text
        self.fail()

    def at_name(self) -> bool:
        token = self._curr
        return token.token_type == TokenType.IDENTIFIER or (
            is_word(token) and token.text.upper() not in RESERVED_KEYWORDS and _is_name_token(token)
        )

    def dotted_name(self) -> str:
        """A multi-part name as written, brackets removed: ``master..sp_who``, ``dbo.t``."""
        parts = [self.name()]
        while self._match(TokenType.DOT):
            parts.append("" if self._curr.token_type == TokenType.DOT else self.name())
        return ".".join(parts)

    def at_variable(self) -> bool:
        """``@name`` (no space after @); ``@@name`` is a system function, not a variable."""
        token, after = self._curr, self._next
        return (
            token.token_type == TokenType.PARAMETER
            and bool(after)
            and after.token_type != TokenType.PARAMETER
            and token.end + 1 == after.start
        )

    def variable(self) -> str:
        """A variable name with its ``@``."""
        if not self.at_variable():
            self.fail()
        self._advance()
        name = self._curr
        self._advance()
        return "@" + name.text

    def variable_node(self) -> exp.Expression:
        """A variable as the sqlglot node expressions use for it (``exp.Parameter``)."""
        if not self.at_variable():
            self.fail()
        return self.expression_from(self._parse_placeholder())

    def expression_from(self, node: exp.Expr | None) -> exp.Expression:
        if not isinstance(node, exp.Expression):
            self.fail()
        return node

    def table(self) -> exp.Table:
        """A table name (one to four parts)."""
        return self.required(self._parse_table_parts, exp.Table)

    def at_type(self) -> bool:
        """True when a data type starts here (without consuming it)."""
        index = self._index
        try:
            return isinstance(self._data_type(), exp.DataType)
        except (ParseError, SyntaxAt):
            return False
        finally:
            self._retreat(index)

    def data_type(self) -> exp.DataType:
        return self.required(self._data_type, exp.DataType)

    def _data_type(self) -> exp.DataType | None:
        """A built-in type, or ``sysname`` (the one system alias type: nvarchar(128) NOT NULL)."""
        if self._curr is not None and self._curr.text.casefold() == "sysname":
            self._advance()
            return exp.DataType(this=exp.DType.USERDEFINED, kind="sysname")
        node = self._parse_types(allow_identifiers=False)
        return node if isinstance(node, exp.DataType) else None

    def schema(self) -> exp.Schema:
        return self.required(self._parse_schema, exp.Schema)

    def csv(self, item: Callable[[], T]) -> list[T]:
        """One or more ``item`` separated by commas."""
        items = [item()]
        while self._match(TokenType.COMMA):
            items.append(item())
        return items


def _is_name_token(token: Token) -> bool:
    # sqlglot gives many non-reserved words their own token types (DATE, TEXT...): a name is any
    # undelimited token that reads as a regular identifier.
    return _REGULAR_IDENTIFIER.fullmatch(token.text) is not None


_LITERAL_TOKENS: frozenset[TokenType] = frozenset(
    {TokenType.NUMBER, TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.HEX_STRING}
)
_REGULAR_IDENTIFIER = re.compile(r"[^\W\d@$][\w@$#]*")


def _sql(parser: BatchParser) -> Parsed:
    return parser.sql_statement()


def _insert(parser: BatchParser) -> Parsed:
    """INSERT with VALUES, a query or DEFAULT VALUES (sqlglot's grammar), or with EXEC: ``InsertExec``.  An INSERT
    with none of these is a syntax error at what follows it (sqlglot alone would take it as DEFAULT VALUES)."""
    statement = parser.sql_statement()
    node = statement.node
    if isinstance(node, exp.Insert) and node.expression is None and not node.args.get("default"):
        if parser.at("EXEC") or parser.at("EXECUTE"):
            return InsertExec(node, execute.parse_execute(parser))
        parser.fail()
    return statement


def _merge(parser: BatchParser) -> Parsed:
    """MERGE (sqlglot's grammar), which SQL Server requires to end with ``;`` (10713)."""
    start = parser.current()
    statement = parser.sql_statement()
    if not isinstance(statement.node, exp.Merge):
        parser.fail(start)
    if parser.current() is None or parser.current().token_type != TokenType.SEMICOLON:
        parser.fail_with(sql_error(10713, line=(parser.current() or start).line))
    return statement


def _unsupported_kind(parser: BatchParser) -> Parsed:
    """CREATE/DROP/ALTER of something Quietus does not have: the error names the kind word."""
    parser.fail_ahead()


STATEMENTS: dict[str | tuple[str, str], Handler] = {
    # Queries, DML and DDL: sqlglot's grammar.
    **dict.fromkeys(("SELECT", "WITH", "UPDATE", "DELETE", "TRUNCATE"), _sql),
    "INSERT": _insert,
    "MERGE": _merge,
    **dict.fromkeys(
        (
            ("CREATE", "TABLE"),
            ("CREATE", "INDEX"),
            ("CREATE", "UNIQUE"),
            ("CREATE", "CLUSTERED"),
            ("CREATE", "NONCLUSTERED"),
            ("DROP", "TABLE"),
            ("DROP", "INDEX"),
            ("ALTER", "TABLE"),
        ),
        _sql,
    ),
    **dict.fromkeys(("CREATE", "DROP", "ALTER"), _unsupported_kind),
    # Control of flow.
    ("BEGIN", "TRY"): control.parse_try_catch,
    ("BEGIN", "TRAN"): transactions.parse_begin,
    ("BEGIN", "TRANSACTION"): transactions.parse_begin,
    ("BEGIN", "DISTRIBUTED"): transactions.parse_begin_distributed,
    "BEGIN": control.parse_block,
    "IF": control.parse_if,
    "WHILE": control.parse_while,
    "BREAK": control.parse_break,
    "CONTINUE": control.parse_continue,
    "RETURN": control.parse_return,
    "WAITFOR": control.parse_waitfor,
    # Variables and options.
    "DECLARE": cursors.parse_declare,
    # Cursors and GOTO.
    "OPEN": cursors.parse_open,
    "FETCH": cursors.parse_fetch,
    "CLOSE": cursors.parse_close,
    "DEALLOCATE": cursors.parse_deallocate,
    "GOTO": cursors.parse_goto,
    ("CREATE", "STATISTICS"): cursors.parse_create_statistics,
    ("UPDATE", "STATISTICS"): cursors.parse_update_statistics,
    "SET": options.parse_set,
    # Messages and errors.
    "PRINT": messages.parse_print,
    "RAISERROR": messages.parse_raiserror,
    "THROW": messages.parse_throw,
    # Transactions.
    "COMMIT": transactions.parse_commit,
    "ROLLBACK": transactions.parse_rollback,
    "SAVE": transactions.parse_save,
    # Sessions.
    "KILL": sessions.parse_kill,
    ("ALTER", "SYSTEM"): sessions.parse_alter_system,
    # Procedures.
    "EXEC": execute.parse_execute,
    "EXECUTE": execute.parse_execute,
    **dict.fromkeys(
        (("CREATE", "PROCEDURE"), ("CREATE", "PROC"), ("ALTER", "PROCEDURE"), ("ALTER", "PROC")),
        modules.parse_create_procedure,
    ),
    ("CREATE", "OR"): modules.parse_create_or_alter,
    **dict.fromkeys((("CREATE", "VIEW"), ("ALTER", "VIEW")), modules.parse_create_view),
    **dict.fromkeys((("CREATE", "FUNCTION"), ("ALTER", "FUNCTION")), modules.parse_create_function),
    **dict.fromkeys((("DROP", "VIEW"), ("DROP", "FUNCTION"), ("DROP", "SYNONYM")), modules.parse_drop_module),
    ("CREATE", "SYNONYM"): modules.parse_create_synonym,
    ("DROP", "PROCEDURE"): modules.parse_drop_procedure,
    ("DROP", "PROC"): modules.parse_drop_procedure,
    # Databases, logins and permissions.
    "USE": administration.parse_use,
    "CHECKPOINT": administration.parse_checkpoint,
    "DBCC": administration.parse_dbcc,
    ("ALTER", "DATABASE"): administration.parse_alter_database,
    ("CREATE", "LOGIN"): administration.parse_create_login,
    ("ALTER", "LOGIN"): administration.parse_alter_login,
    ("DROP", "LOGIN"): administration.parse_drop_login,
    ("ALTER", "SERVER"): administration.parse_alter_server_role,
    "GRANT": administration.parse_permission,
    "REVOKE": administration.parse_permission,
    "DENY": administration.parse_permission,
}


def _contains_command(node: exp.Expr) -> bool:
    """Whether sqlglot gave up somewhere inside ``node`` (an ``exp.Command``)."""
    return any(isinstance(child, exp.Command) for child in walk(node))
