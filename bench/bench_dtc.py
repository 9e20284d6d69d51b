"""Distributed transactions, on this machine, embedded (a data directory: every log record is fsynced).

1. Commit latency: a one-row local commit beside a distributed one (prepare, then commit: two durable records).
2. From ``KILL 'uow' WITH ROLLBACK`` on an in-doubt transaction of N updated rows to a blocked waiter proceeding,
   in each rollback mode (classic undoes with its locks held; accelerated frees them at once).
3. Recovery time with 100 in-doubt transactions (their versions and locks restored), beside the same data without.

Prints figures; asserts nothing.

    python bench/bench_dtc.py [--rows 100000] [--commits 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import quietus
from bench._load import load_rows, stopwatch


def commit_latency(directory: Path, commits: int) -> None:
    with quietus.connect(directory, autocommit=True) as connection:
        connection.run("CREATE TABLE c (id INT PRIMARY KEY, v INT)")
        connection.run("INSERT INTO c VALUES (1, 0)")
        figures: dict[str, list[float]] = {"local": [], "distributed": []}
        for _ in range(commits):
            with stopwatch() as local:
                connection.run("BEGIN TRAN; UPDATE c SET v = v + 1 WHERE id = 1; COMMIT")
            with stopwatch() as distributed:
                connection.run("BEGIN DISTRIBUTED TRANSACTION; UPDATE c SET v = v + 1 WHERE id = 1")
                connection.run("EXEC sp_prepare_distributed_transaction")
                connection.run("COMMIT")
            figures["local"].append(local[0])
            figures["distributed"].append(distributed[0])
    for kind, times in figures.items():
        print(f"{kind:11} commit: median {statistics.median(times) * 1000:.2f} ms, "
              f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms over {commits}")  # fmt: skip


def prepare_and_leave(directory: Path, *statements: str) -> str:
    client = quietus.connect(directory, autocommit=True)
    client.run("BEGIN DISTRIBUTED TRANSACTION")
    for statement in statements:
        client.run(statement)
    uow = str(client.run("EXEC sp_prepare_distributed_transaction").result_sets[0].rows[0][0])
    client.close()
    return uow


def kill_to_waiter(directory: Path, rows: int, accelerated: bool) -> None:
    with quietus.connect(directory, autocommit=True) as dba:
        load_rows(dba, rows)
        dba.run(f"ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = {'ON' if accelerated else 'OFF'}")
        uow = prepare_and_leave(directory, "UPDATE t SET v = v + 1")
        waiter = quietus.connect(directory, autocommit=True)
        finished: list[float] = []

        def wait() -> None:
            waiter.run("SELECT v FROM t WHERE id = 0")
            finished.append(time.perf_counter())

        thread = threading.Thread(target=wait)
        thread.start()
        while not waiter.instance.registry.get(waiter.session.session_id).task:  # its request has begun
            time.sleep(0.001)
        time.sleep(0.05)
        start = time.perf_counter()
        dba.run(f"KILL '{uow}' WITH ROLLBACK")
        thread.join()
        waiter.close()
        mode = "accelerated" if accelerated else "classic"
        print(f"{mode:11} KILL '{{uow}}' WITH ROLLBACK of {rows:,} rows: the waiter proceeded after "
              f"{(finished[0] - start) * 1000:.1f} ms")  # fmt: skip


def recovery(directory: Path, in_doubt: int) -> None:
    with quietus.connect(directory, autocommit=True) as anchor:
        load_rows(anchor, 10_000)
        for n in range(in_doubt):
            # key seeks only: a range scan would wait for the rows the earlier in-doubt transactions hold
            prepare_and_leave(directory, *(f"UPDATE t SET v = -1 WHERE id = {n * 10 + k}" for k in range(10)))
    times = []
    for _ in range(3):  # the best of three (open, recover, count, close): the first pays for warming up
        with stopwatch() as restart, quietus.connect(directory, autocommit=True) as check:
            found = check.run("SELECT COUNT(*) FROM sys.dm_tran_active_transactions WHERE transaction_type = 4")
        times.append(restart[0])
    count = found.result_sets[0].rows[0][0]
    print(f"restart with {count} in-doubt transactions (10 rows each) over 10,000 rows: {min(times) * 1000:.0f} ms "
          "(best of 3)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        commit_latency(Path(scratch) / "latency", args.commits)
        kill_to_waiter(Path(scratch) / "classic", args.rows, accelerated=False)
        kill_to_waiter(Path(scratch) / "accelerated", args.rows, accelerated=True)
        recovery(Path(scratch) / "without", 0)
        recovery(Path(scratch) / "recovery", 100)


if __name__ == "__main__":
    main()
