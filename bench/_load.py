"""Shared by the benchmarks: fill a table with N rows quickly (a cross join of digits), time things."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from quietus.dbapi import Connection


def load_rows(connection: Connection, rows: int, table: str = "t") -> None:
    """CREATE TABLE t (id INT PRIMARY KEY, name NVARCHAR(20), v INT) with ids 0 .. rows-1 (rows a power of 10);
    every row has values of its own: name 'name <id>', v = id."""
    digits = len(str(rows)) - 1
    if 10**digits != rows:
        raise ValueError("rows must be a power of ten")
    connection.run("CREATE TABLE digits (n INT PRIMARY KEY)")
    connection.run("INSERT INTO digits VALUES " + ", ".join(f"({i})" for i in range(10)))
    connection.run(f"CREATE TABLE {table} (id INT PRIMARY KEY, name NVARCHAR(20), v INT)")
    sources = " CROSS JOIN ".join(f"digits d{i}" for i in range(digits))
    key = " + ".join(f"{10**i} * d{i}.n" for i in range(digits))
    sink = connection.run(
        f"INSERT INTO {table} SELECT {key}, N'name ' + CAST({key} AS NVARCHAR(10)), {key} FROM {sources}"
    )
    errors = [m for m in sink.messages if m.is_error]
    if errors:
        raise RuntimeError(errors[0].text)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    elapsed: list[float] = []
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - start)
