"""Write-ahead log throughput and recovery speed: prints figures, asserts nothing.

    python bench/bench_wal.py [--dir DIR] [--seconds S] [--records N]

1. one appender: append a commit record, wait until it is durable, repeat (one fsync per commit);
2. bursts of 8 and 64 "sessions": that many appends in a row, then wait for all (group commit);
3. recovery: N (default 1,000,000) records of 60 bytes, then ``recover`` + reading every record, and
   ``WriteAheadLog.open`` with and without the replayed ``Recovered``.

Use ``--dir`` on the disk you care about: fsync costs depend entirely on it (tmpfs makes it free).
Goal (docs/design/wal.md): recovery of 1,000,000 small records in about two seconds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from quietus.engine.wal import WriteAheadLog, init_data_directory, recover

RECORD = b"r" * 60


def commit_rate(directory: Path, burst: int, seconds: float) -> None:
    init_data_directory(directory)
    with WriteAheadLog.open(directory) as log:
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            futures = [log.append(RECORD) for _ in range(burst)]
            for future in futures:
                future.result()
        elapsed = time.perf_counter() - started
        statistics = log.statistics()
    print(
        f"  burst {burst:3d}: {statistics.records / elapsed:10,.0f} commits/s  "
        f"{statistics.fsyncs / elapsed:8,.0f} fsyncs/s  "
        f"{statistics.average_batch:6.1f} records per batch  "
        f"{statistics.records / max(statistics.fsyncs, 1):6.1f} records per fsync"
    )


def recovery_time(directory: Path, records: int) -> None:
    init_data_directory(directory)
    started = time.perf_counter()
    with WriteAheadLog.open(directory) as log:
        for _ in range(records // 10_000):
            for _ in range(10_000):
                log.append(RECORD)
            log.flush()
        for _ in range(records % 10_000):
            log.append(RECORD)
    print(f"  wrote {records:,} records of {len(RECORD)} bytes in {time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    recovered = recover(directory)
    count = sum(1 for _record in recovered.records())
    replayed = time.perf_counter() - started
    print(f"  recover + read every record: {replayed:.2f} s ({count / replayed:,.0f} records/s)")

    started = time.perf_counter()
    WriteAheadLog.open(directory, recovered=recovered).close()
    print(f"  open after replay (reuses the scan): {time.perf_counter() - started:.3f} s")
    started = time.perf_counter()
    WriteAheadLog.open(directory).close()
    print(f"  open on its own (scans the log):     {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to put the data (default: a temp dir)")
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each commit-rate run")
    parser.add_argument("--records", type=int, default=1_000_000, help="records for the recovery run")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=arguments.dir) as scratch:
        root = Path(scratch)
        print(f"commit rate (data in {root}):")
        for burst in (1, 8, 64):
            commit_rate(root / f"burst{burst}", burst, arguments.seconds)
        print("recovery:")
        recovery_time(root / "recovery", arguments.records)


if __name__ == "__main__":
    main()
