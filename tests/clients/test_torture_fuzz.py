"""A short run of the fuzz torture suite (bench/torture_fuzz.py; the long runs and their figures are in
docs/design/reliability.md): mutated TDS packets of every kind and generated SQL, in two worker processes with
several cases in flight each (the goal run's parallel path), beside a bystander, against a real server.  Any
violation (a case neither answered nor closed by its deadline, an unreadable reply, an unanswered statement, the
safety net firing, a traceback in the error log, a bystander's error, a server that stops serving) fails the test
and is listed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bench.torture_fuzz import PACKET_KINDS, run

from tests.clients.server_harness import PASSWORD, RunningServer, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("fuzz") / "data") as running:
        yield running


@pytest.mark.parametrize("seed", [11, 12])
def test_fuzz_short_run_has_no_violations(server: RunningServer, seed: int) -> None:
    every_kind_alike = dict.fromkeys(PACKET_KINDS, 1.0)
    report = run(
        server.port, PASSWORD, 150, 150, seed, 1, server.errorlog_text, workers=2, concurrency=4,
        weights=every_kind_alike,
    )  # fmt: skip
    assert report.packets == 150 and report.statements == 150
    assert report.violations == []
    assert set(report.by_kind) == set(PACKET_KINDS)  # every kind of mutated packet was sent
    assert report.bystander_ms  # the bystander ran throughout
