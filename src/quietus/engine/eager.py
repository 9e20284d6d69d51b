"""Starting a coroutine in the calling callback: a request that never waits costs no loop turn before it starts.

Python 3.12's eager task factory, by hand (3.11 has none): ``start_eagerly`` runs the coroutine's first step now;
only if that step waits does the rest become a task of the running loop, driven by ``_resume``.  Compiled
(docs/design/compiled.md): every TDS and Oracle Net request starts here.  Re-exported by engine/scheduler.py."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro``'s first step now, in the calling callback; if it must wait, the rest becomes a task of the
    running loop (returned), else None."""
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
