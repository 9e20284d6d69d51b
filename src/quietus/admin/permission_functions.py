"""``sys.fn_my_permissions(securable, securable_class)``: the caller's effective permissions, as SQL Server lists
them, for the classes Quietus has.

| class      | securable                | rows                                                                     |
|------------|--------------------------|--------------------------------------------------------------------------|
| SERVER     | NULL                     | every server permission the caller holds (security.has_server_permission) |
| DATABASE   | a database name or NULL  | the database permissions below: every login is the database's dbo        |
| OBJECT     | [db.][schema.]name       | the object permissions of a table or procedure that exists (dbo owns it) |
| any other  |                          | no rows                                                                  |

Quietus has no database users or object permissions yet: every login works in a database as its owner (dbo), so
the database and object rows are what dbo really has, not a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quietus.admin.columns import columns
from quietus.sessions.security_catalog import PERMISSION_CODES
from quietus.sql.context import ExecContext
from quietus.sql.environment import TableFunction
from quietus.sql.stored_procedures import find_module, split_name

FN_MY_PERMISSIONS = columns("""
entity_name sysname
subentity_name sysname
permission_name nvarchar(60)
""")

DATABASE_PERMISSIONS = (
    "CONNECT", "SELECT", "INSERT", "UPDATE", "DELETE", "EXECUTE", "REFERENCES", "CREATE TABLE", "CREATE PROCEDURE",
    "ALTER", "CONTROL", "VIEW DEFINITION", "VIEW DATABASE STATE", "SHOWPLAN",
)  # fmt: skip
TABLE_PERMISSIONS = (
    "SELECT", "UPDATE", "REFERENCES", "INSERT", "DELETE", "EXECUTE", "ALTER", "TAKE OWNERSHIP", "CONTROL",
    "VIEW DEFINITION", "VIEW CHANGE TRACKING",
)  # fmt: skip
PROCEDURE_PERMISSIONS = ("EXECUTE", "ALTER", "TAKE OWNERSHIP", "CONTROL", "VIEW DEFINITION")


def fn_my_permissions_rows(ctx: ExecContext, arguments: tuple[Any, ...]) -> Iterable[tuple[Any, ...]]:
    securable, kind = arguments
    kind = str(kind or "").strip().upper()
    if kind == "SERVER":
        security = ctx.env.services.get("security")
        login = ctx.session.login_name
        txn = ctx.session.txn
        xid = -1 if txn is None else txn.xid
        return [
            ("server", "", name)
            for name in PERMISSION_CODES
            if security is not None and security.has_server_permission(login, name, xid)
        ]
    if kind == "DATABASE":
        name = ctx.database.name if securable is None else str(securable)
        if ctx.env.database(name) is None:
            return []
        return [("database", "", permission) for permission in DATABASE_PERMISSIONS]
    if kind == "OBJECT" and securable is not None:
        written = str(securable)
        database, schema, short = split_name(written)
        if database is not None and ctx.env.database(database) is not ctx.database:
            return []
        if (schema is None or schema.casefold() == "dbo") and ctx.database.table_by_name(short) is not None:
            return [(written, "", permission) for permission in TABLE_PERMISSIONS]
        if find_module(ctx, written) is not None:
            return [(written, "", permission) for permission in PROCEDURE_PERMISSIONS]
    return []


FUNCTIONS: tuple[TableFunction, ...] = (
    TableFunction(
        "sys.fn_my_permissions",
        columns("securable sysname\nsecurable_class nvarchar(60)"),
        FN_MY_PERMISSIONS,
        fn_my_permissions_rows,
    ),
)
