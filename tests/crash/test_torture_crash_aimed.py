"""Short runs of the aimed crash torture suite (bench/torture_crash_aimed.py; long runs and figures in
docs/design/reliability.md): `quietus serve` started with QUIETUS_CRASH_AT kills itself with SIGKILL at a named
point (mid-rollback, mid-recovery, between the phases of two-phase commit and during the decision, mid-checkpoint)
under the bank workload; after each restart no acknowledged transfer is lost, nothing rolled back or undecided is
visible, a prepared transaction without a durable decision is in doubt with its locks, and no lock leaks."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.torture_crash_aimed import COORDINATOR_POINTS, ROLLBACKS, TWO_PHASE, run

from quietus.engine import crashpoints


@pytest.mark.crash
def test_a_crash_halfway_through_each_kind_of_rollback_loses_nothing_and_shows_nothing(tmp_path: Path) -> None:
    report = run(tmp_path / "data", scenarios="rollback", cycles=len(ROLLBACKS), rows=1500, sessions=2, seed=3)
    assert report.violations == []
    assert report.reached["rollback-midway"] == len(ROLLBACKS)  # ROLLBACK, KILL and an error each crashed midway
    assert report.acknowledged and report.refused


@pytest.mark.crash
def test_crashes_around_each_two_phase_decision_keep_or_decide_the_transaction(tmp_path: Path) -> None:
    report = run(tmp_path / "data", scenarios="twophase", cycles=len(TWO_PHASE), rows=10, sessions=2, seed=4)
    assert report.violations == []
    assert report.reached["prepare-durable"] == 1 and report.reached["between-prepare-and-decision"] == 1
    assert report.reached["decision-logged"] == 2  # a COMMIT and a ROLLBACK, each with its record durable
    assert report.in_doubt_checked == 2  # found in doubt with its locks, then decided by KILL 'uow'


@pytest.mark.crash
@pytest.mark.timeout(300)  # ~40 s on a loaded 2-core machine: a dozen server starts
def test_crashes_inside_recovery_and_checkpoints_lose_nothing(tmp_path: Path) -> None:
    report = run(tmp_path / "data", scenarios="recovery,checkpoint", cycles=2, rows=10, sessions=2, seed=5)
    assert report.violations == []
    recovery = sum(n for point, n in report.reached.items() if point.startswith("recovery-"))
    checkpoint = sum(n for point, n in report.reached.items() if point.startswith("checkpoint-"))
    assert recovery >= 3 and checkpoint == 2  # recovery killed again and again; each checkpoint crash landed


@pytest.mark.crash
def test_a_coordinator_killed_after_or_before_its_decision_commits_or_aborts_both_halves_once_restarted(
    tmp_path: Path,
) -> None:
    """After the decision: before a fix, the restarted coordinator re-drove its participant but left its own part
    in doubt.  Before it: before a fix, the participant stayed in doubt, holding its locks, until a DBA decided."""
    report = run(tmp_path / "data", scenarios="coordinator", cycles=len(COORDINATOR_POINTS), rows=10, sessions=2,
                 seed=6)  # fmt: skip
    assert report.violations == []
    assert all(report.reached[point] == 1 for point in COORDINATOR_POINTS)
    assert report.acknowledged and report.refused  # one transfer committed on both servers, one aborted on both


def test_an_unknown_crash_point_is_refused_and_none_is_armed_without_the_variable() -> None:
    with pytest.raises(ValueError, match="unknown crash point"):
        crashpoints._armed("rollback-midway,no-such-point:2")
    assert crashpoints._armed("rollback-midway, recovery-replay:7") == {"rollback-midway": 1, "recovery-replay": 7}
    assert crashpoints._armed("") == {}
