"""The worker greenlets a request's task runs on (engine/scheduler.py's theory of operation).

They are kept out of the compiled task module (engine/task.py): ``greenlet`` has no type stubs, so a compiled class
deriving from it would be given a layout of mypyc's own, and its attribute stores would land in the real greenlet's
fields (docs/design/compiled.md).  Here, interpreted, they are ordinary Python classes the compiled task calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import greenlet

if TYPE_CHECKING:
    from quietus.engine.task import Task


class TaskGreenlet(greenlet.greenlet):  # type: ignore[misc]
    """A worker greenlet: runs one task's function after another (``work``), so that a request does not pay for
    a new greenlet (its creation and end cost ~30x a switch: a fresh C stack slice and a Python frame chunk that is
    mapped and unmapped each time).  Idle workers wait in their thread's pool (``POOLS.workers``)."""

    task: Task | None


class Finished:
    """What a worker hands its driver when a function has ended: its value or the exception it raised.  A worker
    has one and fills it for each job; the driver takes both out (engine/task.py) before the worker's next job."""

    __slots__ = ("error", "value")

    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None


def work(job: tuple[Callable[..., Any], tuple[Any, ...]]) -> None:
    """A worker greenlet's body: run each job it is given and hand back how it ended; then wait for the next."""
    me = greenlet.getcurrent()
    finished = Finished()
    while True:
        fn, args = job
        try:
            finished.value = fn(*args)
        except greenlet.GreenletExit:
            raise  # the worker itself is being ended (collected while suspended): not a job's outcome
        except BaseException as exc:
            finished.error = exc
        fn = args = None  # type: ignore[assignment]  # nothing of the job outlives it in the idle worker
        job = me.parent.switch(finished)


IDLE_WORKERS = 64  # idle worker greenlets kept per thread; more are ended when their task ends


class _Pools(threading.local):
    """Each thread's idle workers (a greenlet runs only on the thread that made it): ``POOLS.workers``."""

    def __init__(self) -> None:
        self.workers: list[TaskGreenlet] = []


POOLS = _Pools()


def current_task() -> Task | None:
    """The task whose greenlet is running now, if any."""
    current = greenlet.getcurrent()
    return current.task if isinstance(current, TaskGreenlet) else None
