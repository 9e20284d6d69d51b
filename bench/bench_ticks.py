"""What the seventh fractional digit (quietus.ticks) costs: values with it beside values without, per operation.

A datetime2(7) value whose seventh digit is 0 is a plain ``datetime`` and takes the paths every other datetime
takes; only values with a seventh digit are ``DateTime7``.  This prints, for 100,000 values of each kind: the row
codec (storage text, encode + decode), the TDS datetime2(7) encoder and decoder, sorting, a hash set, and
T-SQL CAST of text to datetime2(7); then the statement clock.  Prints figures, asserts nothing.

    python -m bench.bench_ticks [--values 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from quietus.engine.storage.codec import RowCodec
from quietus.engine.storage.schema import ColumnDef, TableDef
from quietus.protocol.tds.types import TypeId, TypeInfo, encode_value, read_value
from quietus.protocol.tds.wire import Reader
from quietus.sql.types import VARCHAR, converter, datetime2
from quietus.ticks import clock_now, with_fraction


def _values(count: int, seventh: bool) -> list[dt.datetime]:
    rng = random.Random(7)
    base = dt.datetime(2000, 1, 1)
    out = []
    for _ in range(count):
        moment = base + dt.timedelta(seconds=rng.randrange(10**9))
        units = rng.randrange(10**6) * 10 + (rng.randrange(1, 10) if seventh else 0)
        out.append(with_fraction(moment, units))
    return out


def _per_value(run: Callable[[], Any], count: int) -> float:
    """Nanoseconds per value, best of three."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best / count * 1e9


def _measure(values: list[dt.datetime]) -> dict[str, float]:
    codec = RowCodec(TableDef(1, "t", (ColumnDef("a", "datetime2", scale=7),)))
    info = TypeInfo(TypeId.DATETIME2N, scale=7)
    cast = converter(VARCHAR(40), datetime2(7))
    encoded = [codec.encode((v,)) for v in values]
    wire = [encode_value(info, v) for v in values]
    texts = [str(v) for v in values]
    measures: dict[str, Callable[[], Any]] = {
        "row codec encode": lambda: [codec.encode((v,)) for v in values],
        "row codec decode": lambda: [codec.decode(list(e)) for e in encoded],
        "TDS datetime2(7) encode": lambda: [encode_value(info, v) for v in values],
        "TDS datetime2(7) decode": lambda: [read_value(Reader(w), info) for w in wire],
        "sort": lambda: sorted(values),
        "hash set": lambda: set(values),
        "CAST(text AS datetime2(7))": lambda: [cast(t) for t in texts],
    }
    return {name: _per_value(run, len(values)) for name, run in measures.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=100_000)
    count = parser.parse_args().values
    plain, ticked = _measure(_values(count, False)), _measure(_values(count, True))
    print(f"{'operation (ns per value)':34} {'6 digits':>10} {'7 digits':>10}")
    for name in plain:
        print(f"{name:34} {plain[name]:10.0f} {ticked[name]:10.0f}")
    clock = _per_value(lambda: [clock_now() for _ in range(count)], count)
    legacy = _per_value(lambda: [dt.datetime.now() for _ in range(count)], count)
    reading = _per_value(lambda: [time.time_ns() for _ in range(count)], count)
    print(f"statement clock: time.time_ns() {reading:.0f} ns (per statement); to a 100 ns datetime {clock:.0f} ns "
          f"(only when a clock function asks); datetime.now() was {legacy:.0f} ns")


if __name__ == "__main__":
    main()
