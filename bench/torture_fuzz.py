"""The fuzz torture suite (issue 14, item 4): mutated TDS packets and generated SQL on fresh connections while
bystander sessions work; prints its figures and every violation.

    python -m bench.torture_fuzz [--packets 2000] [--statements 2000] [--bystanders 2] [--seed 1]

A `quietus serve` process (bench_server.quietus_server).  Three kinds of work, interleaved from one seeded random
generator, so a seed replays the same inputs:

  packets     a valid PRELOGIN, LOGIN7, SQL batch or RPC message with bytes flipped, inserted, deleted, truncated
              or a header field rewritten, sent on a fresh connection; the server may answer or close it
  statements  SQL from a small grammar (literals outside the BMP, lone surrogates, nesting, empty select lists,
              IN lists, functions, garbage tokens), on one logged-in connection, reopened only after a fatal error

Invariants (each breach is printed as a violation):
  every generated statement is answered (rows or a numbered error) on a connection that stays open, unless the
  error is fatal (severity >= 20); the safety net never fires (no 8630, sys.dm_quietus_safety_net stays at 0); no
  traceback in the error log; a fresh client logs in and runs a query after each packet; bystanders (SELECT 1 in a
  loop) never see an error.  Figures: cases per second, bystander p50/p99/max, RSS before and after.

``run(port, ...)`` is the suite itself, for the test suite's short run against an in-process server.
"""

from __future__ import annotations

import argparse
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench._torture import main_against_a_server, print_violations, traceback_in
from bench.bench_server import Tds
from quietus.protocol.tds import RpcCall, RpcParameter
from quietus.protocol.tds.client import TdsClient
from quietus.protocol.tds.types import TypeId, TypeInfo

NTEXT = TypeInfo(TypeId.NVARCHAR, 8000, collation=bytes.fromhex("0904D00034"))
SOCKET_TIMEOUT = 20.0  # an answer slower than this is a violation (a hang), not a timing figure


@dataclass
class Report:
    packets: int = 0
    statements: int = 0
    errors_by_number: dict[int, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    bystander_ms: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)  # the server's RSS, sampled every tenth of the run
    seconds: float = 0.0

    def violation(self, text: str) -> None:
        self.violations.append(text)


def connect(port: int, password: str) -> Tds:
    """A logged-in raw TDS session; ``answer(text)`` returns a batch's reply, errors included."""
    return Tds(port, password, timeout=SOCKET_TIMEOUT)


# -- generated SQL ----------------------------------------------------------------------------------------------

STRINGS = ("N'\U0001f600'", "N'a\U0001d11eb'", "N'\ud800'", "N'x\udc00y'", "N''", "'abc'", "N'\u00df'", "N'  '")
FUNCTIONS = ("LEN", "DATALENGTH", "REVERSE", "UPPER", "LOWER", "LTRIM", "UNICODE", "ASCII")
GARBAGE = ("SELECT", "FROM", ",", "(", ")", "'", "N'", "@", "@@", "[", "]", ";", "--", "/*", "CASE", "END", "1e9999")


Shape = Callable[[random.Random, str, str], str]
SHAPES: tuple[Shape, ...] = (  # an expression made of two smaller ones, a and b
    lambda rng, a, b: f"({a} {rng.choice(('+', '-', '*', '/', '%', '&', '|'))} {b})",
    lambda rng, a, b: f"{rng.choice(FUNCTIONS)}({a})",
    lambda rng, a, b: f"SUBSTRING({a}, {rng.randint(-2, 4)}, {rng.randint(-1, 4)})",
    lambda rng, a, b: f"CASE WHEN {a} = {b} THEN {a} ELSE {b} END",
    lambda rng, a, b: f"{rng.choice(('LEFT', 'RIGHT'))}({a}, {rng.randint(-1, 3)})",
    lambda rng, a, b: f"CAST({a} AS {rng.choice(('NVARCHAR(1)', 'VARCHAR(2)', 'INT', 'NCHAR(3)', 'DECIMAL(5, 2)'))})",
    lambda rng, a, b: f"(SELECT {a})",
    lambda rng, a, b: f"STUFF({a}, {rng.randint(0, 3)}, {rng.randint(-1, 3)}, {b})",
    lambda rng, a, b: f"{rng.choice(('REPLICATE', 'CHARINDEX', 'CONCAT', 'REPLACE'))}({a}, {b}"
    + (f", {rng.randint(0, 3)})" if rng.random() < 0.3 else ")"),
    lambda rng, a, b: f"{rng.choice(('NCHAR', 'CHAR', 'SPACE', 'STR'))}({rng.choice((a, str(rng.randint(-5, 7**6))))})",
)


def expression(rng: random.Random, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.3:
        return rng.choice((str(rng.randint(-(2**40), 2**40)), rng.choice(STRINGS), "NULL", "1.5", "0x0A", "@@SPID"))
    shape = rng.choice(SHAPES)
    return shape(rng, expression(rng, depth - 1), expression(rng, depth - 1))


def statement(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return "SELECT " + ", ".join(expression(rng, rng.randint(0, 4)) for _ in range(rng.randint(1, 3)))
    if kind == 1:
        return f"SELECT 1 WHERE {expression(rng, 3)} IN ({', '.join(expression(rng, 1) for _ in range(5))})"
    if kind == 2:
        n = rng.choice((10, 300, 3_000, 20_000))
        shape = rng.choice(("(" * n + "1" + ")" * n, "NOT " * n + "1 = 1", " + ".join(["1"] * n)))
        return ("SELECT 1 WHERE " if shape.startswith("NOT") else "SELECT ") + shape
    if kind == 3:
        return rng.choice(("SELECT", "SELECT FROM fuzz", "SELECT WHERE 1 = 1", "SELECT DISTINCT", "SELECT TOP 1"))
    if kind == 4:
        return f"INSERT INTO fuzz (v) VALUES ({expression(rng, 2)})"
    if kind == 5:
        return f"DECLARE @v NVARCHAR({rng.randint(1, 3)}) = {expression(rng, 2)}; SELECT @v, LEN(@v)"
    if kind == 6:
        return " ".join(rng.choice(GARBAGE) for _ in range(rng.randint(1, 12)))
    return f"SELECT v, LEN(v) FROM fuzz WHERE id % 7 = {rng.randint(0, 6)}"


# -- mutated packets --------------------------------------------------------------------------------------------


def valid_messages(password: str) -> list[Callable[[TdsClient], bytes]]:
    declarations = RpcCall(
        proc_id=10,
        parameters=(RpcParameter("", "SELECT @P1", NTEXT), RpcParameter("", "@P1 nvarchar(10)", NTEXT),
                    RpcParameter("", "x", NTEXT)),
    )  # fmt: skip
    return [
        lambda tds: tds.prelogin(),
        lambda tds: tds.login("sa", password),
        lambda tds: tds.sql_batch("SELECT N'\U0001f600', 1 + 1"),
        lambda tds: tds.rpc([declarations]),
    ]


def mutate(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        position = rng.randrange(len(raw)) if raw else 0
        if kind == 0 and raw:
            raw[position] ^= 1 << rng.randrange(8)
        elif kind == 1:
            raw[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 2 and raw:
            del raw[position : position + rng.randint(1, 8)]
        elif kind == 3:
            raw = raw[: rng.randrange(len(raw) + 1)]
        elif kind == 4 and len(raw) >= 4:
            raw[2:4] = rng.randrange(65536).to_bytes(2, "big")  # the packet's length field
        elif kind == 5 and raw:
            raw[position] = rng.choice((0x00, 0xFF, 0x7F, 0x80))
    return bytes(raw)


def send_mutated(port: int, password: str, rng: random.Random, report: Report) -> None:
    """A fresh connection: the messages before the chosen one valid, the chosen one mutated; then read until the
    server answers, closes, or goes quiet (a truncated packet leaves it waiting for the rest, as SQL Server does)."""
    messages = valid_messages(password)
    target = rng.randrange(len(messages))
    tds = TdsClient()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT) as sock:
            sock.settimeout(0.05)
            for index in range(target):
                sock.sendall(messages[index](tds))
                _drain(sock)
            sock.sendall(mutate(rng, messages[target](tds)))
            _drain(sock)
    except OSError:
        pass  # the server closed the connection: an allowed answer to a broken packet


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return


# -- the suite --------------------------------------------------------------------------------------------------


class Bystander(threading.Thread):
    def __init__(self, port: int, password: str, report: Report) -> None:
        super().__init__(daemon=True)
        self.client = connect(port, password)
        self.report = report
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            start = time.monotonic()
            try:
                reply = self.client.answer("SELECT 1")
            except OSError as error:
                self.report.violation(f"bystander lost its connection: {error}")
                return
            if reply.errors or reply.rows != [(1,)]:
                self.report.violation(f"bystander got {reply.errors or reply.rows}")
            self.report.bystander_ms.append((time.monotonic() - start) * 1000)


def run(
    port: int, password: str, packets: int, statements: int, seed: int, bystanders: int, errorlog: Callable[[], str],
    rss_kb: Callable[[], int] | None = None,
) -> Report:  # fmt: skip
    """The suite against a running server; ``errorlog`` returns the error log's text."""
    rng = random.Random(seed)
    report = Report()
    setup = connect(port, password)
    setup.answer("IF OBJECT_ID('fuzz') IS NULL CREATE TABLE fuzz (id INT IDENTITY PRIMARY KEY, v NVARCHAR(4))")
    setup.close()
    log_before = len(errorlog())
    watchers = [Bystander(port, password, report) for _ in range(bystanders)]
    for watcher in watchers:
        watcher.start()
    started = time.monotonic()
    session = connect(port, password)
    kinds = ["packet"] * packets + ["statement"] * statements
    rng.shuffle(kinds)
    for number, kind in enumerate(kinds):
        if rss_kb is not None and number % max(len(kinds) // 10, 1) == 0:
            report.rss_mb.append(rss_kb() / 1024)
        if kind == "packet":
            send_mutated(port, password, rng, report)
            report.packets += 1
            continue
        text = statement(rng)
        report.statements += 1
        try:
            reply = session.answer(text)
        except Exception as error:  # any failure to read an answer is the violation reported
            report.violation(f"case {number}: connection ended without an error by {text[:80]!r}: {error}")
            session.close()
            session = connect(port, password)
            continue
        for error in reply.errors:
            report.errors_by_number[error.number] = report.errors_by_number.get(error.number, 0) + 1
            if error.number == 8630:
                report.violation(f"case {number}: the safety net fired for {text[:80]!r}")
        if any(e.severity >= 20 for e in reply.errors):
            session.close()
            session = connect(port, password)
    report.seconds = time.monotonic() - started
    for watcher in watchers:
        watcher.stopping.set()
    for watcher in watchers:
        watcher.join()
        watcher.client.close()
    fired = session.answer("SELECT fired_count, last_exception FROM sys.dm_quietus_safety_net").rows
    if fired and fired[0][0]:
        report.violation(f"sys.dm_quietus_safety_net: fired {fired[0][0]} times, last {fired[0][1]!r}")
    session.close()
    check = connect(port, password)
    if check.answer("SELECT 40 + 2").rows != [(42,)]:
        report.violation("a fresh client could not run a query at the end")
    check.close()
    if (found := traceback_in(errorlog()[log_before:])) is not None:
        report.violation(found)
    return report


def print_report(report: Report) -> None:
    from bench.bench_server import percentile

    cases = report.packets + report.statements
    print(f"cases {cases} ({report.packets} packets, {report.statements} statements) in {report.seconds:.1f} s")
    if report.bystander_ms:
        ms = report.bystander_ms
        print(f"bystander round trips: {len(ms)}, p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms,"
              f" max {max(ms):.1f} ms")  # fmt: skip
    if report.rss_mb:
        print("server RSS (MB) over the run: " + ", ".join(f"{mb:.0f}" for mb in report.rss_mb))
    common = sorted(report.errors_by_number.items(), key=lambda item: -item[1])[:12]
    print("errors answered (number: count): " + ", ".join(f"{n}: {c}" for n, c in common))
    print_violations(report.violations)


def main() -> None:
    from bench.bench_server import PASSWORD, rss_kb

    def body(args: argparse.Namespace, pid: int, port: int, errorlog: Callable[[], str]) -> None:
        report = run(
            port, PASSWORD, args.packets, args.statements, args.seed, args.bystanders, errorlog, lambda: rss_kb(pid)
        )
        report.rss_mb.append(rss_kb(pid) / 1024)
        print_report(report)

    options = {"packets": (int, 2000), "statements": (int, 2000), "bystanders": (int, 2)}
    main_against_a_server(__doc__, options, body)


if __name__ == "__main__":
    main()
