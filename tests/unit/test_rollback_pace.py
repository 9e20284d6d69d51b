"""The rollback estimate follows the recent pace (RollbackProgress.rate_at) and is judged at its quarter marks."""

from __future__ import annotations

import pytest

from quietus.admin.kill import quarter_estimates
from quietus.engine.txn import transaction
from quietus.engine.txn.transaction import RollbackProgress


def test_the_rate_follows_a_pace_that_changed_and_quarters_keep_what_was_said(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(transaction.time, "monotonic", lambda: clock[0])
    progress = RollbackProgress(total=4000, started=100.0)
    for at, done in ((101.0, 1000), (102.0, 1100), (103.0, 1200), (104.0, 1300)):  # fast, then slow
        clock[0], progress.done = at, done
        progress.note()
    # average since the start: 1300 / 4 s = 325/s; over the last 2 s (half the elapsed time): 100/s
    assert progress.rate_at(104.0) == pytest.approx(100.0)
    assert progress.seconds_left(104.0) == pytest.approx(27.0)
    (done, at, said), *_ = progress.quarters
    assert (done, at) == (1000, 101.0) and said == pytest.approx(3.0)  # at 25 %: 3000 left at 1000/s
    # judged once the rollback ends at 130: at 25 % it said 3 s, 29 s were left
    assert quarter_estimates(progress.started, 130.0, progress.quarters) == ((pytest.approx(3.0), 29.0),)


def test_early_on_the_rate_is_the_average_since_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [10.0]
    monkeypatch.setattr(transaction.time, "monotonic", lambda: clock[0])
    progress = RollbackProgress(total=1000, started=10.0)
    assert progress.rate_at(10.0) is None  # nothing undone yet
    clock[0], progress.done = 10.2, 100
    progress.note()
    assert progress.rate_at(10.2) == pytest.approx(500.0)  # the window (0.5 s) reaches back to the start
