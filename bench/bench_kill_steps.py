"""Where a kill's time goes, step by step, for a CPU-busy or a lock-waiting victim (issue 9 item 7).

    python -m bench.bench_kill_steps [--kills 40] [--state busy|lock] [--no-fsync]

An in-process server on 127.0.0.1 (so the steps can be stamped inside it), pytds clients.  Per kill: the victim
holds row 1 (``BEGIN TRAN; UPDATE t ... WHERE id = 1``), then runs the bench's CPU-busy 3-way cross join (or waits
on row 2, which another session holds); a waiter's UPDATE of row 1 blocks behind it; the admin sends ``KILL``.
Stamped with one clock (time.perf_counter): the KILL sent; ``kill_session`` entered; the victim's ``Interrupted``
made (its safe point); the victim's locks released; the waiter's UPDATE returned.  ``--no-fsync`` makes the log's
flush a no-op, to see how much of the last step is the waiter's commit; ``--slice-ms`` changes the scheduler's time
slice, to see how much of the first step is the KILL request waiting behind the victim's slices.  Figures only;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytds  # type: ignore[import-untyped]

import quietus.admin.kill as kill_module
import quietus.admin.kill_statement as kill_statement
import quietus.engine.interrupts as interrupts
import quietus.engine.locks.manager as lock_manager
import quietus.engine.scheduler as scheduler
import quietus.engine.wal.vfs as vfs
from quietus.engine.scheduler import EngineThread
from quietus.server.app import Server
from quietus.server.config import ServerConfig

PASSWORD = "Bench!Steps1"
BUSY = "SELECT COUNT(*) FROM thousands a CROSS JOIN thousands b CROSS JOIN thousands c"
LOCKED = "UPDATE t SET v = v WHERE id = 2"
STEPS = (
    ("KILL sent -> kill_session", "sent", "kill"),
    ("kill_session -> victim raises", "kill", "raised"),
    ("raised -> locks released", "raised", "released"),
    ("released -> waiter returns", "released", "done"),
    ("total", "sent", "done"),
)
marks: dict[str, Any] = {}


def stamp_inside_the_server() -> None:
    """Wrap the four places a kill passes through so each stamps its first passage."""
    original_kill = kill_module.kill_session

    def kill_session(*args: Any, **kwargs: Any) -> Any:
        marks.setdefault("kill", time.perf_counter())
        return original_kill(*args, **kwargs)

    setattr(kill_statement, "kill_session", kill_session)  # noqa: B010 - the name KILL calls, replaced
    original_init = interrupts.Interrupted.__init__

    def interrupted(self: interrupts.Interrupted, reason: interrupts.InterruptReason) -> None:
        if "kill" in marks:
            marks.setdefault("raised", time.perf_counter())
        original_init(self, reason)

    interrupts.Interrupted.__init__ = interrupted  # type: ignore[method-assign]
    original_release = lock_manager.LockManager.release_all

    def release_all(self: lock_manager.LockManager, owner: Any) -> int:
        if "raised" in marks and getattr(owner, "session_id", None) == marks.get("victim"):
            marks.setdefault("released", time.perf_counter())
        return original_release(self, owner)

    lock_manager.LockManager.release_all = release_all  # type: ignore[method-assign]


def connect(port: int) -> Any:
    return pytds.connect("127.0.0.1", port=port, user="sa", password=PASSWORD, autocommit=True, timeout=60)


def one_kill(port: int, admin: Any, waiter: Any, statement: str) -> dict[str, float]:
    marks.clear()
    victim = connect(port)
    cursor = victim.cursor()
    cursor.execute("SELECT @@SPID")
    marks["victim"] = cursor.fetchone()[0]
    cursor.execute("BEGIN TRAN; UPDATE t SET v = v + 1 WHERE id = 1")

    def run_victim() -> None:
        with contextlib.suppress(Exception):  # Msg 596: the kill
            cursor.execute(statement)

    def run_waiter() -> None:
        waiter.cursor().execute("UPDATE t SET v = v + 1 WHERE id = 1")
        marks["done"] = time.perf_counter()

    threads = [threading.Thread(target=run_victim), threading.Thread(target=run_waiter)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)  # the victim is deep in its statement, the waiter blocked
    marks["sent"] = time.perf_counter()
    admin.execute(f"KILL {marks['victim']}")
    for thread in threads:
        thread.join()
    victim.close()
    return {name: (marks[end] - marks[start]) * 1000 for name, start, end in STEPS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--state", choices=("busy", "lock"), default="busy")
    parser.add_argument("--no-fsync", action="store_true")
    parser.add_argument("--slice-ms", type=float, help="the scheduler's time slice for this run (default 2 ms)")
    args = parser.parse_args()
    stamp_inside_the_server()
    if args.no_fsync:
        vfs._sync = lambda fd: None
    if args.slice_ms is not None:
        scheduler.SLICE_SECONDS = args.slice_ms / 1000
    with tempfile.TemporaryDirectory() as tmp:
        thread = EngineThread("bench-kill-steps")
        server = Server(ServerConfig(host="127.0.0.1", port=0, data_dir=Path(tmp) / "data", sa_password=PASSWORD))
        thread.call(server.start())
        try:
            port = server.address[1]
            setup = connect(port).cursor()
            setup.execute("CREATE TABLE digits (n INT PRIMARY KEY)")
            setup.execute("INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)")
            setup.execute("CREATE TABLE thousands (n INT PRIMARY KEY)")
            setup.execute(
                "INSERT INTO thousands SELECT a.n + 10 * b.n + 100 * c.n FROM digits a CROSS JOIN digits b "
                "CROSS JOIN digits c"
            )
            setup.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1), (2, 2)")
            holder = connect(port).cursor()
            holder.execute("BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 2")
            admin, waiter = connect(port).cursor(), connect(port)
            statement = BUSY if args.state == "busy" else LOCKED
            results = [one_kill(port, admin, waiter, statement) for _ in range(args.kills)]
        finally:
            thread.call(server.stop())
            thread.stop()
    slice_ms = scheduler.SLICE_SECONDS * 1000
    print(f"{args.kills} kills, victim {args.state}, slice {slice_ms:g} ms{', no fsync' if args.no_fsync else ''}; ms")
    print(f"  {'step':34} {'p50':>7} {'p90':>7} {'max':>7}")
    for name, _, _ in STEPS:
        values = sorted(result[name] for result in results)
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        print(f"  {name:34} {statistics.median(values):7.2f} {p90:7.2f} {values[-1]:7.2f}")


if __name__ == "__main__":
    main()
