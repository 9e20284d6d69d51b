"""The engine's tasks: waits, wake-ups, time slices and non-interruptible sections."""

from __future__ import annotations

import _thread
import asyncio
import contextvars
import inspect
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import greenlet
import pytest

from quietus.engine.interrupts import Interrupted, InterruptReason
from quietus.engine.scheduler import EngineThread, Task, WaitTimeout, current_task, start_eagerly
from tests.harness import interrupt, scenario, wait_until_running


def test_wait_returns_result_or_raises_and_a_kill_wakes_a_waiter() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        never: asyncio.Future[int] = loop.create_future()
        done: asyncio.Future[int] = loop.create_future()
        done.set_result(7)
        sleeper, killed = Task(loop), Task(loop)
        assert await sleeper.run(lambda: sleeper.wait(done)) == 7

        def wait_forever() -> str:
            try:
                killed.wait(never, "LCK_M_X")
            except Interrupted as interrupt:
                return interrupt.reason.value
            return "woke without a reason"

        running = asyncio.ensure_future(killed.run(wait_forever))
        await asyncio.sleep(0)
        assert killed.is_waiting and killed.wait_type == "LCK_M_X"
        assert killed.set_interrupt(InterruptReason.KILLED)
        assert not killed.set_interrupt(InterruptReason.ATTENTION)  # the first reason wins
        assert await running == "killed"
        assert not never.done()  # the waker never touched the awaited future, only the task's own

    asyncio.run(main())


def test_one_worker_greenlet_serves_task_after_task_and_carries_nothing_from_one_to_the_next() -> None:
    """Tasks reuse idle worker greenlets (a new greenlet per request is costly): an exception still reaches the
    task's driver, a task killed in a wait still unwinds, and no context variable or task leaks to the next."""
    setting: contextvars.ContextVar[str] = contextvars.ContextVar("setting", default="unset")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        workers: list[greenlet.greenlet] = []

        def fails() -> None:
            workers.append(greenlet.getcurrent())
            setting.set("set by the failed task")
            raise ValueError("boom")

        with pytest.raises(ValueError, match="boom"):
            await Task(loop).run(fails)
        killed = Task(loop)

        def waits() -> None:
            workers.append(greenlet.getcurrent())
            killed.wait(loop.create_future(), "LCK_M_X")

        running = asyncio.ensure_future(killed.run(waits))
        await asyncio.sleep(0)
        killed.set_interrupt(InterruptReason.KILLED)
        with pytest.raises(Interrupted):
            await running
        task = Task(loop)

        def reads() -> tuple[str, Task | None]:
            workers.append(greenlet.getcurrent())
            return setting.get(), current_task()

        assert await task.run(reads) == ("unset", task)
        assert workers[0] is workers[1] is workers[2]  # one worker, reused
        assert current_task() is None  # outside a task again

    asyncio.run(main())


def test_wait_timeout() -> None:
    async def main() -> None:
        task = Task(asyncio.get_running_loop())

        def body() -> None:
            task.wait(asyncio.sleep(10), timeout=0.01)

        with pytest.raises(WaitTimeout):
            await task.run(body)

    asyncio.run(main())


def test_a_wait_refused_by_an_earlier_interrupt_closes_the_coroutine_it_was_given() -> None:
    """WAITFOR in a killed task: its sleep coroutine is closed, never left for the GC to warn about."""

    async def main() -> None:
        task = Task(asyncio.get_running_loop())
        sleep = asyncio.sleep(10)

        def body() -> None:
            task.set_interrupt(InterruptReason.KILLED)
            task.wait(sleep, "WAITFOR")

        with pytest.raises(Interrupted):
            await task.run(body)
        assert inspect.getcoroutinestate(sleep) == inspect.CORO_CLOSED

    asyncio.run(main())


def test_interrupt_is_raised_at_the_next_safe_point_but_not_inside_a_noninterruptible_section() -> None:
    async def main() -> None:
        task = Task(asyncio.get_running_loop())
        progress: list[str] = []

        def body() -> None:
            task.set_interrupt(InterruptReason.KILLED)
            with task.noninterruptible():
                for _ in range(1000):
                    task.tick()  # a classic rollback goes on
                progress.append("rollback finished")
            task.tick()
            progress.append("not reached")

        with pytest.raises(Interrupted):
            await task.run(body)
        assert progress == ["rollback finished"]

    asyncio.run(main())


def test_a_long_scan_does_not_stall_another_session(tmp_path: Path) -> None:
    """The busy request scans for ever, so it cannot finish before the quick one is measured: the quick query
    completing at all (within the harness's step limit) shows that the scan yields; no timing is asserted."""
    with scenario(tmp_path) as sc:
        busy, quick = sc.session("busy"), sc.session("quick")
        busy.run("CREATE TABLE d (n INT PRIMARY KEY)")
        busy.run("INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        endless_scan = busy.start(
            "DECLARE @n INT; WHILE 1 = 1 SELECT @n = COUNT(*) FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e"
        )
        wait_until_running(busy)
        assert quick.value("SELECT 42") == 42
        assert not endless_scan.done
        interrupt(busy, InterruptReason.ATTENTION)
        endless_scan.result()  # the scan stops at its next safe point
        assert busy.value("SELECT COUNT(*) FROM d") == 10


def test_an_embedded_caller_runs_its_request_on_its_own_thread_and_the_loop_never_runs_meanwhile() -> None:
    """EngineThread.run: no hop (the request's greenlet runs on the caller's thread), one owner at a time (a
    callback the loop has ready while the caller runs waits until the caller lets go), and a wait inside the
    request lets go (the loop completes the awaited future) and resumes on the caller's thread."""
    engine = EngineThread("test-engine")
    try:
        caller = threading.get_ident()
        seen: list[tuple[str, int, bool]] = []
        busy = False

        def on_loop() -> None:
            seen.append(("loop callback", threading.get_ident(), busy))

        async def request() -> str:
            loop = asyncio.get_running_loop()
            task = Task(loop)

            def body() -> str:
                nonlocal busy
                busy = True
                seen.append(("request", threading.get_ident(), busy))
                loop.call_soon_threadsafe(on_loop)
                time.sleep(0.05)  # lets go of the GIL: the loop's thread could run now if it owned the engine
                busy = False
                later: asyncio.Future[str] = loop.create_future()
                loop.call_later(0.01, later.set_result, "woken")
                answer = task.wait(later, "WAITFOR")  # lets go of the engine until the loop sets it
                seen.append(("resumed", threading.get_ident(), busy))
                return answer

            return await task.run(body)

        assert engine.run(request()) == "woken"
        assert seen[0] == ("request", caller, True)
        assert seen[1][0] == "loop callback" and seen[1][1] != caller and seen[1][2] is False
        assert seen[2] == ("resumed", caller, False)
        with pytest.raises(ZeroDivisionError):  # an exception ends the run and lets go (the next run works)

            async def failing() -> None:
                raise ZeroDivisionError

            engine.run(failing())
        assert engine.run(asyncio.sleep(0, "again")) == "again"
        assert engine.call(asyncio.sleep(0, "hop")) == "hop"  # the loop's thread still owns it between runs
    finally:
        engine.stop()


def test_start_eagerly_runs_a_request_that_never_waits_within_the_call_and_hands_the_rest_to_the_loop() -> None:
    async def main() -> None:
        steps: list[str] = []

        async def quick() -> None:
            steps.append("quick")

        assert start_eagerly(quick()) is None
        assert steps == ["quick"]  # already done: no loop turn was needed

        async def waits() -> None:
            steps.append("first step")
            await asyncio.sleep(0.01)
            steps.append("after the wait")
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                steps.append("cancelled")
                raise

        task = start_eagerly(waits())
        assert task is not None and steps[-1] == "first step"
        await asyncio.sleep(0.05)
        assert steps[-1] == "after the wait"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert steps[-1] == "cancelled"

    asyncio.run(main())


def _lock_wait_seen(watcher: Any, session_id: int) -> bool:
    query = f"SELECT 1 FROM sys.dm_exec_requests WHERE session_id = {session_id} AND wait_type LIKE 'LCK%'"
    return bool(watcher.run(query).result_sets[-1].rows)


def _ctrl_c_in_a_lock_wait(
    data: Path, press: Callable[[Any, Any], None], arm: Callable[[Any], None] = lambda caller: None
) -> None:
    """An embedded caller on the main thread waits for a row lock; ``press(caller, watcher)`` (on another thread,
    once the wait shows in sys.dm_exec_requests; ``watcher`` a third connection) makes Ctrl-C reach it (or ``arm``,
    given the caller just before its statement, has prepared it to).  The request
    must be cancelled as a TDS attention cancels it (its lock wait ends, nothing of it stays), the KeyboardInterrupt
    must reach the caller, and the session must go on."""
    import quietus

    with quietus.connect(data, autocommit=True) as caller, quietus.connect(data, autocommit=True) as holder:
        caller.run("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        caller.run("INSERT INTO t VALUES (1, 1)")
        holder.run("BEGIN TRAN; UPDATE t SET v = 10 WHERE id = 1")
        assert threading.main_thread().ident == threading.get_ident()

        def watch_then_press() -> None:
            deadline = time.monotonic() + 10
            with quietus.connect(data, autocommit=True) as watcher:
                while not _lock_wait_seen(watcher, caller.session_id) and time.monotonic() < deadline:
                    time.sleep(0.01)
                press(caller, watcher)

        threading.Thread(target=watch_then_press, daemon=True).start()
        arm(caller)
        with pytest.raises(KeyboardInterrupt) as pressed:  # kept, as a REPL keeps sys.last_traceback
            caller.run("UPDATE t SET v = 2 WHERE id = 1")
        held = (
            "SELECT COUNT(*) FROM sys.dm_tran_locks WHERE resource_type <> 'DATABASE' "
            f"AND request_session_id = {caller.session_id}"
        )
        assert holder.run(held).result_sets[-1].rows == [(0,)]
        running = f"SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id = {caller.session_id}"
        assert holder.run(running).result_sets[-1].rows == [(0,)]
        holder.run("COMMIT")
        assert caller.run("SELECT v FROM t WHERE id = 1").result_sets[-1].rows == [(10,)]  # the UPDATE never ran
        assert pressed.type is KeyboardInterrupt


def _sigint_to_main() -> None:
    main = threading.main_thread().ident
    assert main is not None
    signal.pthread_kill(main, signal.SIGINT)


def test_ctrl_c_in_an_embedded_caller_cancels_its_request_instead_of_leaving_it_suspended(tmp_path: Path) -> None:
    """Ctrl-C as a terminal sends it: SIGINT to the main thread while its request waits for a lock.  Before, the
    request was left suspended for ever and took the lock once the holder committed."""
    _ctrl_c_in_a_lock_wait(tmp_path / "data", lambda caller, watcher: _sigint_to_main())


def test_a_ctrl_c_due_before_the_caller_blocks_still_cancels_its_request(tmp_path: Path) -> None:
    """A Ctrl-C whose handler is due but not yet run when the caller blocks (one that arrived while the main thread
    waited for the GIL under load; ``_thread.interrupt_main``, as IDEs send it, always is): CPython's lock wait
    breaks only for a signal that arrives during it, so the caller must look for it (``INTERRUPT_POLL_SECONDS``).
    Before, the caller slept until the holder committed, then took the lock.  Were it missed, a real SIGINT sent 10 s
    later ends the wait and the test fails."""
    missed = threading.Event()

    def interrupt_main(caller: Any, watcher: Any) -> None:
        _thread.interrupt_main()
        deadline = time.monotonic() + 10
        while _lock_wait_seen(watcher, caller.session_id):
            if time.monotonic() > deadline:
                missed.set()
                _sigint_to_main()
                return
            time.sleep(0.01)

    _ctrl_c_in_a_lock_wait(tmp_path / "data", interrupt_main)
    assert not missed.is_set()


def test_a_ctrl_c_that_lands_as_the_caller_lets_go_of_the_engine_still_cancels_its_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that lands after the caller let go of the engine but before it blocks: while it wakes the loop (a
    socket write, where the GIL is let go and a signal's handler runs as it is taken back), as seen under load.
    Before, the KeyboardInterrupt left from there with the request suspended (and the engine let go twice)."""
    armed: list[Any] = []  # the caller, once its statement is about to run
    pressed = threading.Event()
    wake_loop = EngineThread._wake_loop

    def wake_loop_then_sigint(thread: EngineThread) -> None:
        wake_loop(thread)
        task = armed[0].session.task if armed and threading.current_thread() is threading.main_thread() else None
        if task is not None and (task.wait_type or "").startswith("LCK") and not pressed.is_set():
            pressed.set()
            signal.raise_signal(signal.SIGINT)  # its handler runs as this call returns, still in _wake_loop

    monkeypatch.setattr(EngineThread, "_wake_loop", wake_loop_then_sigint)
    _ctrl_c_in_a_lock_wait(tmp_path / "data", lambda caller, watcher: None, arm=armed.append)
    assert pressed.is_set()


def test_a_request_closed_before_it_starts_leaves_no_coroutine_never_awaited() -> None:
    """An embedded caller interrupted before its request starts closes the request unstarted (EngineThread.run);
    the batch's own coroutine must not have been made yet, or Python warns that it was never awaited."""
    import gc
    import warnings

    import quietus
    from quietus.sql.results import CollectingSink

    with quietus.connect(None, autocommit=True) as connection:
        request = connection._engine.instance.execute(connection.session, "SELECT 1", CollectingSink())
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            request.close()
            del request
            gc.collect()
        assert [w for w in seen if issubclass(w.category, RuntimeWarning)] == []
        assert connection.run("SELECT 2").result_sets[-1].rows == [(2,)]  # the session is untouched
