"""The crash torture suite with aimed crashes (issue 14): kill -9 of the server at named moments — in the middle of a
long rollback, during recovery (again and again), between PREPARE and the decision of a distributed transaction and
during the decision, during a checkpoint — under the bank workload of ``torture_crash``; prints its figures and
every violation.

    python -m bench.torture_crash_aimed [--cycles 5] [--rows 5000] [--sessions 3] [--recovery-crashes 3]
                                        [--scenarios rollback,recovery,twophase,checkpoint,coordinator] [--seed 1]

The server is started with ``QUIETUS_CRASH_AT`` (``quietus/engine/crashpoints.py``): it kills itself with SIGKILL
when it passes the named point, after saying so on its standard error.  A crash counts as *reached* only when the
process ended by SIGKILL, which the suite did not send, and said it reached that point; an armed point that was not
reached is a violation (or, for a recovery point beyond the log's end, a miss that is counted and reported).  Each
cycle runs every scenario once:

  rollback    a big transaction (an UPDATE of every row of ``wide``, --rows rows, plus an escrow transfer with its
              ledger row) is rolled back while the workers run, in turn by ROLLBACK, by KILL of its session, and by
              an error (XACT_ABORT ON and a divide by zero after the big UPDATE); the server dies halfway through
              the undo (``rollback-midway``).
  recovery    the workers run, the suite kills the server at a random moment (sometimes with a distributed
              transaction prepared and left open), then starts it --recovery-crashes times armed to die inside
              recovery (loading the checkpoint, after the k-th replayed log record, after restoring the in-doubt
              transaction) before the clean start.
  twophase    a distributed escrow transfer (BEGIN DISTRIBUTED TRANSACTION, sp_prepare_distributed_transaction,
              then COMMIT or ROLLBACK) while the workers run; the server dies with the PREPARE record durable but
              the client not told (``prepare-durable``), or is killed by the suite after the prepare answered and
              before the decision, or dies with the COMMIT or ABORT decision durable but not yet acted on
              (``decision-logged``).
  checkpoint  a session issues CHECKPOINT in a loop while the workers run (and a distributed transaction is
              prepared and left open, so the checkpoint must carry it); the server dies with the new checkpoint
              partly written (``checkpoint-chunk``) or installed but the old one and the log not yet removed
              (``checkpoint-installed``).
  coordinator the escrow transfer's other half is a row on a linked participant server (a second `quietus
              serve`); in turn, the coordinator dies with its COMMIT decision durable, no participant told
              (``coordinator-decided``): after its restart both halves must commit by themselves; or with every
              participant prepared and no decision written (``coordinator-prepared``): after its restart the
              participant's part must end as presumed abort (rolled back, its locks released, nothing of it
              visible on either server).

Invariants after every restart, besides ``torture_crash``'s (no acknowledged transfer lost, balances agree with the
ledger, the total unchanged): nothing of a rolled-back or never-committed transaction is visible (``wide`` all 0,
its ledger row absent); a transaction whose decision is durable has that outcome and is not in doubt; one prepared
without a durable decision is in doubt (session -2), holds its locks (a locking reader times out, 1222) and is then
decided with KILL 'uow' (its outcome then checked); after that no lock at all is held (no leaked locks).

``run(...)`` is the suite itself, for the test suite's short run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench._torture import print_violations
from bench.bench_server import PASSWORD, Tds, percentile, ready_port, start_quietus
from bench.torture_crash import ESCROW, Report, Worker, check, set_up
from quietus.engine.crashpoints import ENVIRONMENT

SCENARIOS = ("rollback", "recovery", "twophase", "checkpoint", "coordinator")
ROLLBACKS = ("ROLLBACK", "KILL", "error")
TWO_PHASE = ("prepare-durable", "prepared", "commit-logged", "abort-logged")
COORDINATOR_POINTS = ("coordinator-decided", "coordinator-prepared")  # the decision durable / not yet written
LOCK_TIMEOUT_ERROR = 1222
IN_DOUBT = (
    "SELECT DISTINCT transaction_uow FROM sys.dm_tran_active_transactions "
    "WHERE transaction_type = 4 AND transaction_state = 5"
)


@dataclass
class AimedReport(Report):
    reached: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)  # recovery points beyond the end of a short log
    in_doubt_checked: int = 0
    refused: set[int] = field(default_factory=set)  # ledger ids that must never appear (rolled back)


class Server:
    """One `quietus serve` on the data directory, armed with ``crash_at`` (a QUIETUS_CRASH_AT value) or not."""

    def __init__(self, data_dir: Path, crash_at: str = "") -> None:
        self.stderr: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by close())
        self.process = start_quietus(data_dir, environment={ENVIRONMENT: crash_at}, stderr=self.stderr)
        self.port = ready_port(self.process)  # None: it died before it was ready (a recovery crash point)

    def died_at(self, point: str, timeout: float = 120) -> bool:
        """Wait for the server to end; True when it killed itself at ``point`` (see the module docstring)."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return False
        self.stderr.seek(0)
        said = f"quietus crash point {point} reached" in self.stderr.read()
        self.close()
        return self.process.returncode == -signal.SIGKILL and said

    def stop(self) -> None:
        """Shut the server down (SIGTERM); SIGKILL if it has not ended within two minutes."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(120)
        except subprocess.TimeoutExpired:
            print(f"quietus serve (pid {self.process.pid}) ignored SIGTERM for 2 minutes: killed")
        self.kill()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL; Popen sends nothing once the process has been reaped
        self.process.wait(60)
        self.close()

    def close(self) -> None:
        self.stderr.close()
        if self.process.stdout is not None:
            self.process.stdout.close()


class Workload:
    """The transfer workers of torture_crash on one server, started at once."""

    def __init__(self, port: int, ids: Iterator[int], rng: random.Random, report: Report, sessions: int) -> None:
        self.workers = [Worker(port, ids, rng.randrange(2**32), report.acknowledged, False) for _ in range(sessions)]
        for worker in self.workers:
            worker.start()

    def join(self) -> None:
        for worker in self.workers:
            worker.join(60)


def answer_or_none(client: Tds, sql: str) -> Any:
    """The reply to ``sql``, or None when the server died meanwhile."""
    try:
        return client.answer(sql)
    except (OSError, ConnectionError, RuntimeError):
        return None


def escrow_transfer(ledger_id: int, amount: int = 5) -> str:
    debit, credit = ESCROW
    return (
        f"UPDATE bank SET balance = balance - {amount} WHERE id = {debit}; "
        f"UPDATE bank SET balance = balance + {amount} WHERE id = {credit}; "
        f"INSERT INTO ledger VALUES ({ledger_id}, {debit}, {credit}, {amount})"
    )


def prepare_escrow_transfer(port: int, ledger_id: int) -> tuple[Tds, bool]:
    """A distributed escrow transfer, prepared; (its session, whether the prepare answered without an error)."""
    client = Tds(port, PASSWORD, timeout=120)
    client.batch("BEGIN DISTRIBUTED TRANSACTION")
    client.batch(escrow_transfer(ledger_id))
    reply = answer_or_none(client, "EXEC sp_prepare_distributed_transaction")
    return client, reply is not None and not reply.errors


class Suite:
    def __init__(self, data_dir: Path, args: argparse.Namespace) -> None:
        self.data_dir, self.args = data_dir, args
        self.rng = random.Random(args.seed)
        self.report = AimedReport()
        self.ids = itertools.count(1)  # ledger ids, unique over the run
        self.cycle = 0
        self.started: list[Server] = []  # every server started, so that none outlives the run
        self.left_open: list[Tds] = []  # sessions of prepared transactions, kept open until their server dies

    def start_server(self, crash_at: str = "", data_dir: Path | None = None) -> Server:
        server = Server(data_dir or self.data_dir, crash_at)
        self.started.append(server)
        return server

    def violation(self, text: str) -> None:
        self.report.violations.append(f"cycle {self.cycle}: {text}")

    def expect_crash(self, server: Server, point: str) -> None:
        if server.died_at(point):
            self.report.reached[point] += 1
        else:
            self.violation(f"crash point {point} was not reached (the server ended otherwise, or not at all)")

    # -- restart and check ------------------------------------------------------------------------------------

    def restart_and_check(self, pending: int | None = None, settle: Callable[[int], None] | None = None) -> None:
        """Start the server unarmed and check every invariant.  ``pending``: the ledger id of a distributed
        transfer that was prepared with no durable decision, so must be in doubt now; ``settle(port)`` runs first
        (waiting for what the restarted server does by itself)."""
        for session in self.left_open:
            session.close()
        self.left_open.clear()
        started = time.monotonic()
        server = self.start_server()
        if server.port is None:
            self.violation("the server did not restart")
            server.kill()
            return
        self.report.restart_seconds.append(time.monotonic() - started)
        try:
            if settle is not None:
                settle(server.port)
            self.check_running(server.port, pending)
        finally:
            server.stop()

    def check_running(self, port: int, pending: int | None) -> None:
        ledger = check(port, self.report, self.cycle)
        dba = Tds(port, PASSWORD, timeout=60)
        try:
            seen = self.report.refused & ledger.keys()
            if seen:
                self.violation(f"rolled-back transfers visible: {sorted(seen)}")
            changed = dba.batch("SELECT COUNT(*) FROM wide WITH (NOLOCK) WHERE v <> 0").rows[0][0]
            if changed:
                self.violation(f"{changed} rows of the rolled-back big update visible")
            in_doubt = [str(row[0]).upper() for row in dba.batch(IN_DOUBT).rows]
            if pending is None and in_doubt:
                self.violation(f"in doubt though every decision was durable: {in_doubt}")
            if pending is not None:
                if len(in_doubt) != 1:
                    self.violation(f"expected one transaction in doubt, found {in_doubt}")
                else:
                    self.check_in_doubt(dba, in_doubt[0], pending)
                    ledger = check(port, self.report, self.cycle)
                    if pending in self.report.refused and pending in ledger:
                        self.violation(f"transfer {pending} visible after KILL 'uow' WITH ROLLBACK")
            spid = dba.batch("SELECT @@SPID").rows[0][0]
            held = f"SELECT request_session_id, resource_type FROM sys.dm_tran_locks WHERE request_session_id <> {spid}"
            deadline = time.monotonic() + 10  # a system task's own short transaction may hold a lock a moment
            while (leaked := dba.batch(held).rows) and time.monotonic() < deadline:
                time.sleep(0.1)
            if leaked:
                self.violation(f"locks held for 10 s with nothing in doubt and no session working: {leaked[:5]}")
        finally:
            dba.close()

    def check_in_doubt(self, dba: Tds, uow: str, ledger_id: int) -> None:
        """The in-doubt transaction holds its locks under session -2 and blocks a locking reader; then decide it."""
        owners = {
            row[0]
            for row in dba.batch(
                f"SELECT request_session_id FROM sys.dm_tran_locks WHERE request_owner_guid = '{uow}'"
            ).rows
        }
        if owners != {-2}:
            self.violation(f"the in-doubt transaction's locks are held by {owners}, not by session -2 alone")
        reader = Tds(dba.sock.getpeername()[1], PASSWORD, timeout=60)
        try:
            reply = reader.answer(f"SET LOCK_TIMEOUT 200; SELECT balance FROM bank WHERE id = {ESCROW[0]}")
            if [e.number for e in reply.errors] != [LOCK_TIMEOUT_ERROR]:
                self.violation(f"a locking reader was not blocked by the in-doubt transaction: {reply.errors}")
        finally:
            reader.close()
        commit = self.rng.random() < 0.5
        reply = dba.answer(f"KILL '{uow}' WITH {'COMMIT' if commit else 'ROLLBACK'}")
        if reply.errors:
            self.violation(f"KILL 'uow' failed: {reply.errors[0].text}")
            return
        (self.report.acknowledged if commit else self.report.refused).add(ledger_id)
        self.report.in_doubt_checked += 1
        deadline = time.monotonic() + 30
        minus_2 = "SELECT COUNT(*) FROM sys.dm_tran_locks WHERE request_session_id = -2"
        while dba.batch(IN_DOUBT).rows or dba.batch(minus_2).rows[0][0]:  # a rollback runs in a task of its own
            if time.monotonic() > deadline:
                break  # the leaked-lock check reports it
            time.sleep(0.05)

    # -- scenarios --------------------------------------------------------------------------------------------

    def start_working(self, crash_at: str = "") -> tuple[Server, Workload]:
        """The server (armed with ``crash_at``) and the transfer workers on it."""
        server = self.start_server(crash_at)
        assert server.port is not None, "quietus serve did not start"
        return server, Workload(server.port, self.ids, self.rng, self.report, self.args.sessions)

    def maybe_leave_prepared(self, port: int) -> int | None:
        """Half the time, a distributed transfer prepared and left undecided, its session kept open until the
        crash; its ledger id (the transfer must be in doubt after the restart)."""
        if self.rng.random() >= 0.5:
            return None
        pending = next(self.ids)
        session, prepared = prepare_escrow_transfer(port, pending)
        self.left_open.append(session)
        if not prepared:
            self.violation("the distributed transfer could not be prepared")
        return pending

    def some_transfer_acknowledged(self, seconds: float = 10.0) -> None:
        """Wait (a bounded time) until the workers have one more transfer acknowledged, so that the crash that
        follows has committed work to lose, also on a loaded machine where logging in takes a while."""
        before = len(self.report.acknowledged)
        deadline = time.monotonic() + seconds
        while len(self.report.acknowledged) == before and time.monotonic() < deadline:
            time.sleep(0.01)

    def rollback(self) -> None:
        kind = ROLLBACKS[self.cycle % len(ROLLBACKS)]
        server, workload = self.start_working("rollback-midway")
        self.some_transfer_acknowledged()
        big = Tds(server.port, PASSWORD, timeout=120)
        ledger_id = next(self.ids)
        self.report.refused.add(ledger_id)
        work = f"UPDATE wide SET v = v + 1; {escrow_transfer(ledger_id)}"
        if kind == "ROLLBACK":
            answer_or_none(big, f"BEGIN TRAN; {work}; ROLLBACK")
        elif kind == "error":
            answer_or_none(big, f"SET XACT_ABORT ON; BEGIN TRAN; {work}; SELECT 1 / 0")
        else:
            spid = big.batch("SELECT @@SPID").rows[0][0]
            big.sock.sendall(big.tds.sql_batch(f"BEGIN TRAN; {work}; WAITFOR DELAY '00:10:00'"))
            killer = Tds(server.port, PASSWORD, timeout=120)
            waiting = f"SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id = {spid} AND wait_type = 'WAITFOR'"
            with contextlib.suppress(OSError, ConnectionError, RuntimeError):
                while not killer.batch(waiting).rows[0][0]:
                    time.sleep(0.01)
                killer.answer(f"KILL {spid}")
            killer.close()
        self.expect_crash(server, "rollback-midway")
        big.close()
        workload.join()
        self.report.cycles += 1
        self.restart_and_check()

    def recovery(self) -> None:
        server, workload = self.start_working()
        pending = self.maybe_leave_prepared(server.port)
        time.sleep(self.rng.uniform(0.3, 1.0))
        checkpointer = Tds(server.port, PASSWORD, timeout=120)
        answer_or_none(checkpointer, "CHECKPOINT")  # so that recovery has a checkpoint to load as well as a log
        time.sleep(self.rng.uniform(0.1, 0.5))
        server.kill()
        workload.join()
        self.report.cycles += 1
        for _ in range(self.args.recovery_crashes):
            point = self.rng.choice(["recovery-checkpoint", "recovery-replay", "recovery-in-doubt"])
            if point == "recovery-in-doubt" and pending is None:
                point = "recovery-replay"
            hit = self.rng.randint(1, 40) if point == "recovery-replay" else 1
            while (armed := self.start_server(f"{point}:{hit}")).port is not None:
                # Recovery ended before the hit-th passage (a short log): the point lies beyond it; aim earlier.
                self.report.missed[point] += 1
                armed.kill()
                if hit == 1:
                    break
                hit = max(1, hit // 4)
            else:
                self.expect_crash(armed, point)
        self.restart_and_check(pending)

    def twophase(self) -> None:
        kind = TWO_PHASE[self.cycle % len(TWO_PHASE)]
        point = {"prepare-durable": "prepare-durable", "prepared": ""}.get(kind, "decision-logged")
        server, workload = self.start_working(point)
        time.sleep(self.rng.uniform(0.1, 0.4))
        ledger_id = next(self.ids)
        session, prepared = prepare_escrow_transfer(server.port, ledger_id)
        pending: int | None = ledger_id
        if kind == "prepare-durable":
            self.expect_crash(server, point)
        elif not prepared:
            self.violation(f"the distributed transfer could not be prepared ({kind})")
        elif kind == "prepared":
            time.sleep(self.rng.uniform(0.05, 0.3))  # between the prepare's answer and the decision
            server.kill()
            self.report.reached["between-prepare-and-decision"] += 1
        else:
            commit = kind == "commit-logged"
            answer_or_none(session, "COMMIT" if commit else "ROLLBACK")
            self.expect_crash(server, point)
            (self.report.acknowledged if commit else self.report.refused).add(ledger_id)
            pending = None  # the decision is durable: not in doubt after the restart
        session.close()
        workload.join()
        self.report.cycles += 1
        self.restart_and_check(pending)

    def checkpoint(self) -> None:
        point = self.rng.choice(["checkpoint-chunk", "checkpoint-installed"])
        hit = self.rng.randint(1, 3) if point == "checkpoint-chunk" else 1
        server, workload = self.start_working(f"{point}:{hit}")
        pending = self.maybe_leave_prepared(server.port)
        checkpointer = Tds(server.port, PASSWORD, timeout=120)
        time.sleep(self.rng.uniform(0.1, 0.5))
        while answer_or_none(checkpointer, "CHECKPOINT") is not None:
            time.sleep(0.05)
        self.expect_crash(server, point)
        workload.join()
        self.report.cycles += 1
        self.restart_and_check(pending)

    def coordinator(self) -> None:
        """The escrow transfer's other half is a row on a linked participant server; the coordinator dies with its
        COMMIT decision durable and nobody told (``coordinator-decided``), or with the participant prepared and no
        decision written (``coordinator-prepared``).  Once it has restarted, both halves must commit by themselves
        (its decision log re-drives the participant), or both must be rolled back (presumed abort: the re-driver
        tells the participant ROLLBACK), and nothing may stay in doubt or locked on either server."""
        point = COORDINATOR_POINTS[self.cycle % len(COORDINATOR_POINTS)]
        decided = point == "coordinator-decided"
        participant = self.start_server(data_dir=self.data_dir.with_name("participant"))
        assert participant.port is not None, "the participant did not start"
        remote = Tds(participant.port, PASSWORD, timeout=120)
        remote.batch("IF OBJECT_ID('received') IS NULL CREATE TABLE received (id BIGINT PRIMARY KEY)")
        server, workload = self.start_working(point)
        assert server.port is not None
        client = Tds(server.port, PASSWORD, timeout=120)
        client.batch("IF EXISTS (SELECT 1 FROM sys.servers WHERE name = 'B') EXEC sp_dropserver 'B', 'droplogins'")
        client.batch(f"EXEC sp_addlinkedserver 'B', '', 'QUIETUS', '127.0.0.1,{participant.port}'")
        client.batch(f"EXEC sp_addlinkedsrvlogin 'B', 'FALSE', NULL, 'sa', '{PASSWORD}'")
        ledger_id = next(self.ids)
        client.batch("BEGIN DISTRIBUTED TRANSACTION")
        client.batch(f"{escrow_transfer(ledger_id)}; EXEC ('INSERT INTO received VALUES ({ledger_id})') AT B")
        answer_or_none(client, "COMMIT")
        self.expect_crash(server, point)
        client.close()
        workload.join()
        # the decision is durable: it must commit, on both servers; or none was written: it must abort on both
        (self.report.acknowledged if decided else self.report.refused).add(ledger_id)
        self.report.cycles += 1

        def settle(port: int) -> None:
            deadline = time.monotonic() + 60
            coordinator = Tds(port, PASSWORD, timeout=120)
            while coordinator.batch(IN_DOUBT).rows or remote.batch(IN_DOUBT).rows:
                if time.monotonic() > deadline:
                    self.violation("the restarted coordinator left its transaction in doubt for a minute")
                    break
                time.sleep(0.1)
            coordinator.close()
            # a locking read: blocked (1222) if the participant's part still held its locks
            reply = remote.answer(f"SET LOCK_TIMEOUT 2000; SELECT COUNT(*) FROM received WHERE id = {ledger_id}")
            if reply.errors:
                self.violation(f"the participant's table is still locked: {reply.errors[0].text}")
            elif reply.rows[0][0] != (1 if decided else 0):
                state = "not committed" if decided else "visible after a crash before the decision (presumed abort)"
                self.violation(f"the participant's half of transfer {ledger_id} is {state}")
            spid = remote.batch("SELECT @@SPID").rows[0][0]
            held = f"SELECT request_session_id FROM sys.dm_tran_locks WHERE request_session_id <> {spid}"
            # Short system transactions come and go (session 0: the kill history records the re-driver's KILL 'uow'
            # a tenth of a second later); what a decided transaction still held would never go: a few seconds.
            deadline = time.monotonic() + 10
            while (rows := remote.batch(held).rows) and time.monotonic() < deadline:
                time.sleep(0.1)
            if rows:
                self.violation(f"the participant holds locks once all is decided: sessions {rows[:5]}")

        try:
            self.restart_and_check(settle=settle)
        finally:
            remote.close()
            participant.stop()

    # -- the run ----------------------------------------------------------------------------------------------

    def run(self) -> AimedReport:
        try:
            self.run_cycles()
        finally:
            for server in self.started:
                if server.process.poll() is None:
                    server.kill()
        return self.report

    def run_cycles(self) -> None:
        server = self.start_server()
        assert server.port is not None, "quietus serve did not start"
        set_up(server.port)
        setup = Tds(server.port, PASSWORD, timeout=120)
        setup.batch("CREATE TABLE wide (id INT PRIMARY KEY, v INT NOT NULL)")
        for start in range(0, self.args.rows, 1000):
            values = ", ".join(f"({i}, 0)" for i in range(start, min(start + 1000, self.args.rows)))
            setup.batch(f"INSERT INTO wide VALUES {values}")
        setup.close()
        server.stop()
        scenarios: dict[str, Callable[[], None]] = {name: getattr(self, name) for name in SCENARIOS}
        for cycle in range(self.args.cycles):
            self.cycle = cycle
            for name in self.args.scenarios.split(","):
                scenarios[name]()


def run(data_dir: Path, **options: Any) -> AimedReport:
    """The suite with ``options`` (the command line's, by their Python names) over the defaults."""
    return Suite(data_dir, argparse.Namespace(**{**DEFAULTS, **options})).run()


DEFAULTS: dict[str, Any] = {
    "cycles": 5,
    "rows": 5000,
    "sessions": 3,
    "recovery_crashes": 3,
    "scenarios": ",".join(SCENARIOS),
    "seed": 1,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in DEFAULTS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        report = Suite(Path(work) / "data", args).run()
    seconds = report.restart_seconds
    print(
        f"seed {args.seed}: {report.cycles} aimed crash cycles in {time.monotonic() - started:.0f} s, "
        f"{len(report.acknowledged)} transfers acknowledged, {report.in_doubt_checked} in-doubt transactions "
        f"checked and decided"
    )
    print("crash points reached: " + ", ".join(f"{p} {n}" for p, n in sorted(report.reached.items())))
    if report.missed:
        print("recovery points beyond the log's end: " + ", ".join(f"{p} {n}" for p, n in report.missed.items()))
    if seconds:
        print(f"restart (to ready, recovery included): p50 {percentile(seconds, 0.5):.2f} s, max {max(seconds):.2f} s")
    print_violations(report.violations)


if __name__ == "__main__":
    main()
