"""KILL, measured beside PostgreSQL 15's pg_terminate_backend on the same machine in the same run; prints figures.

    python -m bench.bench_kill [--kills 200] [--rows 1000000] [--aborts 3] [--quick] [--no-postgres]

Figures (goals from issue 4 in brackets):
  kill latency per victim state (idle in transaction, lock wait, WAITFOR, CPU-busy scan): from sending the kill
  to the blocked waiter's statement completing, p50 and p99 over --kills kills      [p99 <= 20 ms, every state]
  accelerated abort of a --rows-row transaction: the waiter proceeds after ...     [<= 50 ms]
  classic rollback: undone rows per second; STATUSONLY's predicted seconds left at 25/50/75 % against the truth

Quietus runs as `quietus serve` on a free port (bench_server.quietus_server), PostgreSQL as a private cluster
(bench_server.postgres_server; parallel query and JIT off, see POSTGRES_SETTINGS).  Clients: pytds and psycopg 3,
the same steps on both (bench/_kill_peers.py); the method is in docs/design/kill-bench.md.  Figures only; the test
suite never asserts timings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench import _kill_latency, _kill_rollback
from bench._kill_latency import Series
from bench._kill_peers import STATES, Peer, create_tables, postgres_peer, quietus_peer
from bench._kill_rollback import Abort
from bench.bench_server import PASSWORD, percentile, postgres_server, quietus_server, raise_fd_limit

GOAL_KILL_P99_MS = 20.0
GOAL_ABORT_MS = 50.0
# One process per victim, as a Quietus session is one task; no LLVM compilation at the start of the busy scan (it
# takes ~100 ms, during which a terminated backend does not look at its interrupts: a figure about JIT, not kills).
POSTGRES_SETTINGS = ("max_parallel_workers_per_gather = 0", "jit = off")


def measure(
    peer: Peer, args: argparse.Namespace, states: tuple[str, ...] = STATES
) -> tuple[list[Series], list[Abort]]:
    create_tables(peer)
    series = _kill_latency.run_peer(peer, states, args.kills)
    aborts = _kill_rollback.run_peer(peer, args.rows, args.aborts) if args.rows else []
    return series, aborts


def measure_quietus(args: argparse.Namespace, work: Path) -> tuple[list[Series], list[Abort]]:
    with quietus_server(work / "quietus-data") as (_pid, port):
        return measure(quietus_peer(port, PASSWORD), args)


def measure_postgres(
    args: argparse.Namespace, work: Path, states: tuple[str, ...] = STATES
) -> tuple[list[Series], list[Abort]]:
    with postgres_server(work / "pg", args.kills + 60) as (_postmaster, port):
        peer = postgres_peer(port, PASSWORD)
        admin = peer.connect()
        for setting in POSTGRES_SETTINGS:
            admin.run(f"ALTER SYSTEM SET {setting}")
        admin.run("SELECT pg_reload_conf()")
        admin.close()
        return measure(peer, args, states)


def _ms(values: list[float], fraction: float) -> float | None:
    return percentile(values, fraction) if values else None


def _cell(value: float | None, width: int = 8) -> str:
    return f"{value:{width}.2f}" if value is not None else f"{'-':>{width}}"


def _ratio(q: float | None, p: float | None) -> str:
    return f"{q / p:8.2f}x" if q is not None and p else f"{'-':>9}"


def print_latency(quietus: list[Series], postgres: list[Series] | None, kills: int) -> None:
    print(f"\nKill latency, ms: from sending the kill to the blocked waiter's UPDATE returning; {kills} kills per "
          f"state after {_kill_latency.WARMUP} warm-up kills")  # fmt: skip
    print(f"{'victim state':22}{'Quietus p50':>12}{'p99':>8}{'PostgreSQL p50':>16}{'p99':>8}"
          f"{'ratio p50':>11}{'ratio p99':>11}   goal p99 <= {GOAL_KILL_P99_MS:.0f} ms")  # fmt: skip
    peers = {s.state: s for s in postgres or []}
    for series in quietus:
        peer = peers.get(series.state)
        q50, q99 = _ms(series.latencies_ms, 0.5), _ms(series.latencies_ms, 0.99)
        p50, p99 = (_ms(peer.latencies_ms, 0.5), _ms(peer.latencies_ms, 0.99)) if peer else (None, None)
        verdict = "-" if q99 is None else "met" if q99 <= GOAL_KILL_P99_MS else "NOT met"
        print(f"{series.state:22}{_cell(q50, 12)}{_cell(q99)}{_cell(p50, 16)}{_cell(p99)}"
              f"{_ratio(q50, p50):>11}{_ratio(q99, p99):>11}   {verdict}")  # fmt: skip
    print("how the victims' clients saw their end (and failures, if any):")
    for series in quietus + (postgres or []):
        seen = ", ".join(f"{what} x{count}" for what, count in series.outcomes.most_common())
        worst = f"; max {max(series.latencies_ms):.2f} ms" if series.latencies_ms else ""
        print(f"  {series.peer:10} {series.state:20} {seen or '-'}{worst}")
        for failure in series.failures:
            print(f"  {'':10} {'':20} FAILED: {failure}")


def print_aborts(aborts: list[Abort], rows: int) -> None:
    if not aborts:
        return
    runs: dict[tuple[str, str], list[Abort]] = {}
    for result in aborts:
        runs.setdefault((result.peer, result.mode), []).append(result)
    print(f"\nKilling a transaction that updated {rows:,} rows, a waiter blocked on one of them; ms from sending the "
          "kill to the waiter's UPDATE returning, each run")  # fmt: skip
    for (peer, mode), results in runs.items():
        done = [r for r in results if not r.failure]
        waits = " / ".join(f"{r.waiter_ms:.1f}" for r in done)
        line = f"  {peer + ' ' + mode:22} waiter proceeds after {waits or '-'} ms"
        if mode == "classic" and done:
            line += f" = {' / '.join(f'{r.rows_per_s:,.0f}' for r in done)} undone rows/s"
        updates = " / ".join(f"{r.update_s:.1f}" for r in done)
        restored = "yes" if all(r.restored for r in done) else "NO"
        print(f"{line}; victim's UPDATE took {updates} s; every row restored: {restored}")
        for result in results:
            if result.failure:
                print(f"  {'':22} FAILED: {result.failure}")
    accelerated = [r for r in runs.get(("Quietus", "accelerated"), []) if not r.failure]
    peers = [r for r in runs.get(("PostgreSQL", "no undo"), []) if not r.failure]
    if accelerated:
        worst = max(r.waiter_ms for r in accelerated)
        verdict = "met" if worst <= GOAL_ABORT_MS else "NOT met"
        ratio = ""
        if peers:
            ratio = f"; median ratio to PostgreSQL {_median(accelerated) / _median(peers):.2f}x"
        print(f"  accelerated abort, goal <= {GOAL_ABORT_MS:.0f} ms: worst run {worst:.1f} ms, {verdict}{ratio}")
    for number, classic in enumerate(r for r in runs.get(("Quietus", "classic"), []) if not r.failure):
        print(f"  KILL WITH STATUSONLY during classic rollback {number + 1} ({len(classic.samples)} samples): "
              "predicted seconds left vs actual")  # fmt: skip
        for target, sample, actual in classic.at_targets():
            view = sample.view_ms / 1000 if sample.view_ms is not None else None
            view_error = f"{view - actual:+6.2f} s" if view is not None else "-"
            print(f"    at {target}%: {sample.at:5.2f} s after KILL it says {sample.percent:3d}%, "
                  f"{sample.seconds_left} s left (estimated_completion_time {_cell(view, 5)} s); actual "
                  f"{actual:5.2f} s; error 6109 {sample.seconds_left - actual:+5.2f} s, view {view_error}")  # fmt: skip


def _median(results: list[Abort]) -> float:
    return percentile([r.waiter_ms for r in results], 0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=200, help="kills per victim state and peer (default 200)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the aborted transaction; 0: skip")
    parser.add_argument("--aborts", type=int, default=3, help="aborts of the big transaction per mode (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 kills per state, 100,000 rows, 1 abort")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.kills, args.rows, args.aborts = 20, min(args.rows, 100_000), 1
    raise_fd_limit()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="quietus-bench-kill-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # the postgres user reaches its cluster below
        series, aborts = measure_quietus(args, work)
        postgres: list[Series] | None = None
        note = ""
        if args.no_postgres:
            note = "PostgreSQL skipped (--no-postgres)"
        else:
            try:
                pg_series, pg_aborts = measure_postgres(args, work)
                postgres, aborts = pg_series, aborts + pg_aborts
            except ImportError:
                note = "PostgreSQL skipped: psycopg is not installed (pip install 'psycopg[binary]')"
            except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                note = f"PostgreSQL skipped: {exc}"
    print_latency(series, postgres, args.kills)
    print_aborts(aborts, args.rows)
    if note:
        print(note)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nwhole run {time.perf_counter() - began:.0f} s; {os.cpu_count()} CPUs; load average at the end {load}")


if __name__ == "__main__":
    main()
