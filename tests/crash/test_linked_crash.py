"""A short run of the two-server crash suite (bench/torture_linked_crash.py; long runs with ``--cycles``): the
coordinator and the participant of linked-server two-phase commits each killed with SIGKILL at a random moment and
restarted; after the coordinator's re-driver and the administrator's rollback of what the coordinator never decided,
both ledgers hold the same units of work, every acknowledged commit is there, nothing is left undecided."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.torture_linked_crash import run

from tests.clients.server_harness import require_security


@pytest.mark.crash
@pytest.mark.slow
def test_kill_minus_9_of_either_server_never_half_commits_a_unit_of_work(tmp_path: Path) -> None:
    require_security()
    report = run(tmp_path, cycles=2, seed=20261206)
    assert report.violations == []
    assert report.kills == {"A": 1, "B": 1}  # each side killed once under load
    assert report.acknowledged  # distributed commits were confirmed before the kills
