"""Lock resources: small tuples, cheap to build and to hash.

A resource is a plain tuple whose first item names its type (sys.dm_tran_locks.resource_type)::

    ("DATABASE", db_id)
    ("OBJECT",   db_id, object_id)
    ("KEY",      db_id, object_id, index_id, key)      key: the engine's normalised key, any hashable

Tuples rather than a class because the lock table hashes a resource on every acquire and release, and a tuple
hashes in C.  Types below OBJECT (KEY now; PAGE and RID later) keep ``db_id, object_id`` at positions 1 and 2,
so ``parent_object`` works for all of them.

Invariant: equal resources are equal tuples, so a resource built twice from the same ids finds the same lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Final

LockResource = tuple[Hashable, ...]

DATABASE: Final = "DATABASE"
OBJECT: Final = "OBJECT"
KEY: Final = "KEY"

# Resource types that live inside one object (their positions 1 and 2 are db_id and object_id).
_BELOW_OBJECT = frozenset({KEY, "PAGE", "RID"})


def database_resource(db_id: int) -> LockResource:
    return (DATABASE, db_id)


def object_resource(db_id: int, object_id: int) -> LockResource:
    return (OBJECT, db_id, object_id)


def key_resource(db_id: int, object_id: int, index_id: int, key: Hashable) -> LockResource:
    return (KEY, db_id, object_id, index_id, key)


def resource_type(resource: LockResource) -> str:
    """sys.dm_tran_locks.resource_type: DATABASE, OBJECT, KEY ..."""
    return str(resource[0])


def database_id(resource: LockResource) -> int:
    """sys.dm_tran_locks.resource_database_id."""
    db_id = resource[1]
    assert isinstance(db_id, int)
    return db_id


def parent_object(resource: LockResource) -> LockResource | None:
    """The OBJECT resource a KEY (PAGE, RID) resource lies in; None for resources that are not inside one."""
    if resource[0] in _BELOW_OBJECT:
        return (OBJECT, resource[1], resource[2])
    return None


def key_hash(key: Hashable) -> str:
    """Twelve hex digits standing for a key, stable across runs (Python's hash() is salted per process)."""
    return hashlib.blake2b(repr(key).encode(), digest_size=6).hexdigest()


def description(resource: LockResource) -> str:
    """sys.dm_tran_locks.resource_description.
from typing import Final

    SQL Server leaves it blank for DATABASE and OBJECT (the ids are in their own columns) and shows a KEY as
    the hash of its key in parentheses, e.g. ``(8194443284a0)``.
    """
    if resource[0] == KEY:
        return f"({key_hash(resource[4])})"
    return ""
