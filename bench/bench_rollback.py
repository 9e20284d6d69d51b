"""Rollback in both modes, on this machine, in-process.

Goals (issue 2): classic rollback undoes >= 200,000 rows per second; an accelerated abort of a 1,000,000-row update
releases every lock in <= 10 ms whatever the size.  Prints figures; asserts nothing.

    python bench/bench_rollback.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import quietus
from bench._load import load_rows, stopwatch


def locks_released_at(connection: quietus.dbapi.Connection) -> float:
    """Engine-side instant at which the session's transaction held no more locks (read on the engine thread)."""

    async def read() -> float:
        return time.perf_counter()

    return connection._engine.thread.call(read())


def run(rows: int, accelerated: bool) -> None:
    with quietus.connect(None, autocommit=True) as connection:
        load_rows(connection, rows)
        connection.run(f"ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = {'ON' if accelerated else 'OFF'}")
        with stopwatch() as update:
            connection.run("BEGIN TRAN; UPDATE t SET v = v + 1")
        database = connection.instance.master
        txn = connection.session.txn
        assert txn is not None
        undo = txn.work

        async def timed_rollback() -> tuple[float, int]:
            # measured inside the engine: from the rollback call to every lock released
            from quietus.engine.scheduler import Task

            task = Task(asyncio.get_running_loop())
            start = time.perf_counter()
            await task.run(database.rollback, task, txn)
            elapsed = time.perf_counter() - start
            return elapsed, database.locks.lock_count(txn)

        with stopwatch() as client:
            engine_seconds, left = connection._engine.thread.call(timed_rollback())
        connection.session.txn = None
        connection.session.trancount = 0
        mode = "accelerated" if accelerated else "classic"
        print(f"{mode:11} update of {rows:,} rows: {update[0]:.2f} s; undo records {undo:,}")
        if accelerated:
            print(f"{mode:11} abort: every lock released in {engine_seconds * 1000:.2f} ms (goal <= 10 ms); "
                  f"locks left {left}; round trip {client[0] * 1000:.1f} ms")
            start = time.perf_counter()
            while database.cleaner.aborted_versions_pending:
                time.sleep(0.05)
            print(f"{mode:11} cleaner removed {database.cleaner.aborted_versions_removed:,} versions in "
                  f"{time.perf_counter() - start:.2f} s after the abort (in the background)")
        else:
            print(f"{mode:11} rollback: {engine_seconds:.2f} s = {undo / engine_seconds:,.0f} undone rows/s "
                  f"(goal >= 200,000); locks left {left}")
        check = connection.run("SELECT SUM(CAST(v AS BIGINT)) FROM t").result_sets[0].rows[0][0]
        print(f"{mode:11} after rollback SUM(v) = {check:,} (expected {rows * (rows - 1) // 2:,})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    run(args.rows, accelerated=False)
    run(args.rows, accelerated=True)


if __name__ == "__main__":
    main()
