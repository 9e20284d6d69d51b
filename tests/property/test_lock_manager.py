"""Random sequences of lock operations; after every step the lock manager's invariants must hold.

The invariants are those numbered in src/quietus/engine/locks/manager.py and docs/design/locks.md.  Owners act
as the engine does: a deadlock victim withdraws its request with cancel(); a killed waiter has its future
cancelled by the killer and cleans up with cancel() later, when it runs again.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quietus.engine.locks import (
    LockManager,
    LockMode,
    LockOwner,
    LockRequest,
    LockResource,
    compatible,
    covers,
    parent_object,
)
from quietus.engine.locks.manager import _LockHead
from quietus.engine.locks.modes import CHILD_GRANT
from quietus.engine.locks.request import GRANTED, WAITING
from quietus.engine.locks.resources import database_resource, key_resource, object_resource
from quietus.errors import SqlError


@dataclass(eq=False)
class Owner:
    session_id: int
    deadlock_priority: int = 0
    work: int = 0


RESOURCES = [
    database_resource(5),
    object_resource(5, 7),
    key_resource(5, 7, 1, 1),
    key_resource(5, 7, 1, 2),
    key_resource(5, 7, 1, 3),
]
N_OWNERS = 4

# acquire    : owner asks for resource in mode
# release    : owner drops its lock on resource (a READ COMMITTED row lock after the read)
# release_all: owner commits or rolls back
# cancel     : owner's wait timed out: it withdraws its request
# kill       : a killer fails owner's waiting future, and nothing else
# cleanup    : the killed owner runs again and withdraws its request
# try        : owner asks for resource in mode without waiting (NOWAIT, READPAST)
# Acquires are the most likely, so that locks pile up and queues and cycles form.
KINDS = ["acquire"] * 6 + ["release", "release_all", "cancel", "kill", "cleanup", "try"]
operation = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, N_OWNERS - 1),
    st.integers(0, len(RESOURCES) - 1),
    st.sampled_from(list(LockMode)),
)
Operation = tuple[str, int, int, LockMode]


class Harness:
    def __init__(self, priorities: list[int], work: list[int]) -> None:
        self.loop = asyncio.new_event_loop()
        self.lm = LockManager(self.loop, escalation_threshold=2)
        self.owners = [Owner(51 + i, priorities[i], work[i]) for i in range(N_OWNERS)]
        self.requests: dict[Owner, LockRequest] = {}  # each owner's latest request that had to wait
        self.killed: set[LockRequest] = set()
        self.granted_requests: list[LockRequest] = []

    def step(self, op: Operation) -> None:
        kind, lm, owner, resource, mode = op[0], self.lm, self.owners[op[1]], RESOURCES[op[2]], op[3]
        waiting = lm.waiting_request(owner)
        if kind == "try" and waiting is None:
            before = (lm.owner_locks(owner), list(lm.rows()), lm.deadlocks)
            if not lm.try_acquire(owner, resource, mode):
                assert (lm.owner_locks(owner), list(lm.rows()), lm.deadlocks) == before
            else:
                held = lm.held(owner, resource)
                assert self.covered(owner, resource, mode) or (held is not None and covers(held, mode))
            return
        if kind in ("acquire", "release") and waiting is not None:
            try:
                if kind == "acquire":
                    lm.acquire(owner, resource, mode)
                else:
                    lm.release(owner, resource)
            except RuntimeError:
                return
            raise AssertionError("a waiting owner acted")
        if kind == "acquire":
            queue_before = resource in lm._queued
            newcomer = lm.held(owner, resource) is None and not self.covered(owner, resource, mode)
            deadlocks_before = lm.deadlocks
            try:
                request = lm.acquire(owner, resource, mode)
            except SqlError as error:
                assert error.number == 1205
                assert lm.waiting_request(owner) is None
                return
            if request is not None:
                self.requests[owner] = request
            elif newcomer and queue_before:
                # No barging: a newcomer passes a queue only when a deadlock victim's removal let it through.
                assert lm.deadlocks > deadlocks_before
        elif kind == "release":
            lm.release(owner, resource)
        elif kind == "release_all":
            lm.release_all(owner)
            assert lm.owner_locks(owner) == {} and lm.lock_count(owner) == 0  # invariant 8
            assert lm.waiting_request(owner) is None
        elif kind == "cancel" and waiting is not None and waiting not in self.killed:
            assert lm.cancel(waiting) is True
            assert lm.cancel(waiting) is True
        elif kind == "kill" and waiting is not None:
            waiting.future.cancel()
            self.killed.add(waiting)
        elif kind == "cleanup":
            for request in [r for r in self.killed if r.owner is owner]:
                assert lm.cancel(request) is (request.state != GRANTED)
                self.killed.discard(request)
        self.settle()

    def covered(self, owner: Owner, resource: LockResource, mode: LockMode) -> bool:
        """Does the owner's lock on the resource's object already give it ``mode`` on the resource?"""
        parent = parent_object(resource)
        object_mode = self.lm.held(owner, parent) if parent is not None else None
        child = CHILD_GRANT.get(object_mode) if object_mode is not None else None
        return child is not None and covers(child, mode)

    def settle(self) -> None:
        """Owners whose request ended do what the engine does: a victim withdraws, a grant is noted."""
        for owner, request in list(self.requests.items()):
            if request.state == WAITING:
                continue
            del self.requests[owner]
            if request.state == GRANTED:
                self.granted_requests.append(request)
            elif request.future.done() and not request.future.cancelled():
                error = request.future.exception()
                assert isinstance(error, SqlError) and error.number == 1205
                assert self.lm.cancel(request) is True

    def check(self) -> None:
        lm = self.lm
        states = lm._owners
        holders: dict[LockResource, dict[LockOwner, LockMode]] = {}
        queued: list[LockRequest] = []
        for resource, entry in lm._table.items():
            if isinstance(entry, _LockHead):
                granted = entry.granted
                queue = [*entry.converting, *entry.waiting]
                # 7: a head exists only when needed
                assert len(granted) >= 2 or queue, resource
                assert (resource in lm._queued) == bool(queue)
                assert all(r.is_conversion for r in entry.converting)
                assert not any(r.is_conversion for r in entry.waiting)
                assert all(r.owner in granted for r in entry.converting)
                assert not any(r.owner in granted for r in entry.waiting)
                # 2: the first in line cannot be granted, unless its waiter abandoned it (dropped on wake)
                for first, is_conversion in (
                    (next(iter(entry.converting), None), True),
                    (next(iter(entry.waiting), None), False),
                ):
                    if first is None or first.future.done() or (not is_conversion and entry.converting):
                        continue
                    others = [m for o, m in granted.items() if o is not first.owner]
                    assert not all(compatible(m, first.mode) for m in others), first
                queued += queue
            else:
                owner, mode = entry
                granted = {owner: mode}
            holders[resource] = dict(granted)
            # 1: granted modes are pairwise compatible
            for a, b in itertools.combinations(granted.values(), 2):
                assert compatible(a, b), (resource, a, b)
        # 5: the table and the owners' lock maps agree
        for owner, state in states.items():
            for resource, mode in state.locks.items():
                assert holders[resource].get(owner) == mode
        assert sum(len(h) for h in holders.values()) == sum(len(s.locks) for s in states.values())
        # 3 and 4: queued requests wait, granted ones are done; one wait per owner, in one queue
        assert len({id(r) for r in queued}) == len(queued)
        assert {id(r) for r in queued} == {id(s.waiting) for s in states.values() if s.waiting is not None}
        for request in queued:
            assert request.state == WAITING
            assert request.future.done() == (request in self.killed)
        for request in self.granted_requests:
            assert request.future.done() and request.future.result() is None
        # 6: no cycle in the wait-for graph
        edges = {r.owner: set(lm._waits_for_all(r)) for r in queued}
        assert not has_cycle(edges)

    def close(self) -> None:
        for request in self.killed:
            self.lm.cancel(request)
        self.loop.close()


def has_cycle(edges: dict[LockOwner, set[LockOwner]]) -> bool:
    done: set[LockOwner] = set()
    on_path: set[LockOwner] = set()

    def visit(node: LockOwner) -> bool:
        if node in on_path:
            return True
        if node in done:
            return False
        on_path.add(node)
        found = any(visit(nxt) for nxt in edges.get(node, ()))
        on_path.discard(node)
        done.add(node)
        return found

    return any(visit(node) for node in edges)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operations=st.lists(operation, min_size=20, max_size=80),
    priorities=st.lists(st.integers(-1, 1), min_size=N_OWNERS, max_size=N_OWNERS),
    work=st.lists(st.integers(0, 2), min_size=N_OWNERS, max_size=N_OWNERS),
)
def test_invariants_hold_after_every_step(operations: list[Operation], priorities: list[int], work: list[int]) -> None:
    harness = Harness(priorities, work)
    try:
        for op in operations:
            harness.step(op)
            harness.check()
        for owner in harness.owners:
            harness.lm.release_all(owner)
            harness.settle()
            harness.check()
        assert harness.lm._table == {} and harness.lm._queued == {}
    finally:
        harness.close()
