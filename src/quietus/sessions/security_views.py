"""The security catalog views: sys.server_principals, sys.sql_logins, sys.server_role_members,
sys.server_permissions, and the compatibility view sys.syslogins (one row per login: its fixed-role memberships as
0/1 columns, denylogin / hasaccess from a DENY of CONNECT SQL; the columns SQL Server documents as "internal use
only" are NULL), computed from the security tables (and the fixed roles) at each read.

Metadata visibility, as SQL Server limits it:

| caller holds          | sees                                                                                  |
|-----------------------|---------------------------------------------------------------------------------------|
| ALTER ANY LOGIN       | every row                                                                             |
| otherwise             | its own login, the fixed roles, its own memberships and permissions, those of public  |

``sys.sql_logins.password_hash`` is shown only to holders of CONTROL SERVER (NULL to the others).  A statement sees
its own transaction's uncommitted changes, as it would in SQL Server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from quietus.sessions.security import Security
from quietus.sessions.security_catalog import (
    DENY,
    GRANT,
    NOBODY,
    PERMISSION_CODES,
    PUBLIC_PRINCIPAL_ID,
    ROLE_PRINCIPALS,
    SA_PRINCIPAL_ID,
    STATE_DESC,
    Principal,
    login_sid,
)
from quietus.sql.context import ExecContext
from quietus.sql.environment import Environment, VirtualTable
from quietus.sql.types_base import BIT, CHAR, DATETIME, INT, NVARCHAR, SMALLINT, TINYINT, VARBINARY, SqlType

_NAME = NVARCHAR(128)

PRINCIPAL_COLUMNS: tuple[tuple[str, SqlType], ...] = (
    ("name", _NAME),
    ("principal_id", INT),
    ("sid", VARBINARY(85)),
    ("type", CHAR(1)),
    ("type_desc", NVARCHAR(60)),
    ("is_disabled", BIT),
    ("create_date", DATETIME),
    ("modify_date", DATETIME),
    ("default_database_name", _NAME),
    ("default_language_name", _NAME),
    ("credential_id", INT),
    ("owning_principal_id", INT),
    ("is_fixed_role", BIT),
)
SQL_LOGIN_COLUMNS: tuple[tuple[str, SqlType], ...] = (
    *PRINCIPAL_COLUMNS,
    ("is_policy_checked", BIT),
    ("is_expiration_checked", BIT),
    ("password_hash", VARBINARY(256)),
)
# sys.syslogins: the fixed server roles it shows as columns, in its order
SYSLOGINS_ROLES = (
    "sysadmin", "securityadmin", "serveradmin", "setupadmin", "processadmin", "diskadmin", "dbcreator", "bulkadmin",
)  # fmt: skip
SYSLOGINS_COLUMNS: tuple[tuple[str, SqlType], ...] = (
    ("sid", VARBINARY(85)),
    ("status", SMALLINT),
    ("createdate", DATETIME),
    ("updatedate", DATETIME),
    ("accdate", DATETIME),
    ("totcpu", INT),
    ("totio", INT),
    ("spacelimit", INT),
    ("timelimit", INT),
    ("resultlimit", INT),
    ("name", _NAME),
    ("dbname", _NAME),
    ("password", _NAME),
    ("language", _NAME),
    ("denylogin", INT),
    ("hasaccess", INT),
    ("isntname", INT),
    ("isntgroup", INT),
    ("isntuser", INT),
    *((role, INT) for role in SYSLOGINS_ROLES),
    ("loginname", _NAME),
)
ROLE_MEMBER_COLUMNS: tuple[tuple[str, SqlType], ...] = (("role_principal_id", INT), ("member_principal_id", INT))
PERMISSION_COLUMNS: tuple[tuple[str, SqlType], ...] = (
    ("class", TINYINT),
    ("class_desc", NVARCHAR(60)),
    ("major_id", INT),
    ("minor_id", INT),
    ("grantee_principal_id", INT),
    ("grantor_principal_id", INT),
    ("type", CHAR(4)),
    ("permission_name", NVARCHAR(128)),
    ("state", CHAR(1)),
    ("state_desc", NVARCHAR(60)),
)


class _Viewer:
    """What the calling session may see."""

    def __init__(self, ctx: ExecContext) -> None:
        self.security: Security = ctx.env.services["security"]
        txn = ctx.session.txn
        self.xid = NOBODY if txn is None else txn.xid
        login = ctx.session.login_name
        self.me = self.security.store.login(login, self.xid)
        self.sees_all = self.security.has_server_permission(login, "ALTER ANY LOGIN", self.xid)
        self.sees_hashes = self.security.has_server_permission(login, "CONTROL SERVER", self.xid)

    def may_see(self, principal_id: int) -> bool:
        return (
            self.sees_all
            or principal_id == PUBLIC_PRINCIPAL_ID
            or (self.me is not None and principal_id == self.me.principal_id)
        )

    def logins(self) -> Iterator[Principal]:
        for principal in self.security.store.logins_rows(self.xid):
            if self.may_see(principal.principal_id):
                yield principal


def _principal_row(principal: Principal) -> tuple[Any, ...]:
    is_role = principal.type == "R"
    return (
        principal.name,
        principal.principal_id,
        login_sid(principal.principal_id) if not is_role else bytes([principal.principal_id]),
        principal.type,
        principal.type_desc,
        principal.is_disabled,
        principal.create_date,
        principal.modify_date or principal.create_date,
        None if is_role else principal.default_database_name,
        None if is_role else "us_english",
        None,
        1 if is_role else None,
        is_role,
    )


def server_principals(ctx: ExecContext) -> Iterable[tuple[Any, ...]]:
    viewer = _Viewer(ctx)
    rows = [_principal_row(principal) for principal in viewer.logins()]
    rows.extend(_principal_row(role) for role in ROLE_PRINCIPALS)
    return sorted(rows, key=lambda row: row[1])


def sql_logins(ctx: ExecContext) -> Iterable[tuple[Any, ...]]:
    viewer = _Viewer(ctx)
    for principal in viewer.logins():
        digest = principal.password_hash if viewer.sees_hashes else None
        yield (*_principal_row(principal), False, False, digest)


def syslogins(ctx: ExecContext) -> Iterable[tuple[Any, ...]]:
    viewer = _Viewer(ctx)
    role_names = {role.principal_id: role.name for role in ROLE_PRINCIPALS}
    roles: dict[int, set[str]] = {}
    for role_id, member_id in viewer.security.store.memberships(viewer.xid):
        roles.setdefault(member_id, set()).add(role_names.get(role_id, ""))
    denied = {
        p.grantee_principal_id
        for p in viewer.security.store.permissions(viewer.xid)
        if p.permission_name == "CONNECT SQL" and p.state == DENY
    }
    for login in sorted(viewer.logins(), key=lambda principal: principal.principal_id):
        member_of = roles.get(login.principal_id, set())
        deny = int(login.principal_id in denied)
        yield (
            login_sid(login.principal_id), None, login.create_date, login.modify_date or login.create_date, None,
            None, None, None, None, None, login.name, login.default_database_name, None, "us_english",
            deny, 1 - deny, 0, 0, 0, *(int(role in member_of) for role in SYSLOGINS_ROLES), login.name,
        )  # fmt: skip


def server_role_members(ctx: ExecContext) -> Iterable[tuple[Any, ...]]:
    viewer = _Viewer(ctx)
    for role_id, member_id in sorted(viewer.security.store.memberships(viewer.xid)):
        if viewer.may_see(member_id):
            yield role_id, member_id


_PUBLIC_VIEW_ANY_DATABASE = (PUBLIC_PRINCIPAL_ID, "VIEW ANY DATABASE")


def server_permissions(ctx: ExecContext) -> Iterable[tuple[Any, ...]]:
    viewer = _Viewer(ctx)
    explicit = [
        (p.grantee_principal_id, p.permission_name, p.state, p.grantor_principal_id)
        for p in viewer.security.store.permissions(viewer.xid)
    ]
    # public's VIEW ANY DATABASE is fixed data (``FIXED_ROLES``); shown as SQL Server shows the grant
    overridden = any(row[:2] == _PUBLIC_VIEW_ANY_DATABASE for row in explicit)
    fixed = [] if overridden else [(*_PUBLIC_VIEW_ANY_DATABASE, GRANT, SA_PRINCIPAL_ID)]
    for grantee, name, state, grantor in sorted(fixed + explicit):
        if viewer.may_see(grantee):
            code = PERMISSION_CODES[name].ljust(4)
            yield 100, "SERVER", 0, 0, grantee, grantor, code, name, state, STATE_DESC[state]


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.server_principals", PRINCIPAL_COLUMNS, server_principals),
    VirtualTable("sys.sql_logins", SQL_LOGIN_COLUMNS, sql_logins),
    VirtualTable("sys.server_role_members", ROLE_MEMBER_COLUMNS, server_role_members),
    VirtualTable("sys.syslogins", SYSLOGINS_COLUMNS, syslogins),
    VirtualTable("sys.server_permissions", PERMISSION_COLUMNS, server_permissions),
)


def register(env: Environment) -> None:
    for view in VIEWS:
        env.virtual_tables[view.name.casefold()] = view
