"""A request's task: its interrupt, its current wait, its time slice (engine/scheduler.py's theory of operation,
invariants 2-4 and the task's state diagram).

Compiled (quietus.compiled): a ``Task`` is made, run and asked at safe points on every request; compiled, the code
that calls ``tick()`` and ``check()`` does so natively.  The greenlets it runs on are engine/workers.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final, TypeVar

import greenlet

from quietus.engine.interrupts import Interrupted, InterruptReason
from quietus.engine.wait_stats import SCHEDULER_YIELD, SERVER_WAITS, WaitStatistics
from quietus.engine.workers import IDLE_WORKERS, POOLS, Finished, TaskGreenlet, work

T = TypeVar("T")

SLICE_SECONDS: Final = 0.002  # a task gives the loop back after this much uninterrupted work
_TICKS_PER_CLOCK_READ: Final = 128  # tick() reads the clock only this often
# Bound once: compiled, a function read through an interpreted or built-in module (greenlet, time) is a lookup at
# every use.
_current_greenlet: Final = greenlet.getcurrent
_thread_cpu_ns: Final = time.thread_time_ns
_monotonic: Final = time.monotonic
_FINISHED: Final = Finished


class WaitTimeout(Exception):
    """A ``Task.wait`` with a timeout ran out of time (the caller maps it to its error, e.g. 1222)."""


class Task:
    """The execution context of one request: its interrupt, its current wait, its time slice."""

    __slots__ = (
        "_clock_countdown",
        "_deadline",
        "_greenlet",
        "_loop",
        "_noninterruptible",
        "_signalled",
        "_waiter",
        "cpu_ns",
        "interrupt",
        "last_wait_type",
        "wait_resource",
        "wait_started",
        "wait_type",
        "waits",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop  # None: the running loop, looked up at the first wait (``loop``)
        self.interrupt: InterruptReason | None = None
        self.wait_type: str | None = None  # LCK_M_X, WAITFOR, WRITELOG, ASYNC_NETWORK_IO ...
        self.last_wait_type: str | None = None  # the previous wait's type (sys.dm_exec_requests.last_wait_type)
        self.wait_resource: str = ""
        self.wait_started: float = 0.0
        self._waiter: asyncio.Future[Any] | None = None
        self._greenlet: TaskGreenlet | None = None
        self._noninterruptible = 0
        self._deadline = 0.0
        self._clock_countdown = _TICKS_PER_CLOCK_READ
        self.cpu_ns = 0  # CPU time of the engine thread spent inside this task (dm_exec_requests.cpu_time)
        self.waits: WaitStatistics | None = None  # its session's (dm_exec_session_wait_stats), besides the server's
        self._signalled = 0.0  # when what the current wait waits for happened (its signal wait starts)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop this task waits on.  Looked up when first needed: asyncio's lookup makes a getpid() system call
        in Python 3.11, and a request that never waits needs no loop at all."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop

    # -- running ---------------------------------------------------------------------------------------------

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` as this task's greenlet on the current loop, serving its waits until it ends."""
        pool = POOLS.workers
        if pool:
            child = pool.pop()
            child.parent = _current_greenlet()
        else:
            child = TaskGreenlet(work, parent=_current_greenlet())
        child.task = self
        self._greenlet = child
        self._deadline = _monotonic() + SLICE_SECONDS
        clock = _thread_cpu_ns
        started = clock()
        request: Any = child.switch((fn, args))
        self.cpu_ns += clock() - started
        try:
            while type(request) is not _FINISHED:
                try:
                    value = await request
                except BaseException as exc:
                    started = clock()
                    request = child.throw(exc)
                else:
                    started = clock()
                    request = child.switch(value)
                self.cpu_ns += clock() - started
        finally:
            self._greenlet = None
            child.task = None
        # The worker is back in its loop, holding nothing of this task: it serves the thread's next task.
        child.gr_context = None  # as a new greenlet's: the next task starts with no context variables set
        if len(pool) < IDLE_WORKERS:
            pool.append(child)
        # Taken out of the outcome, which the idle worker still refers to: nothing of this task is kept alive by it.
        value, error, request.value, request.error = request.value, request.error, None, None
        if error is not None:
            raise error
        return value  # type: ignore[no-any-return]

    # -- inside the task -------------------------------------------------------------------------------------

    def wait(
        self,
        awaitable: Awaitable[T],
        wait_type: str | None = None,
        resource: str = "",
        timeout: float | None = None,
    ) -> T:
        """Suspend this task until ``awaitable`` completes; return its result or raise its exception.

        Raises ``Interrupted`` if the interrupt reason is (or becomes) set, and ``WaitTimeout`` after
        ``timeout`` seconds.  Must be called from inside this task's greenlet.
        """
        if _current_greenlet() is not self._greenlet:
            raise RuntimeError("Task.wait called outside its task")
        try:
            self.check()
        except Interrupted:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()  # made for this wait (a sleep) and never to run: closed unstarted, not leaked
            raise
        waiter: asyncio.Future[T] = self.loop.create_future()
        if wait_type is not None:
            waiter.add_done_callback(self._signal)
        inner = asyncio.ensure_future(awaitable, loop=self.loop)
        inner.add_done_callback(lambda done: _copy_outcome(done, waiter))
        timer = None
        if timeout is not None:
            timer = self.loop.call_later(timeout, _fail, waiter, WaitTimeout())
        self._waiter = waiter
        self.wait_type = wait_type
        self.wait_resource = resource
        started = self.wait_started = self._signalled = _monotonic()
        try:
            assert self._greenlet is not None
            result: T = self._greenlet.parent.switch(waiter)
            return result
        finally:
            ended = _monotonic()
            if wait_type is None:  # a slice given back: runnable all along, so all of it is signal time
                self._waited(SCHEDULER_YIELD, ended - started, ended - started, named=False)
            else:
                self._waited(wait_type, ended - started, ended - self._signalled)
            self._waiter = None
            if timer is not None:
                timer.cancel()
            if inner is not awaitable and not inner.done():
                inner.cancel()  # a coroutine the task wrapped (a sleep): ours to stop; someone else's future is not
            self._deadline = _monotonic() + SLICE_SECONDS

    @contextlib.contextmanager
    def blocked(self, wait_type: str) -> Iterator[None]:
        """A wait this task's thread spends blocked in a call rather than suspended on a future (an embedded caller
        writing and fsyncing its own commit, engine/database.py): shown as ``wait_type`` while it lasts and counted
        after it as ``wait`` counts one, with no signal time (nothing hands it back)."""
        self.wait_type = wait_type
        started = self.wait_started = _monotonic()
        try:
            yield
        finally:
            self._waited(wait_type, _monotonic() - started, 0.0)

    def _waited(self, kind: str, total: float, signal: float, named: bool = True) -> None:
        """A wait ended: count it (the server's and the session's statistics) and clear what the views show; a
        ``named`` wait (not a slice given back) becomes the request's last_wait_type."""
        SERVER_WAITS.record(kind, total, signal)
        if self.waits is not None:
            self.waits.record(kind, total, signal)
        if named:
            self.last_wait_type = kind
        self.wait_type = None
        self.wait_resource = ""

    def _signal(self, _waiter: object) -> None:
        self._signalled = _monotonic()

    def tick(self) -> None:
        """A safe point: raise if interrupted; give the loop back when the time slice is used up."""
        if self.interrupt is not None and not self._noninterruptible:
            raise Interrupted(self.interrupt)
        self._clock_countdown -= 1
        if self._clock_countdown <= 0:
            self._clock_countdown = _TICKS_PER_CLOCK_READ
            if _monotonic() >= self._deadline:
                self.yield_now()

    def yield_now(self) -> None:
        self.wait(asyncio.sleep(0))

    def yield_if_due(self) -> None:
        """Give the loop back if this slice is used up (reads the clock every call: for loops whose iterations are
        themselves large batches, where ``tick``'s sampling would read it too rarely)."""
        if _monotonic() >= self._deadline:
            self.yield_now()

    def check(self) -> None:
        """Raise ``Interrupted`` if a reason is set and interruption is allowed here."""
        if self.interrupt is not None and not self._noninterruptible:
            raise Interrupted(self.interrupt)

    def noninterruptible(self) -> _Noninterruptible:
        """A section (a classic rollback) where interrupts are recorded but not raised."""
        return _Noninterruptible(self)

    # -- from other tasks (a killer) -------------------------------------------------------------------------

    def set_interrupt(self, reason: InterruptReason) -> bool:
        """Record ``reason`` (first one wins) and wake the task if it is waiting.  True if this call set it."""
        if self.interrupt is not None:
            return False
        self.interrupt = reason
        self.wake()
        return True

    def wake(self) -> None:
        """Fail the current wait with the interrupt, if the task is waiting and may be interrupted."""
        waiter = self._waiter
        if waiter is not None and self.interrupt is not None and not self._noninterruptible:
            _fail(waiter, Interrupted(self.interrupt))

    @property
    def is_waiting(self) -> bool:
        return self._waiter is not None


class _Noninterruptible:
    __slots__ = ("_task",)

    def __init__(self, task: Task) -> None:
        self._task = task

    def __enter__(self) -> None:
        self._task._noninterruptible += 1

    def __exit__(self, *exc: object) -> None:
        self._task._noninterruptible -= 1


def _copy_outcome(source: asyncio.Future[Any], target: asyncio.Future[Any]) -> None:
    if target.done():
        return
    if source.cancelled():
        target.cancel()
    elif (exc := source.exception()) is not None:
        target.set_exception(exc)
    else:
        target.set_result(source.result())


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
