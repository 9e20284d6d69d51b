"""The rollback estimate: exact work left over a weighted pace (RollbackProgress.rate_at), judged at its quarter
marks, and the whole seconds messages 6109/6119 print (whole_seconds_left)."""

from __future__ import annotations

import math

import pytest

from quietus.admin.kill import quarter_estimates, whole_seconds_left
from quietus.engine.txn.transaction import PACE_TIME_CONSTANT_SECONDS, RollbackProgress


def undo(progress: RollbackProgress, steps: list[tuple[float, int]]) -> None:
    """Batches ending at each (instant, records done so far)."""
    for at, done in steps:
        progress.done = done
        progress.note(at)


def test_a_steady_pace_gives_exactly_the_work_left_over_that_pace() -> None:
    progress = RollbackProgress(total=10_000, started=0.0)
    undo(progress, [(0.05 * k, 50 * k) for k in range(1, 41)])  # 1,000 records per second for 2 s
    assert progress.rate_at(2.0) == pytest.approx(1000.0)
    assert progress.seconds_left(2.0) == pytest.approx(8.0)  # 8,000 records left


def test_the_pace_weighs_each_interval_by_its_age() -> None:
    progress = RollbackProgress(total=4000, started=0.0)
    undo(progress, [(1.0, 1000), (2.0, 2000), (3.0, 2100), (4.0, 2200)])  # 1,000/s for 2 s, then 100/s
    tau = PACE_TIME_CONSTANT_SECONDS
    weights = [math.exp(-age / tau) for age in (3.0, 2.0, 1.0, 0.0)]
    expected = sum(w * r for w, r in zip(weights, (1000, 1000, 100, 100), strict=True)) / sum(weights)
    assert progress.rate_at(4.0) == pytest.approx(expected)
    assert progress.seconds_left(4.0) == pytest.approx(1800 / expected)
    # between the two paces, nearer the recent one, and further from the average since the start (550/s)
    assert 100 < expected < 550


def test_a_pace_that_changed_for_good_is_followed() -> None:
    progress = RollbackProgress(total=1_000_000, started=0.0)
    steps = [(0.05 * k, 500 * k) for k in range(1, 41)]  # 10,000/s for 2 s
    steps += [(2.0 + 0.05 * k, 20_000 + 100 * k) for k in range(1, 121)]  # then 2,000/s for 6 s
    undo(progress, steps)
    assert progress.rate_at(8.0) == pytest.approx(2000.0, rel=0.02)  # six time constants later: the new pace


def test_a_stall_since_the_last_batch_slows_the_pace_read_now() -> None:
    progress = RollbackProgress(total=10_000, started=0.0)
    undo(progress, [(0.05 * k, 50 * k) for k in range(1, 21)])  # 1,000/s for 1 s
    assert progress.rate_at(1.0) == pytest.approx(1000.0)
    stalled = progress.rate_at(2.0)  # nothing undone for a second (the rollback waits for the loop)
    assert stalled is not None and stalled < 1000.0
    # reading does not change what was measured
    assert progress.rate_at(1.0) == pytest.approx(1000.0)


def test_no_rate_before_the_first_record_is_undone() -> None:
    progress = RollbackProgress(total=1000, started=10.0)
    assert progress.rate_at(10.5) is None and progress.seconds_left(10.5) is None
    undo(progress, [(10.2, 100)])
    assert progress.rate_at(10.2) == pytest.approx(500.0)  # early on: the average since the start


def test_the_quarter_marks_keep_what_was_said_and_are_judged_at_the_end() -> None:
    progress = RollbackProgress(total=4000, started=100.0)
    undo(progress, [(101.0, 1000), (102.0, 1100)])
    (done, at, said), *_ = progress.quarters
    assert (done, at) == (1000, 101.0) and said == pytest.approx(3.0)  # at 25 %: 3000 left at 1000/s
    # judged once the rollback ends at 130: at 25 % it said 3 s, 29 s were left
    assert quarter_estimates(progress.started, 130.0, progress.quarters) == ((pytest.approx(3.0), 29.0),)


@pytest.mark.parametrize(
    ("seconds", "printed"),
    [(0.0, 0), (0.2, 1), (0.9, 1), (1.49, 1), (1.5, 2), (2.5, 3), (3.5, 4), (10.4, 10), (10.6, 11)],
)
def test_whole_seconds_are_the_nearest_halves_up_and_never_0_while_work_is_left(seconds: float, printed: int) -> None:
    assert whole_seconds_left(seconds) == printed


def test_from_2_5_seconds_left_the_whole_seconds_are_within_20_percent() -> None:
    for tenths in range(25, 200):
        seconds = tenths / 10
        assert abs(whole_seconds_left(seconds) - seconds) <= 0.2 * seconds
    assert abs(whole_seconds_left(1.6) - 1.6) > 0.2 * 1.6  # below it not all can be: 1.6 s prints 2 (+25 %)
