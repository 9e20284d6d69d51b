"""How true is the rollback estimate?  Issue 9 item 3: message 6109's seconds and
sys.dm_exec_requests.estimated_completion_time against the time a classic rollback really still takes.

    python -m bench.bench_rollback_estimate [--rows 1000000] [--runs 3] [--load 0,2]

Embedded instance in a temp directory, ACCELERATED_DATABASE_RECOVERY OFF (classic rollback).  Per run:

1. the victim runs ``BEGIN TRAN; UPDATE big SET v = v + 1`` over every row and stays idle in its transaction;
2. ``--load`` other sessions run CPU-busy queries in a loop (concurrent load on the one engine loop);
3. a waiter's ``UPDATE big SET v = v WHERE id = 7`` blocks behind the victim;
4. the admin sends ``KILL victim``, then samples every ``--every`` seconds the victim's request row and
   ``KILL victim WITH STATUSONLY``, each sample stamped at the midpoint of its round trip;
5. the truth: the waiter's UPDATE returns when the rollback has ended and the locks are gone.

For 25, 50 and 75 % the first sample at or past it is compared with the truth (actual seconds left = the waiter's
return − the sample's instant): the error of the view's estimate and of 6109's whole seconds, in per cent.  The
goal (issue 9): within ±20 % for a rollback of at least 2 s, also under load.  6109's seconds are judged only where
at least WHOLE_SECONDS_JUDGED_FROM (2.5) seconds were left: it prints whole seconds, and below that no whole number
is within 20 % of every value it stands for.  Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import quietus
from quietus.admin.kill import WHOLE_SECONDS_JUDGED_FROM
from quietus.dbapi import Connection

PROGRESS = re.compile(r"completion: (\d+)%\. Estimated time remaining: (\d+) seconds")
BUSY = "SELECT COUNT(*) FROM digits a CROSS JOIN digits b CROSS JOIN digits c CROSS JOIN digits d CROSS JOIN digits e"
TARGETS = (25, 50, 75)


@dataclass(frozen=True)
class Sample:
    at: float
    percent: float
    view_s: float
    message_s: int | None


CHUNK_DIGITS = 6  # rows are inserted 10**6 at a time: one statement of 10**7 would hold 10 M versions at once


def load(conn: Connection, rows: int) -> None:
    """``big`` with ids 0 .. rows-1 (v = id), any number of rows: chunks of a cross join of digits, each shifted by
    its offset, the last one cut at ``rows``.  (It once took ``len(str(rows)) - 1`` digits, so 3,000,000 rows made
    1,000,000: a power of ten below the number asked for.)"""
    conn.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
    conn.run("CREATE TABLE digits (n INT PRIMARY KEY)")
    conn.run("INSERT INTO digits VALUES " + ", ".join(f"({i})" for i in range(10)))
    conn.run("CREATE TABLE big (id INT PRIMARY KEY, v INT)")
    digits = min(CHUNK_DIGITS, max(1, len(str(rows - 1))))
    chunk = 10**digits
    sources = " CROSS JOIN ".join(f"digits d{i}" for i in range(digits))
    key = " + ".join(f"{10**i} * d{i}.n" for i in range(digits))
    for offset in range(0, rows, chunk):
        cut = "" if offset + chunk <= rows else f" WHERE {key} < {rows - offset}"
        conn.run(f"INSERT INTO big SELECT {key} + {offset}, {key} + {offset} FROM {sources}{cut}")
    count = conn.run("SELECT COUNT(*) FROM big").result_sets[-1].rows[0][0]
    if count != rows:
        raise RuntimeError(f"loaded {count:,} rows, not {rows:,}")


def busy_loop(conn: Connection, stop: threading.Event) -> None:
    while not stop.is_set():
        conn.run(BUSY)


def one_run(data: Path, rows: int, load_sessions: int, every: float) -> tuple[float, list[Sample]]:
    admin = quietus.connect(data, autocommit=True, program_name="admin")
    victim = quietus.connect(data, autocommit=True, program_name="victim")
    waiter = quietus.connect(data, autocommit=True, program_name="waiter")
    loaders = [quietus.connect(data, autocommit=True, program_name=f"load{i}") for i in range(load_sessions)]
    stop = threading.Event()
    threads = [threading.Thread(target=busy_loop, args=(c, stop), daemon=True) for c in loaders]
    try:
        victim.run("BEGIN TRAN; UPDATE big SET v = v + 1")
        vid = victim.session_id
        for thread in threads:
            thread.start()
        finished: list[float] = []

        def wait_behind() -> None:
            waiter.run("UPDATE big SET v = v WHERE id = 7")
            finished.append(time.perf_counter())

        blocked = threading.Thread(target=wait_behind)
        blocked.start()
        while not admin.run(f"SELECT 1 FROM sys.dm_exec_requests WHERE session_id = {waiter.session_id} "
                            "AND wait_type LIKE 'LCK%'").result_sets[-1].rows:  # fmt: skip
            time.sleep(0.005)
        time.sleep(0.2)  # the loaders are running
        started = time.perf_counter()
        admin.run(f"KILL {vid}")
        samples: list[Sample] = []
        while not finished:
            before = time.perf_counter()
            row = (
                admin.run(
                    "SELECT percent_complete, estimated_completion_time FROM sys.dm_exec_requests "
                    f"WHERE session_id = {vid}"
                )
                .result_sets[-1]
                .rows
            )
            report = admin.run(f"KILL {vid} WITH STATUSONLY").messages
            after = time.perf_counter()
            if row and report and report[0].number == 6109 and row[0][0] > 0:
                found = PROGRESS.search(report[0].text)
                samples.append(
                    Sample(
                        (before + after) / 2 - started,
                        row[0][0],
                        row[0][1] / 1000,
                        int(found[2]) if found else None,
                    )
                )
            time.sleep(every)
        blocked.join()
        return finished[0] - started, samples
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for conn in (admin, waiter, *loaders):
            conn.close()


def report(total: float, samples: list[Sample]) -> list[tuple[int, float, float, float, int | None, float]]:
    """Per target: the sample, the truth, and for comparison what the average pace since the kill would say."""
    out = []
    for target in TARGETS:
        sample = next((s for s in samples if s.percent >= target), None)
        if sample is None:
            continue
        actual = total - sample.at
        average = sample.at * (100 - sample.percent) / sample.percent
        out.append((target, sample.percent, actual, sample.view_s, sample.message_s, average))
    return out


ESTIMATES = (
    "SELECT kill_id, rows_undone, predicted_rollback_ms, actual_rollback_ms, error_percent, predicted_left_ms_25, "
    "actual_left_ms_25, error_percent_25, predicted_left_ms_50, actual_left_ms_50, error_percent_50, "
    "predicted_left_ms_75, actual_left_ms_75, error_percent_75 FROM sys.dm_exec_rollback_estimates"
)


def print_run(judged: list[tuple[int, float, float, float, int | None, float]], tally: dict[str, list[float]]) -> None:
    """One run's marks; the errors go into ``tally`` (view, 6109 where judged, the average since the kill)."""
    print("  target  at %   actual left   view estimate (err)    6109 seconds (err)    average since the kill (err)")
    for target, percent, actual, view_s, message_s, average_s in judged:
        view_err = 100 * (view_s - actual) / actual
        tally["view"].append(view_err)
        average_err = 100 * (average_s - actual) / actual
        tally["average"].append(average_err)
        if message_s is None:
            shown = "-"
        elif actual < WHOLE_SECONDS_JUDGED_FROM:  # no whole number is within 20 % of every value below it
            shown = f"{message_s} s (not judged)"
        else:
            message_err = 100 * (message_s - actual) / actual
            tally["6109"].append(message_err)
            shown = f"{message_s} s ({message_err:+.0f} %)"
        average = f"{average_s:7.2f} s ({average_err:+5.1f} %)"
        print(
            f"  {target:>5} % {percent:5.1f}  {actual:9.2f} s   {view_s:7.2f} s ({view_err:+5.1f} %)    {shown:18}"
            f"    {average}"
        )


def print_tally(tally: dict[str, list[float]]) -> None:
    print("\nwithin +-20 % of the time really left (marks of every run above):")
    for name, errors in tally.items():
        if errors:
            within = sum(abs(e) <= 20 for e in errors)
            mean = sum(abs(e) for e in errors) / len(errors)
            worst = max(errors, key=abs)
            print(f"  {name:8} {within} of {len(errors)} marks, mean |error| {mean:.1f} %, worst {worst:+.0f} %")
    print(f"  (6109 is judged only where at least {WHOLE_SECONDS_JUDGED_FROM} s were left: it prints whole seconds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows the victim updates (any number)")
    parser.add_argument("--runs", type=int, default=2, help="kills per load level")
    parser.add_argument("--load", default="0,2", help="comma-separated numbers of CPU-busy sessions")
    parser.add_argument("--every", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("--trace", action="store_true", help="print every sample (seconds after the kill: %%)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        with quietus.connect(data, autocommit=True) as setup:
            started = time.perf_counter()
            load(setup, args.rows)
            print(f"loaded {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
            tally: dict[str, list[float]] = {"view": [], "6109": [], "average": []}
            for load_sessions in (int(n) for n in args.load.split(",")):
                for run in range(args.runs):
                    total, samples = one_run(data, args.rows, load_sessions, args.every)
                    print(f"\nload {load_sessions} run {run + 1}: rollback {total:.2f} s, {len(samples)} samples")
                    if args.trace:
                        print("  " + " ".join(f"{s.at:.2f}s:{s.percent:.0f}%" for s in samples))
                    print_run(report(total, samples), tally)
            print_tally(tally)
            print("\nsys.dm_exec_rollback_estimates (the server's own judgement of every rollback above):")
            print("  kill  rows      predicted/actual ms   error %    at 25 %          at 50 %          at 75 %")
            for row in setup.run(ESTIMATES).result_sets[-1].rows:
                kill_id, undone, predicted, actual, error, *marks = row
                judged = "  ".join(
                    f"{p}/{a} ({e:+.0f} %)" if e is not None else "-"
                    for p, a, e in zip(marks[0::3], marks[1::3], marks[2::3], strict=True)
                )
                print(f"  {kill_id:>4}  {undone:>8,}  {predicted}/{actual}  {error:+.0f} %   {judged}")


if __name__ == "__main__":
    main()
