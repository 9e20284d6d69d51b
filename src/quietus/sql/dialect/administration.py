"""Database and server grammars: USE, CHECKPOINT, ALTER DATABASE ... SET, logins, server roles, permissions.

Only the options and permissions in the tables below are accepted; any other is a syntax error at its
first word, never a statement that silently does nothing.
"""

from __future__ import annotations

import typing as t

from sqlglot.tokenizer_core import TokenType

from .statements import (
    AlterDatabaseSet,
    AlterLogin,
    AlterServerRole,
    Checkpoint,
    CreateLogin,
    Dbcc,
    DropLogin,
    GrantPermission,
    Use,
)

if t.TYPE_CHECKING:
    from .batch import BatchParser

# ALTER DATABASE ... SET options; each takes ON or OFF, with or without '='.
DATABASE_OPTIONS: frozenset[str] = frozenset(
    {"ACCELERATED_DATABASE_RECOVERY", "READ_COMMITTED_SNAPSHOT", "ALLOW_SNAPSHOT_ISOLATION"}
)

# Login options after WITH, and whether the value is a string (else a word such as ON/OFF or a name).
LOGIN_OPTIONS: dict[str, bool] = {
    "PASSWORD": True,
    "DEFAULT_DATABASE": False,
    "DEFAULT_LANGUAGE": False,
    "CHECK_POLICY": False,
    "CHECK_EXPIRATION": False,
    "NAME": False,
}

# Server-level permissions, as word sequences.
SERVER_PERMISSIONS: tuple[tuple[str, ...], ...] = (
    ("ALTER", "ANY", "CONNECTION"),
    ("ALTER", "ANY", "LOGIN"),
    ("ALTER", "ANY", "LINKED", "SERVER"),
    ("VIEW", "SERVER", "STATE"),
    ("VIEW", "ANY", "DATABASE"),
    ("CONTROL", "SERVER"),
    ("CONNECT", "SQL"),
    ("ALTER", "SYSTEM"),  # Oracle's system privilege, for ALTER SYSTEM KILL|DISCONNECT SESSION and CANCEL SQL
)

SERVER_ROLE_ACTIONS: tuple[str, ...] = ("ADD", "DROP")
PERMISSION_KINDS: tuple[str, ...] = ("GRANT", "REVOKE", "DENY")


def parse_use(p: BatchParser) -> Use:
    p.expect("USE")
    return Use(p.name())


def parse_checkpoint(p: BatchParser) -> Checkpoint:
    p.expect("CHECKPOINT")
    return Checkpoint(None if p.current().token_type != TokenType.NUMBER else p.integer())


def parse_alter_database(p: BatchParser) -> AlterDatabaseSet:
    p.expect("ALTER", "DATABASE")
    database = "CURRENT" if p.accept("CURRENT") else p.name()
    p.expect("SET")
    options = tuple(p.csv(lambda: _database_option(p)))
    termination = None
    if p.accept("WITH"):
        if p.accept("NO_WAIT"):
            termination = "NO_WAIT"
        else:
            p.expect("ROLLBACK")
            if p.accept("IMMEDIATE"):
                termination = "ROLLBACK IMMEDIATE"
            else:
                p.expect("AFTER")
                termination = f"ROLLBACK AFTER {p.integer()}"
                p.accept("SECONDS")
    return AlterDatabaseSet(database, options, termination)


def _database_option(p: BatchParser) -> tuple[str, str]:
    name = p.choice(DATABASE_OPTIONS)
    p.accept_token(TokenType.EQ)
    return name, p.on_off()


def parse_create_login(p: BatchParser) -> CreateLogin:
    p.expect("CREATE", "LOGIN")
    name = p.name()
    p.expect("WITH")
    options = dict(p.csv(lambda: _login_option(p)))
    if "PASSWORD" not in options:
        p.fail()
    password = options.pop("PASSWORD")
    return CreateLogin(name, password, tuple(options.items()))


def parse_alter_login(p: BatchParser) -> AlterLogin:
    p.expect("ALTER", "LOGIN")
    name = p.name()
    if p.accept("ENABLE"):
        return AlterLogin(name, enable=True)
    if p.accept("DISABLE"):
        return AlterLogin(name, enable=False)
    p.expect("WITH")
    return AlterLogin(name, options=tuple(p.csv(lambda: _login_option(p))))


def _login_option(p: BatchParser) -> tuple[str, str]:
    option = p.choice(LOGIN_OPTIONS)
    p.expect_token(TokenType.EQ)
    if LOGIN_OPTIONS[option]:
        return option, p.string()
    return option, (p.on_off() if p.word() in ("ON", "OFF") else p.name())


def parse_drop_login(p: BatchParser) -> DropLogin:
    p.expect("DROP", "LOGIN")
    return DropLogin(p.name())


def parse_alter_server_role(p: BatchParser) -> AlterServerRole:
    p.expect("ALTER", "SERVER", "ROLE")
    role = p.name()
    action = p.choice(SERVER_ROLE_ACTIONS)
    p.expect("MEMBER")
    return AlterServerRole(role, action, p.name())


def parse_permission(p: BatchParser) -> GrantPermission:
    kind = p.choice(PERMISSION_KINDS)
    for permission in SERVER_PERMISSIONS:
        if p.accept(*permission):
            break
    else:
        p.fail()
    if not (p.accept("TO") or (kind == "REVOKE" and p.accept("FROM"))):
        p.fail()
    return GrantPermission(kind, " ".join(permission), p.name())


def parse_dbcc(p: BatchParser) -> Dbcc:
    """``DBCC name [(expression, ...)] [WITH option [, option ...]]``."""
    p.expect("DBCC")
    command = p.name().upper()
    arguments = []
    if p.accept_token(TokenType.L_PAREN) and not p.accept_token(TokenType.R_PAREN):
        arguments.append(p.expr())
        while p.accept_token(TokenType.COMMA):
            arguments.append(p.expr())
        p.expect_token(TokenType.R_PAREN)
    options = []
    if p.accept("WITH"):
        options.append(p.name().upper())
        while p.accept_token(TokenType.COMMA):
            options.append(p.name().upper())
    return Dbcc(command, tuple(arguments), tuple(options))
