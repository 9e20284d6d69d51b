"""Lock escalation: KEY locks under one object traded for one object lock, with retries after a conflict."""

from __future__ import annotations

import pytest

from quietus.engine.locks import (
    ESCALATION_RETRY,
    LockManager,
    LockMode,
    LockResource,
    key_resource,
    object_resource,
)
from tests.unit.test_lock_support import (
    Owner,
    lock_manager,  # noqa: F401 - registers the lm fixture
)

S, U, X, IS, IU, IX, SIX = (LockMode[m] for m in ("S", "U", "X", "IS", "IU", "IX", "SIX"))
THRESHOLD = 10
pytestmark = pytest.mark.parametrize("lm", [THRESHOLD], indirect=True)  # every test's manager
T = object_resource(5, 7)


def key(k: int, object_id: int = 7) -> LockResource:
    return key_resource(5, object_id, 1, k)


def take_keys(lm: LockManager, owner: Owner, modes: list[LockMode], start: int = 0) -> None:
    for k, mode in enumerate(modes, start):
        assert lm.acquire(owner, key(k), mode) is None


def test_shared_key_locks_escalate_to_s(lm: LockManager) -> None:
    a = Owner(51)
    lm.acquire(a, T, IS)
    lm.acquire(a, key(0, object_id=8), S)  # another table's rows neither count nor go
    take_keys(lm, a, [S] * (THRESHOLD - 1))
    assert lm.escalations == 0 and lm.lock_count(a) == THRESHOLD + 1
    take_keys(lm, a, [S], start=THRESHOLD - 1)
    assert lm.escalations == 1
    assert lm.owner_locks(a) == {T: S, key(0, object_id=8): S}
    # Covered rows are not recorded any more; a row lock S does not cover still is.
    assert lm.acquire(a, key(500), S) is None and lm.lock_count(a) == 2
    assert lm.acquire(a, T, IX) is None and lm.held(a, T) == SIX
    assert lm.acquire(a, key(501), X) is None and lm.held(a, key(501)) == X


def test_any_update_or_exclusive_key_lock_escalates_to_x(lm: LockManager) -> None:
    a = Owner(51)
    lm.acquire(a, T, IX)
    take_keys(lm, a, [S] * (THRESHOLD - 1) + [U])
    assert lm.owner_locks(a) == {T: X}
    assert lm.acquire(a, key(999), X) is None and lm.lock_count(a) == 1


def test_intent_exclusive_with_only_shared_rows_escalates_to_six(lm: LockManager) -> None:
    a = Owner(51)
    lm.acquire(a, T, IX)
    take_keys(lm, a, [S] * THRESHOLD)
    assert lm.owner_locks(a) == {T: SIX}


def test_a_table_lock_taken_directly_covers_the_rows(lm: LockManager) -> None:
    a = Owner(51)
    lm.acquire(a, T, X)  # TABLOCKX
    take_keys(lm, a, [X] * (THRESHOLD * 3))
    assert lm.owner_locks(a) == {T: X} and lm.escalations == 0


def test_failed_escalation_keeps_row_locks_and_retries_every_1250_more(lm: LockManager) -> None:
    a, b = Owner(51), Owner(52)
    lm.acquire(a, T, IX)
    lm.acquire(b, T, IX)  # conflicts with the X a would escalate to
    take_keys(lm, a, [X] * THRESHOLD)
    assert lm.escalations == 0 and lm.lock_count(a) == THRESHOLD + 1 and lm.held(a, T) == IX
    lm.release_all(b)
    take_keys(lm, a, [X] * (ESCALATION_RETRY - 1), start=THRESHOLD)  # no retry before the next mark
    assert lm.escalations == 0 and lm.lock_count(a) == THRESHOLD + ESCALATION_RETRY
    take_keys(lm, a, [X], start=THRESHOLD + ESCALATION_RETRY - 1)
    assert lm.escalations == 1 and lm.owner_locks(a) == {T: X}


def test_escalation_is_not_blocked_by_compatible_holders(lm: LockManager) -> None:
    a, b = Owner(51), Owner(52)
    lm.acquire(a, T, IS)
    lm.acquire(b, T, IS)
    lm.acquire(b, key(0), S)  # b's row lock on a row a also reads
    take_keys(lm, a, [S] * THRESHOLD)
    assert lm.held(a, T) == S and lm.held(b, key(0)) == S and lm.lock_count(a) == 1


def test_rows_released_as_they_are_read_never_escalate(lm: LockManager) -> None:
    a = Owner(51)
    lm.acquire(a, T, IS)
    for k in range(THRESHOLD * 5):  # READ COMMITTED: each row lock goes after its row is read
        lm.acquire(a, key(k), S)
        lm.release(a, key(k))
    assert lm.escalations == 0 and lm.owner_locks(a) == {T: IS}
