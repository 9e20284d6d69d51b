"""Shared by the lock tests: a minimal lock owner and a lock manager fixture with its own event loop.

No tests here; the lock test modules import from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from quietus.engine.locks import LockManager, LockRequest


@dataclass(eq=False)
class Owner:
    """A transaction as far as the lock manager cares: hashable by identity."""

    session_id: int
    deadlock_priority: int = 0
    work: int = 0


@pytest.fixture(name="lm")
def lock_manager(request: pytest.FixtureRequest) -> Iterator[LockManager]:
    """The ``lm`` fixture: a lock manager whose futures belong to a fresh event loop.

    A test module imports ``lock_manager`` to register it; a test may set the escalation threshold with
    ``@pytest.mark.parametrize("lm", [threshold], indirect=True)``.
    """
    loop = asyncio.new_event_loop()
    threshold = getattr(request, "param", 5000)
    yield LockManager(loop, escalation_threshold=threshold)
    loop.close()


def waits(request: LockRequest | None) -> LockRequest:
    """The request, asserting that it had to wait and still does."""
    assert request is not None, "expected the request to wait"
    assert not request.future.done()
    return request
