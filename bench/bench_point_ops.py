"""Point insert / point update / point select by key per second, 1 and 8 sessions, beside SQLite.

Quietus: embedded sessions (each statement its own autocommitted transaction, durable through the group-committed
log) on a data directory, parameterised through the PEP 249 cursor.  SQLite: Python's sqlite3 in WAL mode with
synchronous=FULL, one connection per thread,
same rows.  Both from the same run on the same disk; the last column is Quietus / SQLite.  Prints figures, asserts
nothing.

    python -m bench.bench_point_ops [--ops 2000]
    python -m bench.bench_point_ops --profile [--ops 5000]   # where an embedded point select's CPU goes (py-spy)
    python -m bench.bench_point_ops --cpu                    # the caller's CPU per embedded point select,
                                                             # update and delete
    python -m bench.bench_point_ops --fsync                  # this disk's floor: a commit's write + fdatasync alone

``--cpu``: the calling thread's CPU time (``time.thread_time``) per point select, best and median of 7 rounds of
3,000 on 1,000 rows -- the request runs on the caller's thread, so this is its cost without the loaded machine's
other processes, far steadier than the rates above; then the same for a point UPDATE and a point DELETE, in memory.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import quietus

Op = Callable[[int], None]


def _threads(sessions: int, ops: int, make: Callable[[int], Op]) -> float:
    """Run ``ops`` operations split over ``sessions`` threads; operations per second."""
    per_thread = ops // sessions
    workers = [make(i) for i in range(sessions)]
    barrier = threading.Barrier(sessions + 1)

    def body(index: int) -> None:
        op = workers[index]
        barrier.wait()
        base = index * per_thread
        for n in range(per_thread):
            op(base + n)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return per_thread * sessions / (time.perf_counter() - start)


def quietus_figures(directory: Path, sessions: int, ops: int) -> dict[str, float]:
    setup = quietus.connect(directory, autocommit=True)
    setup.run("CREATE TABLE kv (id INT PRIMARY KEY, name NVARCHAR(20), v INT)")
    connections = [quietus.connect(directory, autocommit=True) for _ in range(sessions)]

    # parameterised, as the SQLite side is: one statement text, values bound as @P1 ...
    def insert(i: int) -> Op:
        cursor = connections[i].cursor()
        return lambda n: cursor.execute("INSERT INTO kv VALUES (%s, %s, %s)", (n, f"name {n}", n))

    def update(i: int) -> Op:
        cursor = connections[i].cursor()
        return lambda n: cursor.execute("UPDATE kv SET v = v + 1 WHERE id = %s", (n,))

    def select(i: int) -> Op:
        cursor = connections[i].cursor()
        return lambda n: cursor.execute("SELECT name, v FROM kv WHERE id = %s", (n,)).fetchall()

    figures = {name: _threads(sessions, ops, make) for name, make in
               (("insert", insert), ("update", update), ("select", select))}
    for connection in connections:
        connection.close()
    setup.close()
    return figures


def sqlite_figures(directory: Path, sessions: int, ops: int) -> dict[str, float]:
    path = directory / "bench.sqlite"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE kv (id INTEGER PRIMARY KEY, name TEXT, v INTEGER)")
    connections = []
    for _ in range(sessions):
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        connection.execute("PRAGMA synchronous=FULL")
        connections.append(connection)

    def insert(i: int) -> Op:
        return lambda n: connections[i].execute("INSERT INTO kv VALUES (?, ?, ?)", (n, f"name {n}", n))

    def update(i: int) -> Op:
        return lambda n: connections[i].execute("UPDATE kv SET v = v + 1 WHERE id = ?", (n,))

    def select(i: int) -> Op:
        return lambda n: connections[i].execute("SELECT name, v FROM kv WHERE id = ?", (n,)).fetchall()

    figures = {name: _threads(sessions, ops, make) for name, make in
               (("insert", insert), ("update", update), ("select", select))}
    for connection in connections:
        connection.close()
    setup.close()
    return figures


def profile_select(ops: int) -> None:
    """One embedded session's point selects, this process sampled by py-spy (the engine thread included)."""
    import os

    from bench._profile import sampled

    with tempfile.TemporaryDirectory() as q:
        connection = quietus.connect(Path(q) / "data", autocommit=True)
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE kv (id INT PRIMARY KEY, name NVARCHAR(20), v INT)")
        for n in range(ops):
            cursor.execute("INSERT INTO kv VALUES (%s, %s, %s)", (n, f"name {n}", n))
        with sampled(os.getpid()) as report:
            start = time.perf_counter()
            for n in range(ops):
                cursor.execute("SELECT name, v FROM kv WHERE id = %s", (n,)).fetchall()
            rate = ops / (time.perf_counter() - start)
        connection.close()
    print(f"== embedded point select, 1 session: {rate:,.0f}/s (while sampled)")
    print(report.text())


def cpu_per_select(rounds: int = 7, per_round: int = 3000) -> None:
    import statistics

    with tempfile.TemporaryDirectory() as q:
        connection = quietus.connect(Path(q) / "data", autocommit=True)
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE kv (id INT PRIMARY KEY, name NVARCHAR(20), v INT)")
        for n in range(1000):
            cursor.execute("INSERT INTO kv VALUES (%s, %s, %s)", (n, f"name {n}", n))
        figures = []
        for _ in range(rounds):
            started = time.thread_time()
            for n in range(per_round):
                cursor.execute("SELECT name, v FROM kv WHERE id = %s", (n % 1000,)).fetchall()
            figures.append((time.thread_time() - started) / per_round * 1e6)
        connection.close()
    print(f"embedded point select, 1 session: best {min(figures):.1f} us, median {statistics.median(figures):.1f} us "
          "of the caller's CPU a select")
    cpu_per_write(rounds, per_round)


def cpu_per_write(rounds: int, per_round: int) -> None:
    """The caller's CPU per point UPDATE and per point DELETE, in memory (no log: a durable commit's fdatasync is
    sometimes the caller's, which would make the figure the disk's), best and median of ``rounds``.  The deletes
    of a round remove rows inserted before it (not timed)."""
    import statistics

    connection = quietus.connect(":memory:", autocommit=True)
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE kv (id INT PRIMARY KEY, name NVARCHAR(20), v INT)")
    for n in range(per_round):
        cursor.execute("INSERT INTO kv VALUES (%s, %s, %s)", (n, f"name {n}", n))
    updates: list[float] = []
    deletes: list[float] = []
    for _ in range(rounds):
        started = time.thread_time()
        for n in range(per_round):
            cursor.execute("UPDATE kv SET v = v + 1 WHERE id = %s", (n,))
        updates.append((time.thread_time() - started) / per_round * 1e6)
        started = time.thread_time()
        for n in range(per_round):
            cursor.execute("DELETE FROM kv WHERE id = %s", (n,))
        deletes.append((time.thread_time() - started) / per_round * 1e6)
        for n in range(per_round):
            cursor.execute("INSERT INTO kv VALUES (%s, %s, %s)", (n, f"name {n}", n))
    connection.close()
    for name, figures in (("update", updates), ("delete", deletes)):
        print(f"embedded point {name}, 1 session, in memory: best {min(figures):.1f} us, "
              f"median {statistics.median(figures):.1f} us of the caller's CPU a statement")


def fsync_floor(count: int = 3000, record: int = 80) -> None:
    """What one durable commit costs this disk with nothing else: a small write then fdatasync, in a loop.  Twice:
    appending (the file grows: each fdatasync also commits the size to the file system's journal) and overwriting
    a file written and synced beforehand (what the log does since it grows its segment ahead in zeros)."""
    import os

    data = b"x" * record
    with tempfile.TemporaryDirectory() as directory:
        appended = os.open(Path(directory) / "appended", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        overwritten = os.open(Path(directory) / "overwritten", os.O_WRONLY | os.O_CREAT)
        os.write(overwritten, bytes(count * record))
        os.fsync(overwritten)
        for name, fd, overwrite in (
            ("append + fdatasync", appended, False),
            ("overwrite + fdatasync", overwritten, True),
        ):
            start = time.perf_counter()
            for n in range(count):
                if overwrite:
                    os.pwrite(fd, data, n * record)
                else:
                    os.write(fd, data)
                os.fdatasync(fd)
            took = time.perf_counter() - start
            print(f"{name:22} {count / took:>8,.0f}/s  {took / count * 1e6:6.0f} us each")
        os.close(appended)
        os.close(overwritten)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="sample the embedded point selects with py-spy")
    parser.add_argument("--cpu", action="store_true", help="the caller's CPU per embedded point select, update, delete")
    parser.add_argument("--fsync", action="store_true", help="this disk's write + fdatasync floor")
    args = parser.parse_args()
    if args.fsync:
        fsync_floor()
        return
    if args.cpu:
        cpu_per_select()
        return
    if args.profile:
        profile_select(args.ops)
        return
    print(f"{'operation':10} {'sessions':>8} {'quietus/s':>12} {'sqlite/s':>12} {'ratio':>7}")
    for sessions in (1, 8):
        with tempfile.TemporaryDirectory() as q, tempfile.TemporaryDirectory() as s:
            ours = quietus_figures(Path(q) / "data", sessions, args.ops)
            theirs = sqlite_figures(Path(s), sessions, args.ops)
        for name in ("insert", "update", "select"):
            print(f"{name:10} {sessions:>8} {ours[name]:>12,.0f} {theirs[name]:>12,.0f} "
                  f"{ours[name] / theirs[name]:>7.2f}")


if __name__ == "__main__":
    main()
