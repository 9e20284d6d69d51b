"""CREATE/ALTER/DROP LOGIN, ALTER SERVER ROLE, GRANT/REVOKE/DENY of server permissions.

Each statement is a handler in ``env.statement_handlers``.  Like SQL Server's, these statements are transactional:
inside a user transaction they join it (a ROLLBACK undoes them; the rows stay X-locked until it ends); outside one
they run in a transaction of their own, committed at the end of the statement.  A failed statement leaves no
partial effect.  ``SecurityChange`` is that envelope.

Who may run them, and what the others get:

| statement                 | needs                                                             | otherwise |
|---------------------------|-------------------------------------------------------------------|-----------|
| CREATE LOGIN              | ALTER ANY LOGIN                                                   | 15247     |
| ALTER LOGIN, DROP LOGIN   | ALTER ANY LOGIN (CONTROL SERVER if the login is a sysadmin)       | 15151     |
| ALTER SERVER ROLE r …     | sysadmin; for r other than sysadmin: membership of r, or ALTER ANY LOGIN | 15151 |
| GRANT/REVOKE/DENY p       | ALTER ANY LOGIN (CONTROL SERVER to grant CONTROL SERVER)          | 4613      |
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from quietus.engine.access import RowAccess
from quietus.engine.txn.transaction import Isolation, Transaction
from quietus.errors import SqlError, sql_error
from quietus.sessions.security import Security
from quietus.sessions.security_catalog import (
    DENY,
    GRANT,
    NOBODY,
    PUBLIC_PRINCIPAL_ID,
    ROLES_BY_NAME,
    SA_PRINCIPAL_ID,
    SYSADMIN,
    Permission,
    Principal,
)
from quietus.sessions.security_passwords import hash_password
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.environment import Environment


class SecurityChange:
    """One security statement's transaction: the session's own (joined) or a new one committed at the end."""

    def __init__(self, ctx: ExecContext, verb: str) -> None:
        self.ctx = ctx
        self.security: Security = ctx.env.services["security"]
        self.verb = verb
        session = ctx.session
        txn = session.txn
        self.xid = NOBODY if txn is None else txn.xid
        self.caller = session.login_name

    def may(self, permission: str) -> bool:
        return self.security.has_server_permission(self.caller, permission, self.xid)

    def login(self, name: str) -> Principal | None:
        return self.security.store.login(name, self.xid)

    def run(self, work: Callable[[RowAccess], None]) -> None:
        ctx = self.ctx
        session = ctx.session
        master = self.security.database
        if session.doomed:
            raise sql_error(3930)
        own: Transaction | None = None
        txn = session.txn
        if txn is None:
            own = txn = master.begin(session.session_id, Isolation.READ_COMMITTED, explicit=False)
        elif master.txns.active.get(txn.xid) is not txn:
            raise sql_error(574, self.verb)  # the user transaction belongs to another database
        access = RowAccess(master, ctx.task, txn, session.lock_timeout_ms, txn.snapshot_seq)
        mark = len(txn.undo)
        try:
            work(access)
        except BaseException as error:
            if own is not None:
                master.rollback(ctx.task, own)
            elif not (isinstance(error, SqlError) and error.number == 1205):
                master.undo_to(ctx.task, txn, mark)
            raise
        if own is not None:
            master.commit(ctx.task, own)

    def hash(self, password: str) -> bytes:
        """Hash in a worker thread: the engine loop keeps serving other sessions meanwhile."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, hash_password, password)
        return self.ctx.task.wait(future, "PREEMPTIVE_OS_CRYPTOPS")


def _now() -> datetime.datetime:
    return datetime.datetime.now()


def _duplicate_as(error: SqlError, name: str) -> SqlError:
    """A concurrent creator of the same name won the race: its commit makes ours a duplicate (15025)."""
    return sql_error(15025, name) if error.number in (2627, 2601) else error


# -- logins ------------------------------------------------------------------------------------------------------


def create_login(ctx: ExecContext, statement: st.CreateLogin) -> None:
    change = SecurityChange(ctx, "CREATE LOGIN")
    if not change.may("ALTER ANY LOGIN"):
        raise sql_error(15247)
    if change.login(statement.name) is not None or statement.name.casefold() in ROLES_BY_NAME:
        raise sql_error(15025, statement.name)
    options = dict(statement.options)
    password_hash = change.hash(statement.password)
    now = _now()
    principal = Principal(
        change.security.allocate_principal_id(),
        statement.name,
        "S",
        False,
        now,
        now,
        options.get("DEFAULT_DATABASE", "master"),
        password_hash,
    )
    caller = change.login(change.caller)
    grantor = SA_PRINCIPAL_ID if caller is None else caller.principal_id

    def work(access: RowAccess) -> None:
        store = change.security.store
        try:
            store.insert_login(access, principal)
        except SqlError as error:
            raise _duplicate_as(error, statement.name) from None
        # SQL Server grants every new login CONNECT SQL; revoking or denying it keeps the login out.
        store.put_permission(access, Permission(principal.principal_id, "CONNECT SQL", GRANT, grantor), None)

    change.run(work)


def alter_login(ctx: ExecContext, statement: st.AlterLogin) -> None:
    change = SecurityChange(ctx, "ALTER LOGIN")
    target = _login_to_change(change, statement.name, "alter")
    options = dict(statement.options)
    name = options.get("NAME")
    if name is not None:
        other = change.login(name)
        if (other is not None and other.principal_id != target.principal_id) or name.casefold() in ROLES_BY_NAME:
            raise sql_error(15025, name)
    password_hash = change.hash(options["PASSWORD"]) if "PASSWORD" in options else None
    store = change.security.store

    def work(access: RowAccess) -> None:
        old = store.lock_login(access, target.principal_id)
        if old is None:  # dropped by a transaction that committed while we waited
            raise sql_error(15151, "alter", "login", statement.name)
        new = dataclasses.replace(old, modify_date=_now())
        if statement.enable is not None:
            new = dataclasses.replace(new, is_disabled=not statement.enable)
        if password_hash is not None:
            new = dataclasses.replace(new, password_hash=password_hash)
        if "DEFAULT_DATABASE" in options:
            new = dataclasses.replace(new, default_database_name=options["DEFAULT_DATABASE"])
        if name is not None:
            new = dataclasses.replace(new, name=name)
        try:
            store.update_login(access, old, new)
        except SqlError as error:
            raise _duplicate_as(error, new.name) from None

    change.run(work)


def drop_login(ctx: ExecContext, statement: st.DropLogin) -> None:
    change = SecurityChange(ctx, "DROP LOGIN")
    principal = _login_to_change(change, statement.name, "drop")
    if principal.principal_id == SA_PRINCIPAL_ID:
        raise sql_error(15405, principal.name)
    if change.security.logged_in(principal.name):
        raise sql_error(15434, principal.name)
    store = change.security.store

    def work(access: RowAccess) -> None:
        current = store.lock_login(access, principal.principal_id)
        if current is None:
            raise sql_error(15151, "drop", "login", statement.name)
        granted = [p for p in store.permissions(access.txn.xid) if p.grantor_principal_id == principal.principal_id]
        if any(p.grantee_principal_id != principal.principal_id for p in granted):
            raise sql_error(15173, principal.name)
        store.delete_login(access, current)

    change.run(work)


def _login_to_change(change: SecurityChange, name: str, verb: str) -> Principal:
    """The login an ALTER/DROP LOGIN names, if it exists and the caller may change it; else 15151."""
    principal = change.login(name)
    if principal is None or not change.may("ALTER ANY LOGIN"):
        raise sql_error(15151, verb, "login", name)
    sysadmin = SYSADMIN.principal_id in change.security.store.roles_of(principal.principal_id, change.xid)
    if sysadmin and not change.may("CONTROL SERVER"):
        raise sql_error(15151, verb, "login", name)
    return principal


# -- server roles ------------------------------------------------------------------------------------------------


def alter_server_role(ctx: ExecContext, statement: st.AlterServerRole) -> None:
    change = SecurityChange(ctx, "ALTER SERVER ROLE")
    security = change.security
    role = ROLES_BY_NAME.get(statement.role.casefold())
    if role is None or not _may_change_role(change, role.name):
        raise sql_error(15151, "alter", "server role", statement.role)
    if role.principal_id == PUBLIC_PRINCIPAL_ID:
        raise sql_error(15081)
    member = change.login(statement.member)
    if member is None:
        raise sql_error(15151, statement.action.lower(), "principal", statement.member)
    if role is SYSADMIN and member.principal_id == SA_PRINCIPAL_ID and statement.action == "DROP":
        raise sql_error(15405, member.name)
    store = security.store

    def work(access: RowAccess) -> None:
        present = store.lock_membership(access, role.principal_id, member.principal_id)
        if statement.action == "ADD" and not present:
            store.insert_member(access, role.principal_id, member.principal_id)
        elif statement.action == "DROP" and present:
            store.delete_member(access, role.principal_id, member.principal_id)

    change.run(work)


def _may_change_role(change: SecurityChange, role: str) -> bool:
    if change.security.is_member(change.caller, "sysadmin", change.xid):
        return True
    if role == "sysadmin":
        return False
    return change.security.is_member(change.caller, role, change.xid) or change.may("ALTER ANY LOGIN")


# -- permissions -------------------------------------------------------------------------------------------------


def grant_permission(ctx: ExecContext, statement: st.GrantPermission) -> None:
    change = SecurityChange(ctx, statement.kind)
    security = change.security
    permission = statement.permission
    needed = "CONTROL SERVER" if permission == "CONTROL SERVER" else "ALTER ANY LOGIN"
    if not change.may(needed):
        raise sql_error(4613)
    grantee = security.principal(statement.principal, change.xid)
    if grantee is None:
        raise sql_error(15151, "find", "login", statement.principal)
    if grantee.type == "R" and grantee.principal_id != PUBLIC_PRINCIPAL_ID:
        raise sql_error(4617)
    if grantee.principal_id == SA_PRINCIPAL_ID or grantee.name.casefold() == change.caller.casefold():
        raise sql_error(4624)
    caller = change.login(change.caller)
    grantor = SA_PRINCIPAL_ID if caller is None else caller.principal_id
    store = security.store
    state = {"GRANT": GRANT, "DENY": DENY}.get(statement.kind)  # None: REVOKE

    def work(access: RowAccess) -> None:
        old = store.lock_permission(access, grantee.principal_id, permission)
        if state is None:
            if old is not None:
                store.delete_permission(access, old)
            return
        new = Permission(grantee.principal_id, permission, state, grantor)
        if old != new:
            store.put_permission(access, new, old)

    change.run(work)


HANDLERS: dict[type, Callable[[ExecContext, Any], None]] = {
    st.CreateLogin: create_login,
    st.AlterLogin: alter_login,
    st.DropLogin: drop_login,
    st.AlterServerRole: alter_server_role,
    st.GrantPermission: grant_permission,
}


def register(env: Environment) -> None:
    env.statement_handlers.update(HANDLERS)
