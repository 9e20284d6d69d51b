"""A short run of the killstorm torture suite (bench/torture_killstorm.py; long runs and figures in
docs/design/reliability.md): random KILLs against sessions moving money, against a real server.  Any violation
(the total changing, a lock, session, request or pending kill left behind, a traceback, the safety net firing)
fails the test and is listed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bench.torture_killstorm import run

from tests.clients.server_harness import PASSWORD, RunningServer, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("killstorm") / "data") as running:
        yield running


def test_killstorm_short_run_has_no_violations(server: RunningServer) -> None:
    report = run(server.port, PASSWORD, 6, 4.0, 10.0, 21, server.errorlog_text)
    assert report.violations == []
    assert report.kills_applied > 0 and report.transfers > 0  # the storm did happen, and work went on through it
