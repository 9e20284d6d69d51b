"""What a view and a user function cost per query and per row, against the same query written out.

Embedded session, in memory; each query run once to warm the plan cache, then timed over ``--runs`` runs (median).
Prints figures, asserts nothing.

    python -m bench.bench_modules [--rows 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import quietus

QUERIES = (
    ("plain expression", "SELECT SUM(id + 2) FROM n"),
    ("scalar function", "SELECT SUM(dbo.add2(id)) FROM n"),
    ("table", "SELECT SUM(id) FROM n WHERE id % 2 = 0"),
    ("view", "SELECT SUM(id) FROM even_n"),
    ("inline function", "SELECT SUM(id) FROM dbo.n_mod(2)"),
    ("multi-statement function (100 rows)", "SELECT SUM(i) FROM dbo.first_n(100)"),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with quietus.connect(None, autocommit=True) as conn:
        conn.run("CREATE TABLE n (id INT PRIMARY KEY)")
        conn.run(f"DECLARE @i INT = 0; WHILE @i < {args.rows} BEGIN INSERT n VALUES (@i); SET @i += 1 END")
        conn.run("CREATE FUNCTION dbo.add2 (@a INT) RETURNS INT AS BEGIN RETURN @a + 2 END")
        conn.run("CREATE VIEW even_n AS SELECT id FROM n WHERE id % 2 = 0")
        conn.run("CREATE FUNCTION dbo.n_mod (@m INT) RETURNS TABLE AS RETURN (SELECT id FROM n WHERE id % @m = 0)")
        conn.run(
            "CREATE FUNCTION dbo.first_n (@k INT) RETURNS @r TABLE (i INT) AS BEGIN DECLARE @i INT = 0; "
            "WHILE @i < @k BEGIN INSERT @r VALUES (@i); SET @i += 1 END; RETURN END"
        )
        print(f"{'query':40} {'median ms':>10}  ({args.rows} rows, {args.runs} runs)")
        for label, sql in QUERIES:
            conn.run(sql)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                sink = conn.run(sql)
                times.append(time.perf_counter() - started)
                assert not any(m.is_error for m in sink.messages), sink.messages
            print(f"{label:40} {statistics.median(times) * 1000:10.1f}")


if __name__ == "__main__":
    main()
