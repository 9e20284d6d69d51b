"""A short run of the crash torture suite (bench/torture_crash.py; long runs and figures in
docs/design/reliability.md): `quietus serve` killed with SIGKILL at random moments under a bank workload with a
ledger, restarted on the same data directory, and checked: no acknowledged transfer lost, balances agree with the
ledger (nothing uncommitted visible, no half transfer), the total unchanged."""

from __future__ import annotations

from pathlib import Path

from bench.torture_crash import run


def test_crash_short_run_has_no_violations(tmp_path: Path) -> None:
    report = run(tmp_path / "data", 3, 3, 31)
    assert report.violations == []
    assert report.cycles == 3 and report.acknowledged  # the server was killed under load, and work was confirmed
