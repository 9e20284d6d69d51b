"""ALTER SYSTEM KILL SESSION through python-oracledb beside KILL over TDS and PostgreSQL 15's pg_terminate_backend, in
one run: how soon a blocked waiter proceeds.

    python -m bench.bench_oracle_kill [--kills 200] [--no-postgres]

The steps of bench/_kill_latency.py on three peers (bench/_kill_peers.py): Quietus over Oracle Net (victims, waiter
and admin are python-oracledb thin sessions; the kill is `ALTER SYSTEM KILL SESSION 'sid,serial#'`), Quietus over
TDS on the same server (pytds, `KILL n`), and a private PostgreSQL 15 cluster started as bench_kill.py starts it
(psycopg, `pg_terminate_backend`).  Victim states: idle in transaction, lock wait, CPU-busy scan.  The clock runs
from sending the kill to the waiter's UPDATE returning; ALTER SYSTEM also waits for its victim to end before it
answers, which the waiter's figure does not include.  Figures only (goal p99 <= 20 ms); the tests never assert them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench import _kill_latency
from bench._kill_latency import Series
from bench._kill_peers import BUSY, IDLE, LOCK_WAIT, create_tables, oracle_net_peer, quietus_peer
from bench.bench_kill import GOAL_KILL_P99_MS, measure_postgres
from bench.bench_server import PASSWORD, free_port, percentile, quietus_server, raise_fd_limit

STATES = (IDLE, LOCK_WAIT, BUSY)


def measure_quietus(kills: int, work: Path) -> list[Series]:
    """Oracle Net then TDS victims on one server (the same tables, one after the other)."""
    oracle_port = free_port()
    with quietus_server(work / "quietus-data", oracle_port) as (_pid, port):
        create_tables(quietus_peer(port, PASSWORD))
        series = _kill_latency.run_peer(oracle_net_peer(oracle_port, PASSWORD), STATES, kills)
        return series + _kill_latency.run_peer(quietus_peer(port, PASSWORD), STATES, kills)


def print_figures(series: list[Series], kills: int) -> None:
    print(f"kill -> the blocked waiter's UPDATE returns, ms; {kills} kills per row after {_kill_latency.WARMUP} "
          f"warm-up kills (goal p99 <= {GOAL_KILL_P99_MS:.0f} ms)")  # fmt: skip
    statement = {
        "Oracle Net": "ALTER SYSTEM KILL SESSION",
        "Quietus": "KILL (TDS)",
        "PostgreSQL": "pg_terminate_backend",
    }
    for state in STATES:
        for found in (s for s in series if s.state == state):
            figures = found.latencies_ms
            p50 = f"{percentile(figures, 0.5):7.2f}" if figures else "      -"
            p99 = f"{percentile(figures, 0.99):7.2f}" if figures else "      -"
            seen = ", ".join(f"{what} x{count}" for what, count in found.outcomes.most_common())
            print(f"  {state:20} {statement[found.peer]:26} p50 {p50}  p99 {p99}  (n={len(figures)}; {seen or '-'})")
            for failure in found.failures:
                print(f"  {'':20} FAILED: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200, help="kills per victim state and peer (default 200)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    raise_fd_limit()
    began = time.perf_counter()
    note = ""
    with tempfile.TemporaryDirectory(prefix="quietus-bench-oracle-kill-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # the postgres user reaches its cluster below
        series = measure_quietus(args.kills, work)
        if args.no_postgres:
            note = "PostgreSQL skipped (--no-postgres)"
        else:
            try:
                postgres, _aborts = measure_postgres(argparse.Namespace(kills=args.kills, rows=0), work, STATES)
                series += postgres
            except ImportError:
                note = "PostgreSQL skipped: psycopg is not installed (pip install 'psycopg[binary]')"
            except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                note = f"PostgreSQL skipped: {exc}"
    print_figures(series, args.kills)
    if note:
        print(note)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"whole run {time.perf_counter() - began:.0f} s; {os.cpu_count()} CPUs; load average at the end {load}")


if __name__ == "__main__":
    main()
