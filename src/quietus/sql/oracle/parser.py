"""One Oracle request's text → one statement, or the ORA syntax error Oracle gives.

Oracle runs one statement per call, so the text must be exactly one statement:

* A ``;`` anywhere outside a string (``select 1 from dual;``) is ORA-00911 "invalid character", which is what
  Oracle's call interface gives for the trailing semicolon SQL*Plus users type by habit (SQL*Plus strips it;
  drivers send it).
* The first words pick a grammar from ``STATEMENTS`` (the pair before the single word); an unknown first word
  is ORA-00900 "invalid SQL statement", a CREATE/DROP/ALTER of an unknown kind ORA-00901/00950/00940, and a
  statement Oracle has but Quietus does not (MERGE, LOCK TABLE, EXPLAIN PLAN, CREATE VIEW ...) ORA-03001
  "unimplemented feature".
* Queries, DML and DDL are parsed by sqlglot's Oracle dialect (``dialect.py``) and normalised
  (``normalise.py``).  sqlglot's failures become Oracle's: a missing ``)`` ORA-00907, a missing operand
  ORA-00936, tokens after a complete statement ORA-00933, an open quote ORA-01756.
* ``ALTER SYSTEM KILL|DISCONNECT SESSION`` and ``CANCEL SQL`` are parsed by the shared grammar in
  ``quietus.sql.dialect`` (the same statement objects the T-SQL side builds); users and ``GRANT ALTER SYSTEM``
  become the login and permission statements.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

from quietus.errors import SqlError
from quietus.sql.dialect import parse_batch
from quietus.sql.dialect import statements as st
from quietus.sql.oracle.dialect import DIALECT
from quietus.sql.oracle.errors import ora
from quietus.sql.oracle.normalise import normalise
from quietus.sql.oracle.quoting import expand_q_quotes


@dataclass(frozen=True, slots=True)
class OracleSql(st.Statement):
    """A query, DML or DDL statement, normalised for the shared planner.

    ``binds``: the bind names it uses (upper-case, no colon) in order of first appearance; ``lock_wait``:
    for ``SELECT ... FOR UPDATE``, None (wait), 0 (NOWAIT) or seconds (WAIT n); ``for_update`` says whether
    the statement locks rows for a transaction (DML and FOR UPDATE)."""

    node: exp.Expr
    binds: tuple[str, ...] = ()
    for_update: bool = False
    lock_wait: int | None = None
    lock_target: exp.Expr | None = None  # SELECT ... FOR UPDATE of one table: the rows to lock (normalise.py)


@dataclass(frozen=True, slots=True)
class AlterSession(st.Statement):
    """``ALTER SESSION SET name = value [name = value ...]`` (names upper-cased; values as written)."""

    parameters: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SetTransaction(st.Statement):
    """``SET TRANSACTION READ WRITE`` / ``ISOLATION LEVEL READ COMMITTED`` (the defaults; the others are refused)."""

    mode: str


@dataclass(frozen=True, slots=True)
class ForceTransaction(st.Statement):
    """``COMMIT FORCE 'id'`` (``commit``) or ``ROLLBACK FORCE 'id'``: decide an in-doubt distributed transaction."""

    tran_id: str
    commit: bool


@dataclass(frozen=True, slots=True)
class SetCurrentSchema(st.Statement):
    """``ALTER SESSION SET CURRENT_SCHEMA = name``: the schema unqualified names are read in (a user's name)."""

    schema: str


Tokens = list[Token]
Grammar = Callable[[str, Tokens], st.Statement]


def parse_statement(text: str) -> st.Statement:
    """The one statement in ``text``; raises the ORA syntax error (a ``SqlError``) otherwise."""
    text = expand_q_quotes(text)
    try:
        tokens = DIALECT.tokenize(text)
    except TokenError:
        raise ora("ORA-01756") from None
    if not tokens:
        raise ora("ORA-00900")
    words = [token.text.upper() for token in tokens[:2]]
    grammar = STATEMENTS.get(tuple(words)) or STATEMENTS.get((words[0],))
    if grammar is None:
        raise ora("ORA-00900")
    if isinstance(grammar, Refusal):  # before the ';' test: PL/SQL and CREATE PROCEDURE contain them
        raise ora(grammar.code)
    if any(token.token_type is TokenType.SEMICOLON for token in tokens):
        raise ora("ORA-00911")
    return grammar(text, tokens)


@lru_cache(maxsize=1024)
def parse_statement_cached(text: str) -> st.Statement:
    return parse_statement(text)


def bind_names(text: str) -> tuple[str, ...]:
    """The bind names ``text`` uses, in order of first appearance (for binding a sequence by position)."""
    statement = parse_statement_cached(text)
    return statement.binds if isinstance(statement, OracleSql) else ()


# --- queries, DML and DDL -------------------------------------------------------------------------------


def _sqlglot(text: str, tokens: Tokens) -> st.Statement:
    try:
        trees = DIALECT.parser().parse(tokens, text)
    except ParseError as error:
        raise _syntax_error(error) from None
    present = [tree for tree in trees if tree is not None]
    if len(present) != 1:
        raise ora("ORA-00933")
    tree = present[0]
    if isinstance(tree, exp.Command) or any(isinstance(node, exp.Command) for node in tree.walk()):
        raise ora("ORA-03001")  # a form of a known statement that sqlglot (and so Quietus) does not take
    normalised = normalise(tree)
    return OracleSql(
        normalised.node,
        _binds(tokens),
        normalised.for_update,
        normalised.lock_wait,
        normalised.lock_target,
        text=text,
        line=1,
    )


def _binds(tokens: Tokens) -> tuple[str, ...]:
    """Bind names (``:name``, ``:1``) in order of first appearance, upper-cased."""
    names: list[str] = []
    for colon, token in itertools.pairwise(tokens):
        if colon.token_type is TokenType.COLON and colon.end + 1 == token.start:
            name = token.text if token.token_type is TokenType.IDENTIFIER else token.text.upper()
            if name not in names:
                names.append(name)
    return tuple(names)


# sqlglot's error descriptions → Oracle's syntax errors.
_PARSE_ERRORS: tuple[tuple[str, str], ...] = (
    ("Expecting )", "ORA-00907"),
    ("Required keyword", "ORA-00936"),
    ("Expected table name", "ORA-00903"),
    ("Invalid expression / Unexpected token", "ORA-00933"),
)


def _syntax_error(error: ParseError) -> SqlError:
    description = str(error.errors[0].get("description", "")) if error.errors else str(error)
    for start, code in _PARSE_ERRORS:
        if description.startswith(start):
            return ora(code)
    return ora("ORA-00900")


# --- transactions ---------------------------------------------------------------------------------------


def _words(tokens: Tokens) -> list[str]:
    return [token.text.upper() if token.token_type is not TokenType.IDENTIFIER else token.text for token in tokens]


def _commit(text: str, tokens: Tokens) -> st.Statement:
    words = _words(tokens)
    rest = tokens[2:] if len(words) > 1 and words[1] == "WORK" else tokens[1:]
    if rest and rest[0].text.upper() == "FORCE":
        return _force(text, rest[1:], commit=True)
    if words not in (["COMMIT"], ["COMMIT", "WORK"]):
        raise ora("ORA-03001" if len(words) > 1 and words[1] in ("COMMENT", "WRITE") else "ORA-00933")
    return st.CommitTransaction(None, text=text, line=1)


def _rollback(text: str, tokens: Tokens) -> st.Statement:
    words = _words(tokens)
    rest = tokens[2:] if len(words) > 1 and words[1] == "WORK" else tokens[1:]
    if words and len(words) > 1 and words[1] == "WORK":
        words = [words[0], *words[2:]]
    if words == ["ROLLBACK"]:
        return st.RollbackTransaction(None, text=text, line=1)
    if len(words) in (3, 4) and words[1] == "TO" and (len(words) == 3 or words[2] == "SAVEPOINT"):
        return st.RollbackTransaction(_identifier(tokens[-1]), text=text, line=1)
    if rest and rest[0].text.upper() == "FORCE":
        return _force(text, rest[1:], commit=False)
    raise ora("ORA-00933")


def _force(text: str, tokens: Tokens, *, commit: bool) -> st.Statement:
    """``COMMIT [WORK] FORCE 'id'`` / ``ROLLBACK [WORK] FORCE 'id'``: an in-doubt transaction named by its local or
    global transaction id.  COMMIT FORCE's ``, scn`` (a commit SCN Quietus has none of) is ORA-03001."""
    if not tokens or tokens[0].token_type is not TokenType.STRING:
        raise ora("ORA-00933")
    if len(tokens) > 1:
        raise ora("ORA-03001" if commit and tokens[1].token_type is TokenType.COMMA else "ORA-00933")
    return ForceTransaction(tokens[0].text, commit, text=text, line=1)


def _savepoint(text: str, tokens: Tokens) -> st.Statement:
    if len(tokens) != 2:
        raise ora("ORA-00933")
    return st.SaveTransaction(_identifier(tokens[1]), text=text, line=1)


def _alter_session(text: str, tokens: Tokens) -> st.Statement:
    """``ALTER SESSION SET name = value ...``; ``SET CURRENT_SCHEMA = name`` alone (what python-oracledb's
    ``connection.current_schema`` sends) is a statement of its own, since it names a user."""
    if _words(tokens[2:4]) == ["SET", "CURRENT_SCHEMA"] and len(tokens) == 6:
        if tokens[4].token_type is not TokenType.EQ:
            raise ora("ORA-00922")
        return SetCurrentSchema(_identifier(tokens[5]), text=text, line=1)
    if len(tokens) < 6 or tokens[2].text.upper() != "SET" or (len(tokens) - 3) % 3:
        raise ora("ORA-00922")
    parameters: list[tuple[str, str]] = []
    for position in range(3, len(tokens), 3):
        name, equals, value = tokens[position : position + 3]
        if equals.token_type is not TokenType.EQ:
            raise ora("ORA-00922")
        parameters.append((name.text.upper(), value.text))
    return AlterSession(tuple(parameters), text=text, line=1)


def _set_transaction(text: str, tokens: Tokens) -> st.Statement:
    mode = " ".join(_words(tokens[2:]))
    if mode not in SET_TRANSACTION_MODES:
        raise ora("ORA-03001")
    return SetTransaction(mode, text=text, line=1)




# The SET TRANSACTION forms Quietus runs: both are what an Oracle transaction already is here.
SET_TRANSACTION_MODES = frozenset({"READ WRITE", "ISOLATION LEVEL READ COMMITTED"})


def _identifier(token: Token) -> str:
    """An Oracle name: upper-cased unless quoted."""
    if token.token_type is TokenType.IDENTIFIER:
        return token.text
    if token.token_type not in (TokenType.VAR, *DIALECT.parser_class.ID_VAR_TOKENS):
        raise ora("ORA-00933")
    return token.text.upper()


# --- administration -------------------------------------------------------------------------------------


def _alter_system(text: str, tokens: Tokens) -> st.Statement:
    """KILL SESSION, DISCONNECT SESSION, CANCEL SQL: the shared grammar's statement objects."""
    try:
        statements = parse_batch(text)
    except SqlError:
        raise ora("ORA-02065") from None
    if len(statements) != 1:
        raise ora("ORA-02065")
    return statements[0]


def _user_name(tokens: Tokens, position: int) -> str:
    if position >= len(tokens):
        raise ora("ORA-00922")
    return _identifier(tokens[position])


def _password(tokens: Tokens, position: int) -> str:
    """``IDENTIFIED BY p``: the password as typed (Oracle passwords are case-sensitive, quoted or not)."""
    words = _words(tokens[position : position + 2])
    if words != ["IDENTIFIED", "BY"] or len(tokens) != position + 3:
        raise ora("ORA-00922")
    return tokens[position + 2].text


def _create_user(text: str, tokens: Tokens) -> st.Statement:
    return st.CreateLogin(_user_name(tokens, 2), _password(tokens, 3), text=text, line=1)


def _alter_user(text: str, tokens: Tokens) -> st.Statement:
    name = _user_name(tokens, 2)
    words = _words(tokens[3:])
    if words in (["ACCOUNT", "LOCK"], ["ACCOUNT", "UNLOCK"]):
        return st.AlterLogin(name, enable=words[1] == "UNLOCK", text=text, line=1)
    return st.AlterLogin(name, options=(("PASSWORD", _password(tokens, 3)),), text=text, line=1)


def _drop_user(text: str, tokens: Tokens) -> st.Statement:
    if len(tokens) != 3:
        raise ora("ORA-03001" if len(tokens) == 4 and tokens[3].text.upper() == "CASCADE" else "ORA-00933")
    return st.DropLogin(_user_name(tokens, 2), text=text, line=1)


# Oracle's system privileges Quietus has, as the server permission each one is.
SYSTEM_PRIVILEGES: dict[tuple[str, ...], str] = {
    ("ALTER", "SYSTEM"): "ALTER SYSTEM",
    ("FORCE", "TRANSACTION"): "FORCE TRANSACTION",
    ("FORCE", "ANY", "TRANSACTION"): "FORCE ANY TRANSACTION",
}


def _privilege(kind: str, preposition: str) -> Grammar:
    def parse(text: str, tokens: Tokens) -> st.Statement:
        words = _words(tokens)
        try:
            split = words.index(preposition)
        except ValueError:
            raise ora("ORA-00990") from None
        permission = SYSTEM_PRIVILEGES.get(tuple(words[1:split]))
        if permission is None:
            raise ora("ORA-00990")
        if len(tokens) != split + 2:
            raise ora("ORA-00933")
        return st.GrantPermission(kind, permission, _identifier(tokens[split + 1]), text=text, line=1)

    return parse


@dataclass(frozen=True, slots=True)
class Refusal:
    """A statement kind answered with an error whatever follows (``code``: the ORA error)."""

    code: str

    def __call__(self, text: str, tokens: Tokens) -> st.Statement:
        raise ora(self.code)


def _refuse(code: str) -> Grammar:
    return Refusal(code)


# First word(s) → grammar.  Pairs are looked up before single words.
STATEMENTS: dict[tuple[str, ...], Grammar] = {
    ("SELECT",): _sqlglot,
    ("WITH",): _sqlglot,
    ("(",): _sqlglot,
    ("INSERT",): _sqlglot,
    ("UPDATE",): _sqlglot,
    ("DELETE",): _sqlglot,
    ("CREATE", "TABLE"): _sqlglot,
    ("CREATE", "INDEX"): _sqlglot,
    ("CREATE", "UNIQUE"): _sqlglot,
    ("CREATE", "USER"): _create_user,
    ("CREATE",): _refuse("ORA-00901"),
    ("DROP", "TABLE"): _sqlglot,
    ("DROP", "INDEX"): _refuse("ORA-03001"),  # Oracle's DROP INDEX names no table; the engine needs one
    ("DROP", "USER"): _drop_user,
    ("DROP",): _refuse("ORA-00950"),
    ("ALTER", "TABLE"): _sqlglot,
    ("ALTER", "USER"): _alter_user,
    ("ALTER", "SYSTEM"): _alter_system,
    ("ALTER", "SESSION"): _alter_session,
    ("ALTER",): _refuse("ORA-00940"),
    ("TRUNCATE", "TABLE"): _sqlglot,
    ("COMMIT",): _commit,
    ("ROLLBACK",): _rollback,
    ("SAVEPOINT",): _savepoint,
    ("SET", "TRANSACTION"): _set_transaction,
    ("GRANT",): _privilege("GRANT", "TO"),
    ("REVOKE",): _privilege("REVOKE", "FROM"),
}

# Statements Oracle has and Quietus does not: "ORA-03001: unimplemented feature", never a half-run statement.
UNIMPLEMENTED_WORDS = ("MERGE", "LOCK", "EXPLAIN", "CALL", "BEGIN", "DECLARE", "COMMENT", "ANALYZE", "AUDIT",
                       "FLASHBACK", "PURGE", "RENAME", "NOAUDIT", "ASSOCIATE", "DISASSOCIATE")  # fmt: skip
UNIMPLEMENTED_KINDS = ("VIEW", "SEQUENCE", "PROCEDURE", "FUNCTION", "PACKAGE", "TRIGGER", "SYNONYM", "TYPE", "ROLE",
                       "PROFILE", "TABLESPACE", "MATERIALIZED", "OR", "DATABASE", "GLOBAL", "PRIVATE",
                       "BITMAP", "EDITIONABLE", "CLUSTER", "CONTEXT", "DIRECTORY", "LIBRARY")  # fmt: skip
STATEMENTS.update({(word,): _refuse("ORA-03001") for word in UNIMPLEMENTED_WORDS})
STATEMENTS.update(
    {(verb, kind): _refuse("ORA-03001") for verb in ("CREATE", "DROP", "ALTER") for kind in UNIMPLEMENTED_KINDS}
)
