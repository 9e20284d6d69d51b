"""One owner of engine state: an event loop on one thread, with requests as greenlets on it.

Theory of operation
-------------------
All engine state (tables, versions, locks, transactions, sessions) belongs to the thread that runs the engine's
asyncio loop.  A request runs as a *task*: on a greenlet driven by a coroutine on that loop (an idle worker greenlet
of the thread is reused when there is one: a new greenlet per request cost ~10 us).  The executor inside it
is plain synchronous Python.  Where it must wait (a lock, WAITFOR, a commit's fsync, a socket that will not drain,
or simply the end of its time slice) it calls ``Task.wait(awaitable)``, which switches from the greenlet back to the
driving coroutine; the coroutine awaits, then switches back in with the result or throws the exception in.  This is
the bridge SQLAlchemy's asyncio layer uses, and it lets the executor stay synchronous while no request can stall the
others.  ``Task`` lives in engine/task.py (compiled), its worker greenlets in engine/workers.py; this module has the
engine thread, its ownership and ``start_eagerly``.

Invariants
----------
1. Engine state is touched only by the holder of the engine's ownership, one thread at a time: the engine thread
   while its loop runs (it lets go only while it sleeps in ``select``), or an embedded caller while it runs its own
   request on its own thread (``EngineThread.run``, no hop); ``EngineThread.call`` hops to the engine thread.
2. A task waits only through ``Task.wait``; the awaited thing is wrapped in a future the task owns, so a waker
   (a kill, a timeout) fails the task's own future and never the lock manager's or anyone else's.
3. A task yields at least every ``SLICE_SECONDS`` of work when it calls ``tick()`` at its safe points.
4. An interrupt reason is set once; the first wins.  It is raised at the next safe point, or at once if the task
   is waiting, unless the task is in a non-interruptible section (a classic rollback).

State diagram of a task::

    created --start()--> running --wait()--> waiting --(result | wake)--> running --return/raise--> done
                            \\--tick() past slice--> yielding --(next loop turn)--> running

Ownership of the engine loop (``EngineThread``)::

    engine thread: running callbacks (owns) --select() with a timeout--> sleeping (lets go) --events--> owns again
    embedded caller: takes it (the loop sleeps: no thread switch) --its request runs on the caller's thread-->
                     done: lets go, wakes the loop if it left callbacks | waits: lets go, wakes the loop, sleeps
                     until the awaited future is done, takes it again

A task's greenlet is bound to the thread that started it, so a request an embedded caller starts is driven to its
end by that caller (its coroutine is never handed to the loop); the loop only completes the futures it awaits.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import math
import selectors
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from quietus.engine.memory import configure_collector
from quietus.engine.task import SLICE_SECONDS, Task, WaitTimeout
from quietus.engine.workers import current_task

__all__ = ["SLICE_SECONDS", "EngineThread", "Task", "WaitTimeout", "current_task", "safe_point", "start_eagerly"]

T = TypeVar("T")

# CPython's GIL: a thread waiting for it asks the holder to drop it only if no switch happened during one switch
# interval (5 ms by default).  The engine loop releases and at once retakes the GIL in every select(), i.e. at every
# yield (each slice, 2 ms), which resets that timer; so a client thread of the embedded API never asked and only got
# the GIL by winning a race, and could wait out a whole scan.  An interval shorter than a slice makes it ask.
SWITCH_INTERVAL_SECONDS = SLICE_SECONDS / 2
# A timer due this close to when the sleeping loop wakes anyway needs no wake-up (the loop's deadline is the first
# timer's, read back from a second clock reading: without a margin it looks later than that timer and every
# embedded statement would wake the loop for nothing).
WAKE_MARGIN_SECONDS = 0.001


# How often a caller waiting for the loop looks for a Ctrl-C that a blocking wait cannot see: CPython breaks a lock
# wait for a signal only if the signal arrives during the wait; one that arrived just before (while the main thread
# waited for the GIL, or ``_thread.interrupt_main``) is run at the next bytecode after the wait, which would be never.
INTERRUPT_POLL_SECONDS = 0.05


class _Resumed:
    """Rung (on the loop's thread) when what an embedded caller's request awaits is done; the caller waits for it.
    ``rung`` is the truth and the lock only wakes the caller, so an exception that lands in the caller's thread at
    any bytecode of the wait, even just after the lock was taken, leaves the wait answerable."""

    __slots__ = ("_bell", "rung")

    def __init__(self) -> None:
        self.rung = False
        self._bell = threading.Lock()
        self._bell.acquire()

    def ring(self, _done: object = None) -> None:
        self.rung = True
        self._bell.release()

    def wait(self) -> None:
        bell = self._bell
        while not self.rung:
            bell.acquire(timeout=INTERRUPT_POLL_SECONDS)


def start_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro``'s first step now, in the calling callback; if it must wait, the rest becomes a task of the
    running loop (returned), else None: a request that never waits costs no loop turn before it starts (Python
    3.12's eager task factory, by hand).  Interpreted on purpose: compiled, the ``except StopIteration`` of every
    request that ends in its first step built a traceback entry first (mypyc's ``CPy_AddTraceback`` makes a code
    object and a frame), ~0.3 µs more than the interpreter's catch (docs/design/compiled.md)."""
    try:
        awaited = coro.send(None)
    except StopIteration:
        return None
    return asyncio.get_running_loop().create_task(_resume(coro, awaited))


async def _resume(coro: Coroutine[Any, Any, None], awaited: Any) -> None:
    """Drive the rest of a coroutine started by ``start_eagerly``: await what it yielded, then resume it (a bare
    yield is one loop turn); if this task is cancelled first, the cancellation is thrown into it."""
    while True:
        if awaited is not None:
            awaited._asyncio_future_blocking = False  # it was yielded once already; awaiting it again yields it anew
        try:
            await (asyncio.sleep(0) if awaited is None else awaited)
        except BaseException as exc:
            if awaited is None or not awaited.done():  # this task was cancelled, not the awaited future failed
                try:
                    awaited = coro.throw(exc)
                except StopIteration:
                    return
                continue
        try:
            awaited = coro.send(None)  # the coroutine reads the awaited future's outcome itself
        except StopIteration:
            return


def safe_point() -> None:
    """A safe point for code that does not hold its task (the parser, the expression compiler): inside a task, raise
    if interrupted and yield if the slice is used up (reading the clock: callers already space their calls, every
    256 tokens or one per compiled node); outside a task (parsing on another thread, a test), nothing."""
    task = current_task()
    if task is not None:
        task.check()
        task.yield_if_due()


class Ownership:
    """The right to touch engine state: held by one thread at a time and handed over in arrival order (a FIFO
    lock with direct hand-off), so neither the loop's thread nor an embedded caller can starve the other."""

    __slots__ = ("_guard", "_held", "_queue")

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._queue: collections.deque[threading.Lock] = collections.deque()

    @property
    def wanted(self) -> bool:
        """Someone is waiting for it."""
        return bool(self._queue)

    def acquire(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._queue.append(turn)
        try:
            turn.acquire()  # released by the holder that hands it to us
        except BaseException:  # interrupted while queued: leave the queue, or pass it on if it was just handed over
            with self._guard:
                queued = turn in self._queue
                if queued:
                    self._queue.remove(turn)
            if not queued:
                self.release()
            raise

    def release(self) -> None:
        with self._guard:
            if self._queue:
                self._queue.popleft().release()  # still held: now by the next in line
            else:
                self._held = False


class _LettingGoSelector(selectors.DefaultSelector):
    """The engine loop's selector: the loop's thread lets go of the engine's ownership while it sleeps in
    ``select`` (the only place the loop waits), so an embedded caller can take it without a thread switch; and
    between two busy turns when a caller is waiting for it."""

    def __init__(self, ownership: Ownership) -> None:
        super().__init__()
        self._ownership = ownership
        self.sleeping_until = math.inf  # the loop's clock time the current select sleeps until (inf: no timeout)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout <= 0 and not self._ownership.wanted:
            return super().select(timeout)  # callers are ready and nobody waits: a poll, nothing to let go for
        self.sleeping_until = math.inf if timeout is None else time.monotonic() + timeout
        self._ownership.release()
        try:
            return super().select(timeout)
        finally:
            self._ownership.acquire()


class Retaken:
    """What ``EngineThread.let_go`` yields: the exception (Ctrl-C) that reached the caller while it queued to take the
    engine back, if one did; the caller decides when to raise it."""

    __slots__ = ("interrupt",)

    def __init__(self) -> None:
        self.interrupt: BaseException | None = None


class EngineThread:
    """The thread that owns engine state, running its event loop until ``stop()``."""

    def __init__(self, name: str = "quietus-engine") -> None:
        if sys.getswitchinterval() > SWITCH_INTERVAL_SECONDS:
            sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        configure_collector()  # full garbage collections rarer: see engine/memory.py
        self._ownership = Ownership()
        self._selector = _LettingGoSelector(self._ownership)
        self.loop = asyncio.SelectorEventLoop(self._selector)
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._started.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self._ownership.acquire()
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
            self._ownership.release()

    @contextlib.contextmanager
    def let_go(self) -> Iterator[Retaken]:
        """On a caller's thread that holds the engine (inside ``run``): let go of it around a blocking call, so the
        loop and other callers go on meanwhile, and take it back after, whatever happens: an exception raised while
        queued to take it back (Ctrl-C) does not stop that; it is kept in what this yields (``interrupt``)."""
        retaken = Retaken()
        self._ownership.release()
        try:
            yield retaken
        finally:
            while True:
                try:
                    self._ownership.acquire()
                    break
                except BaseException as caught:  # queued again until held
                    retaken.interrupt = retaken.interrupt or caught

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

    def run(self, coro: Coroutine[Any, Any, T], cancel: Callable[[], object] | None = None) -> T:
        """Run ``coro`` to its end on the calling thread, holding the engine's ownership while it runs (the loop's
        thread is asleep in ``select`` then, or waits for it): no thread hop.  Where ``coro`` awaits a future (a
        lock, the log's flush, a slice's end) the caller lets go, the loop completes the future, and the caller
        takes ownership back and goes on.

        An exception raised in the caller's thread while it waits (Ctrl-C's KeyboardInterrupt) never leaves ``coro``
        suspended with what it holds (its locks, its session's request): ``cancel`` is called under ownership (an
        embedded request is cancelled as by a TDS attention), ``coro`` is driven to its end, and then the exception
        is raised."""
        if self.on_engine_thread:
            raise RuntimeError("EngineThread.run from the engine thread would deadlock")
        loop = self.loop
        ownership = self._ownership
        try:
            ownership.acquire()
        except BaseException:
            coro.close()  # interrupted before it started: nothing to undo
            raise
        pending: BaseException | None = None
        try:
            asyncio._set_running_loop(loop)
            while True:
                try:
                    awaited = coro.send(None)
                except StopIteration as finished:
                    if pending is not None:
                        raise pending from None
                    return finished.value  # type: ignore[no-any-return]
                if awaited is not None and awaited.done():
                    continue  # done while we held it: go on at once
                resumed = _Resumed()
                if awaited is None:  # a bare yield (sleep(0)): give the loop one turn
                    loop.call_soon(resumed.ring)
                else:
                    awaited._asyncio_future_blocking = False
                    awaited.add_done_callback(resumed.ring)
                asyncio._set_running_loop(None)
                ownership.release()
                try:
                    broken = self._wait_outside(resumed)
                    while broken is not None:  # the caller was interrupted: cancel once, wait on
                        if pending is None and cancel is not None:
                            ownership.acquire()
                            try:
                                cancel()
                            finally:
                                ownership.release()
                        pending = pending or broken
                        broken = self._wait_outside(resumed)
                finally:
                    ownership.acquire()
                    asyncio._set_running_loop(loop)
        finally:
            asyncio._set_running_loop(None)
            ownership.release()
            self._wake_loop()

    def _wait_outside(self, resumed: _Resumed) -> BaseException | None:
        """With the engine let go: wake the loop if it has work, and wait until ``resumed`` rings; the exception
        that broke this (Ctrl-C) instead, wherever it landed (waking the loop writes to a socket, where the GIL is let
        go and a signal's handler is run as it is taken back), if any."""
        try:
            self._wake_loop()
            resumed.wait()
        except BaseException as exc:
            return exc
        return None

    def _wake_loop(self) -> None:
        """Wake the loop's select if the caller left it work it would otherwise sleep past: ready callbacks (a
        waiter woken, a task created) or a timer due before the select's timeout."""
        loop: Any = self.loop
        if loop.is_closed():
            return
        scheduled = loop._scheduled
        if loop._ready or (scheduled and scheduled[0].when() < self._selector.sleeping_until - WAKE_MARGIN_SECONDS):
            loop._write_to_self()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
