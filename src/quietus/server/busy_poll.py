"""Busy polling: after answering a client, the served loop polls the network for a short window before it sleeps.

Why
---
A client that sends its next request within tens of microseconds of the answer (a driver in a loop, a pool's next
statement) otherwise finds the engine thread asleep in ``epoll_wait``.  Waking it is a context switch onto cold
caches: on the 2-core VM of docs/design/performance.md (eighth round) the server spent ~70 µs of CPU a point select
with one client, ~31 µs with sixteen (whose requests keep it awake), and a client saw ~110 µs a round trip.  Polling
keeps the thread running while the client thinks.  KVM's guest haltpoll and Linux's ``SO_BUSY_POLL`` make the same
trade; PostgreSQL does not poll.

How
---
While a window is open the loop always has a callback ready (``_poll``), so it polls for events without sleeping,
runs what arrived, and comes back; when the window runs out the callback stops and the loop sleeps as before.  Each
answer (``answered``) opens the window again from its moment.  A window is the server's CPU spent waiting, so its
length adapts to how long the loop goes without input after an answer (the idle time, measured at the next
request: ``received``), as the kernel's haltpoll governor adapts its polling to the idle times it sees:

  * idle no longer than the window: polling caught the request; the window stays;
  * longer than the window but no longer than ``max``: a longer window would have caught it; it doubles (from
    ``max/8``), up to ``max``;
  * longer than ``max``: polling would not have caught it at any length and was spent for nothing; the window
    halves (below ``max/8``: 0, no polling).

So a client that pauses longer than ``max`` between requests turns polling off after a few answers, and an idle
server never polls; a fast client, or many clients, keep it on.

State::

    sleeping --answered (window > 0)--> polling --answered--> polling (window restarts)
    polling --window ran out--> sleeping
    any --received: idle in (window, max]--> window doubles | idle > max --> window halves

Setting ``busy_poll_us`` (``max`` in µs; default 100, 0 = off).  A ``Server`` polls (``quietus serve``, and the
servers the client tests start on an engine thread, whose selector lets a waiting embedded caller take the engine at
a poll as at a sleep: engine/scheduler.py); an embedded instance has no ``Server`` and never polls.

Compiled (quietus.compiled): ``answered`` and ``received`` run on every response and packet.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

_clock: Final = time.perf_counter


class BusyPoll:
    """The served loop's polling window (see the module's docstring)."""

    __slots__ = ("_answered_at", "_loop", "_max", "_min", "_polling", "_until", "window")

    def __init__(self, loop: asyncio.AbstractEventLoop, max_seconds: float) -> None:
        self._loop = loop
        self._max = max_seconds
        self._min = max_seconds / 8
        self.window = max_seconds  # the current window's length (0: not polling)
        self._until = 0.0  # when the open window runs out
        self._polling = False
        self._answered_at: float | None = None  # the last answer's time, until the next request is received

    @property
    def polling(self) -> bool:
        """A window is open: the loop has ``_poll`` ready and does not sleep."""
        return self._polling

    def answered(self) -> None:
        """A response went out: poll for the client's next request for a window from now."""
        now = self._answered_at = _clock()
        if self.window <= 0.0:
            return
        self._until = now + self.window
        if not self._polling and not self._loop.is_closed():
            self._polling = True
            self._loop.call_soon(self._poll)

    def received(self) -> None:
        """Input arrived: the first after an answer tells how long the loop was idle, and the window adapts."""
        answered_at = self._answered_at
        if answered_at is None:
            return  # more of a request, or a client's first bytes: no idle time since an answer to learn from
        self._answered_at = None
        idle = _clock() - answered_at
        if idle <= self.window:
            return
        if idle <= self._max:
            self.window = min(self._max, max(self._min, self.window * 2))
        else:
            half = self.window / 2
            self.window = half if half >= self._min else 0.0

    def _poll(self) -> None:
        if _clock() < self._until:
            self._loop.call_soon(self._poll)
        else:
            self._polling = False
