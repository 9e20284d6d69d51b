"""Who holds and waits for locks: a transaction, or the pseudo-session of a prepared one (session -2).

The lock manager keys everything by the owner object itself (so it must be hashable and its hash stable
while it holds locks) and reads three things from it, only when it needs them: the SPID it shows in views
and errors, and, when choosing a deadlock victim, its DEADLOCK_PRIORITY and how much work rolling it back
would lose.
"""

from __future__ import annotations

from typing import Protocol

# SET DEADLOCK_PRIORITY LOW | NORMAL | HIGH, and the numeric range it also accepts.
DEADLOCK_PRIORITY_LOW = -5
DEADLOCK_PRIORITY_NORMAL = 0
DEADLOCK_PRIORITY_HIGH = 5
DEADLOCK_PRIORITY_RANGE = range(-10, 11)


class LockOwner(Protocol):
    """What the lock manager needs from an owner (read-only, so plain attributes or properties both fit)."""

    @property
    def session_id(self) -> int:
        """The SPID shown in sys.dm_tran_locks.request_session_id and in message 1205."""

    @property
    def deadlock_priority(self) -> int:
        """-10..10; the lowest in a deadlock cycle is chosen as victim."""

    @property
    def work(self) -> int:
        """How much work would be lost if this owner were rolled back (its undo-log size); the least goes."""

    def __hash__(self) -> int: ...
