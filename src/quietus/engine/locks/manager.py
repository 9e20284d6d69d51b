"""The lock manager: who holds which lock on which resource, who waits, who is granted next.

Plain synchronous code on the engine's single thread: it never blocks and is never called from two threads.
A request that cannot be granted at once gets a ``LockRequest`` whose future the manager completes on grant or
fails (deadlock victim); the engine waits on it with its own timeout and kill wake-up, and calls ``cancel()``
after a wait that ended any other way.  See docs/design/locks.md for the whole story.

Data structures
---------------
``_table``   resource -> ``(owner, mode)`` when one owner holds it and nobody waits (the cheap common case),
             else a ``_LockHead``: granted ``{owner: mode}`` plus two FIFO queues, conversions then plain
             waiters.  A resource nobody holds or waits for has no entry.
``_owners``  owner -> ``_OwnerState``: its locks ``{resource: mode}``, its one waiting request, and per-object
             counts of its KEY locks for escalation.

Invariants (numbered as in docs/design/locks.md; tests/property/test_lock_manager.py checks them after each
step)
1. Granted modes on one resource are pairwise compatible.
2. The first request in a queue cannot be granted: a conversion is incompatible with another holder, a plain
   waiter with some holder, or (for a plain waiter) a conversion is queued ahead of it.  (A request whose
   waiter gave up on it, future done, may sit first until the next wake-up or its cancel() drops it.)
3. A queued request's future is not done unless its waiter gave up on it; a granted request's future is done
   with result None.
4. An owner waits for at most one request; ``_owners[o].waiting`` is it, and it is in exactly one queue.
5. ``_table`` and the owners' lock maps agree: ``_owners[o].locks[r] == m`` iff ``o`` is granted ``m`` on
   ``r``.
6. After every acquire returns, the wait-for graph has no cycle.
7. A single-holder entry with no waiters is stored as a tuple; an entry with nothing in it is removed;
   ``_queued`` holds exactly the entries whose queues are not empty.
8. After release_all(o), o holds nothing and waits for nothing.
9. No barging: a request for a resource with a queue is granted at once only if it is a conversion, or its
   owner's object lock covers it, or removing a deadlock victim let it through.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterator
from typing import Final

from quietus.engine.locks.deadlock import (
    REPORTS_KEPT,
    DeadlockReport,
    choose_victim,
    find_cycle,
    shorten,
    snapshot,
)
from quietus.engine.locks.modes import CHILD_GRANT, COMPATIBLE_GRID, CONVERT_GRID, LockMode
from quietus.engine.locks.owner import LockOwner
from quietus.engine.locks.request import GRANTED, REMOVED, WAITING, LockRequest, LockRow
from quietus.engine.locks.resources import KEY, OBJECT, LockResource
from quietus.errors import sql_error

ESCALATION_RETRY = 1250  # after a failed escalation, try again once this many more KEY locks are held

# What an OBJECT lock grants over the rows beneath it, by mode value (None: an intent mode, grants nothing).
_CHILD: Final[tuple[LockMode | None, ...]] = tuple(CHILD_GRANT.get(mode) for mode in LockMode)
# KEY modes an S lock on the object would not cover: holding one makes escalation go to X rather than S.
_BEYOND_S: Final[tuple[bool, ...]] = tuple(CONVERT_GRID[LockMode.S][mode] != LockMode.S for mode in LockMode)


class _LockHead:
    """A resource with several holders or with waiters."""

    __slots__ = ("converting", "granted", "waiting")

    def __init__(self, granted: dict[LockOwner, LockMode]) -> None:
        self.granted = granted
        # Holders waiting to convert, served before the plain waiters.
        self.converting: deque[LockRequest] = deque()
        self.waiting: deque[LockRequest] = deque()


class _OwnerState:
    __slots__ = ("escalation_at", "key_counts", "locks", "strong_counts", "waiting")

    def __init__(self) -> None:
        self.locks: dict[LockResource, LockMode] = {}
        self.waiting: LockRequest | None = None
        self.key_counts: dict[LockResource, int] = {}  # OBJECT -> KEY locks held beneath it
        self.strong_counts: dict[LockResource, int] = {}  # OBJECT -> those of them S does not cover (U, X)
        self.escalation_at: dict[LockResource, int] = {}  # OBJECT -> count for the next try after a failure


_Entry = tuple[LockOwner, LockMode] | _LockHead


def _compatible_with_others(head: _LockHead, mode: LockMode, owner: LockOwner | None) -> bool:
    row = COMPATIBLE_GRID
    for holder, held in head.granted.items():  # noqa: SIM110 - a plain loop is faster than all() here
        if not row[held][mode] and holder != owner:
            return False
    return True


class LockManager:
    """Locks for one engine; owners are transactions (or anything satisfying ``LockOwner``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None, escalation_threshold: int = 5000) -> None:
        self._loop = loop
        self._table: dict[LockResource, _Entry] = {}
        self._queued: dict[LockResource, _LockHead] = {}  # the entries whose queues are not empty
        self._owners: dict[LockOwner, _OwnerState] = {}
        self._sequence = 0
        self.escalation_threshold = escalation_threshold
        self.escalations = 0
        self.deadlocks = 0
        self.deadlock_reports: deque[DeadlockReport] = deque(maxlen=REPORTS_KEPT)

    # ------------------------------------------------------------------ acquire

    def acquire(self, owner: LockOwner, resource: LockResource, mode: LockMode) -> LockRequest | None:
        """Grant ``mode`` on ``resource`` to ``owner`` at once (None) or queue a request and return it.

        Raises SqlError 1205 if queuing the request closes a deadlock cycle and the requester is the victim.
        """
        state = self._owners.get(owner)
        if state is None:
            state = self._owners[owner] = _OwnerState()
        elif state.waiting is not None:
            raise RuntimeError(f"session {owner.session_id} asked for a lock while waiting for another")
        if resource[0] != KEY:
            entry = self._table.get(resource)
            if entry is None:
                self._table[resource] = (owner, mode)
                state.locks[resource] = mode
                return None
            return self._acquire_contended(owner, state, resource, mode, entry)

        parent = (OBJECT, resource[1], resource[2])
        locks = state.locks
        object_mode = locks.get(parent)
        if object_mode is not None:
            child = _CHILD[object_mode]
            if child is not None and CONVERT_GRID[child][mode] == child:
                return None  # the object lock already covers this row (escalated, or a table lock)
        entry = self._table.get(resource)
        if entry is None:
            self._table[resource] = (owner, mode)
            locks[resource] = mode
            counts = state.key_counts
            count = counts[parent] = counts.get(parent, 0) + 1
            if _BEYOND_S[mode]:
                state.strong_counts[parent] = state.strong_counts.get(parent, 0) + 1
        else:
            request = self._acquire_contended(owner, state, resource, mode, entry)
            if request is not None:
                return request
            count = state.key_counts.get(parent, 0)
        if count >= self.escalation_threshold and count >= state.escalation_at.get(parent, 0):
            self._escalate(owner, state, parent, count)
        return None

    def passes(self, owner: LockOwner, resource: LockResource) -> bool:
        """Whether an S lock that ``owner`` would take on ``resource`` and release at once (a READ COMMITTED row
        read) can be left out: nobody holds or waits for the resource, so it would be granted at once, and counting
        it could not escalate the owner's locks.  Nothing can see such a lock (the engine's thread does not let go
        between its taking and its release), so leaving out both leaves the lock table, the owner's locks and the
        views as they would be after them."""
        if resource in self._table:
            return False
        state = self._owners.get(owner)
        return state is None or (state.waiting is None and len(state.locks) + 1 < self.escalation_threshold)

    def try_acquire(self, owner: LockOwner, resource: LockResource, mode: LockMode) -> bool:
        """Grant ``mode`` at once if no wait is needed, else change nothing and return False.

        For NOWAIT, READPAST and SET LOCK_TIMEOUT 0: the request is never queued, so it can neither block anyone
        nor be chosen as a deadlock victim.
        """
        if not self._grantable_at_once(owner, resource, mode):
            return False
        granted_now = self.acquire(owner, resource, mode)
        assert granted_now is None
        return True

    def _grantable_at_once(self, owner: LockOwner, resource: LockResource, mode: LockMode) -> bool:
        state = self._owners.get(owner)
        if state is not None and state.waiting is not None:
            return True  # let acquire() report the misuse
        if resource[0] == KEY and state is not None:
            object_mode = state.locks.get((OBJECT, resource[1], resource[2]))
            child = _CHILD[object_mode] if object_mode is not None else None
            if child is not None and CONVERT_GRID[child][mode] == child:
                return True  # covered by the object lock
        entry = self._table.get(resource)
        if entry is None:
            return True
        if type(entry) is tuple:
            return bool(entry[0] == owner or COMPATIBLE_GRID[entry[1]][mode])
        assert isinstance(entry, _LockHead)
        mine = entry.granted.get(owner)
        if mine is not None:
            return _compatible_with_others(entry, CONVERT_GRID[mine][mode], owner)
        return not entry.converting and not entry.waiting and _compatible_with_others(entry, mode, None)

    def _acquire_contended(
        self, owner: LockOwner, state: _OwnerState, resource: LockResource, mode: LockMode, entry: _Entry
    ) -> LockRequest | None:
        if type(entry) is tuple:
            holder, held = entry
            if holder == owner:  # sole holder, nobody waits: any conversion is granted at once
                new = CONVERT_GRID[held][mode]
                if new != held:
                    self._table[resource] = (owner, new)
                    self._record(state, resource, held, new)
                return None
            head = _LockHead({holder: held})
            if COMPATIBLE_GRID[held][mode]:
                head.granted[owner] = mode
                self._table[resource] = head
                self._record(state, resource, None, mode)
                return None
            self._table[resource] = head
            return self._enqueue(owner, state, resource, mode, head, False)

        assert isinstance(entry, _LockHead)
        head = entry
        mine = head.granted.get(owner)
        if mine is not None:
            new = CONVERT_GRID[mine][mode]
            if new == mine:
                return None
            if _compatible_with_others(head, new, owner):
                head.granted[owner] = new
                self._record(state, resource, mine, new)
                return None
            return self._enqueue(owner, state, resource, new, head, True)
        if not head.converting and not head.waiting and _compatible_with_others(head, mode, None):
            head.granted[owner] = mode
            self._record(state, resource, None, mode)
            return None
        return self._enqueue(owner, state, resource, mode, head, False)

    def _enqueue(
        self,
        owner: LockOwner,
        state: _OwnerState,
        resource: LockResource,
        mode: LockMode,
        head: _LockHead,
        conversion: bool,
    ) -> LockRequest | None:
        if self._loop is None:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                self._loop = asyncio.get_event_loop()
        self._sequence += 1
        request = LockRequest(
            self._loop.create_future(), owner, resource, mode, conversion, time.monotonic(), self._sequence
        )
        (head.converting if conversion else head.waiting).append(request)
        self._queued[resource] = head
        state.waiting = request
        self._resolve_deadlocks(request)
        if request.state == WAITING:
            return request
        if request.state == GRANTED:  # a victim's removal let it through
            return None
        raise sql_error(1205, owner.session_id, "lock")

    # ------------------------------------------------------------------ deadlocks

    def _resolve_deadlocks(self, request: LockRequest) -> None:
        """Break every cycle through ``request``'s owner, one victim per cycle."""
        while request.state == WAITING and self._is_waited_for(request):
            cycle = find_cycle(request, self._waits_for, self.waiting_request)
            if cycle is None:
                return
            cycle = shorten(cycle, self._waits_for_all)
            victim = choose_victim(cycle)
            self.deadlocks += 1
            self.deadlock_reports.append(snapshot(cycle, victim, self._held_by))
            self._remove_waiter(victim)
            if victim is request:
                request.future.cancel()  # nobody awaits it: acquire raises 1205 instead
            elif not victim.future.done():
                victim.future.set_exception(sql_error(1205, victim.owner.session_id, "lock"))

    def _is_waited_for(self, request: LockRequest) -> bool:
        """Might any request wait for ``request``'s owner?  A cycle through it needs such an edge into it.

        Cheap and conservative: someone is queued behind it, or its owner holds a resource someone queues for.
        """
        head = self._table[request.resource]
        assert isinstance(head, _LockHead)
        if request.is_conversion:
            if head.waiting or head.converting[-1] is not request:
                return True
        elif head.waiting[-1] is not request:
            return True
        owner, queued = request.owner, self._queued
        locks = self._owners[owner].locks
        if len(locks) < len(queued):
            return any(resource in queued for resource in locks)
        return any(owner in other.granted for other in queued.values())

    def _held_by(self, owner: LockOwner) -> dict[LockResource, LockMode]:
        state = self._owners.get(owner)
        return state.locks if state is not None else {}

    def _ahead(self, request: LockRequest, head: _LockHead) -> Iterator[LockRequest]:
        """The requests queued ahead of ``request`` on its resource, in queue order."""
        for queued in head.converting:
            if queued is request:
                return
            yield queued
        for queued in head.waiting:
            if queued is request:
                return
            yield queued

    def _just_ahead(self, request: LockRequest, head: _LockHead) -> LockRequest | None:
        """The request queued immediately ahead of ``request`` (None for the first in line)."""
        queue = head.converting if request.is_conversion else head.waiting
        index = queue.index(request)
        if index:
            return queue[index - 1]
        if not request.is_conversion and head.converting:
            return head.converting[-1]
        return None

    def _conflicting_holders(self, request: LockRequest, head: _LockHead) -> Iterator[LockOwner]:
        mode, owner = request.mode, request.owner
        for holder, held in head.granted.items():
            if not COMPATIBLE_GRID[held][mode] and holder != owner:
                yield holder

    def _waits_for(self, request: LockRequest) -> Iterator[LockOwner]:
        """The thin wait-for edges out of a request: conflicting holders and the request just ahead of it."""
        head = self._table[request.resource]
        assert isinstance(head, _LockHead)
        yield from self._conflicting_holders(request, head)
        ahead = self._just_ahead(request, head)
        if ahead is not None:
            yield ahead.owner

    def _waits_for_all(self, request: LockRequest) -> Iterator[LockOwner]:
        """The full wait-for edges out of a request: conflicting holders and every request queued ahead."""
        head = self._table[request.resource]
        assert isinstance(head, _LockHead)
        yield from self._conflicting_holders(request, head)
        for queued in self._ahead(request, head):
            yield queued.owner

    # ------------------------------------------------------------------ release and wake-up

    def release(self, owner: LockOwner, resource: LockResource) -> bool:
        """Drop ``owner``'s lock on ``resource`` (a READ COMMITTED row lock after the read); False if none."""
        state = self._owners.get(owner)
        if state is None:
            return False
        if state.waiting is not None:
            raise RuntimeError(f"session {owner.session_id} released a lock while waiting for another")
        mode = state.locks.pop(resource, None)
        if mode is None:
            return False
        if resource[0] == KEY:
            self._uncount_key(state, resource, mode)
        entry = self._table[resource]
        if type(entry) is tuple:
            del self._table[resource]
        else:
            assert isinstance(entry, _LockHead)
            del entry.granted[owner]
            self._wake(resource, entry)
        return True

    def release_all(self, owner: LockOwner) -> int:
        """Commit or rollback: drop every lock ``owner`` holds and its waiting request; how many it held."""
        state = self._owners.get(owner)
        if state is None:
            return 0
        if state.waiting is not None:
            self.cancel(state.waiting)
        del self._owners[owner]
        table = self._table
        for resource in state.locks:
            entry = table.pop(resource)
            if type(entry) is not tuple:
                assert isinstance(entry, _LockHead)
                table[resource] = entry
                del entry.granted[owner]
                self._wake(resource, entry)
        return len(state.locks)

    def cancel(self, request: LockRequest) -> bool:
        """Withdraw a waiting request after its wait ended (timeout, kill).  Idempotent.

        False if it had been granted meanwhile (the lock stays held, the caller decides); else True.
        """
        if request.state == GRANTED:
            return False
        if request.state == WAITING:
            self._remove_waiter(request)
        if not request.future.done():
            request.future.cancel()
        return True

    def _remove_waiter(self, request: LockRequest) -> None:
        head = self._table[request.resource]
        assert isinstance(head, _LockHead)
        (head.converting if request.is_conversion else head.waiting).remove(request)
        self._forget(request)
        self._wake(request.resource, head)

    def _forget(self, request: LockRequest) -> None:
        request.state = REMOVED
        self._owners[request.owner].waiting = None

    def _wake(self, resource: LockResource, head: _LockHead) -> None:
        """Grant queued requests in order while they are compatible; stop at the first that is not."""
        converting = head.converting
        while converting:
            request = converting[0]
            if request.future.done():  # abandoned by its waiter (timeout, kill): never grant it
                converting.popleft()
                self._forget(request)
            elif _compatible_with_others(head, request.mode, request.owner):
                converting.popleft()
                self._grant(resource, head, request)
            else:
                break
        if not converting:
            waiting = head.waiting
            while waiting:
                request = waiting[0]
                if request.future.done():
                    waiting.popleft()
                    self._forget(request)
                elif _compatible_with_others(head, request.mode, None):
                    waiting.popleft()
                    self._grant(resource, head, request)
                else:
                    break
            if not waiting:
                self._queued.pop(resource, None)
                granted = head.granted
                if not granted:
                    del self._table[resource]
                elif len(granted) == 1:
                    self._table[resource] = next(iter(granted.items()))

    def _grant(self, resource: LockResource, head: _LockHead, request: LockRequest) -> None:
        owner = request.owner
        state = self._owners[owner]
        head.granted[owner] = request.mode
        self._record(state, resource, state.locks.get(resource), request.mode)
        state.waiting = None
        request.state = GRANTED
        request.future.set_result(None)

    # ------------------------------------------------------------------ bookkeeping of KEY locks

    def _record(self, state: _OwnerState, resource: LockResource, old: LockMode | None, new: LockMode) -> None:
        state.locks[resource] = new
        if resource[0] != KEY:
            return
        parent = (OBJECT, resource[1], resource[2])
        if old is None:
            state.key_counts[parent] = state.key_counts.get(parent, 0) + 1
        strong = _BEYOND_S[new] - (old is not None and _BEYOND_S[old])
        if strong:
            state.strong_counts[parent] = state.strong_counts.get(parent, 0) + strong

    def _uncount_key(self, state: _OwnerState, resource: LockResource, mode: LockMode) -> None:
        parent = (OBJECT, resource[1], resource[2])
        state.key_counts[parent] -= 1
        if _BEYOND_S[mode]:
            state.strong_counts[parent] -= 1

    def _escalate(self, owner: LockOwner, state: _OwnerState, parent: LockResource, count: int) -> None:
        """Try, without waiting, to trade the owner's KEY locks under ``parent`` for one object lock."""
        held = state.locks.get(parent)
        if held is None:  # no intent lock on the object: nothing to convert (the engine always takes one)
            return
        new = CONVERT_GRID[held][LockMode.X if state.strong_counts.get(parent) else LockMode.S]
        entry = self._table[parent]
        if type(entry) is tuple:
            self._table[parent] = (owner, new)
        else:
            assert isinstance(entry, _LockHead)
            if not _compatible_with_others(entry, new, owner):
                state.escalation_at[parent] = count + ESCALATION_RETRY
                return
            entry.granted[owner] = new
        state.locks[parent] = new
        self.escalations += 1
        child = _CHILD[new]
        assert child is not None  # convert() with S or X never yields an intent mode
        db_id, object_id = parent[1], parent[2]
        covered = [
            r
            for r, m in state.locks.items()
            if r[0] == KEY and r[2] == object_id and r[1] == db_id and CONVERT_GRID[child][m] == child
        ]
        for resource in covered:
            self.release(owner, resource)
        state.escalation_at.pop(parent, None)

    # ------------------------------------------------------------------ questions

    def held(self, owner: LockOwner, resource: LockResource) -> LockMode | None:
        """The mode ``owner`` is granted on ``resource`` (None if it holds no lock there)."""
        state = self._owners.get(owner)
        return state.locks.get(resource) if state is not None else None

    def owner_locks(self, owner: LockOwner) -> dict[LockResource, LockMode]:
        """A copy of every lock ``owner`` holds."""
        state = self._owners.get(owner)
        return dict(state.locks) if state is not None else {}

    def lock_count(self, owner: LockOwner) -> int:
        state = self._owners.get(owner)
        return len(state.locks) if state is not None else 0

    def waiting_request(self, owner: LockOwner) -> LockRequest | None:
        """The request ``owner`` is waiting on, if any (sys.dm_exec_requests.wait_resource)."""
        state = self._owners.get(owner)
        return state.waiting if state is not None else None

    def blockers(self, request: LockRequest) -> list[LockOwner]:
        """Who blocks a waiting request: conflicting holders, then conflicting requests queued ahead of it.

        A request compatible with all of those still waits behind whoever is queued ahead (strict FIFO); then
        those are its blockers.  Empty if the request is no longer waiting.
        """
        if request.state != WAITING:
            return []
        head = self._table[request.resource]
        assert isinstance(head, _LockHead)
        found = list(self._conflicting_holders(request, head))
        ahead = list(self._ahead(request, head))
        found += [q.owner for q in ahead if not COMPATIBLE_GRID[q.mode][request.mode]]
        if not found:
            found = [q.owner for q in ahead]
        return list(dict.fromkeys(found))

    def rows(self) -> Iterator[LockRow]:
        """Every granted lock and waiting request, resource by resource (sys.dm_tran_locks)."""
        for resource, entry in list(self._table.items()):
            if type(entry) is tuple:
                yield LockRow(resource, entry[0], entry[1], "GRANT")
                continue
            assert isinstance(entry, _LockHead)
            converting = {request.owner: request for request in entry.converting}
            for holder, held in entry.granted.items():
                request = converting.get(holder)
                if request is None:
                    yield LockRow(resource, holder, held, "GRANT")
                else:
                    yield LockRow(resource, holder, request.mode, "CONVERT")
            for request in entry.waiting:
                yield LockRow(resource, request.owner, request.mode, "WAIT")
