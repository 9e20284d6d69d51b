"""ALTER SYSTEM KILL SESSION beside KILL over TDS, on one `quietus serve`: how soon a blocked waiter proceeds.

    python -m bench.bench_oracle_kill [--kills 200]

Per kill, the same steps for both statements (pytds clients; the steps of bench/_kill_latency.py):
the victim opens a transaction and updates row 1 (then, for "lock wait", also waits on row 2 that a holder keeps);
the waiter's UPDATE of row 1 blocks; the victim's SERIAL# is read from v$session (untimed); the clock starts as the
admin sends `ALTER SYSTEM KILL SESSION 'sid,serial#'` (or `KILL sid`) and stops when the waiter's UPDATE returns.
ALTER SYSTEM also waits for its victim to end before it answers, which the waiter's figure does not include.
Figures only (p50, p99 in ms; goal p99 <= 20 ms); the test suite never asserts timings.  Victims here are TDS
sessions, so both statements end them the same way; the Oracle Net figures belong to the listener's benchmark.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
from pathlib import Path

from bench._kill_peers import HOLD_ROW, SETUP, WAITER, Conn, Job, quietus_peer, wait_until
from bench.bench_server import PASSWORD, percentile, quietus_server

STATEMENTS = {
    "ALTER SYSTEM KILL SESSION": "ALTER SYSTEM KILL SESSION '{sid},{serial}'",
    "KILL": "KILL {sid}",
}
STATES = {"idle in transaction": None, "lock wait": "UPDATE t SET v = v + 1 WHERE id = 2"}
GOAL_P99_MS = 20.0
WARMUP = 3


def blocked_as_wanted(admin: Conn, victim: Conn, waiter: Conn, victim_wait: str | None) -> bool:
    """The waiter waits on the victim, and the victim is idle (no request) or waits with ``victim_wait``."""
    requests = {
        row[0]: row[1:]
        for row in admin.run(
            "SELECT session_id, wait_type, blocking_session_id FROM sys.dm_exec_requests "
            f"WHERE session_id IN ({victim.session_id}, {waiter.session_id})"
        )
    }
    if victim_wait is None:
        victim_ready = victim.session_id not in requests
    else:
        victim_ready = (requests.get(victim.session_id, (None,))[0] or "").startswith(victim_wait)
    return victim_ready and requests.get(waiter.session_id, (None, 0))[1] == victim.session_id


def series(port: int, statement: str, state: str, kills: int) -> list[float]:
    peer = quietus_peer(port, PASSWORD)
    admin, waiter, holder = peer.connect(), peer.connect(), peer.connect()
    holder.run_all(("BEGIN TRANSACTION", "UPDATE t SET v = v + 1 WHERE id = 2"))
    # all victims at once, so no id is killed twice by one admin (KILL's repeat rule would take it for a repeat)
    victims = peer.open_many(kills + WARMUP)
    latencies: list[float] = []
    for number, victim in enumerate(victims):
        victim.run_all(("BEGIN TRANSACTION", HOLD_ROW))
        next_statement = STATES[state]
        running = Job(victim, next_statement) if next_statement else None
        blocked = Job(waiter, WAITER)
        victim_wait = "LCK_M_" if next_statement else None
        ready = functools.partial(blocked_as_wanted, admin, victim, waiter, victim_wait)
        wait_until(ready, f"the victim {state}, the waiter blocked")
        serial = admin.run(f"SELECT SERIAL# FROM v$session WHERE SID = {victim.session_id}")[0][0]
        started = time.perf_counter()
        admin.run(STATEMENTS[statement].format(sid=victim.session_id, serial=serial))
        if not blocked.join():
            raise TimeoutError("the waiter stayed blocked")
        if number >= WARMUP:
            latencies.append((blocked.finished_at - started) * 1000)
        if running is not None:
            running.join()
        victim.close()
    for conn in (holder, waiter, admin):
        conn.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, quietus_server(Path(work) / "data") as (_pid, port):
        setup = quietus_peer(port, PASSWORD).connect()
        setup.run_all(SETUP)
        setup.close()
        print(f"kill -> blocked waiter proceeds, {args.kills} kills per row (goal p99 <= {GOAL_P99_MS:.0f} ms)")
        for state in STATES:
            for statement in STATEMENTS:
                found = series(port, statement, state, args.kills)
                print(
                    f"  {statement:<26} victim {state:<20} p50 {percentile(found, 0.5):6.2f} ms  "
                    f"p99 {percentile(found, 0.99):6.2f} ms  (n={len(found)})"
                )


if __name__ == "__main__":
    main()
