"""Quietus coordinating Quietus: commit latency of a two-server distributed transaction beside a local one.

Two in-process servers on free ports of 127.0.0.1 (each with a data directory: every log record fsynced), a
linked server from A to B, one pytds client on A.  Per iteration: a local one-row update committed on A; then the
same update on A plus one on B through ``EXEC (...) AT B`` in ``BEGIN DISTRIBUTED TRANSACTION``, committed with
two-phase commit (B prepares, A commits its work and its decision in one record, B commits).  The distributed figure
includes the remote UPDATE's round trip and the participant connection's login and enlistment.

Prints figures; asserts nothing.

    PYTHONPATH=. python bench/bench_linked.py [--commits 100]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from tests.clients.server_harness import PASSWORD, RunningServer
from tests.clients.test_server_clients import pytds_connect

from bench._load import stopwatch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--commits", type=int, default=100)
    commits = parser.parse_args().commits
    with tempfile.TemporaryDirectory() as tmp:
        b = RunningServer(Path(tmp) / "b")
        a = RunningServer(Path(tmp) / "a")
        try:
            with pytds_connect(a, autocommit=True) as conn, conn.cursor() as cur:
                cur.execute(f"EXEC sp_addlinkedserver 'B', '', 'QUIETUS', '127.0.0.1,{b.port}'")
                cur.execute(f"EXEC sp_addlinkedsrvlogin 'B', 'FALSE', NULL, 'sa', '{PASSWORD}'")
                cur.execute("CREATE TABLE c (id INT PRIMARY KEY, v INT)")
                cur.execute("INSERT INTO c VALUES (1, 0)")
                cur.execute("EXEC ('CREATE TABLE c (id INT PRIMARY KEY, v INT); INSERT INTO c VALUES (1, 0)') AT B")
                figures: dict[str, list[float]] = {"local": [], "distributed (two servers)": []}
                for _ in range(commits):
                    with stopwatch() as local:
                        cur.execute("BEGIN TRAN; UPDATE c SET v = v + 1 WHERE id = 1; COMMIT")
                    with stopwatch() as distributed:
                        cur.execute("BEGIN DISTRIBUTED TRANSACTION; UPDATE c SET v = v + 1 WHERE id = 1")
                        cur.execute("EXEC ('UPDATE c SET v = v + 1 WHERE id = 1') AT B")
                        cur.execute("COMMIT")
                    figures["local"].append(local[0])
                    figures["distributed (two servers)"].append(distributed[0])
        finally:
            a.stop()
            b.stop()
    for kind, times in figures.items():
        ordered = sorted(times)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        print(f"{kind:>26}: median {statistics.median(times) * 1000:7.2f} ms, p95 {p95 * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
