"""The activity monitor with 10,000 sessions: print what a page, a Server-Sent Event and a scrape cost.

    python bench/bench_monitor.py [--sessions N] [--repeats R] [--events E]

A real server (TDS port 0, monitor on a free port) in this process; the sessions are opened directly on the engine
thread (idle, 50 hosts).  Printed, best of R unless said otherwise:

- the board on the engine thread (Snapshot, blocking graph, one page of 100 rows, the tree, rollbacks, history);
- GET / (the server-rendered page), GET /api/state, GET /metrics over HTTPS, as a client sees them;
- the kill button's POST for a sleeping head → its waiter's UPDATE returning (real pytds sessions);
- the interval between Server-Sent Events (goal: about 1 s) and the engine loop's longest stall while a stream
  is open (goal: a few ms: the sessions are read in slices with a yield between them), in wall time and in the
  engine thread's own CPU time (on a busy machine the wall time includes other processes' turns).

Figures only; the test suite never asserts timings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import re
import ssl
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from tests.clients.server_harness import PASSWORD, RunningServer

from bench.bench_views import best_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--events", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        server = RunningServer(Path(directory) / "data", monitor=True)
        try:
            run(server, args)
        finally:
            server.stop()


def run(server: RunningServer, args: argparse.Namespace) -> None:
    instance = server.instance

    async def open_sessions() -> None:
        for i in range(args.sessions - 1):
            await instance.open_session(login_name="sa", host_name=f"host{i % 50}", program_name="bench")

    server.thread.call(open_sessions())
    context = ssl.create_default_context(cafile=str(server.data_dir / "monitor.crt"))
    base = f"https://127.0.0.1:{server.monitor_port}"
    with httpx.Client(base_url=base, verify=context, timeout=60) as web:
        token = re.search(r"name=csrf value=([^>\s]+)", web.get("/login").text).group(1)  # type: ignore[union-attr]
        web.post("/login", data={"csrf": token, "login": "sa", "password": PASSWORD})
        monitor = server.server.monitor
        assert monitor is not None
        (login,) = monitor.monitor.logins._by_token.values()
        from quietus.monitor.paging import SessionQuery

        state = monitor.monitor._state
        board_ms = best_ms(lambda: server.thread.call(state(login, SessionQuery())), args.repeats)
        print(f"{args.sessions} user sessions; best of {args.repeats}")
        print(f"  board on the engine thread      {board_ms:8.1f} ms (in slices, yielding between them)")
        for path in ("/", "/api/state", "/api/state?q=host7&sort=host&desc=1", "/metrics"):
            assert web.get(path).status_code == 200
            print(f"  GET {path:<30}{best_ms(lambda path=path: web.get(path), args.repeats):8.1f} ms")
        stalls: list[float] = []  # wall time between two ticks, beyond the 1 ms asked for
        busy: list[float] = []  # the engine thread's CPU time between two ticks (what the loop spent elsewhere)
        stop = asyncio.Event()

        async def watch_loop() -> None:
            while not stop.is_set():
                started, cpu = time.perf_counter(), time.thread_time()
                await asyncio.sleep(0.001)
                stalls.append(time.perf_counter() - started - 0.001)
                busy.append(time.thread_time() - cpu)

        watchers: list[asyncio.Task[None]] = []
        server.on_engine(lambda: watchers.append(asyncio.get_running_loop().create_task(watch_loop())))
        arrivals: list[float] = []
        with web.stream("GET", "/events") as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    arrivals.append(time.perf_counter())
                    if len(arrivals) > args.events:
                        break
        server.on_engine(stop.set)
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        print(f"  SSE interval                    {min(gaps) * 1000:8.1f} .. {max(gaps) * 1000:.1f} ms")
        print(f"  engine loop's longest stall     {max(stalls) * 1000:8.1f} ms wall while the stream was open")
        print(f"  ... of which engine CPU         {max(busy) * 1000:8.1f} ms (the rest: other processes)")
        kill_to_waiter(server, web, args.repeats)


def kill_to_waiter(server: RunningServer, web: httpx.Client, repeats: int) -> None:
    """The kill button's POST for a sleeping head → its waiter's UPDATE returns (real pytds sessions)."""
    import pytds

    def connect(autocommit: bool) -> Any:
        return pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=autocommit)

    csrf = re.search(r'data-csrf="([^"]+)"', web.get("/").text).group(1)  # type: ignore[union-attr]
    with connect(True) as setup:
        setup.cursor().execute(
            "CREATE TABLE bench_kill (id int PRIMARY KEY, v int); INSERT INTO bench_kill VALUES (1, 0)"
        )
    figures = []
    for _ in range(repeats):
        head, waiter = connect(False), connect(True)
        head.cursor().execute("UPDATE bench_kill SET v = v + 1 WHERE id = 1")
        head_id, waiter_id = (conn.cursor().execute("SELECT @@SPID").fetchone()[0] for conn in (head, waiter))
        serial = server.on_engine(lambda head_id=head_id: server.instance.registry.get(head_id).serial)
        done: list[float] = []

        def wait_behind(waiter: Any = waiter, done: list[float] = done) -> None:
            waiter.cursor().execute("UPDATE bench_kill SET v = v + 10 WHERE id = 1")
            done.append(time.perf_counter())

        thread = threading.Thread(target=wait_behind)
        thread.start()
        while not (server.wait_type(waiter_id) or "").startswith("LCK_M_"):
            time.sleep(0.005)
        started = time.perf_counter()
        web.post("/kill", data={"session_id": head_id, "serial": serial}, headers={"X-CSRF-Token": csrf})
        thread.join(60)
        figures.append((done[0] - started) * 1000)
        waiter.close()
        with contextlib.suppress(Exception):
            head.close()
    print(f"  kill button → waiter proceeds   {min(figures):8.1f} ms best, {max(figures):.1f} ms worst")


if __name__ == "__main__":
    main()
