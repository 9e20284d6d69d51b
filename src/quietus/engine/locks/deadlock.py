"""Deadlock detection (a search of the wait-for graph) kept apart from reporting (an immutable snapshot).

The wait-for graph has an edge from each waiting request's owner to every owner it waits for: the holders
whose granted mode conflicts with the request, and every request queued ahead of it (queues are strict FIFO,
so a request cannot be granted before those ahead of it, whatever their modes).  Only a waiting owner has
edges out.

The search follows a thinner graph with the same reachability: conflicting holders plus only the request
just ahead in the queue (which in turn leads to the one ahead of it, and so on), so a search costs time linear
in the waiters rather than quadratic.  A cycle found that way may pass through waiters that only queue between
two others; ``shorten`` then cuts it down along the full edges, so that no bystander is chosen as victim.

A cycle can only appear when an edge appears, and edges appear only when an owner starts to wait (its own
edges out, and edges into it from requests it is queued ahead of).  So the search runs when a request is
queued, from that request, and looks only for a path back to its owner: with no cycle before, any new cycle
passes through it.

Victim: a request its waiter already gave up on if there is one, else lowest deadlock_priority, then least
work (undo to lose), then the newest waiter (the requester, which is always the newest in its cycle).  The
cycle is copied into a ``DeadlockReport`` at once, because the state it describes is about to change;
reporting (error log, system_health) reads those copies later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from quietus.engine.locks.modes import LockMode
from quietus.engine.locks.owner import LockOwner
from quietus.engine.locks.request import LockRequest
from quietus.engine.locks.resources import LockResource

REPORTS_KEPT = 100


@dataclass(frozen=True, slots=True)
class DeadlockParticipant:
    """One owner in a deadlock cycle: what it waited for, and what it held that others in the cycle wanted."""

    session_id: int
    deadlock_priority: int
    work: int
    wait_resource: LockResource
    wait_mode: LockMode
    is_conversion: bool
    held: tuple[tuple[LockResource, LockMode], ...]
    is_victim: bool


@dataclass(frozen=True, slots=True)
class DeadlockReport:
    """A deadlock as it was when detected; participants in cycle order (each waits for the next)."""

    participants: tuple[DeadlockParticipant, ...]
    victim_session_id: int
    detected_at: float  # time.time(), for the error log

    @property
    def victim(self) -> DeadlockParticipant:
        return next(p for p in self.participants if p.is_victim)

    @property
    def resources(self) -> tuple[LockResource, ...]:
        """The resources waited for, in cycle order, without repeats."""
        return tuple(dict.fromkeys(p.wait_resource for p in self.participants))


def find_cycle(
    start: LockRequest,
    waits_for: Callable[[LockRequest], Iterable[LockOwner]],
    waiting_request: Callable[[LockOwner], LockRequest | None],
) -> list[LockRequest] | None:
    """The waiting requests on a path from ``start`` back to its owner, in order; None if there is none.

    Iterative depth-first search; each owner is visited once, so the cost is linear in the graph searched.
    """
    home = start.owner
    visited = {home}
    path = [start]
    pending = [iter(waits_for(start))]
    while pending:
        for owner in pending[-1]:
            if owner == home:
                return path
            if owner in visited:
                continue
            visited.add(owner)
            request = waiting_request(owner)
            if request is not None:
                path.append(request)
                pending.append(iter(waits_for(request)))
                break
        else:
            pending.pop()
            path.pop()
    return None


def shorten(cycle: list[LockRequest], waits_for_all: Callable[[LockRequest], Iterable[LockOwner]]) -> list[LockRequest]:
    """Cut ``cycle`` (each request waits for the next, the last for the first) along the full edges.

    From each kept request, jump to the furthest request of the cycle its owner directly waits for; close the
    cycle as soon as one waits for the first request's owner.
    """
    position = {request.owner: i for i, request in enumerate(cycle)}
    kept: list[LockRequest] = []
    i = 0
    while i < len(cycle):
        kept.append(cycle[i])
        targets = [position[o] for o in waits_for_all(cycle[i]) if o in position]
        if 0 in targets:
            break
        # The thin edge to cycle[i + 1] is among the full ones, so this always moves forward.
        i = max((t for t in targets if t > i), default=i + 1)
    return kept


def choose_victim(cycle: Sequence[LockRequest]) -> LockRequest:
    """Lowest DEADLOCK_PRIORITY, then least work, then the newest waiter.

    A request whose waiter has already given up (its future is done: killed or timed out, cleanup pending) goes
    first whatever its priority: removing it costs nobody anything.
    """
    return min(cycle, key=lambda r: (not r.future.done(), r.owner.deadlock_priority, r.owner.work, -r.sequence))


def snapshot(
    cycle: Sequence[LockRequest],
    victim: LockRequest,
    held_by: Callable[[LockOwner], Mapping[LockResource, LockMode]],
) -> DeadlockReport:
    """Copy the cycle into an immutable report (before the victim's request is removed)."""
    wanted = dict.fromkeys(request.resource for request in cycle)  # ordered, unlike a set
    participants = []
    for request in cycle:
        owner = request.owner
        locks = held_by(owner)
        participants.append(
            DeadlockParticipant(
                session_id=owner.session_id,
                deadlock_priority=owner.deadlock_priority,
                work=owner.work,
                wait_resource=request.resource,
                wait_mode=request.mode,
                is_conversion=request.is_conversion,
                held=tuple((r, locks[r]) for r in wanted if r in locks),
                is_victim=request is victim,
            )
        )
    return DeadlockReport(tuple(participants), victim.owner.session_id, time.time())
