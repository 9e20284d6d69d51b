"""Lock manager: grants, conversions, FIFO queues, wake-ups, cancel, blockers, views."""

from __future__ import annotations

import pytest

from quietus.engine.locks import LockManager, LockMode, LockRequest, LockRow, key_resource, object_resource
from tests.unit.test_lock_support import (
    Owner,
    lock_manager,  # noqa: F401 - registers the lm fixture
    waits,
)

S, U, X, IS, IX, SIX = LockMode.S, LockMode.U, LockMode.X, LockMode.IS, LockMode.IX, LockMode.SIX
K1, K2 = key_resource(5, 7, 1, 1), key_resource(5, 7, 1, 2)
T = object_resource(5, 7)


A, B, C, D, E = (Owner(51 + i) for i in range(5))


def granted(request: LockRequest) -> bool:
    return request.future.done() and not request.future.cancelled() and request.future.exception() is None


# ---------------------------------------------------------------- grants and re-acquires


def test_uncontended_acquire_is_granted_at_once(lm: LockManager) -> None:
    assert lm.acquire(A, T, IX) is None
    assert lm.acquire(A, K1, X) is None
    assert lm.held(A, K1) == X and lm.held(A, K2) is None and lm.held(B, K1) is None
    assert lm.owner_locks(A) == {T: IX, K1: X}
    assert lm.lock_count(A) == 2


def test_reacquiring_a_covered_mode_changes_nothing(lm: LockManager) -> None:
    lm.acquire(A, K1, X)
    assert lm.acquire(A, K1, S) is None
    assert lm.acquire(A, K1, X) is None
    assert lm.held(A, K1) == X and lm.lock_count(A) == 1


def test_compatible_owners_share_a_resource(lm: LockManager) -> None:
    assert lm.acquire(A, K1, S) is None
    assert lm.acquire(B, K1, S) is None
    assert lm.acquire(C, K1, U) is None
    assert {row.owner for row in lm.rows()} == {A, B, C}


def test_incompatible_request_waits_and_is_granted_on_release(lm: LockManager) -> None:
    lm.acquire(A, K1, X)
    request = waits(lm.acquire(B, K1, S))
    assert (request.owner, request.resource, request.mode, request.is_conversion) == (B, K1, S, False)
    assert lm.waiting_request(B) is request and lm.held(B, K1) is None
    assert lm.release(A, K1) is True
    assert granted(request) and request.future.result() is None
    assert lm.held(B, K1) == S and lm.waiting_request(B) is None
    assert lm.release(A, K1) is False


def test_a_passing_read_lock_is_left_out_only_where_nobody_holds_or_waits(lm: LockManager) -> None:
    lm.acquire(A, T, IS)
    assert lm.passes(A, K1) and lm.passes(B, K1)  # nobody holds K1: granted at once, released unseen
    lm.acquire(B, K2, S)
    assert not lm.passes(A, K2)  # held, even compatibly: taken for real (it shows in the views)
    assert not lm.passes(B, K2)  # the reader's own lock: taking and releasing it would drop it
    lm.acquire(C, K1, X)
    assert not lm.passes(A, K1)  # the read must wait
    assert lm.owner_locks(A) == {T: IS}  # asking changed nothing


@pytest.mark.parametrize("lm", [3], indirect=True)
def test_a_passing_read_lock_that_could_escalate_is_taken_for_real(lm: LockManager) -> None:
    lm.acquire(A, T, IS)
    assert lm.passes(A, K1)  # a second lock: below the threshold of 3
    lm.acquire(A, K1, S)
    assert not lm.passes(A, K2)  # a third would reach it: the real acquire decides whether to escalate


# ---------------------------------------------------------------- conversions


def test_sole_holder_converts_at_once(lm: LockManager) -> None:
    lm.acquire(A, T, S)
    assert lm.acquire(A, T, IX) is None
    assert lm.held(A, T) == SIX


def test_conversion_granted_at_once_when_compatible_with_the_other_holders(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    lm.acquire(B, K1, S)
    assert lm.acquire(A, K1, U) is None  # U is compatible with B's S
    assert lm.held(A, K1) == U


def test_conversion_waits_for_other_holders_and_keeps_its_granted_mode(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    lm.acquire(B, K1, S)
    request = waits(lm.acquire(A, K1, X))
    assert request.is_conversion and request.mode == X
    assert lm.held(A, K1) == S
    assert set(lm.rows()) == {LockRow(K1, A, X, "CONVERT"), LockRow(K1, B, S, "GRANT")}
    lm.release(B, K1)
    assert granted(request) and lm.held(A, K1) == X


def test_conversion_goes_ahead_of_plain_waiters(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    lm.acquire(B, K1, S)
    plain = waits(lm.acquire(C, K1, X))  # waits for A and B
    conversion = waits(lm.acquire(A, K1, X))  # waits for B only, queued ahead of C
    assert lm.blockers(plain) == [A, B]
    lm.release(B, K1)
    assert granted(conversion) and not plain.future.done()
    lm.release_all(A)
    assert granted(plain)


def test_conversions_are_served_in_fifo_order(lm: LockManager) -> None:
    lm.acquire(A, T, S)
    lm.acquire(B, T, IS)
    lm.acquire(C, T, IS)
    first = waits(lm.acquire(B, T, SIX))  # IS -> SIX, blocked by A's S
    second = waits(lm.acquire(C, T, IX))  # IS -> IX, blocked by A's S, queued behind B
    lm.release(A, T)
    assert granted(first) and lm.held(B, T) == SIX
    assert not second.future.done() and lm.held(C, T) == IS  # IX conflicts with the SIX just granted
    assert lm.blockers(second) == [B]


# ---------------------------------------------------------------- FIFO and wake-up


def test_no_barging_past_a_waiter(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    writer = waits(lm.acquire(B, K1, X))
    reader = waits(lm.acquire(C, K1, S))  # compatible with A's S, but B waits ahead of it
    assert lm.blockers(reader) == [B]
    lm.release(A, K1)
    assert granted(writer) and not reader.future.done()
    lm.release(B, K1)
    assert granted(reader)


def test_release_grants_compatible_waiters_together_and_stops_at_the_first_incompatible(
    lm: LockManager,
) -> None:
    lm.acquire(A, K1, X)
    b, c, d, e = (waits(lm.acquire(o, K1, m)) for o, m in ((B, S), (C, S), (D, X), (E, S)))
    lm.release_all(A)
    assert granted(b) and granted(c)
    assert not d.future.done() and not e.future.done()  # E is compatible with B and C but queues behind D
    assert lm.blockers(d) == [B, C] and lm.blockers(e) == [D]
    lm.release_all(B)
    lm.release_all(C)
    assert granted(d) and not e.future.done()


def test_release_all_wakes_waiters_on_every_resource(lm: LockManager) -> None:
    lm.acquire(A, K1, X)
    lm.acquire(A, K2, X)
    on_k1 = waits(lm.acquire(B, K1, S))
    on_k2 = waits(lm.acquire(C, K2, X))
    assert lm.release_all(A) == 2
    assert granted(on_k1) and granted(on_k2)
    assert lm.owner_locks(A) == {} and lm.lock_count(A) == 0


def test_release_all_withdraws_the_owners_own_waiting_request(lm: LockManager) -> None:
    lm.acquire(A, K1, X)
    lm.acquire(B, K2, X)
    request = waits(lm.acquire(B, K1, X))
    behind = waits(lm.acquire(C, K1, S))
    lm.release_all(B)
    assert request.future.cancelled() and lm.waiting_request(B) is None
    lm.release_all(A)
    assert granted(behind)


# ---------------------------------------------------------------- cancel and abandoned waits


def test_cancel_removes_a_waiter_and_wakes_those_behind_it(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    writer = waits(lm.acquire(B, K1, X))
    reader = waits(lm.acquire(C, K1, S))
    assert lm.cancel(writer) is True
    assert writer.future.cancelled() and lm.waiting_request(B) is None
    assert granted(reader)  # only B kept C out
    assert lm.cancel(writer) is True  # idempotent


def test_cancel_after_the_grant_keeps_the_lock(lm: LockManager) -> None:
    lm.acquire(A, K1, X)
    request = waits(lm.acquire(B, K1, X))
    lm.release_all(A)
    assert lm.cancel(request) is False
    assert lm.held(B, K1) == X


def test_cancel_of_a_waiting_conversion_keeps_the_granted_mode(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    lm.acquire(B, K1, S)
    request = waits(lm.acquire(A, K1, X))
    assert lm.cancel(request) is True
    assert lm.held(A, K1) == S and list(lm.rows()) == [LockRow(K1, A, S, "GRANT"), LockRow(K1, B, S, "GRANT")]


def test_a_wait_abandoned_by_its_waiter_is_never_granted(lm: LockManager) -> None:
    # The engine's waker (timeout, kill) cancelled the future; the wake-up skips it and grants the next.
    lm.acquire(A, K1, X)
    abandoned = waits(lm.acquire(B, K1, X))
    behind = waits(lm.acquire(C, K1, S))
    abandoned.future.cancel()
    lm.release_all(A)
    assert granted(behind) and lm.held(B, K1) is None
    assert lm.cancel(abandoned) is True  # the waiter's own cleanup still succeeds


def test_an_owner_cannot_ask_for_a_second_lock_while_it_waits(lm: LockManager) -> None:
    lm.acquire(A, K1, X)
    waits(lm.acquire(B, K1, X))
    with pytest.raises(RuntimeError):
        lm.acquire(B, K2, S)
    with pytest.raises(RuntimeError):
        lm.release(B, K2)


# ---------------------------------------------------------------- views and blocking information


def test_rows_show_granted_waiting_and_converting_requests(lm: LockManager) -> None:
    lm.acquire(A, T, IX)
    lm.acquire(A, K1, S)
    lm.acquire(B, K1, S)
    lm.acquire(A, K1, X)
    lm.acquire(C, K1, S)
    assert sorted(lm.rows(), key=lambda r: (r.resource, r.owner.session_id)) == [
        LockRow(K1, A, X, "CONVERT"),
        LockRow(K1, B, S, "GRANT"),
        LockRow(K1, C, S, "WAIT"),
        LockRow(T, A, IX, "GRANT"),
    ]


def test_blockers_are_conflicting_holders_and_conflicting_waiters_ahead(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    lm.acquire(B, K1, IS)
    writer = waits(lm.acquire(C, K1, X))
    reader = waits(lm.acquire(D, K1, S))
    assert lm.blockers(writer) == [A, B]  # both holders conflict with X
    assert lm.blockers(reader) == [C]  # S is compatible with the holders; C's X queued ahead conflicts
    lm.release_all(C)
    assert granted(reader) and lm.blockers(reader) == []


def test_a_request_waiting_only_for_its_turn_is_blocked_by_those_ahead(lm: LockManager) -> None:
    lm.acquire(A, T, IX)
    shared = waits(lm.acquire(B, T, S))  # conflicts with A's IX
    intent = waits(lm.acquire(C, T, IS))  # conflicts with nobody, but queues behind B
    assert lm.blockers(shared) == [A]
    assert lm.blockers(intent) == [B]


def test_try_acquire_grants_or_changes_nothing(lm: LockManager) -> None:
    lm.acquire(A, K1, S)
    assert lm.try_acquire(B, K1, S) is True and lm.held(B, K1) == S
    assert lm.try_acquire(C, K1, X) is False
    assert lm.waiting_request(C) is None and lm.held(C, K1) is None
    waits(lm.acquire(C, K1, X))
    assert lm.try_acquire(D, K1, S) is False  # no barging past C, even without waiting
    assert lm.try_acquire(A, K1, X) is False  # a conversion blocked by B's S
    assert lm.held(A, K1) == S and [r.status for r in lm.rows()].count("CONVERT") == 0


def test_try_acquire_is_never_a_deadlock_victim(lm: LockManager) -> None:
    lm.acquire(A, K1, X)
    lm.acquire(B, K2, X)
    waits(lm.acquire(A, K2, X))
    assert lm.try_acquire(B, K1, S) is False  # acquire() here would close a cycle
    assert lm.deadlocks == 0 and len(lm.deadlock_reports) == 0
