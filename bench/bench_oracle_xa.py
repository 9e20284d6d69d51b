"""XA two-phase commit through python-oracledb beside a local commit, on one `quietus serve` over Oracle Net.

    python -m bench.bench_oracle_xa [--commits 200]

Each round writes one row.  Local: INSERT then `conn.commit()` (two round trips, one fsynced record).  XA:
`tpc_begin`, INSERT, `tpc_prepare`, `tpc_commit` (four round trips, two fsynced records: PREPARE then COMMIT).
Recovery lookup: `tpc_recover()` with 100 prepared branches pending.  Figures only; the tests never assert them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import oracledb

from bench.bench_server import PASSWORD, free_port, percentile, quietus_server


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.2f} ms, p95 {percentile(samples, 0.95):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=200)
    args = parser.parse_args()
    oracle_port = free_port()
    with tempfile.TemporaryDirectory() as work, quietus_server(Path(work) / "data", oracle_port):
        conn = oracledb.connect(user="sa", password=PASSWORD, dsn=f"127.0.0.1:{oracle_port}/master")
        cur = conn.cursor()
        cur.execute("CREATE TABLE bench_xa (id NUMBER PRIMARY KEY, v VARCHAR2(20))")
        local: list[float] = []
        two_phase: list[float] = []
        for i in range(args.commits):
            started = time.perf_counter()
            cur.execute("INSERT INTO bench_xa VALUES (:1, 'local')", [2 * i])
            conn.commit()
            local.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            xid = conn.xid(1, f"bench-{i}".encode(), b"b")
            conn.tpc_begin(xid)
            cur.execute("INSERT INTO bench_xa VALUES (:1, 'xa')", [2 * i + 1])
            conn.tpc_prepare()
            conn.tpc_commit()
            two_phase.append((time.perf_counter() - started) * 1000)
        for i in range(100):
            conn.tpc_begin(conn.xid(2, f"pending-{i}".encode(), b"b"))
            cur.execute("INSERT INTO bench_xa VALUES (:1, 'pending')", [10_000_000 + i])
            conn.tpc_prepare()
        started = time.perf_counter()
        pending = conn.tpc_recover()
        recover_ms = (time.perf_counter() - started) * 1000
        print(f"one-row local commit over Oracle Net:   {_ms(local)}")
        print(f"one-row XA two-phase commit (4 calls):  {_ms(two_phase)}")
        print(f"tpc_recover() with {len(pending)} prepared branches: {recover_ms:.1f} ms")
        for xid in pending:
            conn.tpc_rollback(xid)
        conn.close()


if __name__ == "__main__":
    main()
