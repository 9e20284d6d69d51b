"""Memory per row and restart time, in-process.

Goals (issue 2): memory per row for (INT primary key, NVARCHAR(20), INT) <= 300 bytes beyond the values themselves;
restart of a data directory holding 1,000,000 committed rows <= 10 s.  Prints figures; asserts nothing.

    python -m bench.bench_memory_restart [--rows 1000000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import quietus
from bench._load import load_rows


def values_size(rows: int) -> int:
    """Bytes of the values themselves: each row's own id, name ('name <id>') and v (= id) objects."""
    total = 0
    for i in range(rows):
        total += 2 * sys.getsizeof(10**6 + i) + sys.getsizeof(f"name {i}")
    return total


def memory(rows: int) -> None:
    connection = quietus.connect(None, autocommit=True)
    connection.run("CREATE TABLE warmup (id INT PRIMARY KEY)")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    load_rows(connection, rows)
    gc.collect()
    # let the cleaner drop nothing-to-drop bookkeeping, then measure what stays
    time.sleep(0.5)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    total = after - before
    print(f"memory: {rows:,} rows (INT PK, NVARCHAR(20), INT) take {total / rows:,.0f} bytes per row in all, "
          f"{(total - values_size(rows)) / rows:,.0f} beyond the values themselves (goal <= 300)")
    connection.close()


def restart(rows: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory) / "data"
        with quietus.connect(data, autocommit=True) as connection:
            start = time.perf_counter()
            load_rows(connection, rows)
            print(f"restart: loaded {rows:,} rows in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        with quietus.connect(data, autocommit=True) as connection:
            opened = time.perf_counter() - start
            count = connection.run("SELECT COUNT(*) FROM t").result_sets[0].rows[0][0]
            print(f"restart from the log only: {opened:.2f} s for {count:,} rows (goal <= 10 s)")
            connection.run("CHECKPOINT")
        start = time.perf_counter()
        with quietus.connect(data, autocommit=True) as connection:
            opened = time.perf_counter() - start
            count = connection.run("SELECT COUNT(*) FROM t").result_sets[0].rows[0][0]
            print(f"restart from a checkpoint: {opened:.2f} s for {count:,} rows (goal <= 10 s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    memory(min(args.rows, 100_000))
    restart(args.rows)


if __name__ == "__main__":
    main()
