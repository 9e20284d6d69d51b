"""Killing a big transaction: how soon a waiter proceeds, how fast a classic rollback undoes, how true STATUSONLY is.

One abort, per rollback mode a peer has (`Peer.abort_modes`):

1. the mode's statement runs (Quietus: ACCELERATED_DATABASE_RECOVERY = ON or OFF);
2. the victim runs `BEGIN; UPDATE big SET v = v + 1` over every row (timed, for the record);
3. the waiter's `UPDATE big ... WHERE id = 7` blocks behind it; the admin polls until the view says so;
4. clock starts, the admin sends the kill; while the waiter is blocked the admin samples the peer's progress
   report (`Peer.progress`: Quietus classic only, `KILL n WITH STATUSONLY` and the victim's sys.dm_exec_requests
   row) until 75 % is passed, each sample timed by the one before to land just past the next target (few samples:
   each costs the server a little of the loop its rollback runs on);
5. the clock stops when the waiter's UPDATE returns: the victim's locks are gone, its rollback ended.

A sample is stamped at the midpoint of its round trip.  For 25, 50 and 75 % the first sample at or past that
percentage is compared with the truth: predicted seconds left (message 6109's, a whole number rounded up; and
estimated_completion_time's, in ms) against the time the waiter actually still waited after it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from bench._kill_peers import Conn, Job, Peer, wait_until

PROBE_ROW = 7
MIN_GAP, MAX_GAP = 0.01, 0.25  # seconds between progress samples
TARGETS = (25, 50, 75)
ROLLBACK_LIMIT = 900.0  # seconds a classic rollback may take before the run is declared stuck
PROGRESS = re.compile(r"completion: (\d+)%\. Estimated time remaining: (\d+) seconds")


@dataclass(frozen=True)
class Sample:
    at: float  # seconds after the kill was sent
    percent: int  # message 6109
    seconds_left: int  # message 6109
    view_percent: float | None  # sys.dm_exec_requests.percent_complete
    view_ms: int | None  # sys.dm_exec_requests.estimated_completion_time


@dataclass
class Abort:
    peer: str
    mode: str
    rows: int
    update_s: float = 0.0
    waiter_ms: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    restored: bool = False
    failure: str | None = None

    @property
    def rows_per_s(self) -> float:
        return self.rows / (self.waiter_ms / 1000) if self.waiter_ms else 0.0

    def at_targets(self) -> list[tuple[int, Sample, float]]:
        """(target, first sample at or past it, seconds the rollback really still took after that sample)."""
        found = []
        for target in TARGETS:
            sample = next((s for s in self.samples if s.percent >= target), None)
            if sample is not None:
                found.append((target, sample, self.waiter_ms / 1000 - sample.at))
        return found


def load(peer: Peer, rows: int) -> None:
    """big (id INT PRIMARY KEY, v INT), v = id, ids 0 .. rows-1, from a cross join of the thousands table."""
    if rows < 1000 or rows > 1_000_000 or 10 ** (len(str(rows)) - 1) != rows:
        raise ValueError("rows must be a power of ten from 1,000 to 1,000,000")
    per = rows // 1000
    admin = peer.connect()
    admin.run_all(
        (
            "CREATE TABLE big (id INT PRIMARY KEY, v INT)",
            f"INSERT INTO big SELECT a.n * {per} + b.n, a.n * {per} + b.n FROM thousands a CROSS JOIN thousands b "
            f"WHERE b.n < {per}",
        )
    )
    admin.close()


def sample_progress(query: str, admin: Conn, victim_id: int, started: float) -> Sample | None:
    """One progress report, or None once the peer says no rollback is in progress (6120)."""
    before = time.perf_counter()
    try:
        rows = admin.run(query.format(victim_id))
    except Exception:  # 6120: the rollback is over (or was never seen)
        return None
    at = (before + time.perf_counter()) / 2 - started
    match = next(filter(None, (PROGRESS.search(m) for m in admin.messages())), None)
    if match is None:
        return None
    view_percent, view_ms = rows[0] if rows else (None, None)
    return Sample(at, int(match.group(1)), int(match.group(2)), view_percent, view_ms)


def next_gap(sample: Sample) -> float | None:
    """Seconds until just past the next target, by the view's own estimate; None when every target is passed."""
    ahead = next((t for t in TARGETS if t > sample.percent), None)
    if ahead is None:
        return None
    if not sample.view_ms:
        return MIN_GAP
    until = (ahead + 1 - sample.percent) / (100 - sample.percent) * sample.view_ms / 1000
    return min(MAX_GAP, max(MIN_GAP, until))


def abort(peer: Peer, mode: str, rows: int, waiter: Conn) -> Abort:
    result = Abort(peer.name, mode, rows)
    admin, victim = peer.connect(), peer.connect()
    if (statement := peer.abort_modes[mode]) is not None:
        admin.run(statement)
    victim.run(peer.begin)
    began = time.perf_counter()
    victim.run("UPDATE big SET v = v + 1")
    result.update_s = time.perf_counter() - began
    blocked = Job(waiter, f"UPDATE big SET v = v + 1 WHERE id = {PROBE_ROW}")
    try:
        wait_until(
            lambda: victim.session_id in peer.activity(admin, waiter.session_id)[0].blockers,
            f"{peer.name}: the waiter blocked by the big transaction",
        )
        started = time.perf_counter()
        admin.run(peer.kill.format(victim.session_id, victim.serial))
        query = peer.progress.get(mode)
        gap = MIN_GAP if query is not None else None
        while query is not None and gap is not None and blocked.thread.is_alive():
            sample = sample_progress(query, admin, victim.session_id, started)
            gap = next_gap(sample) if sample is not None else None
            result.samples += [sample] if sample is not None else []
            time.sleep(gap or 0)
        if not blocked.join(ROLLBACK_LIMIT):
            raise TimeoutError(f"{peer.name}: the waiter still blocked {ROLLBACK_LIMIT:.0f} s after the kill")
        if blocked.error is not None:
            raise RuntimeError(f"the waiter failed: {blocked.error}")
        result.waiter_ms = (blocked.finished_at - started) * 1000
        result.restored = admin.run(f"SELECT v FROM big WHERE id = {rows - 1}") == [(rows - 1,)]
    except Exception as exc:  # reported with the figures
        result.failure = f"{type(exc).__name__}: {exc}"
    finally:
        victim.close()
        blocked.join()
        admin.close()
    return result


def run_peer(peer: Peer, rows: int, repeats: int) -> list[Abort]:
    """``repeats`` aborts in each mode, the modes taking turns (ABAB: drift in the machine hits both alike)."""
    load(peer, rows)
    waiter = peer.connect()
    results = [abort(peer, mode, rows, waiter) for _ in range(repeats) for mode in peer.abort_modes]
    waiter.close()
    return results
