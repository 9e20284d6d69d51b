"""Lock manager throughput: print acquire+release pairs per second for three scenarios.

    python bench/bench_locks.py [--quick]

1. one at a time: acquire a KEY lock, release it (a READ COMMITTED reader's row lock), repeated;
2. batches: 1000 KEY acquires under one object, then release_all (a transaction's locks at commit);
3. contended: a writer holds X on a hot key, 15 readers queue for S behind it and are granted together by
   its release_all (intent locks on the table are granted at once; the key requests all wait).

Goal (docs/design/locks.md): at least 500,000 pairs/s for 1 and 2 on the development machine.  Figures only;
the test suite never asserts timings.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from quietus.engine.locks import LockManager, LockMode, key_resource, object_resource

DB, TABLE, INDEX = 5, 1001, 1


@dataclass(eq=False, slots=True)
class Owner:
    session_id: int
    deadlock_priority: int = 0
    work: int = 0


def best_rate(run: Callable[[], int], repeats: int) -> float:
    """The best of ``repeats`` runs, in pairs per second (the least disturbed run is the truest figure)."""
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        pairs = run()
        best = max(best, pairs / (time.perf_counter() - started))
    return best


def one_at_a_time(n: int) -> Callable[[], int]:
    manager = LockManager()
    owner = Owner(51)
    table = object_resource(DB, TABLE)
    keys = [key_resource(DB, TABLE, INDEX, k) for k in range(n)]

    def run() -> int:
        manager.acquire(owner, table, LockMode.IS)
        acquire, release, shared = manager.acquire, manager.release, LockMode.S
        for key in keys:
            acquire(owner, key, shared)
            release(owner, key)
        manager.release_all(owner)
        return n

    return run


def batches(n: int, batch: int = 1000) -> Callable[[], int]:
    manager = LockManager()
    owners = [Owner(51 + i) for i in range(n // batch)]
    table = object_resource(DB, TABLE)
    keys = [key_resource(DB, TABLE, INDEX, k) for k in range(batch)]

    def run() -> int:
        acquire, exclusive = manager.acquire, LockMode.X
        for owner in owners:
            acquire(owner, table, LockMode.IX)
            for key in keys:
                acquire(owner, key, exclusive)
            manager.release_all(owner)
        return len(owners) * batch

    return run


def contended(n: int, readers: int = 15) -> Callable[[], int]:
    """Every round one writer holds X on a hot key and ``readers`` owners queue for S behind it; the writer's
    release_all grants them all at once, and they release_all in turn.  All but one acquire per round wait."""
    loop = asyncio.new_event_loop()
    manager = LockManager(loop)
    owners = [Owner(51 + i) for i in range(readers + 1)]
    table = object_resource(DB, TABLE)
    hot = key_resource(DB, TABLE, INDEX, 0)

    def run() -> int:
        acquire, release_all = manager.acquire, manager.release_all
        pairs = 0
        while pairs < n:
            writer, *waiting = owners
            acquire(writer, table, LockMode.IX)
            acquire(writer, hot, LockMode.X)
            requests = []
            for reader in waiting:
                acquire(reader, table, LockMode.IS)
                requests.append(acquire(reader, hot, LockMode.S))
            release_all(writer)
            for reader, request in zip(waiting, requests, strict=True):
                assert request is not None and request.future.done()
                release_all(reader)
            pairs += 2 * len(owners)  # each owner's object and key lock
            owners.append(owners.pop(0))
        return pairs

    return run


def main() -> None:
    quick = "--quick" in sys.argv
    n, repeats = (100_000, 2) if quick else (1_000_000, 5)
    print(f"lock manager, best of {repeats} runs, Python {sys.version.split()[0]}")
    for name, run in (
        ("acquire+release one at a time", one_at_a_time(n)),
        ("1000 acquires then release_all", batches(n)),
        ("contended: queued waiters woken by release_all", contended(n // 10)),
    ):
        print(f"  {name:50} {best_rate(run, repeats):>12,.0f} pairs/s")


if __name__ == "__main__":
    main()
