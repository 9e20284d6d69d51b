"""Deadlock detection: cycles of 2 and 3 owners, conversion deadlocks, victim choice, reports."""

from __future__ import annotations

import pytest

from quietus.engine.locks import (
    DEADLOCK_PRIORITY_HIGH,
    DEADLOCK_PRIORITY_LOW,
    LockManager,
    LockMode,
    LockRequest,
    key_resource,
)
from quietus.engine.locks.deadlock import REPORTS_KEPT
from quietus.errors import SqlError
from tests.unit.test_lock_support import (
    Owner,
    lock_manager,  # noqa: F401 - registers the lm fixture
    waits,
)

S, X = LockMode.S, LockMode.X
K1, K2, K3 = (key_resource(5, 7, 1, k) for k in (1, 2, 3))


def failed_with_1205(request: LockRequest, session_id: int) -> bool:
    error = request.future.exception()
    assert isinstance(error, SqlError)
    assert error.number == 1205 and error.severity == 13
    assert error.message == (
        f"Transaction (Process ID {session_id}) was deadlocked on lock resources with another process and "
        "has been chosen as the deadlock victim. Rerun the transaction."
    )
    return True


def test_two_owners_the_requester_is_the_victim_when_all_else_is_equal(lm: LockManager) -> None:
    a, b = Owner(51), Owner(52)
    lm.acquire(a, K1, X)
    lm.acquire(b, K2, X)
    a_waits = waits(lm.acquire(a, K2, X))
    with pytest.raises(SqlError) as caught:
        lm.acquire(b, K1, X)
    assert caught.value.number == 1205 and "Process ID 52" in caught.value.message
    assert lm.waiting_request(b) is None and not a_waits.future.done()
    assert lm.deadlocks == 1
    report = lm.deadlock_reports[-1]
    assert report.victim_session_id == 52
    assert [(p.session_id, p.wait_resource, p.wait_mode, p.held, p.is_victim) for p in report.participants] == [
        (52, K1, X, ((K2, X),), True),
        (51, K2, X, ((K1, X),), False),
    ]
    assert report.resources == (K1, K2)
    lm.release_all(b)  # the victim rolls back; its locks go to the survivor
    assert a_waits.future.done() and lm.held(a, K2) == X


def test_victim_by_deadlock_priority(lm: LockManager) -> None:
    a, b = Owner(51, deadlock_priority=DEADLOCK_PRIORITY_LOW), Owner(52)
    lm.acquire(a, K1, X)
    lm.acquire(b, K2, X)
    a_waits = waits(lm.acquire(a, K2, X))
    b_waits = waits(lm.acquire(b, K1, X))  # closes the cycle; a has the lower priority
    assert failed_with_1205(a_waits, 51)
    assert lm.waiting_request(a) is None and lm.cancel(a_waits) is True
    assert lm.deadlock_reports[-1].victim.session_id == 51
    lm.release_all(a)
    assert b_waits.future.done() and lm.held(b, K1) == X


def test_high_priority_requester_survives(lm: LockManager) -> None:
    a, b = Owner(51), Owner(52, deadlock_priority=DEADLOCK_PRIORITY_HIGH)
    lm.acquire(a, K1, X)
    lm.acquire(b, K2, X)
    a_waits = waits(lm.acquire(a, K2, X))
    waits(lm.acquire(b, K1, X))
    assert failed_with_1205(a_waits, 51)


def test_victim_by_least_work_when_priorities_are_equal(lm: LockManager) -> None:
    a, b = Owner(51, work=10), Owner(52, work=500)
    lm.acquire(a, K1, X)
    lm.acquire(b, K2, X)
    a_waits = waits(lm.acquire(a, K2, X))
    waits(lm.acquire(b, K1, X))
    assert failed_with_1205(a_waits, 51)
    assert [p.work for p in lm.deadlock_reports[-1].participants] == [500, 10]


def test_priority_outranks_work(lm: LockManager) -> None:
    a, b = Owner(51, deadlock_priority=DEADLOCK_PRIORITY_HIGH, work=1), Owner(52, work=10_000)
    lm.acquire(a, K1, X)
    lm.acquire(b, K2, X)
    waits(lm.acquire(a, K2, X))
    with pytest.raises(SqlError):
        lm.acquire(b, K1, X)


def test_three_owner_cycle_victim_by_priority(lm: LockManager) -> None:
    a, b, c = Owner(51), Owner(52, deadlock_priority=-3), Owner(53)
    lm.acquire(a, K1, X)
    lm.acquire(b, K2, X)
    lm.acquire(c, K3, X)
    a_waits = waits(lm.acquire(a, K2, X))  # a -> b
    b_waits = waits(lm.acquire(b, K3, X))  # b -> c
    c_waits = waits(lm.acquire(c, K1, S))  # c -> a closes the cycle; b is the victim
    assert failed_with_1205(b_waits, 52)
    assert not a_waits.future.done() and not c_waits.future.done()
    report = lm.deadlock_reports[-1]
    assert [p.session_id for p in report.participants] == [53, 51, 52]  # each waits for the next
    assert [p.wait_mode for p in report.participants] == [S, X, X]
    lm.release_all(b)  # b's rollback lets a through; c still waits for a
    assert a_waits.future.done() and not c_waits.future.done()


def test_conversion_deadlock_between_two_readers(lm: LockManager) -> None:
    a, b = Owner(51), Owner(52)
    lm.acquire(a, K1, S)
    lm.acquire(b, K1, S)
    a_converts = waits(lm.acquire(a, K1, X))
    with pytest.raises(SqlError):
        lm.acquire(b, K1, X)  # each waits for the other's S
    assert lm.held(b, K1) == S and not a_converts.future.done()
    assert lm.deadlock_reports[-1].participants[0].is_conversion
    lm.release_all(b)
    assert a_converts.future.done() and lm.held(a, K1) == X


def test_removing_another_victim_may_let_the_requester_through(lm: LockManager) -> None:
    r, a, v = Owner(51), Owner(52), Owner(53, deadlock_priority=DEADLOCK_PRIORITY_LOW)
    lm.acquire(r, K2, X)
    lm.acquire(a, K1, S)
    v_waits = waits(lm.acquire(v, K1, X))  # v -> a
    a_waits = waits(lm.acquire(a, K2, S))  # a -> r
    # r's S on K1 is compatible with a's S but queues behind v: r -> v -> a -> r.  v is chosen; with v gone
    # r's request is granted at once, so acquire reports a grant.
    assert lm.acquire(r, K1, S) is None
    assert failed_with_1205(v_waits, 53)
    assert lm.held(r, K1) == S and not a_waits.future.done()


def test_a_bystander_queued_inside_the_cycle_is_not_chosen(lm: LockManager) -> None:
    r, v, h, bystander = Owner(51), Owner(52), Owner(53), Owner(54, deadlock_priority=-10)
    lm.acquire(h, K1, S)
    lm.acquire(r, K2, X)
    v_waits = waits(lm.acquire(v, K1, X))  # v -> h
    by_waits = waits(lm.acquire(bystander, K1, S))  # compatible with h, but queued behind v
    h_waits = waits(lm.acquire(h, K2, S))  # h -> r
    # r's S is compatible with h's S; it waits behind v and the bystander: r -> v -> h -> r.  The bystander,
    # lowest priority of all, is on a path through the queue but not needed for the cycle, so it is spared.
    with pytest.raises(SqlError):
        lm.acquire(r, K1, S)
    assert not by_waits.future.done() and not v_waits.future.done() and not h_waits.future.done()
    assert {p.session_id for p in lm.deadlock_reports[-1].participants} == {51, 52, 53}


def test_deadlock_reports_are_kept_in_a_bounded_list(lm: LockManager) -> None:
    a, b = Owner(51), Owner(52)
    for _ in range(REPORTS_KEPT + 5):
        lm.acquire(a, K1, X)
        lm.acquire(b, K2, X)
        lm.acquire(a, K2, X)
        with pytest.raises(SqlError):
            lm.acquire(b, K1, X)
        lm.release_all(b)
        lm.release_all(a)
    assert lm.deadlocks == REPORTS_KEPT + 5 and len(lm.deadlock_reports) == REPORTS_KEPT


def test_a_request_already_given_up_is_the_victim_before_any_live_one(lm: LockManager) -> None:
    a, b = Owner(51, deadlock_priority=DEADLOCK_PRIORITY_HIGH), Owner(52, deadlock_priority=DEADLOCK_PRIORITY_LOW)
    lm.acquire(a, K1, X)
    lm.acquire(b, K2, X)
    a_waits = waits(lm.acquire(a, K2, X))
    a_waits.future.cancel()  # a was killed; it has not run its cleanup yet
    waits(lm.acquire(b, K1, X))  # b, the lowest priority, survives: a's request goes
    assert lm.deadlock_reports[-1].victim_session_id == 51
    assert lm.waiting_request(a) is None and lm.cancel(a_waits) is True
