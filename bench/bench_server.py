"""The TDS server under load, beside PostgreSQL 15 on the same machine in the same run; prints figures and ratios.

    python bench/bench_server.py [--sessions 10000] [--pg-sessions 500] [--seconds 5] [--no-postgres]
    python -m bench.bench_server --profile [--seconds 5]    # where the server's CPU goes (py-spy; Quietus only)

Figures (goals from issue 3 in brackets):
  idle sessions held at once, server memory per session (RSS growth / sessions)       [<= 50 KB at 10,000]
  connect + login per second, one client process (sequential)
  SELECT 1 round trip, p50 and p99
  point-select throughput (primary key lookups) with 1 and 16 client processes
  the same two again with a C client on both sides (pyodbc over FreeTDS's ODBC driver for Quietus, psycopg over
    libpq for PostgreSQL), so neither side's figure carries a client written in Python
  SELECT * FROM sys.dm_exec_sessions while the idle sessions are connected             [<= 100 ms]
    (and the same until the response's last byte arrives, not decoded: the server's part; this benchmark's
    client decodes rows in Python, psycopg in C)

Quietus runs as `quietus serve` in a subprocess on a free port; its clients are raw TDS sockets (the codec's sans-IO
client) so the client side costs little.  PostgreSQL: a private cluster (initdb, pg_ctl) in a temp directory on a
free port, run as the `postgres` user when this script runs as root, scram-sha-256 password authentication, psycopg
3 as the client (`pip install psycopg[binary]`); without psycopg or PostgreSQL the peer is skipped with a note.
PostgreSQL forks a process per connection, so its idle-session memory is measured with fewer sessions
(--pg-sessions) as the proportional set size (PSS) of its backends per session.
Figures only; the test suite never asserts timings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import multiprocessing
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench._profile import cpu_seconds, tree_cpu_seconds
from quietus import compiled
from quietus.protocol.tds.client import TdsClient

PASSWORD = "Bench!Pass1"
ROWS = 10_000
SETUP = (
    "CREATE TABLE digits (n INT PRIMARY KEY); INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9); "
    "CREATE TABLE accounts (id INT PRIMARY KEY, owner NVARCHAR(20), balance INT); "
    "INSERT INTO accounts SELECT a.n + 10 * b.n + 100 * c.n + 1000 * d.n, N'owner', 100 "
    "FROM digits a CROSS JOIN digits b CROSS JOIN digits c CROSS JOIN digits d"
)
POINT_SELECT = "SELECT owner, balance FROM accounts WHERE id = @P1"
# The same through ODBC, one str object for every execute: pyodbc re-prepares when the text it is given is not the
# very object it prepared last.  FreeTDS's driver still sends two requests per execute (sp_unprepare, then
# sp_prepexec): it marks a statement for re-preparing whenever a parameter is bound, and pyodbc binds on every
# execute -- as it does against SQL Server.
ODBC_POINT_SELECT = POINT_SELECT.replace("@P1", "?")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) if match else 0


def pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
        return int(match.group(1)) if match else 0
    return 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- Quietus: a server process and raw TDS clients ----------------------------------------------------------------


@contextlib.contextmanager
def quietus_server(data_dir: Path, oracle_port: int = 0, port: int = 0) -> Iterator[tuple[int, int]]:
    """`quietus serve` on ``port`` (0: a free one; and Oracle Net on ``oracle_port``, off by default); yields
    (pid, port)."""
    process = start_quietus(data_dir, oracle_port, port=port)
    try:
        ready = ready_port(process)
        if ready is None:
            raise RuntimeError("quietus serve did not start")
        yield process.pid, ready
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)


def start_quietus(
    data_dir: Path,
    oracle_port: int = 0,
    environment: dict[str, str] | None = None,
    stderr: Any = subprocess.DEVNULL,
    port: int = 0,
) -> subprocess.Popen[str]:
    """Start `quietus serve` on ``port`` (0: a free one; ``environment`` added to this process's); see
    ``ready_port``."""
    env = {**os.environ, "QUIETUS_SA_PASSWORD": PASSWORD, **(environment or {})}
    command = [sys.executable, "-m", "quietus.cli.main", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    command += ["--oracle-port", str(oracle_port), "--monitor-port", "0"]  # no fixed port two servers would share
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env, preexec_fn=raise_fd_limit
    )


def ready_port(process: subprocess.Popen[str]) -> int | None:
    """The TDS port a started `quietus serve` announces once ready; None if it ended (or said something else)."""
    assert process.stdout is not None
    line = process.stdout.readline()
    return int(line.rsplit(":", 1)[1]) if line.startswith("Quietus ready on") else None


class Tds:
    """A blocking raw TDS client (login, batches) for the measurements."""

    def __init__(self, port: int, password: str = PASSWORD, timeout: float | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tds = TdsClient()
        self.sock.sendall(self.tds.prelogin())
        while self.tds.next_prelogin_reply() is None:
            self._read()
        self.sock.sendall(self.tds.login("sa", password))
        if self.reply().login_ack is None:
            raise RuntimeError("login failed")

    def _read(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.tds.receive_data(data)

    def reply(self) -> Any:
        while (reply := self.tds.next_reply()) is None:
            self._read()
        return reply

    def answer(self, text: str) -> Any:
        """Send a batch; its reply, errors included."""
        self.sock.sendall(self.tds.sql_batch(text))
        return self.reply()

    def to_last_byte(self, text: str) -> tuple[float, Any]:
        """Send a batch and read its response's packets up to the last one (EOM) without decoding them: (seconds
        until the last byte, the reply decoded afterwards) -- the server's figure, not this Python client's."""
        started = time.perf_counter()
        self.sock.sendall(self.tds.sql_batch(text))
        received, offset, last = bytearray(), 0, False
        while not last:
            data = self.sock.recv(262144)
            if not data:
                raise ConnectionError("closed")
            received += data
            while not last and len(received) - offset >= 8:
                length = int.from_bytes(received[offset + 2 : offset + 4], "big")
                if len(received) - offset < length:
                    break
                last = bool(received[offset + 1] & 0x01)  # the packet status's EOM bit
                offset += length
        elapsed = time.perf_counter() - started
        self.tds.receive_data(bytes(received))
        return elapsed, self.reply()

    def batch(self, text: str) -> Any:
        reply = self.answer(text)
        if reply.errors:
            raise RuntimeError(reply.errors[0].text)
        return reply

    def close(self) -> None:
        self.sock.close()


async def hold_idle_tds(port: int, count: int, parallel: int = 64) -> list[asyncio.StreamWriter]:
    """Open ``count`` logged-in TDS sessions and keep them open."""
    gate = asyncio.Semaphore(parallel)
    writers: list[asyncio.StreamWriter] = []

    async def one() -> None:
        async with gate:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            client = TdsClient()
            writer.write(client.prelogin())
            while client.next_prelogin_reply() is None:
                client.receive_data(await reader.read(65536))
            writer.write(client.login("sa", PASSWORD))
            while (reply := client.next_reply()) is None:
                client.receive_data(await reader.read(65536))
            if reply.login_ack is None:
                raise RuntimeError("login failed")
            writers.append(writer)

    await asyncio.gather(*(one() for _ in range(count)))
    return writers


# -- PostgreSQL: a private cluster -------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_server(work: Path, max_connections: int, extra_options: str = "") -> Iterator[tuple[int, int]]:
    """A PostgreSQL cluster on a free port (``extra_options``: more ``-c name=value``); yields (pid, port)."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("PostgreSQL (initdb, pg_ctl) is not installed: apt-get install -y postgresql")
    port = free_port()
    data = work / "pgdata"
    work.mkdir(parents=True, exist_ok=True)
    pwfile = work / "pw"
    pwfile.write_text(PASSWORD + "\n")
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        for path in (work, pwfile):
            os.chown(path, user.pw_uid, user.pw_gid)

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, user=user.pw_uid if user else None)

    run(initdb, "-D", str(data), "-U", "bench", "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8")
    options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c max_connections={max_connections} {extra_options}"
    run(pg_ctl, "-D", str(data), "-o", options, "-l", str(work / "log"), "-w", "start")
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield pid, port
    finally:
        run(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")


def pg_connect(port: int) -> Any:
    import psycopg

    return psycopg.connect(
        host="127.0.0.1", port=port, user="bench", password=PASSWORD, dbname="postgres", autocommit=True
    )


def pg_backends_pss(postmaster: int) -> int:
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return sum(pss_kb(int(pid)) for pid in children)


# -- measurements -------------------------------------------------------------------------------------------------


def best_of(action: Callable[[], Any], repeats: int = 5) -> float:
    """The fastest of ``repeats`` runs, in ms."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def timed_loop(action: Callable[[], None], seconds: float) -> tuple[int, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        action()
        latencies.append(time.perf_counter() - started)
    return len(latencies), latencies


def _point_worker(kind: str, port: int, seconds: float, seed: int, results: Any) -> None:
    import random

    rng = random.Random(seed)
    if kind == "quietus":
        client = Tds(port)
        from quietus.protocol.tds import RpcCall, RpcParameter
        from quietus.protocol.tds.types import DEFAULT_COLLATION, TypeId, TypeInfo

        text = TypeInfo(TypeId.NVARCHAR, 8000, collation=DEFAULT_COLLATION)
        integer = TypeInfo(TypeId.INTN, 4)

        def lookup() -> None:
            call = RpcCall(
                proc_id=10,
                parameters=(
                    RpcParameter("", POINT_SELECT, text),
                    RpcParameter("", "@P1 int", text),
                    RpcParameter("@P1", rng.randrange(ROWS), integer),
                ),
            )
            client.sock.sendall(client.tds.rpc([call]))
            assert len(client.reply().rows) == 1

    elif kind == "quietus-odbc":
        odbc = odbc_connect(port)
        assert odbc is not None
        odbc_cursor = odbc.cursor()

        def lookup() -> None:
            odbc_cursor.execute(ODBC_POINT_SELECT, rng.randrange(ROWS))
            assert len(odbc_cursor.fetchall()) == 1

    else:
        conn = pg_connect(port)
        cur = conn.cursor()

        def lookup() -> None:
            cur.execute("SELECT owner, balance FROM accounts WHERE id = %s", (rng.randrange(ROWS),))
            assert len(cur.fetchall()) == 1

    count, _ = timed_loop(lookup, seconds)
    results.put(count)


def odbc_connect(port: int) -> Any:
    """A C client for Quietus as psycopg (libpq) is PostgreSQL's: pyodbc over FreeTDS's ODBC driver (Debian's
    tdsodbc, which ./test installs); None when either is missing."""
    try:
        import pyodbc
    except ImportError:
        return None
    if "FreeTDS" not in pyodbc.drivers():
        return None
    dsn = f"DRIVER={{FreeTDS}};SERVER=127.0.0.1;PORT={port};UID=sa;PWD={PASSWORD};TDS_Version=7.4"
    return pyodbc.connect(dsn, autocommit=True)


def point_throughput(
    kind: str, port: int, clients: int, seconds: float, server_cpu: Callable[[], float]
) -> tuple[float, float]:
    """(point selects a second, the server's CPU microseconds a point select) with ``clients`` client processes;
    ``server_cpu()`` reads the server's CPU seconds so far (its connections' setup and teardown count too)."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_point_worker, args=(kind, port, seconds, i, results)) for i in range(clients)]
    cpu = server_cpu()
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=seconds + 120) for _ in workers)
    for worker in workers:
        worker.join()
    time.sleep(0.2)  # PostgreSQL's backends end (and are reaped) after their clients close
    return total / seconds, (server_cpu() - cpu) / max(total, 1) * 1e6


def measure_quietus(args: argparse.Namespace, work: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with quietus_server(work / "quietus-data") as (pid, port):
        setup = Tds(port)
        setup.batch(SETUP)
        _count, latencies = timed_loop(lambda: setup.batch("SELECT 1"), args.seconds)
        figures["select1_p50_ms"] = percentile(latencies, 0.5) * 1000
        figures["select1_p99_ms"] = percentile(latencies, 0.99) * 1000
        odbc = odbc_connect(port)
        if odbc is not None:  # the same through a C client, as PostgreSQL's figures are through libpq
            odbc_cursor = odbc.cursor()

            def odbc_select1() -> None:
                odbc_cursor.execute("SELECT 1")
                odbc_cursor.fetchall()

            _count, latencies = timed_loop(odbc_select1, args.seconds)
            figures["select1_c_p50_ms"] = percentile(latencies, 0.5) * 1000
            figures["select1_c_p99_ms"] = percentile(latencies, 0.99) * 1000
            odbc.close()
        logins, _ = timed_loop(lambda: Tds(port).close(), args.seconds)
        figures["logins_per_s"] = logins / args.seconds
        server_cpu = functools.partial(cpu_seconds, pid)
        for clients in (1, 16):
            rate, cpu = point_throughput("quietus", port, clients, args.seconds, server_cpu)
            figures[f"point_{clients}"], figures[f"point_cpu_{clients}"] = rate, cpu
            if odbc is not None:
                rate, _cpu = point_throughput("quietus-odbc", port, clients, args.seconds, server_cpu)
                figures[f"point_c_{clients}"] = rate
        time.sleep(1)  # let closed sessions go
        before = rss_kb(pid)
        loop = asyncio.new_event_loop()
        started = time.perf_counter()
        writers = loop.run_until_complete(hold_idle_tds(port, args.sessions))
        figures["idle_open_s"] = time.perf_counter() - started
        time.sleep(1)
        figures["idle_kb_per_session"] = (rss_kb(pid) - before) / args.sessions
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            rows = setup.batch("SELECT * FROM sys.dm_exec_sessions").rows
            timings.append(time.perf_counter() - started)
        figures["dm_exec_sessions_ms"] = min(timings) * 1000
        figures["dm_exec_sessions_rows"] = len(rows)
        figures["dm_exec_sessions_wire_ms"] = min(
            setup.to_last_byte("SELECT * FROM sys.dm_exec_sessions")[0] for _ in range(5)
        ) * 1000
        figures["dm_exec_sessions_count_ms"] = best_of(lambda: setup.batch("SELECT COUNT(*) FROM sys.dm_exec_sessions"))
        for writer in writers:
            writer.close()
        loop.close()
        setup.close()
    return figures


def measure_postgres(args: argparse.Namespace, work: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with postgres_server(work, args.pg_sessions + 40) as (postmaster, port):
        conn = pg_connect(port)
        cur = conn.cursor()
        cur.execute("CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(20), balance INT)")
        cur.execute(f"INSERT INTO accounts SELECT g, 'owner', 100 FROM generate_series(0, {ROWS - 1}) g")

        def select1() -> None:
            cur.execute("SELECT 1")
            cur.fetchall()

        _count, latencies = timed_loop(select1, args.seconds)
        figures["select1_p50_ms"] = figures["select1_c_p50_ms"] = percentile(latencies, 0.5) * 1000
        figures["select1_p99_ms"] = figures["select1_c_p99_ms"] = percentile(latencies, 0.99) * 1000
        logins, _ = timed_loop(lambda: pg_connect(port).close(), args.seconds)
        figures["logins_per_s"] = logins / args.seconds
        server_cpu = functools.partial(tree_cpu_seconds, postmaster)
        for clients in (1, 16):
            rate, cpu = point_throughput("postgres", port, clients, args.seconds, server_cpu)
            figures[f"point_{clients}"] = figures[f"point_c_{clients}"] = rate
            figures[f"point_cpu_{clients}"] = cpu
        time.sleep(1)
        before = pg_backends_pss(postmaster)
        idle = [pg_connect(port) for _ in range(args.pg_sessions)]
        time.sleep(1)
        figures["idle_kb_per_session"] = (pg_backends_pss(postmaster) - before) / args.pg_sessions
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            cur.execute("SELECT * FROM pg_stat_activity")
            rows = cur.fetchall()
            timings.append(time.perf_counter() - started)
        figures["dm_exec_sessions_ms"] = min(timings) * 1000
        figures["dm_exec_sessions_wire_ms"] = figures["dm_exec_sessions_ms"]  # psycopg decodes in C: no split
        figures["dm_exec_sessions_rows"] = len(rows)
        figures["dm_exec_sessions_count_ms"] = best_of(lambda: cur.execute("SELECT COUNT(*) FROM pg_stat_activity"))
        for c in idle:
            c.close()
        conn.close()
    return figures


def profile_quietus(args: argparse.Namespace, work: Path) -> None:
    """The server sampled by py-spy while one client runs SELECT 1, then point selects (RPC), then the session
    view: for each, the figure and where the server's CPU went."""
    from bench._profile import sampled

    with quietus_server(work / "quietus-data") as (pid, port):
        setup = Tds(port)
        setup.batch(SETUP)
        cpu = cpu_seconds(pid)
        count, latencies = timed_loop(lambda: setup.batch("SELECT 1"), args.seconds)
        cpu = cpu_seconds(pid) - cpu
        p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
        per_request = cpu / count * 1e6
        print(f"== SELECT 1 round trip: p50 {p50:.3f} ms, p99 {p99:.3f} ms; server CPU {per_request:.0f} us/request")
        with sampled(pid) as report:
            timed_loop(lambda: setup.batch("SELECT 1"), args.seconds)
        print(report.text())
        server_cpu = functools.partial(cpu_seconds, pid)
        rate, per_request = point_throughput("quietus", port, 1, args.seconds, server_cpu)
        print(f"== point selects (sp_executesql), 1 client: {rate:,.0f}/s; server CPU {per_request:.0f} us/request")
        with sampled(pid) as report:
            point_throughput("quietus", port, 1, args.seconds, server_cpu)
        print(report.text())
        loop = asyncio.new_event_loop()
        writers = loop.run_until_complete(hold_idle_tds(port, args.sessions))
        with sampled(pid) as report:
            cpu = cpu_seconds(pid)
            ms = best_of(lambda: setup.batch("SELECT * FROM sys.dm_exec_sessions"))
            cpu = (cpu_seconds(pid) - cpu) / 5
        print(f"== SELECT * FROM sys.dm_exec_sessions with {args.sessions} idle sessions: best {ms:.1f} ms "
              f"(the Python client's decoding included); server CPU {cpu * 1000:.0f} ms/query")  # fmt: skip
        print(report.text())
        for writer in writers:
            writer.close()
        loop.close()
        setup.close()


LINES = (
    ("idle_kb_per_session", "idle session memory, KB per session", "lower"),
    ("logins_per_s", "connect + login per second (1 client)", "higher"),
    ("select1_p50_ms", "SELECT 1 round trip p50, ms", "lower"),
    ("select1_p99_ms", "SELECT 1 round trip p99, ms", "lower"),
    ("point_1", "point selects per second, 1 client", "higher"),
    ("point_16", "point selects per second, 16 clients", "higher"),
    ("point_cpu_1", "  server CPU a point select, 1 client, us", "lower"),
    ("point_cpu_16", "  server CPU a point select, 16 clients, us", "lower"),
    ("select1_c_p50_ms", "SELECT 1 p50, both through C clients, ms", "lower"),
    ("select1_c_p99_ms", "SELECT 1 p99, both through C clients, ms", "lower"),
    ("point_c_1", "point selects/s, C clients, 1 client", "higher"),
    ("point_c_16", "point selects/s, C clients, 16 clients", "higher"),
    ("dm_exec_sessions_ms", "SELECT * session view, all sessions open, ms", "lower"),
    ("dm_exec_sessions_wire_ms", "  the same to its last byte, undecoded (PG: C), ms", "lower"),
    ("dm_exec_sessions_count_ms", "SELECT COUNT(*) of that view, ms", "lower"),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--pg-sessions", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--profile", action="store_true", help="sample the server with py-spy instead (Quietus only)")
    args = parser.parse_args()
    raise_fd_limit()
    print(compiled.RUNNING.describe())  # the server subprocess inherits QUIETUS_COMPILED: it makes the same choice
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="quietus-bench-") as tmp:
            profile_quietus(args, Path(tmp))
        return
    with tempfile.TemporaryDirectory(prefix="quietus-bench-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        quietus = measure_quietus(args, work)
        postgres: dict[str, float] | None = None
        note = ""
        if args.no_postgres:
            note = "PostgreSQL skipped (--no-postgres)"
        else:
            try:
                import psycopg  # noqa: F401

                postgres = measure_postgres(args, work / "pg")
            except ImportError:
                note = "PostgreSQL skipped: psycopg is not installed (pip install 'psycopg[binary]')"
            except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                note = f"PostgreSQL skipped: {exc}"
    print(f"Quietus with {args.sessions} idle sessions (opened in {quietus['idle_open_s']:.1f} s); "
          f"PostgreSQL 15 with {args.pg_sessions}; {args.seconds:.0f} s per throughput figure")  # fmt: skip
    print(f"{'':44} {'Quietus':>12} {'PostgreSQL':>12} {'ratio Q/PG':>11}")
    for key, label, better in LINES:
        if key not in quietus:
            continue  # no C client here (pyodbc or FreeTDS's ODBC driver missing)
        q = quietus[key]
        p = postgres[key] if postgres else None
        ratio = f"{q / p:10.2f}x" if p else f"{'-':>11}"
        shown = f"{p:12.2f}" if p is not None else f"{'-':>12}"
        print(f"{label:44} {q:12.2f} {shown} {ratio}  ({better} is better)")
    print(f"sys.dm_exec_sessions returned {quietus['dm_exec_sessions_rows']:.0f} rows"
          + (f"; pg_stat_activity {postgres['dm_exec_sessions_rows']:.0f}" if postgres else ""))  # fmt: skip
    print("goals: idle session <= 50 KB; sys.dm_exec_sessions with 10,000 sessions <= 100 ms")
    if note:
        print(note)


if __name__ == "__main__":
    main()
