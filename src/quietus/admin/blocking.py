"""Blocking chains: who waits behind whom, and the head of each chain (``sys.dm_exec_blocking_chains``).

SQL Server names only a request's first blocker (``blocking_session_id``); finding the session at the root of a
chain is left to community scripts (sp_whoisactive ``@find_block_leaders``, sp_BlitzWho), which miss heads that are
*sleeping*: idle in an open transaction, holding the locks everyone waits for.  This module builds the whole
waits-for graph once per evaluation, from the lock manager, so a head is found whatever it is doing.

The graph (``BlockingGraph``): an edge waiter → blocker for every owner ``LockManager.blockers`` names for the
waiter's lock request (conflicting holders, then conflicting requests queued ahead), in that order; the first is
the request's ``blocking_session_id``.

| term              | definition                                                                               |
|-------------------|------------------------------------------------------------------------------------------|
| blocked session   | a session whose lock request has at least one blocker                                    |
| head              | a session that blocks someone and is itself not blocked (running, sleeping, rolling back) |
| cycle head        | the lowest session id of a cycle that nothing outside it blocks (in_cycle = 1)           |
| a session's head  | follow blocking_session_id until a session that is not blocked (or, in a cycle, its head) |
| depth             | the number of blocking_session_id steps from the session to its head (0 for a head)      |
| waiting_count     | sessions behind this one, directly or not, along any blocker edge                         |

Invariants
----------
1. Every blocked session has exactly one head, found in O(chain length) with a visited set: a cycle (a deadlock
   the lock monitor has not resolved yet) can never make the walk loop.
2. Ending every head (and every cycle head) leaves no blocked session behind: every blocker edge ends at a head,
   at a cycle, or at a session behind one of them.
3. The graph is built from all sessions whatever the caller may see; the view then shows only the rows of the
   sessions the caller may see (VIEW SERVER STATE, as every session view).
4. Building it reads engine state only (``waiting_request``, ``blockers``, the registry): it never changes it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from quietus.admin.activity import Snapshot
from quietus.admin.columns import columns
from quietus.admin.exec_views import process_command, process_status
from quietus.engine.txn.transaction import Transaction
from quietus.sessions.session import Session
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

LOCK_WAIT_PREFIX = "LCK_M_"
RESOURCE_SEPARATOR = "; "


def idle_since(session: Session) -> datetime.datetime | None:
    """When the session's last request ended (its login before any), or None while it runs one.

    The one idle clock of this package: the chains view, sp_kill @idle_seconds and the idle timeouts all read it,
    and it is what sys.dm_exec_sessions.last_request_end_time shows."""
    if session.task is not None:
        return None
    return session.last_request_end_time or session.login_time


def all_sessions(ctx: ExecContext) -> list[Session]:
    """Every session of the instance in id order, whatever the caller may see."""
    registry: Any = ctx.env.services.get("registry")
    return [ctx.session] if registry is None else list(registry)


class Link(NamedTuple):
    """Where one session stands in the graph."""

    head: int
    depth: int


@dataclass
class BlockingGraph:
    """The waits-for graph of one moment: ``waits_for[waiter]`` lists its blockers, first = blocking_session_id."""

    waits_for: dict[int, tuple[int, ...]]
    waited_by: dict[int, list[int]] = field(default_factory=dict)
    wait_resources: dict[int, str] = field(default_factory=dict)
    cycle_heads: set[int] = field(default_factory=set)
    cycle_members: set[int] = field(default_factory=set)
    _links: dict[int, Link] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for waiter, blockers in self.waits_for.items():
            for blocker in blockers:
                self.waited_by.setdefault(blocker, []).append(waiter)
        for waiter in self.waits_for:
            self._link(waiter)

    def _link(self, start: int) -> Link:
        """Follow first blockers from ``start``; remember every link on the way (path compression)."""
        path: list[int] = []
        on_path: dict[int, int] = {}
        current = start
        while current not in self._links:
            if current not in self.waits_for:  # not blocked: the head
                self._links[current] = Link(current, 0)
                break
            if current in on_path:  # a cycle: its lowest id is the head; depths run along the cycle to it
                cycle = path[on_path[current] :]
                head = min(cycle)
                self.cycle_heads.add(head)
                self.cycle_members.update(cycle)
                at = cycle.index(head)
                ordered = cycle[at:] + cycle[:at]  # head, the one it waits on, ... (each waits on the next)
                for steps_after_head, member in enumerate(ordered):
                    self._links[member] = Link(head, (len(ordered) - steps_after_head) % len(ordered))
                del path[on_path[current] :]
                break
            on_path[current] = len(path)
            path.append(current)
            current = self.waits_for[current][0]
        below = self._links[current]
        for offset, member in enumerate(reversed(path), start=1):
            self._links[member] = Link(below.head, below.depth + offset)
        return self._links[start]

    def link(self, session_id: int) -> Link | None:
        """The session's head and depth, or None when it neither blocks nor waits."""
        if session_id in self.waits_for or session_id in self.waited_by:
            return self._link(session_id)
        return None

    def is_head(self, session_id: int) -> bool:
        return session_id in self.waited_by and (session_id not in self.waits_for or session_id in self.cycle_heads)

    def heads(self) -> list[int]:
        """Every head, cycle heads included, in session id order."""
        return sorted(session_id for session_id in self.waited_by if self.is_head(session_id))

    def members(self) -> list[int]:
        """Every session that blocks or waits, in session id order."""
        return sorted(self.waits_for.keys() | self.waited_by.keys())

    def waiting_count(self, session_id: int) -> int:
        """Sessions behind this one, directly or not (a walk backwards along every blocker edge)."""
        seen = {session_id}
        frontier = [session_id]
        while frontier:
            for waiter in self.waited_by.get(frontier.pop(), ()):
                if waiter not in seen:
                    seen.add(waiter)
                    frontier.append(waiter)
        return len(seen) - 1

    def blocked_resources(self, session_id: int) -> str:
        """What the sessions it blocks directly wait on (their wait_resource), distinct, in order."""
        found = dict.fromkeys(self.wait_resources.get(waiter, "") for waiter in self.waited_by.get(session_id, ()))
        return RESOURCE_SEPARATOR.join(resource for resource in found if resource)


def blocking_graph(snap: Snapshot, sessions: Iterable[Session]) -> BlockingGraph:
    """The graph over ``sessions`` (pass them all: a head the caller cannot see still heads its chain)."""
    waits_for: dict[int, tuple[int, ...]] = {}
    resources: dict[int, str] = {}
    for session in sessions:
        task = session.task
        if task is None or not task.is_waiting or not (task.wait_type or "").startswith(LOCK_WAIT_PREFIX):
            continue
        wait = snap.lock_wait(session)
        if wait is None:
            continue
        blockers = tuple(
            dict.fromkeys(
                owner.session_id
                for owner in wait.blockers
                if isinstance(owner, Transaction) and owner.session_id != session.session_id
            )
        )
        if blockers:
            waits_for[session.session_id] = blockers
            resources[session.session_id] = task.wait_resource
    return BlockingGraph(waits_for, wait_resources=resources)


# -- sys.dm_exec_blocking_chains ---------------------------------------------------------------------------------

DM_EXEC_BLOCKING_CHAINS = columns("""
session_id smallint
session_serial int
head_session_id smallint
blocking_session_id smallint
depth int
is_head bit
in_cycle bit
waiting_count int
direct_waiting_count int
status nvarchar(30)
command nvarchar(32)
open_transaction_count int
transaction_begin_time datetime
idle_seconds int
wait_type nvarchar(60)
wait_time int
wait_resource nvarchar(256)
blocked_resources nvarchar(max)
login_name nvarchar(128)
host_name nvarchar(128)
program_name nvarchar(128)
database_name nvarchar(128)
last_statement nvarchar(max)
""")


def transaction_begin_time(snap: Snapshot, session_id: int) -> datetime.datetime | None:
    """When the session's oldest active transaction began (how long a sleeping head has held its locks)."""
    begun = [txn.begin_time for _, txn in snap.transactions(session_id)]
    return datetime.datetime.fromtimestamp(min(begun)) if begun else None


def idle_seconds(snap: Snapshot, session: Session) -> int | None:
    since = idle_since(session)
    return None if since is None else max(0, int((snap.now - since).total_seconds()))


def chain_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    snap = Snapshot(ctx)
    sessions = all_sessions(ctx)
    by_id = {session.session_id: session for session in sessions}
    graph = blocking_graph(snap, sessions)
    ordered = sorted(
        ((link, member) for member in graph.members() if (link := graph.link(member)) is not None),
        key=lambda pair: (pair[0].head, pair[0].depth, pair[1]),
    )
    for link, member in ordered:
        if not snap.visible(member):
            continue
        blockers = graph.waits_for.get(member, ())
        head = graph.is_head(member)
        s = by_id.get(member)
        a = None if s is None else snap.activity(s)
        yield (
            member,
            None if s is None else s.serial,
            link.head,
            blockers[0] if blockers else 0,
            link.depth,
            1 if head else 0,
            1 if member in graph.cycle_members else 0,
            graph.waiting_count(member),
            len(graph.waited_by.get(member, ())),
            None if s is None else process_status(s, a),
            None if s is None else process_command(a),
            0 if s is None else s.trancount,
            transaction_begin_time(snap, member),
            None if s is None else idle_seconds(snap, s),
            None if a is None else a.wait_type,
            0 if a is None else a.wait_time_ms,
            "" if a is None else a.wait_resource,
            graph.blocked_resources(member),
            None if s is None else s.login_name,
            None if s is None else s.host_name,
            None if s is None else s.program_name,
            None if s is None else s.database,
            None if s is None else s.statement_text,
        )


VIEWS: tuple[VirtualTable, ...] = (VirtualTable("sys.dm_exec_blocking_chains", DM_EXEC_BLOCKING_CHAINS, chain_rows),)
