"""Locks: SQL Server's lock modes and compatibility as tables, and the lock manager that applies them.

The public face is this module; see docs/design/locks.md for the theory of operation.
"""

from quietus.engine.locks.deadlock import DeadlockParticipant, DeadlockReport
from quietus.engine.locks.manager import ESCALATION_RETRY, LockManager
from quietus.engine.locks.modes import LockMode, compatible, convert, covers
from quietus.engine.locks.owner import (
    DEADLOCK_PRIORITY_HIGH,
    DEADLOCK_PRIORITY_LOW,
    DEADLOCK_PRIORITY_NORMAL,
    LockOwner,
)
from quietus.engine.locks.request import LockRequest, LockRow
from quietus.engine.locks.resources import (
    LockResource,
    database_id,
    database_resource,
    description,
    key_resource,
    object_resource,
    parent_object,
    resource_type,
)

__all__ = [
    "DEADLOCK_PRIORITY_HIGH",
    "DEADLOCK_PRIORITY_LOW",
    "DEADLOCK_PRIORITY_NORMAL",
    "ESCALATION_RETRY",
    "DeadlockParticipant",
    "DeadlockReport",
    "LockManager",
    "LockMode",
    "LockOwner",
    "LockRequest",
    "LockResource",
    "LockRow",
    "compatible",
    "convert",
    "covers",
    "database_id",
    "database_resource",
    "description",
    "key_resource",
    "object_resource",
    "parent_object",
    "resource_type",
]
