"""sys.dm_exec_blocking_chains: heads (sleeping ones included), depths and the sessions waiting behind each head.

Sessions, steps in order, and what an observer sees; "blocked" is read from engine state (tests/harness.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import quietus
from quietus.admin.blocking import BlockingGraph
from tests.harness import ScenarioSession, create_table_t, scenario, wait_until_blocked

CHAIN_COLUMNS = "session_id, head_session_id, blocking_session_id, depth, is_head, waiting_count"


def chains(observer: ScenarioSession) -> list[dict[str, Any]]:
    result = observer.run("SELECT * FROM sys.dm_exec_blocking_chains").result_sets[-1]
    names = [column.name for column in result.columns]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def end_session(session: ScenarioSession) -> None:
    """The session's connection ends (what a kill of an idle session leads to): rolled back, locks released."""
    connection = session.connection
    connection._engine.thread.call(connection.instance.close_session(connection.session))


def test_a_three_level_chain_and_a_second_chain_each_name_their_sleeping_head(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc, "(1, 10), (2, 20), (3, 30), (4, 40), (5, 50)")
        head, middle, tail, last = sc.session("head"), sc.session("middle"), sc.session("tail"), sc.session("last")
        other_head, other_waiter, observer = sc.session("other_head"), sc.session("other_waiter"), sc.session("obs")
        head.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        middle_step = middle.start(
            "BEGIN TRAN; UPDATE t SET v = 21 WHERE id = 2; UPDATE t SET v = 12 WHERE id = 1; COMMIT"
        )
        wait_until_blocked(middle_step)
        tail_step = tail.start("BEGIN TRAN; UPDATE t SET v = 31 WHERE id = 3; UPDATE t SET v = 22 WHERE id = 2; COMMIT")
        wait_until_blocked(tail_step)
        last_step = last.start("UPDATE t SET v = 32 WHERE id = 3")
        wait_until_blocked(last_step)
        other_head.run("BEGIN TRAN; DELETE FROM t WHERE id = 5")
        other_step = other_waiter.start("SELECT v FROM t WHERE id = 5")
        wait_until_blocked(other_step)

        rows = chains(observer)
        shape = [tuple(row[c.strip()] for c in CHAIN_COLUMNS.split(",")) for row in rows]
        h, m, t, z = head.session_id, middle.session_id, tail.session_id, last.session_id
        o, w = other_head.session_id, other_waiter.session_id
        assert shape == sorted(
            [
                (h, h, 0, 0, 1, 3),
                (m, h, h, 1, 0, 2),
                (t, h, m, 2, 0, 1),
                (z, h, t, 3, 0, 0),
                (o, o, 0, 0, 1, 1),
                (w, o, o, 1, 0, 0),
            ],
            key=lambda r: (r[1], r[3], r[0]),
        )
        by_id = {row["session_id"]: row for row in rows}
        sleeping = by_id[h]
        assert (sleeping["status"], sleeping["command"], sleeping["open_transaction_count"]) == (
            "sleeping",
            "AWAITING COMMAND",
            1,
        )
        assert sleeping["idle_seconds"] >= 0 and sleeping["transaction_begin_time"] is not None
        assert sleeping["last_statement"] == "BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1"
        assert sleeping["wait_type"] is None and sleeping["wait_resource"] == ""
        assert sleeping["blocked_resources"].startswith("KEY: ")
        assert sleeping["direct_waiting_count"] == 1 and sleeping["in_cycle"] == 0
        waiter = by_id[m]
        assert (waiter["status"], waiter["wait_type"], waiter["idle_seconds"]) == ("suspended", "LCK_M_U", None)
        assert waiter["wait_resource"] == sleeping["blocked_resources"]
        assert by_id[w]["wait_type"] == "LCK_M_S"
        # the view agrees with sys.dm_exec_requests on every direct blocker
        requests = dict(
            observer.rows(
                "SELECT session_id, blocking_session_id FROM sys.dm_exec_requests WHERE blocking_session_id <> 0"
            )
        )
        assert requests == {row["session_id"]: row["blocking_session_id"] for row in rows if not row["is_head"]}
        # heads filtered in SQL, as a monitoring query would
        assert observer.rows(
            "SELECT session_id, waiting_count FROM sys.dm_exec_blocking_chains "
            "WHERE is_head = 1 ORDER BY waiting_count DESC"
        ) == [(h, 3), (o, 1)]

        end_session(head)
        for step in (middle_step, tail_step, last_step):
            assert step.error() is None
        other_head.run("ROLLBACK")
        assert other_step.rows() == [(50,)]
        assert chains(observer) == []
        assert observer.rows("SELECT id, v FROM t ORDER BY id") == [(1, 12), (2, 22), (3, 32), (4, 40), (5, 50)]


def test_every_holder_of_a_shared_lock_is_a_head(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        first, second, writer, observer = sc.session("r1"), sc.session("r2"), sc.session("w"), sc.session("obs")
        for reader in (first, second):
            reader.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN TRAN; SELECT v FROM t WHERE id = 1")
        step = writer.start("UPDATE t SET v = 0 WHERE id = 1")
        wait_until_blocked(step)
        heads = observer.rows(
            "SELECT session_id, waiting_count, status FROM sys.dm_exec_blocking_chains "
            "WHERE is_head = 1 ORDER BY session_id"
        )
        assert heads == [(first.session_id, 1, "sleeping"), (second.session_id, 1, "sleeping")]
        (row,) = observer.rows(
            "SELECT head_session_id, blocking_session_id FROM sys.dm_exec_blocking_chains WHERE is_head = 0"
        )
        (blocker,) = observer.rows(
            f"SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = {writer.session_id}"
        )
        assert row == (blocker[0], blocker[0])
        first.run("COMMIT")
        assert observer.rows("SELECT session_id FROM sys.dm_exec_blocking_chains WHERE is_head = 1") == [
            (second.session_id,)
        ]
        second.run("COMMIT")
        assert step.error() is None
        assert chains(observer) == []


def test_a_login_without_view_server_state_sees_only_its_own_row(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        admin, waiter = sc.session("admin"), sc.session("waiter")
        admin.run("CREATE LOGIN peeker WITH PASSWORD = 'Peek!1234'")
        peeker = ScenarioSession("peeker", quietus.connect(sc.database, autocommit=True, login="peeker"))
        sc.sessions.append(peeker)
        peeker.run("BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 1")
        step = waiter.start("SELECT v FROM t WHERE id = 1")
        wait_until_blocked(step)
        assert admin.rows("SELECT session_id, head_session_id FROM sys.dm_exec_blocking_chains ORDER BY depth") == [
            (peeker.session_id, peeker.session_id),
            (waiter.session_id, peeker.session_id),
        ]
        # the waiter's row is not the peeker's to see; its own head row still counts it
        assert peeker.rows("SELECT session_id, is_head, waiting_count FROM sys.dm_exec_blocking_chains") == [
            (peeker.session_id, 1, 1)
        ]
        peeker.run("ROLLBACK")
        assert step.rows() == [(10,)]


# -- the graph itself ----------------------------------------------------------------------------------------------


def test_a_cycle_gets_its_lowest_id_as_head_and_the_walk_ends() -> None:
    # 7 -> 8 -> 9 -> 7 is a cycle; 10 waits on 9 and 11 on 10: both hang off it
    graph = BlockingGraph({7: (8,), 8: (9,), 9: (7,), 10: (9,), 11: (10,)})
    assert graph.heads() == [7]
    assert graph.cycle_members == {7, 8, 9}
    assert [graph.link(s) for s in (7, 8, 9, 10, 11)] == [(7, 0), (7, 2), (7, 1), (7, 2), (7, 3)]
    assert graph.waiting_count(7) == 4
    assert graph.link(12) is None


def test_a_second_blocker_is_a_head_of_its_own() -> None:
    graph = BlockingGraph({60: (51, 52), 61: (60,)})
    assert graph.heads() == [51, 52]
    assert graph.link(61) == (51, 2)
    assert (graph.waiting_count(51), graph.waiting_count(52), graph.waiting_count(60)) == (2, 2, 1)


@given(
    st.dictionaries(st.integers(1, 30), st.lists(st.integers(1, 30), min_size=1, max_size=3, unique=True), max_size=30)
)
def test_every_session_in_the_graph_has_one_head_reached_by_its_first_blockers(
    edges: dict[int, list[int]],
) -> None:
    waits_for = {waiter: tuple(b for b in blockers if b != waiter) for waiter, blockers in edges.items()}
    waits_for = {waiter: blockers for waiter, blockers in waits_for.items() if blockers}
    graph = BlockingGraph(waits_for)
    heads = set(graph.heads())
    for member in graph.members():
        link = graph.link(member)
        assert link is not None and link.head in heads
        current = member
        for _ in range(link.depth):  # depth steps along first blockers reach the head
            current = waits_for[current][0]
        assert current == link.head
    # invariant 2: every waiter is behind some head, so ending the heads ends every wait
    behind_heads = set().union(*(_behind(graph, head) for head in heads)) if heads else set()
    assert set(waits_for) <= behind_heads | heads


def _behind(graph: BlockingGraph, head: int) -> set[int]:
    seen, frontier = {head}, [head]
    while frontier:
        for waiter in graph.waited_by.get(frontier.pop(), ()):
            if waiter not in seen:
                seen.add(waiter)
                frontier.append(waiter)
    return seen - {head}
