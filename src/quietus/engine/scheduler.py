"""One owner of engine state: an event loop on one thread, with requests as greenlets on it.

Theory of operation
-------------------
All engine state (tables, versions, locks, transactions, sessions) belongs to the thread that runs the engine's
asyncio loop.  A request runs as a *task*: a greenlet started from a coroutine on that loop.  The executor inside it
is plain synchronous Python.  Where it must wait (a lock, WAITFOR, a commit's fsync, a socket that will not drain,
or simply the end of its time slice) it calls ``Task.wait(awaitable)``, which switches from the greenlet back to the
driving coroutine; the coroutine awaits, then switches back in with the result or throws the exception in.  This is
the bridge SQLAlchemy's asyncio layer uses, and it lets the executor stay synchronous while no request can stall the
others.

Invariants
----------
1. Engine state is touched only on the engine thread (``EngineThread.call`` hops there from other threads).
2. A task waits only through ``Task.wait``; the awaited thing is wrapped in a future the task owns, so a waker
   (a kill, a timeout) fails the task's own future and never the lock manager's or anyone else's.
3. A task yields at least every ``SLICE_SECONDS`` of work when it calls ``tick()`` at its safe points.
4. An interrupt reason is set once; the first wins.  It is raised at the next safe point, or at once if the task
   is waiting, unless the task is in a non-interruptible section (a classic rollback).

State diagram of a task::

    created --start()--> running --wait()--> waiting --(result | wake)--> running --return/raise--> done
                            \\--tick() past slice--> yielding --(next loop turn)--> running
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import greenlet

from quietus.engine.interrupts import Interrupted, InterruptReason
from quietus.engine.memory import configure_collector

T = TypeVar("T")

SLICE_SECONDS = 0.002  # a task gives the loop back after this much uninterrupted work
# CPython's GIL: a thread waiting for it asks the holder to drop it only if no switch happened during one switch
# interval (5 ms by default).  The engine loop releases and at once retakes the GIL in every select(), i.e. at every
# yield (each slice, 2 ms), which resets that timer; so a client thread of the embedded API never asked and only got
# the GIL by winning a race, and could wait out a whole scan.  An interval shorter than a slice makes it ask.
SWITCH_INTERVAL_SECONDS = SLICE_SECONDS / 2
_TICKS_PER_CLOCK_READ = 128  # tick() reads the clock only this often


class WaitTimeout(Exception):
    """A ``Task.wait`` with a timeout ran out of time (the caller maps it to its error, e.g. 1222)."""


class _TaskGreenlet(greenlet.greenlet):  # type: ignore[misc]
    task: Task


class Task:
    """The execution context of one request: its interrupt, its current wait, its time slice."""

    __slots__ = (
        "_clock_countdown",
        "_deadline",
        "_greenlet",
        "_noninterruptible",
        "_waiter",
        "cpu_ns",
        "interrupt",
        "last_wait_type",
        "loop",
        "wait_resource",
        "wait_started",
        "wait_type",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.interrupt: InterruptReason | None = None
        self.wait_type: str | None = None  # LCK_M_X, WAITFOR, WRITELOG, ASYNC_NETWORK_IO ...
        self.last_wait_type: str | None = None  # the previous wait's type (sys.dm_exec_requests.last_wait_type)
        self.wait_resource: str = ""
        self.wait_started: float = 0.0
        self._waiter: asyncio.Future[Any] | None = None
        self._greenlet: _TaskGreenlet | None = None
        self._noninterruptible = 0
        self._deadline = 0.0
        self._clock_countdown = _TICKS_PER_CLOCK_READ
        self.cpu_ns = 0  # CPU time of the engine thread spent inside this task (dm_exec_requests.cpu_time)

    # -- running ---------------------------------------------------------------------------------------------

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` as this task's greenlet on the current loop, serving its waits until it ends."""
        child = _TaskGreenlet(fn, parent=greenlet.getcurrent())
        child.task = self
        self._greenlet = child
        self._deadline = time.monotonic() + SLICE_SECONDS
        clock = time.thread_time_ns
        started = clock()
        request: Any = child.switch(*args)
        self.cpu_ns += clock() - started
        while not child.dead:
            try:
                value = await request
            except BaseException as exc:
                started = clock()
                request = child.throw(exc)
            else:
                started = clock()
                request = child.switch(value)
            self.cpu_ns += clock() - started
        self._greenlet = None
        return request  # type: ignore[no-any-return]

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
        if greenlet.getcurrent() is not self._greenlet:
            raise RuntimeError("Task.wait called outside its task")
        try:
            self.check()
        except Interrupted:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()  # made for this wait (a sleep) and never to run: closed unstarted, not leaked
            raise
        waiter: asyncio.Future[T] = self.loop.create_future()
        inner = asyncio.ensure_future(awaitable, loop=self.loop)
        inner.add_done_callback(lambda done: _copy_outcome(done, waiter))
        timer = None
        if timeout is not None:
            timer = self.loop.call_later(timeout, _fail, waiter, WaitTimeout())
        self._waiter = waiter
        self.wait_type = wait_type
        self.wait_resource = resource
        self.wait_started = time.monotonic()
        try:
            assert self._greenlet is not None
            result: T = self._greenlet.parent.switch(waiter)
            return result
        finally:
            self._waiter = None
            if wait_type is not None:
                self.last_wait_type = wait_type
            self.wait_type = None
            self.wait_resource = ""
            if timer is not None:
                timer.cancel()
            if inner is not awaitable and not inner.done():
                inner.cancel()  # a coroutine the task wrapped (a sleep): ours to stop; someone else's future is not
            self._deadline = time.monotonic() + SLICE_SECONDS

    def tick(self) -> None:
        """A safe point: raise if interrupted; give the loop back when the time slice is used up."""
        if self.interrupt is not None and not self._noninterruptible:
            raise Interrupted(self.interrupt)
        self._clock_countdown -= 1
        if self._clock_countdown <= 0:
            self._clock_countdown = _TICKS_PER_CLOCK_READ
            if time.monotonic() >= self._deadline:
                self.yield_now()

    def yield_now(self) -> None:
        self.wait(asyncio.sleep(0))

    def yield_if_due(self) -> None:
        """Give the loop back if this slice is used up (reads the clock every call: for loops whose iterations are
        themselves large batches, where ``tick``'s sampling would read it too rarely)."""
        if time.monotonic() >= self._deadline:
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


def current_task() -> Task | None:
    """The task whose greenlet is running now, if any."""
    current = greenlet.getcurrent()
    return current.task if isinstance(current, _TaskGreenlet) else None


def safe_point() -> None:
    """A safe point for code that does not hold its task (the parser, the expression compiler): inside a task, raise
    if interrupted and yield if the slice is used up (reading the clock: callers already space their calls, every
    256 tokens or one per compiled node); outside a task (parsing on another thread, a test), nothing."""
    current = greenlet.getcurrent()
    if isinstance(current, _TaskGreenlet):
        task = current.task
        task.check()
        task.yield_if_due()


class EngineThread:
    """The thread that owns engine state, running its event loop until ``stop()``."""

    def __init__(self, name: str = "quietus-engine") -> None:
        if sys.getswitchinterval() > SWITCH_INTERVAL_SECONDS:
            sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        configure_collector()  # full garbage collections rarer: see engine/memory.py
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._started.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    @property
    def on_engine_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the engine loop from another thread and block until it finishes."""
        if self.on_engine_thread:
            raise RuntimeError("EngineThread.call from the engine thread would deadlock")
        return self.submit(coro).result()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
