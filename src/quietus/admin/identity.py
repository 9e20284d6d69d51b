"""Identities the views show for logins, connections and in-memory objects.

A login's SID is the one sys.server_principals shows for it (``security_catalog.login_sid``: 0x01 for sa, as in SQL
Server, else the security layer's principal id, four bytes big-endian), so that ``dm_exec_sessions.security_id``
joins ``server_principals.sid``.  Without the security layer (or for a name it does not know) the SID is derived
from the name: ``0x01`` for sa, and sixteen bytes of a hash of the folded name otherwise, stable across restarts.
Addresses (task_address, lock_owner_address, waiting_task_address) are eight bytes naming an object for the life of
the process, so that the views that show them join on them, as SQL Server's do.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from typing import Any

from quietus.sessions import security_catalog
from quietus.sessions.security_catalog import SA_SID
from quietus.sessions.session import Session

_ADDRESS_MASK = (1 << 64) - 1


def login_sid(login: str, security: Any = None) -> bytes:
    if security is not None:
        principal = security.principal(login)
        if principal is not None:
            return security_catalog.login_sid(int(principal.principal_id))
    return derived_sid(login)


@functools.lru_cache(maxsize=4096)
def derived_sid(login: str) -> bytes:
    if login.casefold() == "sa":
        return SA_SID
    return hashlib.blake2b(login.casefold().encode(), digest_size=16).digest()


def nt_names(login: str) -> tuple[str | None, str | None]:
    """(nt_domain, nt_user_name): a Windows login ``DOMAIN\\user`` splits; a SQL login has neither (NULL)."""
    domain, sep, user = login.partition("\\")
    return (domain, user) if sep else (None, None)


def address(obj: object) -> bytes:
    return (id(obj) & _ADDRESS_MASK).to_bytes(8, "big")


def hashed_address(key: object) -> bytes:
    """An address for something that has no object of its own (a granted lock is a table entry)."""
    return (hash(key) & _ADDRESS_MASK).to_bytes(8, "big")


def connection_id(session: Session) -> uuid.UUID | None:
    """sys.dm_exec_connections.connection_id: the listener's GUID, else one derived from (id, serial)."""
    connection = session.connection
    if connection is None:
        return None
    if connection.connection_id:
        try:
            return uuid.UUID(connection.connection_id)
        except ValueError:
            pass
    return uuid.uuid5(uuid.NAMESPACE_OID, f"quietus-connection:{session.session_id}:{session.serial}")
