"""No request freezes the others (issue 14, item 2): bystanders' round trips while one heavy request runs; prints
figures, asserts nothing.

    python -m bench.bench_bystanders [--bystanders 4] [--repeat 3] [--kills 5]

A `quietus serve` process (bench_server.quietus_server); each bystander is a raw TDS client on its own thread
sending ``SELECT 1`` in a loop and recording every round trip with its start time.  Each heavy case runs --repeat
times from another connection; the figures are over the bystander round trips that started while it ran:

  batch      a 20,000-statement batch (SET @x = n; ...)
  in-list    SELECT ... WHERE id IN (100,000 values)
  sum        a 50,000-term expression (SQL Server answers 8631; so does Quietus, and the time until then counts)

and, per case, the KILL latency: from sending ``KILL <spid>`` while the heavy request runs until the victim's
client has its answer (the 596 / closed connection).  Goals: bystander p99 <= 50 ms, max <= 200 ms; KILL <= 20 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_server import Tds, percentile, quietus_server

GOAL_P99_MS, GOAL_MAX_MS, GOAL_KILL_MS = 50.0, 200.0, 20.0

CASES: dict[str, Callable[[], str]] = {
    "batch": lambda: "DECLARE @x INT;\n" + "".join(f"SET @x = {n};\n" for n in range(20_000)),
    "in-list": lambda: "SELECT COUNT(*) FROM t WHERE id IN (" + ", ".join(str(n) for n in range(100_000)) + ")",
    "sum": lambda: "SELECT " + " + ".join(["1"] * 50_000),
}


class Bystander(threading.Thread):
    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.client = Tds(port)
        self.samples: list[tuple[float, float]] = []  # (start, round trip seconds)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            start = time.monotonic()
            self.client.batch("SELECT 1")
            self.samples.append((start, time.monotonic() - start))


def run_heavy(port: int, sql: str) -> tuple[float, float]:
    """One heavy request on a fresh connection: (start, end) in monotonic time (an error answer counts as its end)."""
    client = Tds(port)
    try:
        start = time.monotonic()
        client.sock.sendall(client.tds.sql_batch(sql))
        client.reply()
        return start, time.monotonic()
    finally:
        client.close()


def kill_latency(port: int, sql: str) -> float:
    """Seconds from sending KILL to the victim's client getting its answer, the heavy request running."""
    victim, killer = Tds(port), Tds(port)
    try:
        spid = victim.batch("SELECT @@SPID").rows[0][0]
        victim.sock.sendall(victim.tds.sql_batch(sql))
        answered = threading.Event()
        answered_at = [0.0]

        def wait_for_answer() -> None:
            with contextlib.suppress(ConnectionError, OSError):
                victim.reply()
            answered_at[0] = time.monotonic()
            answered.set()

        threading.Thread(target=wait_for_answer, daemon=True).start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until the heavy request is running
            rows = killer.batch(f"SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id = {spid}").rows
            if rows[0][0] or answered.is_set():
                break
            time.sleep(0.005)
        sent = time.monotonic()
        killer.sock.sendall(killer.tds.sql_batch(f"KILL {spid}"))
        killer.reply()
        answered.wait(30)
        return answered_at[0] - sent
    finally:
        victim.close()
        killer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bystanders", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, quietus_server(Path(work) / "data") as (_pid, port):
        setup = Tds(port)
        setup.batch("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)")
        setup.close()
        print(f"{'case':<8} {'heavy s':>8} {'samples':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'kill ms':>8}")
        for name in args.cases.split(","):
            sql = CASES[name]()
            bystanders = [Bystander(port) for _ in range(args.bystanders)]
            for b in bystanders:
                b.start()
            windows = [run_heavy(port, sql) for _ in range(args.repeat)]
            for b in bystanders:
                b.stopping.set()
            for b in bystanders:
                b.join()
                b.client.close()
            during = [
                rtt * 1000 for b in bystanders for start, rtt in b.samples if any(s <= start <= e for s, e in windows)
            ]
            kills = sorted(ms for ms in (kill_latency(port, sql) * 1000 for _ in range(args.kills)) if ms >= 0)
            heavy = sum(e - s for s, e in windows) / len(windows)
            p50 = percentile(during, 0.5) if during else float("nan")
            p99 = percentile(during, 0.99) if during else float("nan")
            worst = max(during) if during else float("nan")
            kill = kills[len(kills) // 2] if kills else float("nan")
            print(f"{name:<8} {heavy:8.2f} {len(during):8d} {p50:8.1f} {p99:8.1f} {worst:8.1f} {kill:8.1f}")
        goals = f"p99 <= {GOAL_P99_MS:.0f} ms, max <= {GOAL_MAX_MS:.0f} ms, KILL (median) <= {GOAL_KILL_MS:.0f} ms"
        print(f"goals: {goals}; a kill the heavy request outran is left out")


if __name__ == "__main__":
    main()
