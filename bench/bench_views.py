"""Session views under load: print how long the views take with 10,000 sessions open.

    python bench/bench_views.py [--sessions N] [--repeats R]

Goal (docs/design/views.md): sys.dm_exec_sessions with 10,000 sessions in at most 100 ms, the whole query (plan,
rows, result collection) as a client would run it.  The other session views are printed beside it, and the raw row
builder (no query around it) for comparison.  Figures only; the test suite never asserts timings.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import quietus
from quietus.admin.exec_views import session_rows
from quietus.dbapi import Connection
from quietus.engine.scheduler import Task
from quietus.sql.context import ExecContext
from quietus.sql.results import CollectingSink

QUERIES = (
    "SELECT * FROM sys.dm_exec_sessions",
    "SELECT session_id, login_name, status FROM sys.dm_exec_sessions WHERE is_user_process = 1",
    "SELECT * FROM sys.dm_exec_requests",
    "SELECT * FROM sys.sysprocesses",
    "EXEC sp_who",
    "SELECT * FROM sys.dm_tran_locks",
    "SELECT * FROM v$session",
    "SELECT sid, serial#, status, server FROM v$session WHERE username = 'JWARD'",
)


def best_ms(run: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def open_idle_sessions(conn: Connection, count: int) -> None:
    """Open user sessions beside ``conn``'s until ``count`` are open (50 host names, one program)."""

    async def open_sessions() -> None:
        for i in range(count - 1):
            await conn.instance.open_session(login_name="sa", host_name=f"host{i % 50}", program_name="bench")

    conn._engine.thread.call(open_sessions())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with quietus.connect(None, autocommit=True) as conn:
        engine = conn._engine
        open_idle_sessions(conn, args.sessions)
        print(f"{args.sessions} user sessions open; best of {args.repeats} runs")
        for query in QUERIES:
            rows = len(conn.run(query).result_sets[-1].rows)
            ms = best_ms(lambda query=query: conn.run(query), args.repeats)
            print(f"  {ms:8.1f} ms  {rows:6d} rows  {query}")

        async def builder_only() -> float:
            env = engine.instance.env
            assert env is not None
            ctx = ExecContext(conn.session, Task(asyncio.get_running_loop()), env, CollectingSink())
            return best_ms(lambda: list(session_rows(ctx)), args.repeats)

        print(f"  {engine.thread.call(builder_only()):8.1f} ms  row builder of sys.dm_exec_sessions alone")


if __name__ == "__main__":
    main()
