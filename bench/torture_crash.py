"""The crash torture suite (issue 14, item 4): kill -9 of the server at random moments under a bank workload with a
ledger; prints its figures and every violation.

    python -m bench.torture_crash [--cycles 50] [--sessions 4] [--seed 1]

Each cycle starts `quietus serve` on the same data directory (the restart, recovery included, is timed), checks
the invariants, lets worker sessions run transfers for a random 0.2-1.5 s (one of them also issues CHECKPOINT now
and then, so some kills land mid-checkpoint; the rest land mid-commit, mid-statement or idle), then kills the server
with SIGKILL.  A transfer is one batch: BEGIN TRAN; debit; credit; INSERT INTO ledger (its id, the accounts, the
amount); COMMIT.  Its id is *acknowledged* once the client has the reply without an error.

Invariants after every restart (each breach is printed as a violation): every acknowledged transfer is in the
ledger (no acknowledged commit lost); every account's balance equals its opening balance plus what the ledger says
it received minus what it paid (nothing uncommitted visible, no half transfer); the total is unchanged.

``run(...)`` is the suite itself, for the test suite's short run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench._torture import print_violations
from bench.bench_server import PASSWORD, Tds, percentile, quietus_server

ACCOUNTS = 20  # the workers' accounts, 0 .. ACCOUNTS - 1
ESCROW = (ACCOUNTS, ACCOUNTS + 1)  # two more that only the aimed suite's big and distributed transactions touch
OPENING_BALANCE = 1_000
PROGRESS_EVERY = 50  # cycles between progress lines


@dataclass
class Report:
    cycles: int = 0
    acknowledged: set[int] = field(default_factory=set)
    restart_seconds: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


class Worker(threading.Thread):
    def __init__(self, port: int, ids: Iterator[int], seed: int, acknowledged: set[int], checkpoints: bool) -> None:
        super().__init__(daemon=True)
        self.port, self.ids = port, ids
        self.rng = random.Random(seed)
        self.acknowledged = acknowledged
        self.checkpoints = checkpoints

    def run(self) -> None:
        try:
            client = Tds(self.port, PASSWORD, timeout=30)
            while True:
                transfer = next(self.ids)
                a, b = self.rng.sample(range(ACCOUNTS), 2)
                amount = self.rng.randint(1, 20)
                reply = client.answer(
                    f"BEGIN TRAN; UPDATE bank SET balance = balance - {amount} WHERE id = {a}; "
                    f"UPDATE bank SET balance = balance + {amount} WHERE id = {b}; "
                    f"INSERT INTO ledger VALUES ({transfer}, {a}, {b}, {amount}); COMMIT"
                )
                if not reply.errors:
                    self.acknowledged.add(transfer)
                else:
                    client.answer("IF @@TRANCOUNT > 0 ROLLBACK")
                if self.checkpoints and self.rng.random() < 0.05:
                    client.answer("CHECKPOINT")
        except (OSError, ConnectionError, RuntimeError):
            return  # the server was killed


def set_up(port: int) -> None:
    """The bank (the workers' accounts and the escrow ones) and its empty ledger."""
    setup = Tds(port, PASSWORD, timeout=30)
    values = ", ".join(f"({i}, {OPENING_BALANCE})" for i in range(ACCOUNTS + len(ESCROW)))
    setup.batch("CREATE TABLE bank (id INT PRIMARY KEY, balance INT NOT NULL)")
    setup.batch(f"INSERT INTO bank VALUES {values}")
    setup.batch("CREATE TABLE ledger (id BIGINT PRIMARY KEY, debit INT, credit INT, amount INT)")
    setup.close()


def check(port: int, report: Report, cycle: int) -> dict[int, tuple[int, int, int]]:
    """Check the invariants (module docstring); return the ledger.  Reads are SNAPSHOT reads: an in-doubt
    transaction's locks (the aimed suite) must not block them, and its changes must not be seen."""
    client = Tds(port, PASSWORD, timeout=30)
    try:
        client.batch("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")
        ledger = {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in client.answer("SELECT * FROM ledger").rows}
        balances = {int(r[0]): int(r[1]) for r in client.answer("SELECT id, balance FROM bank").rows}
    finally:
        client.close()
    lost = report.acknowledged - ledger.keys()
    if lost:
        report.violations.append(f"cycle {cycle}: {len(lost)} acknowledged transfers lost, e.g. {sorted(lost)[:3]}")
    expected = dict.fromkeys(range(ACCOUNTS + len(ESCROW)), OPENING_BALANCE)
    for a, b, amount in ledger.values():
        expected[a] -= amount
        expected[b] += amount
    if balances != expected:
        wrong = {k: (balances.get(k), v) for k, v in expected.items() if balances.get(k) != v}
        report.violations.append(f"cycle {cycle}: balances disagree with the ledger (is, should): {wrong}")
    if sum(balances.values()) != len(expected) * OPENING_BALANCE:
        report.violations.append(f"cycle {cycle}: total {sum(balances.values())}")
    return ledger


def run(data_dir: Path, cycles: int, sessions: int, seed: int) -> Report:
    rng = random.Random(seed)
    report = Report()
    ids = itertools.count(1)  # transfer ids, unique over the whole run (next() is atomic under the GIL)
    for cycle in range(cycles + 1):
        started = time.monotonic()
        with quietus_server(data_dir) as (pid, port):
            report.restart_seconds.append(time.monotonic() - started)
            if cycle == 0:
                set_up(port)
            check(port, report, cycle)
            if cycle == cycles:
                break  # the last restart is only checked
            workers = [
                Worker(port, ids, rng.randrange(2**32), report.acknowledged, checkpoints=n == 0)
                for n in range(sessions)
            ]
            for worker in workers:
                worker.start()
            time.sleep(rng.uniform(0.2, 1.5))
            os.kill(pid, signal.SIGKILL)
            for worker in workers:
                worker.join(30)
            report.cycles += 1
            if report.cycles % PROGRESS_EVERY == 0:  # a long run stopped early still tells how far it got
                print(f"  {report.cycles} cycles, {len(report.violations)} violations so far", flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        report = run(Path(work) / "data", args.cycles, args.sessions, args.seed)
    seconds = report.restart_seconds
    print(f"seed {args.seed}: {report.cycles} kill -9 cycles, {len(report.acknowledged)} transfers acknowledged")
    print(f"restart (to ready, recovery included): p50 {percentile(seconds, 0.5):.2f} s, max {max(seconds):.2f} s")
    print_violations(report.violations)


if __name__ == "__main__":
    main()
