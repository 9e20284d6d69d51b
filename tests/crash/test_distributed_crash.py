"""kill -9 at random points of two-phase commit: no transaction ends half-decided.

After every crash: a transaction whose decision returned shows exactly that outcome; one that was prepared but not
(yet known to be) decided is either in doubt (session -2, its row locked and invisible to committed readers) or has
the outcome its owner was deciding, never the other one; one never reported prepared never shows committed.
Whatever is in doubt is resolved with KILL 'uow' as the workload intended, and the next round goes on.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

import quietus
from tests.crash.workload_process import start_workload

WORKLOAD = Path(__file__).with_name("distributed_workload.py")


def _run_and_kill(data_dir: Path, start: int, seconds: float) -> dict[int, str]:
    child = start_workload(WORKLOAD, data_dir, start)
    assert child.stdout is not None
    seen: dict[int, str] = {}
    deadline = None  # the random run time counts from the first decision (start-up time varies with the load)
    while deadline is None or time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        kind, identifier = line.split()
        seen[int(identifier)] = seen.get(int(identifier), "") + kind
        if deadline is None and kind in "CA":
            deadline = time.monotonic() + seconds
    child.send_signal(signal.SIGKILL)
    # Read the rest through the same text stream: readline() may have buffered lines that communicate(), which
    # reads the file descriptor, would never return.
    rest = child.stdout.read()
    errors = child.stderr.read() if child.stderr is not None else ""
    child.wait()
    child.stdout.close()
    if child.stderr is not None:
        child.stderr.close()
    for line in rest.splitlines():
        kind, identifier = line.split()
        seen[int(identifier)] = seen.get(int(identifier), "") + kind
    assert any("C" in kinds for kinds in seen.values()), f"the workload decided nothing: {errors[-2000:]}"
    return seen


@pytest.mark.crash
def test_kill_minus_9_across_two_phase_commit_never_half_decides(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rng = random.Random(20261206)
    expected: dict[int, bool] = {}  # id -> committed?
    for round_number in range(3):
        start = round_number * 1_000_000
        seen = _run_and_kill(data_dir, start, rng.uniform(0.5, 1.5))
        with quietus.connect(data_dir, autocommit=True) as dba:
            dba.run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")  # a locking reader would wait for session -2
            committed = {row[0] for row in dba.run("SELECT id FROM twophase").result_sets[0].rows}
            in_doubt = dba.run(
                "SELECT DISTINCT t.transaction_uow FROM sys.dm_tran_active_transactions AS t "
                "WHERE t.transaction_type = 4 AND t.transaction_state = 5"
            ).result_sets[0].rows
            dirty = {row[0] for row in dba.run("SELECT id FROM twophase WITH (NOLOCK)").result_sets[0].rows}
            assert len(in_doubt) <= 1, "only the transaction the crash interrupted may be in doubt"
            pending = dirty - committed
            assert len(pending) == len(in_doubt)
            for identifier in range(start + 1, max(seen, default=start) + 2):
                kinds = seen.get(identifier, "")
                wants_commit = identifier % 2 == 0
                if "C" in kinds or "A" in kinds:
                    assert (identifier in committed) == wants_commit, (identifier, kinds)
                    assert identifier not in pending
                elif "P" in kinds:
                    if identifier in committed:
                        assert wants_commit, f"{identifier} committed against its owner's decision"
                else:
                    assert identifier not in committed, f"{identifier} committed without a reported prepare"
            if in_doubt:
                (uow,) = in_doubt[0]
                (identifier,) = pending
                decision = "COMMIT" if identifier % 2 == 0 else "ROLLBACK"
                sink = dba.run(f"KILL '{uow}' WITH {decision}")
                assert not [m for m in sink.messages if m.is_error]
                if decision == "COMMIT":
                    committed.add(identifier)
            for identifier in committed - expected.keys():
                expected[identifier] = True
        with quietus.connect(data_dir, autocommit=True) as check:
            rows = {row[0] for row in check.run("SELECT id FROM twophase").result_sets[0].rows}
            assert rows == {i for i, yes in expected.items() if yes}
