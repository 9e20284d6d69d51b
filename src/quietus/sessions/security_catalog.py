"""Server principals, role memberships and server permissions: the fixed data and the tables that persist the rest.

What is fixed (never stored, the same in every instance, as in SQL Server):

* the fixed server roles and their principal ids (``FIXED_ROLES``), with the permissions each implies;
* the server permissions this server knows, their four-letter codes (``sys.server_permissions.type``) and the
  permission that covers each (``COVERED_BY``; CONTROL SERVER covers everything).

What is stored, in three tables of the master database (schema ``sys``, SQL Server's own names for its hidden base
tables, see docs/design/security.md):

| table               | key                                       | one row per                         |
|---------------------|-------------------------------------------|-------------------------------------|
| ``sysxlgns``        | principal_id (name unique)                | SQL login (``sa`` is principal 1)   |
| ``syssrvrolemembers`` | (role_principal_id, member_principal_id) | membership of a login in a fixed role |
| ``syssrvprivs``     | (grantee_principal_id, type)              | GRANT or DENY of a server permission |

Invariants:

1. The tables are written only through ``SecurityStore`` inside a transaction of the master database, so every
   change is atomic, undone with its transaction, and durable through the log like any other row.  The redo record
   carries the password *hash* (the column value), never the password.
2. The tables are hidden: they are in schema ``sys``, which the engine never resolves by name, so no user statement can
   read, write, alter or drop them; the catalog views (``security_views``) are the only way to see them.
3. Readers see the committed rows, plus the uncommitted rows of the transaction they name (``xid``); they take no
   locks (the tables are tiny and changes are rare; writers take X key locks through ``RowAccess``).
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from quietus.engine.access import RowAccess
from quietus.engine.database import Database
from quietus.engine.locks import LockMode
from quietus.engine.storage.schema import ColumnDef, IndexDef, TableDef
from quietus.engine.storage.table import Table
from quietus.engine.storage.version import Version
from quietus.engine.txn.transaction import Transaction

NOBODY = -1  # an xid no transaction has: read committed rows only

SA_PRINCIPAL_ID = 1
PUBLIC_PRINCIPAL_ID = 2
FIRST_LOGIN_PRINCIPAL_ID = 256  # SQL Server numbers the logins it does not create itself from about here
SA_SID = b"\x01"  # sa's SID in every SQL Server (sp_Blitz compares owners with SUSER_SNAME(0x01))


def login_sid(principal_id: int) -> bytes:
    """A login's SID as the views show it: sa's is 0x01, as in SQL Server; another login's is its principal id,
    four bytes big-endian (unique, and stable across restarts)."""
    return SA_SID if principal_id == SA_PRINCIPAL_ID else principal_id.to_bytes(4, "big")


# permission name -> type code as sys.server_permissions shows it (char(4), blank padded)
PERMISSION_CODES: dict[str, str] = {
    "CONTROL SERVER": "CL",
    "ALTER ANY LOGIN": "ALLG",
    "ALTER ANY LINKED SERVER": "ALLS",
    "ALTER ANY CONNECTION": "ALCO",
    "ALTER SERVER STATE": "ALSS",
    "VIEW SERVER STATE": "VWSS",
    "VIEW ANY DATABASE": "VWDB",
    "CONNECT SQL": "COSQ",
    "ALTER SYSTEM": "ALSY",  # Oracle's system privilege (ALTER SYSTEM KILL SESSION ...); not a SQL Server permission
    "FORCE ANY TRANSACTION": "FOAT",  # Oracle's: COMMIT/ROLLBACK FORCE of anyone's in-doubt transaction
    "FORCE TRANSACTION": "FOTR",  # Oracle's: COMMIT/ROLLBACK FORCE of one's own
}
PERMISSION_NAMES: dict[str, str] = {code: name for name, code in PERMISSION_CODES.items()}

# permission -> the permission that implies it (sys.fn_builtin_permissions' covering permission, server class)
COVERED_BY: dict[str, str | None] = {
    "CONTROL SERVER": None,
    "ALTER ANY LOGIN": "CONTROL SERVER",
    "ALTER ANY LINKED SERVER": "CONTROL SERVER",
    "ALTER ANY CONNECTION": "CONTROL SERVER",
    "ALTER SERVER STATE": "CONTROL SERVER",
    "VIEW SERVER STATE": "ALTER SERVER STATE",
    "VIEW ANY DATABASE": "CONTROL SERVER",
    "CONNECT SQL": "CONTROL SERVER",
    "ALTER SYSTEM": "ALTER ANY CONNECTION",  # whoever may KILL may ALTER SYSTEM KILL SESSION
    "FORCE ANY TRANSACTION": "ALTER ANY CONNECTION",  # whoever may KILL 'uow' WITH COMMIT may COMMIT FORCE
    "FORCE TRANSACTION": "FORCE ANY TRANSACTION",
}


@dataclass(frozen=True, slots=True)
class FixedRole:
    name: str
    principal_id: int
    permissions: tuple[str, ...]  # what membership implies (the parts of it this server knows)


# The fixed server roles with SQL Server's principal ids and the permissions each is granted.  public is the role
# every login belongs to; its permissions are the ones SQL Server grants it at setup.
FIXED_ROLES: tuple[FixedRole, ...] = (
    FixedRole("public", PUBLIC_PRINCIPAL_ID, ("VIEW ANY DATABASE",)),
    FixedRole("sysadmin", 3, ("CONTROL SERVER",)),
    FixedRole("securityadmin", 4, ("ALTER ANY LOGIN",)),
    FixedRole("serveradmin", 5, ("ALTER SERVER STATE", "VIEW SERVER STATE")),
    FixedRole("setupadmin", 6, ("ALTER ANY LINKED SERVER",)),  # "can add and remove linked servers"
    FixedRole("processadmin", 7, ("ALTER ANY CONNECTION", "ALTER SERVER STATE")),
    FixedRole("diskadmin", 8, ()),
    FixedRole("dbcreator", 9, ()),
    FixedRole("bulkadmin", 10, ()),
)
ROLES_BY_NAME: dict[str, FixedRole] = {role.name: role for role in FIXED_ROLES}
ROLES_BY_ID: dict[int, FixedRole] = {role.principal_id: role for role in FIXED_ROLES}
SYSADMIN = ROLES_BY_NAME["sysadmin"]

GRANT = "G"
DENY = "D"
STATE_DESC = {GRANT: "GRANT", DENY: "DENY"}


@dataclass(frozen=True, slots=True)
class Principal:
    """A server principal: a SQL login (type ``S``) or a fixed server role (type ``R``)."""

    principal_id: int
    name: str
    type: str
    is_disabled: bool = False
    create_date: datetime.datetime | None = None
    modify_date: datetime.datetime | None = None
    default_database_name: str | None = None
    password_hash: bytes | None = None  # None: the login has no usable password

    @property
    def type_desc(self) -> str:
        return "SQL_LOGIN" if self.type == "S" else "SERVER_ROLE"


ROLE_PRINCIPALS: tuple[Principal, ...] = tuple(
    Principal(role.principal_id, role.name, "R", create_date=datetime.datetime(2003, 4, 8, 9, 10, 42))
    for role in FIXED_ROLES
)


@dataclass(frozen=True, slots=True)
class Permission:
    grantee_principal_id: int
    permission_name: str
    state: str  # GRANT or DENY
    grantor_principal_id: int


def _column(name: str, type_name: str, length: int | None = None, nullable: bool = True) -> ColumnDef:
    return ColumnDef(name, type_name, length=length, nullable=nullable)


def _definitions(first_object_id: int) -> dict[str, TableDef]:
    logins = TableDef(
        first_object_id,
        "sysxlgns",
        (
            _column("principal_id", "int", nullable=False),
            _column("name", "nvarchar", 128, nullable=False),
            _column("type", "char", 1, nullable=False),
            _column("is_disabled", "bit", nullable=False),
            _column("create_date", "datetime", nullable=False),
            _column("modify_date", "datetime", nullable=False),
            _column("default_database_name", "nvarchar", 128),
            _column("password_hash", "varbinary", 256),
        ),
        (
            IndexDef(1, "PK_sysxlgns", (0,), unique=True, primary_key=True),
            IndexDef(2, "UQ_sysxlgns_name", (1,), unique=True, unique_constraint=True),
        ),
        schema_name="sys",
    )
    members = TableDef(
        first_object_id + 1,
        "syssrvrolemembers",
        (_column("role_principal_id", "int", nullable=False), _column("member_principal_id", "int", nullable=False)),
        (IndexDef(1, "PK_syssrvrolemembers", (0, 1), unique=True, primary_key=True),),
        schema_name="sys",
    )
    privileges = TableDef(
        first_object_id + 2,
        "syssrvprivs",
        (
            _column("grantee_principal_id", "int", nullable=False),
            _column("type", "char", 4, nullable=False),
            _column("state", "char", 1, nullable=False),
            _column("grantor_principal_id", "int", nullable=False),
        ),
        (IndexDef(1, "PK_syssrvprivs", (0, 1), unique=True, primary_key=True),),
        schema_name="sys",
    )
    return {"logins": logins, "members": members, "privileges": privileges}


TABLE_NAMES: dict[str, str] = {"logins": "sysxlgns", "members": "syssrvrolemembers", "privileges": "syssrvprivs"}


def _hidden_tables(db: Database) -> dict[str, Table] | None:
    """The three tables if this database has them (found by name among all tables: they are hidden from lookup)."""
    by_name = {table.name.casefold(): table for table in db.tables.values() if table.definition.schema_name == "sys"}
    found = {role: by_name.get(name) for role, name in TABLE_NAMES.items()}
    if any(table is None for table in found.values()):
        return None
    return {role: table for role, table in found.items() if table is not None}


class SecurityStore:
    """Reads and writes of the three tables; no permission checks here (``Security`` decides who may)."""

    def __init__(self, db: Database, tables: dict[str, Table]) -> None:
        self.db = db
        # The first start's transaction, while its commit is not yet durable: its rows count as committed.
        self.pending_xid: int | None = None
        self.initialised: asyncio.Task[None] | None = None  # that commit, for whoever must wait for it
        self.logins = tables["logins"]
        self.members = tables["members"]
        self.privileges = tables["privileges"]

    @classmethod
    def open(cls, db: Database) -> SecurityStore | None:
        """The store of a database that has the tables (a restart), else None (first start)."""
        tables = _hidden_tables(db)
        return None if tables is None else cls(db, tables)

    @classmethod
    def create(cls, db: Database, txn: Transaction) -> SecurityStore:
        """Create the tables inside ``txn`` (first start)."""
        first = db.allocate_object_id()
        db.allocate_object_id()
        db.allocate_object_id()
        tables = {role: db.create_table(txn, definition) for role, definition in _definitions(first).items()}
        return cls(db, tables)

    # -- reads -----------------------------------------------------------------------------------------------

    def _visible(self, head: Version | None, xid: int) -> Version | None:
        pending = self.pending_xid
        txns = self.db.txns
        if pending is None:
            return txns.latest_committed(head, xid)
        version = head
        while version is not None:
            writer = version.xmin
            if writer in (xid, pending) or (writer not in txns.active and writer not in txns.aborted):
                return version
            version = version.prev
        return None

    def _rows(self, table: Table, xid: int) -> Iterator[tuple[Any, ...]]:
        for head in list(table.rows.values()):
            version = self._visible(head, xid)
            if version is not None and version.values is not None:
                yield version.values

    def logins_rows(self, xid: int = NOBODY) -> Iterator[Principal]:
        for values in self._rows(self.logins, xid):
            yield Principal(*values)

    def login(self, name: str, xid: int = NOBODY) -> Principal | None:
        folded = name.rstrip(" ").casefold()
        for principal in self.logins_rows(xid):
            if principal.name.rstrip(" ").casefold() == folded:
                return principal
        return None

    def login_by_id(self, principal_id: int, xid: int = NOBODY) -> Principal | None:
        version = self._visible(self.logins.rows.get(principal_id), xid)
        return None if version is None or version.values is None else Principal(*version.values)

    def memberships(self, xid: int = NOBODY) -> Iterator[tuple[int, int]]:
        """(role_principal_id, member_principal_id) pairs."""
        return ((role_id, member_id) for role_id, member_id in self._rows(self.members, xid))

    def roles_of(self, principal_id: int, xid: int = NOBODY) -> set[int]:
        return {role_id for role_id, member_id in self.memberships(xid) if member_id == principal_id}

    def permissions(self, xid: int = NOBODY) -> Iterator[Permission]:
        for grantee, code, state, grantor in self._rows(self.privileges, xid):
            yield Permission(grantee, PERMISSION_NAMES[code.rstrip()], state, grantor)

    def max_principal_id(self) -> int:
        """The highest principal id ever written (any version: ids of rolled-back logins are not reused)."""
        keys = self.logins.rows.keys()
        return max(keys[-1] if keys else 0, FIRST_LOGIN_PRINCIPAL_ID - 1)

    # -- writes (inside the caller's transaction) -------------------------------------------------------------
    # A writer locks the row (X) before it reads what it will change, so two writers of one login, membership or
    # permission take turns and the second works from the first one's committed result (no lost update).

    def lock_login(self, access: RowAccess, principal_id: int) -> Principal | None:
        access.lock_row(self.logins, principal_id, LockMode.X)
        return self.login_by_id(principal_id, access.txn.xid)

    def lock_membership(self, access: RowAccess, role_id: int, member_id: int) -> bool:
        """Lock the membership's key; whether it exists now."""
        access.lock_row(self.members, self.members.new_row_key((role_id, member_id)), LockMode.X)
        return (role_id, member_id) in set(self.memberships(access.txn.xid))

    def lock_permission(self, access: RowAccess, grantee_id: int, permission: str) -> Permission | None:
        """Lock the (grantee, permission) key; the explicit GRANT or DENY there now, if any."""
        key = self.privileges.new_row_key((grantee_id, PERMISSION_CODES[permission].ljust(4)))
        access.lock_row(self.privileges, key, LockMode.X)
        for candidate in self.permissions(access.txn.xid):
            if candidate.grantee_principal_id == grantee_id and candidate.permission_name == permission:
                return candidate
        return None

    def insert_login(self, access: RowAccess, principal: Principal) -> None:
        access.insert(self.logins, _login_values(principal))

    def update_login(self, access: RowAccess, old: Principal, new: Principal) -> None:
        access.update(self.logins, old.principal_id, _login_values(old), _login_values(new))

    def delete_login(self, access: RowAccess, principal: Principal) -> None:
        access.delete(self.logins, principal.principal_id)
        xid = access.txn.xid
        for role_id, member_id in list(self.memberships(xid)):
            if member_id == principal.principal_id:
                self.delete_member(access, role_id, member_id)
        for permission in list(self.permissions(xid)):
            if permission.grantee_principal_id == principal.principal_id:
                self.delete_permission(access, permission)

    def insert_member(self, access: RowAccess, role_id: int, member_id: int) -> None:
        access.insert(self.members, (role_id, member_id))

    def delete_member(self, access: RowAccess, role_id: int, member_id: int) -> None:
        access.delete(self.members, self.members.new_row_key((role_id, member_id)))

    def put_permission(self, access: RowAccess, permission: Permission, old: Permission | None) -> None:
        values = _permission_values(permission)
        if old is None:
            access.insert(self.privileges, values)
        else:
            key = self.privileges.new_row_key(values)
            access.update(self.privileges, key, _permission_values(old), values)

    def delete_permission(self, access: RowAccess, permission: Permission) -> None:
        access.delete(self.privileges, self.privileges.new_row_key(_permission_values(permission)))


def _login_values(principal: Principal) -> tuple[Any, ...]:
    return (
        principal.principal_id,
        principal.name,
        principal.type,
        principal.is_disabled,
        principal.create_date,
        principal.modify_date,
        principal.default_database_name,
        principal.password_hash,
    )


def _permission_values(permission: Permission) -> tuple[Any, ...]:
    code = PERMISSION_CODES[permission.permission_name].ljust(4)
    return (permission.grantee_principal_id, code, permission.state, permission.grantor_principal_id)
