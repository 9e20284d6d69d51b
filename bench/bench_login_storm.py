"""A login storm beside running sessions (issue 13, item 4): one bystander's SELECT 1 round trips, quiet and then
while other processes log in as fast as they can (half of them with a wrong password); prints figures, asserts
nothing.

    python -m bench.bench_login_storm [--seconds 5] [--stormers 4]

A `quietus serve` process (bench_server.quietus_server).  The bystander is a raw TDS client on this process's main
thread; each stormer is a process of its own (so its work does not share this process's GIL) opening a connection,
logging in and closing, in a loop.  Goal: the bystander's round trips during the storm within a few ms of the quiet
ones (p50 and p99).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import tempfile
import time
from pathlib import Path

from bench.bench_server import PASSWORD, Tds, percentile, quietus_server


def storm(port: int, wrong: bool, stop_at: float, counts: multiprocessing.Queue[int]) -> None:
    logins = 0
    while time.monotonic() < stop_at:
        with contextlib.suppress(RuntimeError, ConnectionError, OSError):  # a refused login: still one check
            Tds(port, password="wrong" if wrong else PASSWORD, timeout=30).close()
        logins += 1
    counts.put(logins)


def round_trips(client: Tds, seconds: float) -> list[float]:
    samples = []
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        start = time.perf_counter()
        client.batch("SELECT 1")
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (f"p50 {percentile(ms, 0.5):6.2f} ms  p99 {percentile(ms, 0.99):6.2f} ms  max {max(ms):7.2f} ms  "
            f"({len(ms)} round trips)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--stormers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, quietus_server(Path(work) / "data") as (_pid, port):
        bystander = Tds(port)
        round_trips(bystander, 0.5)  # warm-up
        quiet = round_trips(bystander, args.seconds)
        counts: multiprocessing.Queue[int] = multiprocessing.Queue()
        stop_at = time.monotonic() + args.seconds + 1.0
        stormers = [
            multiprocessing.Process(target=storm, args=(port, n % 2 == 1, stop_at, counts))
            for n in range(args.stormers)
        ]
        for process in stormers:
            process.start()
        time.sleep(0.5)  # the storm under way
        stormy = round_trips(bystander, args.seconds)
        logins = sum(counts.get() for _ in stormers)
        for process in stormers:
            process.join()
        bystander.close()
    print(f"bystander SELECT 1, quiet:            {summary(quiet)}")
    print(f"bystander SELECT 1, during the storm: {summary(stormy)}")
    print(f"logins (half with a wrong password) by {args.stormers} processes: "
          f"{logins / (args.seconds + 1.0):.1f}/s")  # fmt: skip


if __name__ == "__main__":
    main()
