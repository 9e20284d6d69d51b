"""kill -9 at random points of two-phase commit across two servers (issue 8): no unit of work ends half-committed.

    python -m bench.torture_linked_crash [--cycles 20] [--seed 1]

Two `quietus serve` processes: A coordinates and links B (`sp_addlinkedserver 'B' … '127.0.0.1,<port>'`; B keeps
its port across restarts).  Each cycle a client on A runs distributed transactions one after the other:

    BEGIN DISTRIBUTED TRANSACTION; (its UOW read from sys.dm_tran_units_of_work)
    INSERT INTO ledger VALUES (n, uow)  -- on A
    EXEC ('INSERT INTO ledger VALUES (n, uow)') AT B
    COMMIT                              -- two-phase: B prepares, A commits with its decision, B is told

A transaction is *acknowledged* when its COMMIT returned without an error.  After a random 0.1-1.2 s one of the two
servers (A or B, at random; the first two cycles kill each once) is killed with SIGKILL and started again, so the
kill lands anywhere: before or inside phase one, between A's decision and B hearing it, during B's commit, idle.

Then the administrator's part, as semantics.md §1.10 describes it: A re-drives every decision it logged (at its
start and every 5 s); a UOW still undecided on either server whose row A did not commit was never decided commit,
so it is rolled back with `KILL 'uow'` (orphaned) or `KILL 'uow' WITH ROLLBACK` (in doubt) — a forced outcome,
counted.  A UOW committed on A that B still holds in doubt after the re-driver had its chance is a violation.

Invariants after each cycle (each breach is printed as a violation): both ledgers hold the same (n, uow) rows (no
unit of work half-committed); every acknowledged n is in them (no acknowledged commit lost); nothing is left
undecided on either server; no forced rollback concerns a row A committed.

``run(...)`` is the suite itself, for the test suite's short run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._torture import print_violations
from bench.bench_server import PASSWORD, Tds, free_port, quietus_server

REDRIVE_WAIT_SECONDS = 20.0  # A's re-driver runs every 5 s; a restarted B must also be reachable again
UNITS_OF_WORK = "SELECT uow, situation FROM sys.dm_tran_units_of_work"


@dataclass
class Report:
    cycles: int = 0
    kills: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 0})
    acknowledged: set[int] = field(default_factory=set)
    forced: int = 0  # units of work an administrator rolled back (never decided commit by the coordinator)
    redriven: int = 0  # units of work found undecided on B that A's re-driver committed
    violations: list[str] = field(default_factory=list)


class Server:
    """One `quietus serve` on its own data directory, restartable on the same port."""

    def __init__(self, data_dir: Path, port: int = 0) -> None:
        self.data_dir, self.port, self.pid = data_dir, port, 0
        self._stack = ExitStack()

    def start(self) -> None:
        self._stack = ExitStack()
        self.pid, self.port = self._stack.enter_context(quietus_server(self.data_dir, port=self.port))

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self._stack.close()

    def stop(self) -> None:
        self._stack.close()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        client = Tds(self.port, PASSWORD, timeout=30)
        try:
            reply = client.answer(sql)
            if reply.errors:
                raise RuntimeError(f"{sql}: {reply.errors[0].number} {reply.errors[0].text}")
            return [tuple(row) for row in reply.rows]
        finally:
            client.close()


class Worker(threading.Thread):
    """Distributed transactions on A, one after the other, until an error or the connection's end."""

    def __init__(self, port: int, first: int, acknowledged: set[int]) -> None:
        super().__init__(daemon=True)
        self.port, self.next_id, self.acknowledged = port, first, acknowledged
        self.client: Tds | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        with contextlib.suppress(OSError, ConnectionError, RuntimeError):
            self.client = Tds(self.port, PASSWORD, timeout=30)
            while not self.stop.is_set() and self._one(self.client):
                self.next_id += 1

    def _one(self, client: Tds) -> bool:
        n = self.next_id
        client.batch("BEGIN DISTRIBUTED TRANSACTION")
        uow = client.batch("SELECT uow FROM sys.dm_tran_units_of_work WHERE session_id = @@SPID").rows[0][0]
        client.batch(f"INSERT INTO ledger VALUES ({n}, '{uow}')")
        if client.answer(f"EXEC ('INSERT INTO ledger VALUES ({n}, ''{uow}'')') AT B").errors:
            client.answer("IF @@TRANCOUNT > 0 ROLLBACK")
            return False
        if client.answer("COMMIT").errors:
            return False
        self.acknowledged.add(n)
        return True

    def finish(self) -> None:
        self.stop.set()
        if self.client is not None:
            with contextlib.suppress(OSError):
                self.client.close()  # a transaction it left open goes to session -2 on both servers
        self.join(60)


def ledger(server: Server) -> dict[int, uuid.UUID]:
    return {int(n): uuid.UUID(str(u)) for n, u in server.rows("SELECT id, uow FROM ledger")}


def undecided(server: Server) -> dict[uuid.UUID, str]:
    """Every unit of work on ``server``: orphaned, in doubt, or still owned by a session (none should be once the
    worker's connection is closed and the other server noticed)."""
    return {uuid.UUID(str(u)): str(situation) for u, situation in server.rows(UNITS_OF_WORK)}


def settle(a: Server, b: Server, report: Report, cycle: int) -> None:
    """Wait for the sessions to go; roll back A's orphaned parts (A's own part is never prepared: one that is not
    committed never will be, and its locks would block the ledger's readers); wait for A's re-driver to deliver what
    A committed; roll back on B what A never decided commit (the administrator's part)."""
    deadline = time.monotonic() + REDRIVE_WAIT_SECONDS
    while any("owned" in undecided(s).values() for s in (a, b)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for u, situation in undecided(a).items():
        if situation != "orphaned":
            report.violations.append(f"cycle {cycle}: UOW {u} is {situation} on the coordinator")
            continue
        a.rows(f"KILL '{u}'")
        report.forced += 1
    committed = set(ledger(a).values())
    waited_for = {u for u in undecided(b) if u in committed}
    while True:
        pending_commits = {u for u in undecided(b) if u in committed}
        if not pending_commits or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    report.redriven += len(waited_for - pending_commits)
    for u in pending_commits:
        report.violations.append(f"cycle {cycle}: UOW {u} committed on A is still undecided on B")
    for u, situation in undecided(b).items():
        if u in committed:
            continue
        if situation == "owned":
            report.violations.append(f"cycle {cycle}: UOW {u} still owned on B by a session that should be gone")
            continue
        b.rows(f"KILL '{u}'" if situation == "orphaned" else f"KILL '{u}' WITH ROLLBACK")
        report.forced += 1
    if committed != set(ledger(a).values()):
        report.violations.append(f"cycle {cycle}: A's committed units of work changed while B was resolved")


def check(a: Server, b: Server, report: Report, cycle: int) -> None:
    on_a, on_b = ledger(a), ledger(b)
    if on_a != on_b:
        half = sorted(set(on_a.items()) ^ set(on_b.items()))
        report.violations.append(f"cycle {cycle}: half-committed units of work (n, uow), e.g. {half[:3]}")
    lost = report.acknowledged - on_a.keys()
    if lost:
        report.violations.append(f"cycle {cycle}: acknowledged commits lost: {sorted(lost)[:5]}")
    for name, server in (("A", a), ("B", b)):
        left = undecided(server)
        if left:
            report.violations.append(f"cycle {cycle}: still undecided on {name}: {left}")


def run(work: Path, cycles: int, seed: int) -> Report:
    rng = random.Random(seed)
    report = Report()
    a, b = Server(work / "a"), Server(work / "b", free_port())
    try:
        for server in (a, b):
            server.start()
            server.rows("CREATE TABLE ledger (id BIGINT PRIMARY KEY, uow UNIQUEIDENTIFIER NOT NULL)")
        a.rows(f"EXEC sp_addlinkedserver 'B', '', 'QUIETUS', '127.0.0.1,{b.port}'")
        a.rows(f"EXEC sp_addlinkedsrvlogin 'B', 'FALSE', NULL, 'sa', '{PASSWORD}'")
        first = 1
        for cycle in range(cycles):
            worker = Worker(a.port, first, report.acknowledged)
            worker.start()
            time.sleep(rng.uniform(0.1, 1.2))
            victim = "AB"[cycle] if cycle < 2 else rng.choice("AB")
            (a if victim == "A" else b).kill()
            worker.finish()
            first = worker.next_id + 1
            (a if victim == "A" else b).start()
            report.kills[victim] += 1
            settle(a, b, report, cycle)
            check(a, b, report, cycle)
            report.cycles += 1
    finally:
        a.stop()
        b.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        started = time.monotonic()
        report = run(Path(work), args.cycles, args.seed)
    kills = f"A {report.kills['A']}, B {report.kills['B']}"
    print(f"seed {args.seed}: {report.cycles} kill -9 cycles ({kills}) in {time.monotonic() - started:.0f} s; "
          f"{len(report.acknowledged)} distributed commits acknowledged; {report.redriven} re-driven by the "
          f"coordinator, {report.forced} rolled back by the administrator")  # fmt: skip
    print_violations(report.violations)


if __name__ == "__main__":
    main()
