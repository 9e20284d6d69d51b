"""The fuzz torture suite (issue 14, item 4): mutated TDS packets and generated SQL while bystander sessions
work; prints its figures and every violation.

    python -m bench.torture_fuzz [--packets 2000] [--statements 2000] [--bystanders 2] [--seed 1]
                                 [--workers 2] [--concurrency 16]

A `quietus serve` process (bench_server.quietus_server).  Case n's inputs come from a generator seeded with
(seed, n) alone, so a seed replays the same inputs however the cases are spread; which cases are packets and which
statements is one shuffle of the seed.  ``--workers`` processes each run every workers-th case, ``--concurrency``
of them in flight at once (asyncio), each on a connection of its own.  Kinds of case (``PACKET_KINDS``, weighted
by what they cost the server: a login is an argon2 check of ~50 ms, so the kinds that spend one are rarer):

  prelogin    a fresh connection; the PRELOGIN message, header included, mutated (bits flipped, bytes inserted,
              deleted, overwritten, the message truncated, the length field rewritten)
  login       a fresh connection; a valid PRELOGIN, then LOGIN7 mutated (the payload alone, or header included)
  text        a logged-in connection kept between cases; a SQL batch whose UTF-16 text (whole code units: lone
              surrogates, stray quotes, NULs) is mutated behind valid headers: the server must answer it
  request     a kept connection; a SQL batch or RPC whose payload (ALL_HEADERS and the RPC's parameter metadata
              included) is mutated inside a valid packet header: the server must answer or close the connection
  framing     a logged-in connection; a SQL batch or RPC mutated header included (a truncated or mis-framed
              message leaves the server waiting for the rest, as SQL Server does); the connection is spent
  statements  SQL from a small grammar (literals outside the BMP, lone surrogates, nesting, empty select lists,
              IN lists, functions, garbage tokens) on a logged-in connection, reopened only after a fatal error

A case whose input may be incomplete (prelogin, login, framing) half-closes its side after sending, so the server
reads end-of-file instead of waiting for bytes that never come, and must then close; a request or a statement
waits for the whole reply.  Nothing waits for silence: every case ends when the server has answered or closed; a
case not over within ``CASE_DEADLINE`` seconds is a violation (a hang), never a timeout passed over, and one over
only after ``SLOW_CASE`` seconds is listed as slow (an overloaded server: answered, but late).

Invariants (each breach is printed as a violation):
  every case ends (answered or closed) within its deadline; a text case is answered, never closed without a
  reply; every request's and statement's reply is a whole,
  readable TDS reply; every generated statement is answered (rows or a numbered error) on a connection that stays
  open, unless the error is fatal (severity >= 20); the safety net never fires (no 8630 in any reply,
  sys.dm_quietus_safety_net stays at 0); no traceback in the error log; bystanders (SELECT 1 in a loop) never see
  an error; a fresh client logs in and runs a query at the end.  Figures: cases per second and by kind (with how
  many the server closed), bystander p50/p99/max, the server's RSS over the run.

``run(port, ...)`` is the suite itself, for the test suite's short run against an in-process server.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from bench._torture import main_against_a_server, print_violations, traceback_in
from bench.bench_server import Tds
from quietus.protocol.tds import RpcCall, RpcParameter
from quietus.protocol.tds.client import Reply, TdsClient
from quietus.protocol.tds.packets import encode_message
from quietus.protocol.tds.types import TypeId, TypeInfo

NTEXT = TypeInfo(TypeId.NVARCHAR, 8000, collation=bytes.fromhex("0904D00034"))
SOCKET_TIMEOUT = 20.0  # a bystander's answer slower than this is a violation (a hang), not a timing figure
CASE_DEADLINE = 600.0  # a case not over (answered or closed) by then is a violation: the server hung on it
SLOW_CASE = 60.0  # a case over only after this long is listed as slow (an overloaded server, not a hung one)
PROGRESS_EVERY = 5_000  # cases of a worker between its progress lines (with --progress, the command line's)
ANSWERED = ("text", "request")  # the kinds that wait for a reply on a kept connection
MUST_ANSWER = ("text",)  # ... and of those, the one whose message is well formed: closing instead is a violation
HEADER = 8  # a TDS packet header: type, status, length (big-endian), spid, packet id, window
# relative weights: text and prelogin cost no login; request spends its connection (so a login) ~80% of the time
PACKET_KINDS = {"prelogin": 40, "text": 57, "request": 2, "login": 0.5, "framing": 0.5}


@dataclass
class Tally:
    """What one worker saw (it crosses the process boundary, so plain data)."""

    packets: int = 0
    statements: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # packet cases by kind
    closed_by_kind: dict[str, int] = field(default_factory=dict)  # ... of which the server closed the connection
    logins: int = 0  # logins for the connections kept between cases
    slow: list[tuple[float, int]] = field(default_factory=list)  # (seconds, case) of cases over after SLOW_CASE
    errors_by_number: dict[int, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    loud: bool = False  # print each violation as it is found (a long run's output tells before it ends)

    def violation(self, text: str) -> None:
        self.violations.append(text)
        if self.loud:
            print(f"  violation: {text}", flush=True)

    def count_errors(self, reply: Reply, number: int, what: str) -> None:
        for error in reply.errors:
            self.errors_by_number[error.number] = self.errors_by_number.get(error.number, 0) + 1
            if error.number == 8630:
                self.violation(f"case {number}: the safety net fired for {what}")

    def add(self, other: Tally) -> None:
        self.packets += other.packets
        self.statements += other.statements
        self.logins += other.logins
        self.slow.extend(other.slow)
        for mine, theirs in ((self.by_kind, other.by_kind), (self.closed_by_kind, other.closed_by_kind)):
            for kind, count in theirs.items():
                mine[kind] = mine.get(kind, 0) + count
        for error, count in other.errors_by_number.items():
            self.errors_by_number[error] = self.errors_by_number.get(error, 0) + count
        self.violations.extend(other.violations)


@dataclass
class Report(Tally):
    bystander_ms: list[float] = field(default_factory=list)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the run, the server's RSS)
    seconds: float = 0.0


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


def valid_request(tds: TdsClient, rng: random.Random) -> bytes:
    """A SQL batch or an RPC (sp_executesql with a parameter declaration) as a logged-in client sends it."""
    if rng.random() < 0.5:
        return tds.sql_batch("SELECT N'\U0001f600', 1 + 1")
    declarations = RpcCall(
        proc_id=10,
        parameters=(RpcParameter("", "SELECT @P1", NTEXT), RpcParameter("", "@P1 nvarchar(10)", NTEXT),
                    RpcParameter("", "x", NTEXT)),
    )  # fmt: skip
    return tds.rpc([declarations])


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


def mutate_payload(rng: random.Random, message: bytes, packet_size: int, *, text: bool = False) -> bytes:
    """``message`` (whole packets) with its payload mutated and its packets framed anew: a whole message.  With
    ``text`` (a SQL batch) only the UTF-16 text after ALL_HEADERS is mutated, and stays whole code units."""
    payload, offset = bytearray(), 0
    while offset < len(message):
        length = int.from_bytes(message[offset + 2 : offset + 4], "big")
        payload += message[offset + HEADER : offset + length]
        offset += length
    keep = int.from_bytes(payload[:4], "little") if text else 0
    body = mutate(rng, bytes(payload[keep:]))
    if text and len(body) % 2:
        body = body[:-1]
    return encode_message(message[0], bytes(payload[:keep]) + body, packet_size)


class Breach(Exception):
    """A violation met inside a case (a valid message refused, a kept connection's login refused)."""


class Wire:
    """One fuzzer connection over asyncio streams; the sans-IO ``TdsClient`` frames and reads the replies."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.tds = TdsClient()

    @classmethod
    async def open(cls, port: int) -> Wire:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    @classmethod
    async def logged_in(cls, port: int, password: str) -> Wire:
        wire = await cls.open(port)
        await wire.send(wire.tds.prelogin())
        if not await wire.prelogin_reply():
            raise Breach("the server closed a connection at a valid PRELOGIN")
        await wire.send(wire.tds.login("sa", password))
        reply = await wire.reply()
        if reply is None or reply.login_ack is None:
            wire.close()
            raise Breach(f"a valid login refused: {reply.errors if reply else 'closed'}")
        return wire

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def _read(self) -> bool:
        data = await self.reader.read(65536)
        self.tds.receive_data(data)
        return bool(data)

    async def prelogin_reply(self) -> bool:
        while self.tds.next_prelogin_reply() is None:
            if not await self._read():
                return False
        return True

    async def reply(self) -> Reply | None:
        """The next whole reply, or None when the server closed the connection first."""
        while (reply := self.tds.next_reply()) is None:
            if not await self._read():
                return None
        return reply

    async def to_end(self) -> None:
        """Half-close (the server reads end-of-file after what was sent), then read until the server closes."""
        self.writer.write_eof()
        while await self.reader.read(65536):
            pass

    def close(self) -> None:
        self.writer.transport.abort()


class Worker:
    """Every ``workers``-th case from ``first``, ``concurrency`` at a time; one kept connection per lane."""

    def __init__(
        self, port: int, password: str, seed: int, kinds: list[str], weights: dict[str, float], progress: bool
    ) -> None:
        self.port, self.password, self.seed, self.kinds, self.progress = port, password, seed, kinds, progress
        self.packet_kinds, self.weights = tuple(weights), tuple(weights.values())
        self.tally = Tally(loud=progress)
        self.started, self.finished = time.monotonic(), 0

    async def lanes(self, numbers: list[int], concurrency: int) -> None:
        queue = iter(numbers)
        await asyncio.gather(*(self.lane(queue) for _ in range(concurrency)))

    async def lane(self, queue: Iterator[int]) -> None:
        kept: list[Wire] = []  # the lane's logged-in connection, when it has one
        for number in queue:
            started = time.monotonic()
            case = asyncio.ensure_future(self.case(number, kept))
            await asyncio.wait({case}, timeout=SLOW_CASE)
            if not case.done():  # slow, or hung: wait on to tell which
                await asyncio.wait({case}, timeout=CASE_DEADLINE - SLOW_CASE)
                if case.done():
                    self.tally.slow.append((round(time.monotonic() - started, 1), number))
                else:
                    case.cancel()
                    await asyncio.wait({case})
                    self.tally.violation(f"case {number}: not answered nor closed within {CASE_DEADLINE:.0f} s")
                    self._drop(kept)
            if not case.cancelled():
                self._outcome(number, case, kept)
            self.finished += 1  # counted here, not in the tally, which lanes in flight change while they wait
            if self.progress and self.finished % PROGRESS_EVERY == 0:
                print(f"  a worker: {self.finished} cases in {time.monotonic() - self.started:.0f} s,"
                      f" {len(self.tally.violations)} violations so far", flush=True)  # fmt: skip
        self._drop(kept)

    def _outcome(self, number: int, case: asyncio.Future[None], kept: list[Wire]) -> None:
        try:
            case.result()
        except Breach as breach:
            self.tally.violation(f"case {number}: {breach}")
            self._drop(kept)
        except Exception:  # the fuzzer's own failure: reported, never hidden
            self.tally.violation(f"case {number}: the fuzzer failed: {traceback.format_exc(limit=3)}")
            self._drop(kept)

    @staticmethod
    def _drop(kept: list[Wire]) -> None:
        while kept:
            kept.pop().close()

    async def _kept(self, kept: list[Wire]) -> Wire:
        if not kept:
            kept.append(await Wire.logged_in(self.port, self.password))
            self.tally.logins += 1
        return kept[0]

    async def case(self, number: int, kept: list[Wire]) -> None:
        rng = random.Random(self.seed * 1_000_000_007 + number)
        if self.kinds[number] == "statement":
            await self.statement(number, rng, kept)
            return
        kind = rng.choices(self.packet_kinds, weights=self.weights)[0]
        self.tally.packets += 1
        self.tally.by_kind[kind] = self.tally.by_kind.get(kind, 0) + 1
        try:
            closed = await getattr(self, kind)(number, rng, kept)
        except OSError:  # reset mid-case: the server ended the connection, an allowed answer to a broken message
            if kind in ANSWERED:
                self._drop(kept)
            closed = True
        if closed and kind in MUST_ANSWER:
            self.tally.violation(f"case {number}: the session ended without an answer to a well-formed {kind} case")
        if closed:
            self.tally.closed_by_kind[kind] = self.tally.closed_by_kind.get(kind, 0) + 1

    async def prelogin(self, number: int, rng: random.Random, kept: list[Wire]) -> bool:
        wire = await Wire.open(self.port)
        try:
            await wire.send(mutate(rng, wire.tds.prelogin()))
            await wire.to_end()
        finally:
            wire.close()
        return True

    async def login(self, number: int, rng: random.Random, kept: list[Wire]) -> bool:
        wire = await Wire.open(self.port)
        try:
            await wire.send(wire.tds.prelogin())
            if not await wire.prelogin_reply():
                raise Breach("the server closed a connection at a valid PRELOGIN")
            login = wire.tds.login("sa", self.password)
            await wire.send(mutate(rng, login) if rng.random() < 0.5 else mutate_payload(rng, login, 4096))
            await wire.to_end()
        finally:
            wire.close()
        return True

    async def text(self, number: int, rng: random.Random, kept: list[Wire]) -> bool:
        wire = await self._kept(kept)
        batch = wire.tds.sql_batch("SELECT N'\U0001f600', 1 + 1")
        return await self.answered(number, mutate_payload(rng, batch, wire.tds.packet_size, text=True), kept)

    async def request(self, number: int, rng: random.Random, kept: list[Wire]) -> bool:
        wire = await self._kept(kept)
        return await self.answered(number, mutate_payload(rng, valid_request(wire.tds, rng), 4096), kept)

    async def answered(self, number: int, message: bytes, kept: list[Wire]) -> bool:
        """Send a whole message on the kept connection; read the reply; True when the server closed instead."""
        wire = kept[0]
        await wire.send(message)
        try:
            reply = await wire.reply()
        except (ValueError, IndexError, KeyError) as error:  # the reply's bytes did not parse
            self.tally.violation(f"case {number}: an unreadable reply to a mutated request: {error!r}")
            self._drop(kept)
            return False
        if reply is None:
            self._drop(kept)
            return True
        self.tally.count_errors(reply, number, "a mutated request")
        if any(error.severity >= 20 for error in reply.errors):
            self._drop(kept)
        return False

    async def framing(self, number: int, rng: random.Random, kept: list[Wire]) -> bool:
        wire = await self._kept(kept)
        kept.clear()  # spent: what follows the mutated message is end-of-file
        try:
            await wire.send(mutate(rng, valid_request(wire.tds, rng)))
            await wire.to_end()
        finally:
            wire.close()
        return True

    async def statement(self, number: int, rng: random.Random, kept: list[Wire]) -> None:
        text = statement(rng)
        self.tally.statements += 1
        wire = await self._kept(kept)
        try:
            await wire.send(wire.tds.sql_batch(text))
            reply = await wire.reply()
        except Exception as error:  # any failure to read an answer is the violation reported
            reply, text = None, f"{text[:80]!r}: {error!r}"
        if reply is None:
            self.tally.violation(f"case {number}: connection ended without an error by {text[:120]}")
            self._drop(kept)
            return
        self.tally.count_errors(reply, number, repr(text[:80]))
        if any(error.severity >= 20 for error in reply.errors):
            self._drop(kept)


def case_kinds(packets: int, statements: int, seed: int) -> list[str]:
    kinds = ["packet"] * packets + ["statement"] * statements
    random.Random(seed).shuffle(kinds)
    return kinds


def work(
    port: int, password: str, packets: int, statements: int, seed: int, first: int, workers: int, concurrency: int,
    weights: dict[str, float], progress: bool = False,
) -> Tally:  # fmt: skip
    """One worker's share of the cases (every ``workers``-th from ``first``); runs in a process of its own."""
    kinds = case_kinds(packets, statements, seed)
    worker = Worker(port, password, seed, kinds, weights, progress)
    asyncio.run(worker.lanes(list(range(first, len(kinds), workers)), concurrency))
    return worker.tally


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
    rss_kb: Callable[[], int] | None = None, workers: int = 2, concurrency: int = 16, progress: bool = False,
    rss_every: float = 30.0, weights: dict[str, float] | None = None,
) -> Report:  # fmt: skip
    """The suite against a running server; ``errorlog`` returns the error log's text.  The workers are processes
    of their own (spawned: the caller may be a test process with a server's threads in it).  ``weights`` replaces
    ``PACKET_KINDS`` (the short run in the test suite gives every kind the same weight)."""
    report = Report()
    setup = connect(port, password)
    setup.answer("IF OBJECT_ID('fuzz') IS NULL CREATE TABLE fuzz (id INT IDENTITY PRIMARY KEY, v NVARCHAR(4))")
    setup.close()
    log_before = len(errorlog())
    watchers = [Bystander(port, password, report) for _ in range(bystanders)]
    for watcher in watchers:
        watcher.start()
    started = time.monotonic()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        shape = (packets, statements, seed)
        options = (concurrency, weights or PACKET_KINDS, progress)
        shares = [pool.submit(work, port, password, *shape, first, workers, *options) for first in range(workers)]
        while True:
            if rss_kb is not None:
                report.rss_mb.append((time.monotonic() - started, rss_kb() / 1024))
            done, pending = wait(shares, timeout=rss_every, return_when=FIRST_EXCEPTION)
            if not pending or any(share.exception() for share in done):
                break
        for share in shares:
            report.add(share.result())
    report.seconds = time.monotonic() - started
    for watcher in watchers:
        watcher.stopping.set()
    for watcher in watchers:
        watcher.join()
        watcher.client.close()
    session = connect(port, password)
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
    rate = cases / report.seconds if report.seconds else 0.0
    print(f"cases {cases} ({report.packets} packets, {report.statements} statements) in {report.seconds:.1f} s:"
          f" {rate:.0f} cases/s")  # fmt: skip
    kinds = ", ".join(f"{kind} {count} ({report.closed_by_kind.get(kind, 0)} closed by the server)"
                      for kind, count in sorted(report.by_kind.items()))  # fmt: skip
    print(f"packets by kind: {kinds}; logins for kept connections: {report.logins}")
    if report.slow:
        slowest = ", ".join(f"case {number} {seconds:.0f} s" for seconds, number in sorted(report.slow)[-5:])
        print(f"cases over only after {SLOW_CASE:.0f} s (slow, answered): {len(report.slow)}; slowest: {slowest}")
    if report.bystander_ms:
        ms = report.bystander_ms
        print(f"bystander round trips: {len(ms)}, p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms,"
              f" max {max(ms):.1f} ms")  # fmt: skip
    if report.rss_mb:
        step = max(1, len(report.rss_mb) // 12)
        samples = report.rss_mb[::step] + ([] if (len(report.rss_mb) - 1) % step == 0 else report.rss_mb[-1:])
        print("server RSS (MB) over the run: " + ", ".join(f"{mb:.0f} at {at:.0f} s" for at, mb in samples))
    common = sorted(report.errors_by_number.items(), key=lambda item: -item[1])[:12]
    print("errors answered (number: count): " + ", ".join(f"{n}: {c}" for n, c in common))
    print_violations(report.violations)


def main() -> None:
    from bench.bench_server import PASSWORD, rss_kb

    def body(args: argparse.Namespace, pid: int, port: int, errorlog: Callable[[], str]) -> None:
        report = run(
            port, PASSWORD, args.packets, args.statements, args.seed, args.bystanders, errorlog, lambda: rss_kb(pid),
            workers=args.workers, concurrency=args.concurrency, progress=True,
        )  # fmt: skip
        report.rss_mb.append((report.seconds, rss_kb(pid) / 1024))
        print_report(report)

    options = {
        "packets": (int, 2000), "statements": (int, 2000), "bystanders": (int, 2), "workers": (int, 2),
        "concurrency": (int, 16),
    }  # fmt: skip
    main_against_a_server(__doc__, options, body)


if __name__ == "__main__":
    main()
