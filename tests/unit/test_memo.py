"""IdentityMemo: remembered per key object (not per equal value), never for a mutable key, bounded."""

from __future__ import annotations

from quietus.memo import IdentityMemo


def test_a_value_is_made_once_per_key_object_and_context_and_a_list_is_never_remembered() -> None:
    made: list[tuple[object, object]] = []

    def make(key: object, context: object) -> int:
        made.append((key, context))
        return len(made)

    memo: IdentityMemo[object, object, int] = IdentityMemo(make, limit=2)
    key, other_context = ("a", 1), object()
    assert memo.get(key, None) == memo.get(key, None) == 1
    assert memo.get(tuple(["a", 1]), None) == 2  # an equal tuple, another object: made again
    assert memo.get(key, other_context) == 3
    mutable = ["a", 1]
    assert memo.get(mutable, None) == 4
    mutable.append(2)
    assert memo.get(mutable, None) == 5  # a list may have changed: never remembered
    assert memo.get(("b",), None) == 6  # full (limit 2): starts again empty
    assert memo.get(key, None) == 7
