"""Password checks off the engine thread: a bounded pool and a bounded queue."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import quietus
from quietus.sessions import login_hashing
from quietus.sessions.login_hashing import LoginHashing, LoginQueueFull
from quietus.sessions.security import LOGIN_QUEUE_FULL


class SlowCheck:
    """Stands in for verify_password: each call blocks until released; records how many ran at once and where."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.running = 0
        self.most = 0
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def __call__(self, stored: bytes | None, password: str) -> bool:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.get_ident())
        self.release.wait(10)
        with self._lock:
            self.running -= 1
        return password == "right"


def test_checks_run_one_at_a_time_off_the_loop_queue_in_order_and_a_full_queue_is_refused(monkeypatch: Any) -> None:
    check = SlowCheck()
    monkeypatch.setattr(login_hashing, "verify_password", check)

    async def main() -> None:
        hashing = LoginHashing(workers=1, queue_limit=2)
        first = asyncio.ensure_future(hashing.verify(b"h", "right"))
        second = asyncio.ensure_future(hashing.verify(b"h", "wrong"))
        third = asyncio.ensure_future(hashing.verify(b"h", "right"))
        await asyncio.sleep(0.05)
        assert (hashing.hashing, hashing.queued) == (1, 2)
        with pytest.raises(LoginQueueFull):  # a fourth: two already wait
            await hashing.verify(b"h", "right")
        third.cancel()  # a client that gave up leaves the queue
        await asyncio.sleep(0)
        assert hashing.queued == 1
        check.release.set()
        assert await first is True and await second is False
        assert third.cancelled()
        assert (hashing.hashing, hashing.queued) == (0, 0)  # every worker handed back

    asyncio.run(main())
    assert check.most == 1  # never two checks at once with one worker
    assert threading.get_ident() not in check.threads  # never on the loop's thread


def test_a_login_refused_by_a_full_queue_fails_with_18456_and_says_why() -> None:
    connection = quietus.connect()
    try:
        security = connection.instance.security
        security.hashing = LoginHashing(workers=0, queue_limit=0)  # no worker free and no room to wait
        result = connection._engine.thread.call(security.login("sa", "whatever"))
        assert result.principal is None
        assert (result.number, result.state, result.reason) == LOGIN_QUEUE_FULL
    finally:
        connection.close()
