"""Wait statistics: what sys.dm_os_wait_stats (the server) and sys.dm_exec_session_wait_stats (each session) count.

Every ``Task.wait`` with a wait type (a lock, WAITFOR, a commit's log flush, a full socket ...) adds one wait of that
type when it ends; a time slice given back (``Task.yield_now``) adds one ``SOS_SCHEDULER_YIELD``, as SQL Server's
schedulers count a quantum given up.  Per wait type:

| column              | what is added when a wait ends                                                       |
|---------------------|----------------------------------------------------------------------------------------|
| waiting_tasks_count | 1                                                                                      |
| wait_time_ms        | from the start of the wait until the task runs again (signal time included)           |
| max_wait_time_ms    | the longest such wait                                                                  |
| signal_wait_time_ms | from the moment what it waited for happened until it ran again (time spent runnable) |

A slice given back waits only for the loop's other ready work: all of its time is signal time.  The server's figures
are the process's (embedded instances in one process share them, as they share ``vfs.IO``); a session's start empty
and are dropped with it.  Times are kept in seconds and shown in whole milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator

SCHEDULER_YIELD = "SOS_SCHEDULER_YIELD"


class WaitStatistics:
    """Per wait type: [count, total seconds, longest seconds, signal seconds]."""

    __slots__ = ("_by_type",)

    def __init__(self) -> None:
        self._by_type: dict[str, list[float]] = {}

    def record(self, wait_type: str, seconds: float, signal_seconds: float) -> None:
        entry = self._by_type.get(wait_type)
        if entry is None:
            entry = self._by_type[wait_type] = [0, 0.0, 0.0, 0.0]
        entry[0] += 1
        entry[1] += seconds
        if seconds > entry[2]:
            entry[2] = seconds
        entry[3] += signal_seconds

    def rows(self) -> Iterator[tuple[str, int, int, int, int]]:
        """(wait_type, waiting_tasks_count, wait_time_ms, max_wait_time_ms, signal_wait_time_ms), by wait type."""
        for wait_type in sorted(self._by_type):
            count, total, longest, signal = self._by_type[wait_type]
            yield wait_type, int(count), int(total * 1000), int(longest * 1000), int(signal * 1000)

    def clear(self) -> None:
        self._by_type.clear()


SERVER_WAITS = WaitStatistics()
