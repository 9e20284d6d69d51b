"""The killstorm torture suite (issue 14, item 4): random KILLs against sessions moving money between accounts;
prints its figures and every violation.

    python -m bench.torture_killstorm [--sessions 20] [--seconds 60] [--kills-per-second 5] [--seed 1]

A `quietus serve` process (bench_server.quietus_server).  Each worker session runs transfers in a loop (one batch:
BEGIN TRAN; two UPDATEs; COMMIT), reconnecting when it is killed; a killer picks a random worker's session id at
--kills-per-second and sends ``KILL <spid>``, all from one connection (a plain KILL n ends whoever holds n now, as
in SQL Server: kill_statement.py).  A deadlock victim (1205) retries.

Invariants (each breach is printed as a violation): the bank's total never changes (checked throughout and at the
end); once the storm stops and the kills have finished, no lock, session, request or pending kill record of a
worker is left; no traceback in the error log; the safety net never fires.  Figures: kills applied per second,
transfers committed per second, how victims learned of their kill (596 in the reply, or the connection closed while
idle), the kill's rollback time from sys.dm_exec_kill_history.

``run(port, ...)`` is the suite itself, for the test suite's short run against an in-process server.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench._torture import main_against_a_server, print_violations, traceback_in
from bench.bench_server import Tds

ACCOUNTS = 50
OPENING_BALANCE = 1_000
SETTLE_SECONDS = 20.0  # how long the kills may take to finish after the storm (a hang beyond is a violation)


@dataclass
class Report:
    kills_applied: int = 0
    kills_refused: int = 0
    transfers: int = 0
    victims_told: int = 0  # a reply carried 596
    victims_closed_idle: int = 0  # the connection was found closed between requests
    deadlocks: int = 0
    rollback_ms: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0


def connect(port: int, password: str) -> Tds:
    return Tds(port, password, timeout=SETTLE_SECONDS)


class Worker(threading.Thread):
    def __init__(self, port: int, password: str, seed: int, report: Report, lock: threading.Lock) -> None:
        super().__init__(daemon=True)
        self.port, self.password = port, password
        self.rng = random.Random(seed)
        self.report, self.lock = report, lock
        self.stopping = threading.Event()
        self.spid: int | None = None
        self.client: Tds | None = None

    def _open(self) -> Tds:
        client = connect(self.port, self.password)
        self.spid = int(client.answer("SELECT @@SPID").rows[0][0])
        return client

    def run(self) -> None:
        client = self._open()
        while not self.stopping.is_set():
            a, b = self.rng.sample(range(ACCOUNTS), 2)
            amount = self.rng.randint(1, 50)
            sql = (
                f"BEGIN TRAN; UPDATE bank SET balance = balance - {amount} WHERE id = {a}; "
                f"UPDATE bank SET balance = balance + {amount} WHERE id = {b}; COMMIT"
            )
            try:
                reply = client.answer(sql)
            except (OSError, ConnectionError):
                with self.lock:
                    self.report.victims_closed_idle += 1
                client.close()
                client = self._open()
                continue
            numbers = [e.number for e in reply.errors]
            with self.lock:
                if 596 in numbers:
                    self.report.victims_told += 1
                elif 1205 in numbers:
                    self.report.deadlocks += 1
                elif numbers:
                    self.report.violations.append(f"a transfer failed with {numbers}")
                else:
                    self.report.transfers += 1
            if 596 in numbers:
                client.close()
                client = self._open()
            elif numbers:
                client.answer("IF @@TRANCOUNT > 0 ROLLBACK")
        client.close()


def total(client: Tds) -> int:
    """The bank's total from a consistent read (a table S lock: a plain READ COMMITTED scan may see one half of a
    transfer, in SQL Server too)."""
    return int(client.answer("SELECT SUM(balance) FROM bank WITH (TABLOCK)").rows[0][0])


def leftovers(client: Tds, spids: set[int]) -> list[str]:
    """What the workers' sessions left behind, by view; empty when all is clean."""
    ids = ", ".join(str(s) for s in spids) or "0"
    checks = {
        "locks": f"SELECT COUNT(*) FROM sys.dm_tran_locks WHERE request_session_id IN ({ids})",
        "sessions": f"SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE session_id IN ({ids})",
        "requests": f"SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id IN ({ids})",
        "pending kills": "SELECT COUNT(*) FROM sys.dm_exec_kill_history WHERE outcome = 'pending'",
    }
    found = []
    for what, sql in checks.items():
        count = int(client.answer(sql).rows[0][0])
        if count:
            found.append(f"{count} {what}")
    return found


def run(
    port: int, password: str, sessions: int, seconds: float, kills_per_second: float, seed: int,
    errorlog: Callable[[], str],
) -> Report:  # fmt: skip
    rng = random.Random(seed)
    report = Report()
    lock = threading.Lock()
    admin = connect(port, password)
    admin.answer("IF OBJECT_ID('bank') IS NOT NULL DROP TABLE bank")
    admin.answer("CREATE TABLE bank (id INT PRIMARY KEY, balance INT NOT NULL)")
    values = ", ".join(f"({i}, {OPENING_BALANCE})" for i in range(ACCOUNTS))
    admin.answer(f"INSERT INTO bank VALUES {values}")
    expected = ACCOUNTS * OPENING_BALANCE
    log_before = len(errorlog())
    workers = [Worker(port, password, rng.randrange(2**32), report, lock) for _ in range(sessions)]
    for worker in workers:
        worker.start()
    killer = connect(port, password)
    killed: set[int] = set()
    started = time.monotonic()
    next_check, attempts = started + 1.0, 0
    while (now := time.monotonic()) - started < seconds:
        connected = [worker for worker in workers if worker.spid is not None]  # not those still logging in again
        chosen = rng.choice(connected) if connected else None
        victim = chosen.spid if chosen is not None else None
        if chosen is not None and victim is not None:
            reply = killer.answer(f"KILL {victim}")
            if reply.errors:
                report.kills_refused += 1  # it ended between the choice and the KILL: a race the storm expects
            else:
                report.kills_applied += 1
                killed.add(victim)
                if chosen.spid == victim:
                    chosen.spid = None  # not a target again until it has reconnected
        if now >= next_check:
            next_check = now + 1.0
            seen = total(admin)
            if seen != expected:
                report.violations.append(f"total {seen} instead of {expected} during the storm")
        attempts += 1  # paced on a schedule from the start, so a slow KILL is made up for by the next ones
        time.sleep(max(0.0, started + attempts / kills_per_second - time.monotonic()))
    report.seconds = time.monotonic() - started
    killer.close()
    for worker in workers:
        worker.stopping.set()
    for worker in workers:
        worker.join(SETTLE_SECONDS)
    spids = killed | {w.spid for w in workers if w.spid is not None}
    deadline = time.monotonic() + SETTLE_SECONDS
    while (left := leftovers(admin, spids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        report.violations.append("left behind after the storm: " + ", ".join(left))
    if total(admin) != expected:
        report.violations.append(f"total {total(admin)} instead of {expected} at the end")
    rows = admin.answer("SELECT rollback_duration_ms FROM sys.dm_exec_kill_history WHERE rollback_duration_ms >= 0")
    report.rollback_ms = [float(r[0]) for r in rows.rows]
    fired = admin.answer("SELECT fired_count FROM sys.dm_quietus_safety_net").rows
    if fired and fired[0][0]:
        report.violations.append(f"the safety net fired {fired[0][0]} times")
    admin.close()
    if (found := traceback_in(errorlog()[log_before:])) is not None:
        report.violations.append(found)
    return report


def print_report(report: Report) -> None:
    from bench.bench_server import percentile

    per_second = report.kills_applied / report.seconds if report.seconds else 0.0
    print(f"{report.seconds:.0f} s: {report.kills_applied} kills applied ({per_second:.1f}/s), {report.kills_refused}"
          f" refused; {report.transfers} transfers committed, {report.deadlocks} deadlocks")  # fmt: skip
    print(f"victims told by 596: {report.victims_told}; found closed between requests: {report.victims_closed_idle}")
    if report.rollback_ms:
        ms = report.rollback_ms
        print(f"kill to session gone: p50 {percentile(ms, 0.5):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms")
    print_violations(report.violations)


def main() -> None:
    from bench.bench_server import PASSWORD

    def body(args: argparse.Namespace, pid: int, port: int, errorlog: Callable[[], str]) -> None:
        print_report(run(port, PASSWORD, args.sessions, args.seconds, args.kills_per_second, args.seed, errorlog))

    options = {"sessions": (int, 20), "seconds": (float, 60), "kills-per-second": (float, 5)}
    main_against_a_server(__doc__, options, body)


if __name__ == "__main__":
    main()
