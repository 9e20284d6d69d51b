"""Window functions over a table of N rows: rows per second for ROW_NUMBER over one partition, a running SUM
(RANGE default frame), a partitioned RANK, and a sliding ROWS frame, beside the same query's plain SELECT.
Prints figures, asserts nothing.

    python -m bench.bench_windows [--rows 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import quietus

QUERIES = {
    "plain SELECT": "SELECT id, g, v FROM w",
    "ROW_NUMBER() OVER (ORDER BY v)": "SELECT id, ROW_NUMBER() OVER (ORDER BY v, id) FROM w",
    "SUM(v) OVER (ORDER BY id)": "SELECT id, SUM(v) OVER (ORDER BY id) FROM w",
    "RANK() OVER (PARTITION BY g ORDER BY v)": "SELECT id, RANK() OVER (PARTITION BY g ORDER BY v) FROM w",
    "AVG(v) OVER (ORDER BY id ROWS 9 PRECEDING)": "SELECT id, AVG(v) OVER (ORDER BY id ROWS 9 PRECEDING) FROM w",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    count = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as directory, quietus.connect(Path(directory) / "data", autocommit=True) as conn:
        conn.run("CREATE TABLE w (id INT PRIMARY KEY, g INT, v INT)")
        cursor = conn.cursor()
        cursor.execute("BEGIN TRANSACTION")
        for start in range(0, count, 500):
            values = ", ".join(f"({i}, {i % 50}, {(i * 7919) % 1000})" for i in range(start, min(start + 500, count)))
            cursor.execute(f"INSERT INTO w VALUES {values}")
        cursor.execute("COMMIT")
        print(f"{count} rows")
        for name, sql in QUERIES.items():
            began = time.perf_counter()
            sink = conn.run(sql)
            elapsed = time.perf_counter() - began
            assert len(sink.result_sets[-1].rows) == count, sink.messages
            print(f"{name:45s} {elapsed * 1000:8.1f} ms  {count / elapsed:10.0f} rows/s")


if __name__ == "__main__":
    main()
