"""Security: who may connect (logins, passwords) and what a login may do (fixed server roles, server permissions).

``install(instance)`` opens or creates the security tables in master (``security_catalog``), makes ``sa`` on the
first start, and attaches a ``Security`` as ``instance.security`` and ``env.services["security"]``; it registers the
statement handlers (``security_statements``) and the catalog views (``security_views``).

Permission resolution (``Security.has_server_permission``), for a login L and a permission P:

| step | rule                                                                                   | answer |
|------|----------------------------------------------------------------------------------------|--------|
| 1    | L is not a login                                                                       | no     |
| 2    | L is a member of sysadmin (DENY does not apply to sysadmin)                            | yes    |
| 3    | a DENY of P, or of a permission covering P, to L or to public                          | no     |
| 4    | a GRANT of P or of a covering permission to L or to public                             | yes    |
| 5    | a fixed role of L (public included) implies P or a covering permission                 | yes    |
| 6    | otherwise                                                                              | no     |

Covering (``COVERED_BY``): CONTROL SERVER covers every server permission; ALTER SERVER STATE covers VIEW SERVER
STATE, so processadmin (granted ALTER ANY CONNECTION and ALTER SERVER STATE) may view server state, as in SQL Server.

Invariants:

1. Every answer is computed from the committed rows of the tables (plus, for a statement, its own transaction's
   uncommitted rows): there is no cache to go stale, and a rolled-back change was never visible to anyone else.
2. A failed login reveals nothing to the client: the caller sends 18456 state 1 whatever the reason; the reason and
   the real state are for the error log only (``LoginResult``).
3. ``sa`` (principal 1) always exists and is always a member of sysadmin; it may be disabled or renamed.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from dataclasses import dataclass
from typing import Any

from quietus.engine.access import RowAccess
from quietus.engine.database import Database
from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import Isolation
from quietus.sessions.login_cache import VerifiedLogins
from quietus.sessions.login_hashing import LoginHashing, LoginQueueFull
from quietus.sessions.security_catalog import (
    COVERED_BY,
    DENY,
    GRANT,
    NOBODY,
    PUBLIC_PRINCIPAL_ID,
    ROLE_PRINCIPALS,
    ROLES_BY_ID,
    ROLES_BY_NAME,
    SA_PRINCIPAL_ID,
    SYSADMIN,
    Permission,
    Principal,
    SecurityStore,
    login_sid,
)
from quietus.sessions.security_passwords import hash_password, verify_password

log = logging.getLogger("quietus.security")

SA_LOGIN = "sa"


class SaPasswordRequired(Exception):
    """A server's first start on a new data directory without a password for ``sa``: the server refuses to start."""


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome of a login attempt.  The client always gets 18456 state 1 (``Login failed for user '%s'.``);
    ``number``, ``state`` and ``reason`` are what SQL Server writes to its error log."""

    principal: Principal | None
    number: int = 0  # 18456, or 18470 for a disabled login whose password matched
    state: int = 0
    reason: str = ""

    @property
    def succeeded(self) -> bool:
        return self.principal is not None


# Why a login failed: (error-log number, state, reason) as SQL Server logs them.
UNKNOWN_LOGIN = (18456, 5, "Could not find a login matching the name provided.")
WRONG_PASSWORD = (18456, 8, "Password did not match that for the login provided.")
DISABLED_WRONG_PASSWORD = (18456, 7, "Login is disabled.")
DISABLED = (18470, 1, "The account is disabled.")
LOGIN_QUEUE_FULL = (18456, 1, "The server is busy checking other logins' passwords; try again.")
NO_CONNECT_SQL = (18456, 12, "Login-based server access validation failed: the login lacks CONNECT SQL permission.")


class Security:
    def __init__(self, store: SecurityStore, registry: Any = None) -> None:
        self.store = store
        self.registry = registry  # the session registry: who is logged in (DROP LOGIN refuses 15434)
        self._next_principal_id = store.max_principal_id() + 1
        self.hashing = LoginHashing()  # password checks: a bounded pool of worker threads, a bounded queue
        self.verified = VerifiedLogins()  # passwords verified lately: a reconnecting client skips argon2id

    @property
    def database(self) -> Database:
        return self.store.db

    # -- logins ----------------------------------------------------------------------------------------------

    def principal(self, name: str, xid: int = NOBODY) -> Principal | None:
        """The login called ``name`` (case-insensitive), or the fixed server role of that name."""
        login = self.store.login(name, xid)
        if login is not None:
            return login
        role = ROLES_BY_NAME.get(name.casefold())
        return None if role is None else Principal(role.principal_id, role.name, "R")

    def authenticate(self, login: str, password: str) -> Principal | None:
        """The login, if ``password`` is its password and it may connect; else None (send 18456, close)."""
        return self.check_login(login, password).principal

    def check_login(self, login: str, password: str) -> LoginResult:
        """As ``authenticate`` with the reason for the error log.  Verifies in the calling thread (~50 ms)."""
        principal = self.store.login(login)
        stored = None if principal is None else principal.password_hash
        matched = self.verified.matches(login, stored, password) or verify_password(stored, password)
        self._remember(login, stored, password, matched)
        return self._login_result(login, principal, matched)

    async def login(self, login: str, password: str) -> LoginResult:
        """``check_login`` for the engine loop: the hash is verified by ``LoginHashing`` (a bounded pool of
        worker threads), so other sessions run on; refused at once when too many logins already wait."""
        principal = self.store.login(login)
        stored = None if principal is None else principal.password_hash
        if self.verified.matches(login, stored, password):
            return self._login_result(login, principal, True)
        try:
            matched = await self.hashing.verify(stored, password)
        except LoginQueueFull:
            return LoginResult(None, *LOGIN_QUEUE_FULL)
        self._remember(login, stored, password, matched)
        return self._login_result(login, self.store.login(login), matched and principal is not None)

    def _remember(self, login: str, stored: bytes | None, password: str, matched: bool) -> None:
        if matched and stored is not None:
            self.verified.remember(login, stored, password)

    def _login_result(self, login: str, principal: Principal | None, matched: bool) -> LoginResult:
        if principal is None:
            return LoginResult(None, *UNKNOWN_LOGIN)
        if principal.is_disabled:
            return LoginResult(None, *(DISABLED if matched else DISABLED_WRONG_PASSWORD))
        if not matched:
            return LoginResult(None, *WRONG_PASSWORD)
        if not self.has_server_permission(principal.name, "CONNECT SQL"):
            return LoginResult(None, *NO_CONNECT_SQL)
        return LoginResult(principal)

    def sa_has_password(self) -> bool:
        sa = self.store.login_by_id(SA_PRINCIPAL_ID)
        return sa is not None and sa.password_hash is not None

    def logged_in(self, login: str) -> bool:
        """Whether a user session of ``login`` is connected."""
        folded = login.casefold()
        return any(
            session.is_user_process and session.login_name.casefold() == folded for session in self.registry or ()
        )

    def allocate_principal_id(self) -> int:
        """A new login's id; ids are never reused, not even those of logins whose creation rolled back."""
        principal_id = self._next_principal_id
        self._next_principal_id += 1
        return principal_id

    # -- roles and permissions -------------------------------------------------------------------------------

    def roles(self, login: str, xid: int = NOBODY) -> set[int] | None:
        """Ids of the fixed roles ``login`` belongs to (public included); None when it is not a login."""
        principal = self.store.login(login, xid)
        if principal is None:
            return None
        return self.store.roles_of(principal.principal_id, xid) | {PUBLIC_PRINCIPAL_ID}

    def is_member(self, login: str, role: str, xid: int = NOBODY) -> bool:
        """IS_SRVROLEMEMBER for a known role: direct membership (every login is in public)."""
        fixed = ROLES_BY_NAME.get(role.casefold())
        roles = self.roles(login, xid)
        return fixed is not None and roles is not None and fixed.principal_id in roles

    def has_server_permission(self, login: str, permission: str, xid: int = NOBODY) -> bool:
        """Whether ``login`` holds the server permission (see the resolution table at the top of this module)."""
        permission = permission.upper()
        if permission not in COVERED_BY:
            return False
        principal = self.store.login(login, xid)
        if principal is None:
            return False
        roles = self.store.roles_of(principal.principal_id, xid) | {PUBLIC_PRINCIPAL_ID}
        if SYSADMIN.principal_id in roles:  # step 2: before any DENY is looked at
            return True
        chain = _covering_chain(permission)
        grantees = {principal.principal_id, PUBLIC_PRINCIPAL_ID}
        states = {
            p.state
            for p in self.store.permissions(xid)
            if p.grantee_principal_id in grantees and p.permission_name in chain
        }
        if DENY in states:
            return False
        if GRANT in states:
            return True
        return any(set(ROLES_BY_ID[role_id].permissions) & chain for role_id in roles)

    # -- the T-SQL functions ---------------------------------------------------------------------------------

    def srvrolemember(self, caller: str, role: str, login: str | None = None) -> int | None:
        """IS_SRVROLEMEMBER(role [, login]): 1, 0, or NULL when the role or login is unknown (or the caller may not
        see another login's memberships: that needs ALTER ANY LOGIN)."""
        if role.casefold() not in ROLES_BY_NAME:
            return None
        target = caller if login is None else login
        if self.store.login(target) is None:
            return None
        if target.casefold() != caller.casefold() and not self.has_server_permission(caller, "ALTER ANY LOGIN"):
            return None
        return int(self.is_member(target, role))

    def suser_sname(self, caller: str, sid: bytes) -> str | None:
        """SUSER_SNAME(sid): the login (or fixed server role) whose SID ``sid`` is, as sys.server_principals shows
        it; NULL for a SID no principal has, or one the caller may not see (it needs ALTER ANY LOGIN for others)."""
        sid = bytes(sid)
        for role in ROLE_PRINCIPALS:
            if sid == bytes([role.principal_id]):
                return role.name
        for login in self.store.logins_rows():
            if login_sid(login.principal_id) == sid:
                mine = login.name.casefold() == caller.casefold()
                return login.name if mine or self.has_server_permission(caller, "ALTER ANY LOGIN") else None
        return None

    def has_perms_by_name(self, caller: str, securable: Any, securable_class: Any, permission: str) -> int | None:
        """HAS_PERMS_BY_NAME(NULL, NULL, 'server permission'): 1/0 for the caller; NULL for anything else."""
        if securable is not None or (securable_class is not None and str(securable_class).upper() != "SERVER"):
            return None
        if permission.upper() not in COVERED_BY:
            return None
        return int(self.has_server_permission(caller, permission))


def _covering_chain(permission: str) -> set[str]:
    chain: set[str] = set()
    current: str | None = permission
    while current is not None:
        chain.add(current)
        current = COVERED_BY[current]
    return chain


# -- installation ------------------------------------------------------------------------------------------------


def install(instance: Any) -> Security:
    """Open (or on the first start create) the security catalog of ``instance`` and attach ``Security``.

    Runs on the engine loop during ``Instance.start`` (synchronously).  First start: ``sa`` gets
    ``instance.sa_password``; without one, ``sa`` has no usable password (embedded and in-memory instances, whose
    sessions are trusted in-process callers), unless ``instance.require_sa_password`` is true: then
    ``SaPasswordRequired`` is raised before anything is written.  Later starts ignore both.

    The first start's transaction commits in the background (its log record must become durable, which needs a
    task); until it has, the store treats that transaction's rows as committed (``SecurityStore.pending_xid``).  A
    crash before it is durable leaves a directory that the next start initialises again."""
    from quietus.sessions import security_statements, security_views

    master: Database = instance.master
    store = SecurityStore.open(master)
    if store is None:
        password: str | None = getattr(instance, "sa_password", None)
        if password is None and getattr(instance, "require_sa_password", False):
            raise SaPasswordRequired(
                "a new data directory needs a password for sa: set QUIETUS_SA_PASSWORD or pass --sa-password"
            )
        store = _initialise(master, None if password is None else hash_password(password))
    security = Security(store, instance.registry)
    instance.security = security
    env = instance.env
    env.services["security"] = security
    security_statements.register(env)
    security_views.register(env)
    return security


def _initialise(master: Database, sa_hash: bytes | None) -> SecurityStore:
    """Create the tables and ``sa`` (sysadmin, CONNECT SQL) in one transaction; see ``install`` for its commit."""
    loop = asyncio.get_running_loop()
    task = Task(loop)  # nothing here can wait: the tables are new, so every lock is granted at once
    txn = master.begin(0, Isolation.READ_COMMITTED, explicit=False)
    store = SecurityStore.create(master, txn)
    access = RowAccess(master, task, txn)
    now = datetime.datetime.now()
    store.insert_login(access, Principal(SA_PRINCIPAL_ID, SA_LOGIN, "S", False, now, now, "master", sa_hash))
    store.insert_member(access, SYSADMIN.principal_id, SA_PRINCIPAL_ID)
    store.put_permission(access, Permission(SA_PRINCIPAL_ID, "CONNECT SQL", GRANT, SA_PRINCIPAL_ID), None)
    if master.wal is None:
        master.commit(task, txn)  # in memory: nothing to wait for
        return store
    store.pending_xid = txn.xid

    async def commit() -> None:
        try:
            await task.run(master.commit, task, txn)
        except Exception:
            log.exception("the security catalog of %s could not be committed", master.name)
            return
        store.pending_xid = None
        log.info("security catalog created in %s; sa %s", master.name, "has a password" if sa_hash else "has none")

    store.initialised = loop.create_task(commit())
    return store
