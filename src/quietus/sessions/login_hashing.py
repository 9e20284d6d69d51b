"""Password checks off the engine thread, fair to the sessions that are running.

A login's argon2id check costs ~50 ms of CPU (security_passwords.py), a thousand times a request.  It runs in a
small pool of worker threads (argon2-cffi lets go of the GIL while it hashes), never on the engine thread, and:

1. **Bounded pool**: at most ``LOGIN_HASH_WORKERS`` checks run at once (the cores but one, at least one), so a storm
   of logins cannot take every core from the engine thread.  (A lower scheduling priority for the workers was
   tried and dropped: it bought little beyond the bound and starved logins whenever other processes loaded the
   machine -- figures in docs/design/performance.md.)
2. **Bounded queue**: at most ``LOGIN_QUEUE_LIMIT`` logins wait for a worker (as futures on the loop, costing no
   CPU); one more is refused (``LoginQueueFull``: the login fails with 18456, the error log says why) instead of
   piling up work the clients will have given up on.

States of one check: waiting (a slot future) → hashing (a worker) → done; or refused when the queue is full.
"""

from __future__ import annotations

import asyncio
import collections
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from quietus.sessions.security_passwords import verify_password

LOGIN_HASH_WORKERS = max(1, (os.cpu_count() or 2) - 1)
LOGIN_QUEUE_LIMIT = 256


class LoginQueueFull(Exception):
    """More logins are waiting for a password check than ``LOGIN_QUEUE_LIMIT``."""


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    """The process's hashing threads, shared by its instances (the cores they compete for are the process's)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=LOGIN_HASH_WORKERS, thread_name_prefix="quietus-login")
        return _executor


class LoginHashing:
    """One instance's password checks (used on its engine loop): ``LOGIN_HASH_WORKERS`` at a time, the rest queued
    up to ``queue_limit``."""

    def __init__(self, workers: int = LOGIN_HASH_WORKERS, queue_limit: int = LOGIN_QUEUE_LIMIT) -> None:
        self.workers = workers
        self.queue_limit = queue_limit
        self.hashing = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def queued(self) -> int:
        return len(self._waiting)

    async def verify(self, stored: bytes | None, password: str) -> bool:
        """``verify_password`` in a worker thread, after waiting for a free one; ``LoginQueueFull`` if too many
        already wait."""
        if self.hashing >= self.workers:
            if len(self._waiting) >= self.queue_limit:
                raise LoginQueueFull
            slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(slot)
            try:
                await slot  # handed a worker by the check that finished (``hashing`` already counts us)
            except BaseException:
                if slot in self._waiting:
                    self._waiting.remove(slot)
                elif slot.done() and not slot.cancelled():
                    self._hand_on()  # given a worker just as we were cancelled: pass it on
                raise
        else:
            self.hashing += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(_workers(), verify_password, stored, password)
        finally:
            self._hand_on()

    def _hand_on(self) -> None:
        """A check ended: its worker goes to the longest-waiting login, or is free."""
        while self._waiting:
            slot = self._waiting.popleft()
            if not slot.done():
                slot.set_result(None)
                return
        self.hashing -= 1
