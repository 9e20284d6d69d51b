"""Oracle Net beside TDS on the same server in the same run; prints figures, never asserts them.

    python bench/bench_oracle_net.py [--logins 200] [--round-trips 2000] [--rows 10000]

Figures:
  connect + authenticate per second, sequential, python-oracledb thin (O5LOGON 12c) vs pytds (LOGIN7)
  a one-row primary-key query round trip, p50 and p99, both drivers
  fetching --rows rows with arraysize 100 and 1000 (python-oracledb) vs pytds

Quietus runs as `quietus serve` in a subprocess on free ports.  Both logins verify the argon2 hash (~50 ms of work in
a worker thread); Oracle Net adds two PBKDF2-SHA512 derivations (4,096 rounds on each side, and 3 for the combo key).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PASSWORD = "Bench!Pass1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data: Path) -> tuple[subprocess.Popen[str], int, int]:
    tds, oracle = free_port(), free_port()
    command = [sys.executable, "-m", "quietus.cli.main", "serve", "--port", str(tds), "--oracle-port", str(oracle)]
    process = subprocess.Popen(
        [*command, "--data-dir", str(data), "--sa-password", PASSWORD, "--log-level", "WARNING"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "ready" not in line:
        raise SystemExit(f"the server did not start: {line!r}")
    return process, tds, oracle


def per_second(count: int, action: Callable[[], None]) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return count / (time.perf_counter() - started)


def latencies(count: int, action: Callable[[], None]) -> tuple[float, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(samples, n=100)
    return statistics.median(samples), quantiles[98]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--round-trips", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    import oracledb
    import pytds

    with tempfile.TemporaryDirectory() as tmp:
        process, tds_port, oracle_port = start_server(Path(tmp) / "data")
        try:
            dsn = f"127.0.0.1:{oracle_port}/master"

            def oracle_login() -> None:
                oracledb.connect(user="sa", password=PASSWORD, dsn=dsn).close()

            def tds_login() -> None:
                pytds.connect("127.0.0.1", port=tds_port, user="sa", password=PASSWORD).close()

            print(f"connect + authenticate, {args.logins} sequential logins:")
            print(f"  python-oracledb thin   {per_second(args.logins, oracle_login):8.1f} /s")
            print(f"  pytds                  {per_second(args.logins, tds_login):8.1f} /s")

            ora: Any = oracledb.connect(user="sa", password=PASSWORD, dsn=dsn)
            tds: Any = pytds.connect("127.0.0.1", port=tds_port, user="sa", password=PASSWORD, autocommit=True)
            ora_cur, tds_cur = ora.cursor(), tds.cursor()
            tds_cur.execute("CREATE TABLE bench_rows (id INT PRIMARY KEY, label NVARCHAR(40))")
            values = ", ".join(f"({i}, N'label {i}')" for i in range(1000))
            for block in range(args.rows // 1000):
                tds_cur.execute(f"INSERT INTO bench_rows VALUES {values.replace('(', f'({block * 1000} + ')}")

            def ora_query() -> None:
                ora_cur.execute("SELECT label FROM bench_rows WHERE id = :1", [1])
                ora_cur.fetchall()

            def tds_query() -> None:
                tds_cur.execute("SELECT label FROM bench_rows WHERE id = %s", (1,))
                tds_cur.fetchall()

            print(f"one-row query round trip, {args.round_trips} times (p50 / p99 ms):")
            print("  python-oracledb thin   {:6.3f} / {:6.3f}".format(*latencies(args.round_trips, ora_query)))
            print("  pytds                  {:6.3f} / {:6.3f}".format(*latencies(args.round_trips, tds_query)))

            print(f"fetch {args.rows} rows (rows/s):")
            for size in (100, 1000):
                ora_cur.arraysize = size
                started = time.perf_counter()
                ora_cur.execute("SELECT id, label FROM bench_rows")
                fetched = len(ora_cur.fetchall())
                print(f"  python-oracledb arraysize {size:<5} {fetched / (time.perf_counter() - started):10.0f}")
            started = time.perf_counter()
            tds_cur.execute("SELECT id, label FROM bench_rows")
            fetched = len(tds_cur.fetchall())
            print(f"  pytds                          {fetched / (time.perf_counter() - started):10.0f}")
            ora.close()
            tds.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)")


if __name__ == "__main__":
    main()
