"""Kill latency: from sending the kill to the blocked waiter's statement completing, per victim state.

One kill, the same on both peers:

1. the victim (a fresh connection) opens a transaction and updates row 1;
2. for the states that need one, the victim's next statement starts on a thread (lock wait, WAITFOR, scan);
3. the waiter (a long-lived autocommit connection) starts `UPDATE t ... WHERE id = 1` on a thread: it blocks;
4. the admin session polls the peer's activity view until the victim is in the state and the waiter is blocked by
   the victim (nothing of this is timed);
5. clock starts, the admin sends the kill (`KILL n` / `pg_terminate_backend(pid)`), the clock stops when the
   waiter's UPDATE returns: that instant is taken on the waiter's thread as its driver call returns.

Then (untimed) the victim's thread ends and the way its client saw the end is tallied (`Msg 596`, `closed`,
`SQLSTATE 57P01`); an idle victim's end is observed by its next statement.

Each series opens its victims all at once before its first kill, plus a fresh admin session.  (Issue 4's repeat
rule, under which one admin could not kill a reused id within a minute, is gone since issue 9: KILL n ends whoever
holds n now; the fresh admin stays so every series starts alike.)
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from bench._kill_peers import HOLD_ROW, SETTLE, WAITER, Conn, Job, Peer, wait_until

WARMUP = 3  # kills per series not counted (first-use costs: plan caches, thread start-up)


@dataclass
class Series:
    peer: str
    state: str
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def one_kill(peer: Peer, admin: Conn, waiter: Conn, victim: Conn, state: str) -> tuple[float, str]:
    """Kill ``victim`` in ``state``; returns (latency in ms, how the victim's client saw it)."""
    victim.run_all((peer.begin, HOLD_ROW))
    statement = peer.next_statement[state]
    running = Job(victim, statement) if statement else None
    blocked = Job(waiter, WAITER)

    def ready() -> bool:
        seen, waits = peer.activity(admin, victim.session_id, waiter.session_id)
        return seen.state == state and victim.session_id in waits.blockers

    try:
        wait_until(ready, f"{peer.name}: the victim {state} and the waiter blocked")
        if state in SETTLE:
            time.sleep(SETTLE[state])
            wait_until(ready, f"{peer.name}: the victim still {state}")
        started = time.perf_counter()
        admin.run(peer.kill.format(victim.session_id, victim.serial))
        if not blocked.join():
            raise TimeoutError(f"{peer.name}: the waiter still blocked after killing a victim {state}")
    except Exception:
        victim.close()  # ends the victim's transaction the client's way, so the waiter is free for the next kill
        blocked.join()
        raise
    if blocked.error is not None:
        raise RuntimeError(f"{peer.name}: the waiter failed: {blocked.error}")
    latency = (blocked.finished_at - started) * 1000
    if running is None:
        running = Job(victim, "SELECT 1")  # an idle victim learns of its end from its next statement
    if not running.join():
        raise TimeoutError(f"{peer.name}: the victim {state} was not ended")
    outcome = peer.outcome(running.error) if running.error is not None else "not ended"
    victim.close()
    return latency, outcome


def run_series(peer: Peer, state: str, kills: int, waiter: Conn) -> Series:
    series = Series(peer.name, state)
    admin = peer.connect()
    victims = peer.open_many(kills + WARMUP)
    for number, victim in enumerate(victims):
        try:
            latency, outcome = one_kill(peer, admin, waiter, victim, state)
        except Exception as exc:  # reported with the figures; three in a row end the series
            series.failures.append(f"{type(exc).__name__}: {exc}")
            if len(series.failures) >= 3:
                break
            continue
        if number >= WARMUP:
            series.latencies_ms.append(latency)
            series.outcomes[outcome] += 1
    for victim in victims:
        victim.close()
    admin.close()
    return series


def run_peer(peer: Peer, states: tuple[str, ...], kills: int) -> list[Series]:
    """Every state's series on one peer; a holder keeps row 2 locked for the lock-wait state throughout."""
    waiter, holder = peer.connect(), peer.connect()
    holder.run_all((peer.begin, "UPDATE t SET v = v + 1 WHERE id = 2"))
    results = [run_series(peer, state, kills, waiter) for state in states]
    holder.close()
    waiter.close()
    return results
