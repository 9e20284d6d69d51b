"""The session view's rows as TDS bytes, in process: where the server's part of ``SELECT * FROM
sys.dm_exec_sessions`` goes, without a network or a client between.

    python -m bench.bench_view_tds [--sessions 10000] [--repeats 5] [--cprofile]

Opens ``--sessions`` embedded sessions, then runs the view (best of ``--repeats``) three ways: collected by the
embedded API (the rows produced: plan, scan, row builder), through the TDS result sink into a channel that keeps
the bytes (produced and encoded into packets: the server's whole CPU for the query, short of the socket's
writes), and the encoding alone (the collected rows through a ``ResponseWriter``).  ``--cprofile`` prints the top
of a cProfile of the TDS run.  Figures only; the test suite never asserts timings.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from typing import Any

import quietus
from bench.bench_views import open_idle_sessions
from quietus import compiled
from quietus.protocol.tds import ColumnSpec, ResponseWriter
from quietus.protocol.tds.response import TransactionTracker
from quietus.protocol.tds.versions import TDS74, traits
from quietus.server.tds_sink import TdsResultSink, column_spec

QUERY = "SELECT * FROM sys.dm_exec_sessions"
PACKET_SIZE = 4096


class KeepingChannel:
    """A client connection that keeps what is written (never paused)."""

    client_database = "master"
    write_paused = False

    def __init__(self) -> None:
        self.size = 0
        self.writes = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.writes += 1

    def transaction_open(self) -> bool:
        return False

    def drained(self) -> asyncio.Future[None]:
        raise AssertionError("never paused")


def writer() -> ResponseWriter:
    return ResponseWriter(
        traits=traits(TDS74),
        packet_size=PACKET_SIZE,
        spid=51,
        server_name="bench",
        procedure_call=False,
        transactions=TransactionTracker(),
        attention=lambda: False,
        on_finish=lambda: None,
    )


def best_ms(run: Any, repeats: int) -> tuple[float, float]:
    """The fastest of ``repeats`` runs, in ms: (wall clock, this process's CPU).  The CPU figure is the one to
    follow on a loaded machine: it does not grow while the process waits for a core."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall * 1000, cpu * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    print(compiled.RUNNING.describe())  # which build of the codec these figures are for
    with quietus.connect(None, autocommit=True) as conn:
        engine = conn._engine
        open_idle_sessions(conn, args.sessions)
        result = conn.run(QUERY).result_sets[-1]
        channel = KeepingChannel()

        def over_tds() -> None:
            response = writer()
            sink = TdsResultSink(channel, response, conn.session)
            engine.thread.run(engine.instance.execute(conn.session, QUERY, sink))
            channel.write(response.finish())

        def encode_only() -> None:
            response = writer()
            specs: list[ColumnSpec] = [column_spec(c) for c in result.columns]
            data = response.result_set(specs)
            for start in range(0, len(result.rows), 64):
                data += response.rows(result.rows[start : start + 64])
            data += response.done() + response.finish()

        collected = best_ms(lambda: conn.run(QUERY), args.repeats)
        channel.size = channel.writes = 0
        over_tds()
        size, writes = channel.size, channel.writes
        tds = best_ms(over_tds, args.repeats)
        encoding = best_ms(encode_only, args.repeats)
        print(f"{len(result.rows)} rows, {len(result.columns)} columns; {size:,} bytes in {writes} writes; "
              f"best of {args.repeats}")  # fmt: skip
        print("      wall       CPU")
        print(f"  {collected[0]:8.1f} {collected[1]:8.1f} ms  rows produced (embedded API, collected)")
        print(f"  {tds[0]:8.1f} {tds[1]:8.1f} ms  rows produced and encoded (TDS result sink, {PACKET_SIZE} B packets)")
        print(f"  {encoding[0]:8.1f} {encoding[1]:8.1f} ms  the collected rows encoded alone (ResponseWriter)")
        if args.cprofile:
            profile = cProfile.Profile()
            profile.enable()
            over_tds()
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
