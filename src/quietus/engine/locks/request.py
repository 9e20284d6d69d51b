"""A lock request that had to wait, and the rows the lock views are made from.

State of a request (only the lock manager moves it)::

    WAITING --granted on a wake-up--------------> GRANTED   (future result None)
    WAITING --deadlock victim-------------------> REMOVED   (future fails with 1205)
    WAITING --cancel() / found abandoned on wake-> REMOVED   (future cancelled unless already done)

A request whose future is already done (the engine's waker failed or cancelled it) is never granted: the next
wake-up of its queue drops it, or its owner's cancel() does.
"""

from __future__ import annotations

import asyncio
from typing import Literal, NamedTuple

from quietus.engine.locks.modes import LockMode
from quietus.engine.locks.owner import LockOwner
from quietus.engine.locks.resources import LockResource

WAITING = 0
GRANTED = 1
REMOVED = 2

LockStatus = Literal["GRANT", "CONVERT", "WAIT"]


class LockRequest:
    """A queued request; ``future`` completes when it is granted, fails if it is chosen as deadlock victim."""

    __slots__ = ("future", "is_conversion", "mode", "owner", "resource", "sequence", "state", "wait_started")

    def __init__(
        self,
        future: asyncio.Future[None],
        owner: LockOwner,
        resource: LockResource,
        mode: LockMode,
        is_conversion: bool,
        wait_started: float,
        sequence: int,
    ) -> None:
        self.future = future
        self.owner = owner
        self.resource = resource
        self.mode = mode  # the mode the owner holds once granted (for a conversion: the converted mode)
        self.is_conversion = is_conversion
        self.wait_started = wait_started
        self.sequence = sequence  # the order requests started waiting in: the newest is the largest
        self.state = WAITING

    @property
    def status(self) -> LockStatus:
        return "CONVERT" if self.is_conversion else "WAIT"

    def __repr__(self) -> str:
        state = ("WAITING", "GRANTED", "REMOVED")[self.state]
        return (
            f"<LockRequest spid={self.owner.session_id} {self.mode.display} on {self.resource!r}"
            f"{' (conversion)' if self.is_conversion else ''} {state}>"
        )


class LockRow(NamedTuple):
    """One row of sys.dm_tran_locks: a granted lock, a waiting request, or a conversion waiting.

    For a CONVERT row ``mode`` is the mode being converted to; the mode still granted is ``held()``'s answer.
    """

    resource: LockResource
    owner: LockOwner
    mode: LockMode
    status: LockStatus
