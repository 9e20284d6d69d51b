"""kill -9 in the middle of a workload: every committed transaction survives, no uncommitted one shows."""

from __future__ import annotations

import random
import signal
import time
from decimal import Decimal
from pathlib import Path

import pytest

import quietus
from tests.crash.workload_process import start_workload

WORKLOAD = Path(__file__).with_name("engine_workload.py")


def _run_and_kill(data_dir: Path, start: int, seconds: float) -> tuple[set[int], set[int]]:
    child = start_workload(WORKLOAD, data_dir, start)
    assert child.stdout is not None
    committed: set[int] = set()
    uncommitted: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        kind, identifier = line.split()
        (committed if kind == "C" else uncommitted).add(int(identifier))
    child.send_signal(signal.SIGKILL)
    rest, errors = child.communicate()
    for line in rest.splitlines():  # lines printed before the kill landed are acknowledged too
        kind, identifier = line.split()
        (committed if kind == "C" else uncommitted).add(int(identifier))
    assert committed, f"the workload committed nothing: {errors[-2000:]}"
    return committed, uncommitted


@pytest.mark.crash
def test_kill_minus_9_loses_no_commit_and_shows_no_uncommitted_row(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rng = random.Random(20261120)
    all_committed: set[int] = set()
    all_uncommitted: set[int] = set()
    for round_number in range(3):
        committed, uncommitted = _run_and_kill(data_dir, round_number * 1_000_000, rng.uniform(0.5, 1.5))
        all_committed |= committed
        all_uncommitted |= uncommitted
        with quietus.connect(data_dir, autocommit=True) as connection:
            sink = connection.run("SELECT id, payload FROM crash")
            rows = dict(sink.result_sets[0].rows)
        missing = all_committed - rows.keys()
        assert not missing, f"committed rows lost after kill -9: {sorted(missing)[:10]}"
        assert not (all_uncommitted & rows.keys()), "an uncommitted row survived the crash"
        for identifier in all_committed:
            assert rows[identifier] == f"row {identifier}!"
        # a row may be durable without its "C" line having been read (killed between commit and print)
        assert rows.keys() - all_committed <= {i for i in rows if i % 10 != 0}


@pytest.mark.crash
def test_restart_after_checkpoint_and_more_log(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with quietus.connect(data_dir, autocommit=True) as connection:
        connection.run(
            "CREATE TABLE t (id INT PRIMARY KEY, d DECIMAL(10,2), at DATETIME2, g UNIQUEIDENTIFIER)"
        )
        connection.run("INSERT INTO t VALUES (1, 1.25, '2026-11-20T10:00:00', NEWID())")
        connection.run("CHECKPOINT")
        connection.run("INSERT INTO t VALUES (2, 2.50, '2026-11-21T11:30:00', NULL)")
        connection.run("UPDATE t SET d = d * 2 WHERE id = 1")
        connection.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = ON")
        connection.run("BEGIN TRAN; DELETE FROM t; ROLLBACK")
        before = connection.run("SELECT id, d, at, g FROM t ORDER BY id").result_sets[0].rows
    with quietus.connect(data_dir, autocommit=True) as connection:
        after = connection.run("SELECT id, d, at, g FROM t ORDER BY id").result_sets[0].rows
        options = connection.instance.master.options
    assert after == before
    assert [r[1] for r in after] == [Decimal("2.50"), Decimal("2.50")]
    assert options.accelerated_recovery is True


CALLER_WORKLOAD = Path(__file__).with_name("caller_commit_workload.py")


@pytest.mark.crash
def test_kill_minus_9_right_after_acknowledged_embedded_commits_loses_none(tmp_path: Path) -> None:
    """Autocommitted inserts from four threads of one process, each writing and fsyncing its own commit records or
    sharing a neighbour's fsync: SIGKILL at a random moment, and every insert that had returned is in the reopened
    database."""
    data_dir = tmp_path / "data"
    rng = random.Random(20261206)
    acknowledged: set[int] = set()
    for round_number in range(3):
        child = start_workload(CALLER_WORKLOAD, data_dir, round_number * 1_000_000)
        assert child.stdout is not None
        lines = [child.stdout.readline()]  # started (the interpreter and the engine take a while)
        deadline = time.monotonic() + rng.uniform(0.2, 1.0)
        while time.monotonic() < deadline and (line := child.stdout.readline()):
            lines.append(line)
        child.send_signal(signal.SIGKILL)
        rest, errors = child.communicate()
        lines.extend(rest.splitlines())
        this_round = {int(line.split()[1]) for line in lines if line.strip()}
        assert this_round, f"the workload acknowledged nothing: {errors[-2000:]}"
        acknowledged |= this_round
        with quietus.connect(data_dir, autocommit=True) as connection:
            rows = {row[0] for row in connection.run("SELECT id FROM acked").result_sets[0].rows}
        missing = acknowledged - rows
        assert not missing, f"acknowledged commits lost after kill -9: {sorted(missing)[:10]}"


@pytest.mark.crash
@pytest.mark.parametrize("thread", ["main", "worker"])
def test_a_process_killed_right_after_its_commit_returned_keeps_it(tmp_path: Path, thread: str) -> None:
    """The child SIGKILLs itself the moment its last autocommitted insert returns, from the main thread or a worker
    (each writes and fsyncs its own record)."""
    data_dir = tmp_path / "data"
    child = start_workload(CALLER_WORKLOAD, data_dir, 1, thread)
    out, errors = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, errors[-2000:]
    acknowledged = {int(line.split()[1]) for line in out.splitlines()}
    assert acknowledged == set(range(1, 21))
    with quietus.connect(data_dir, autocommit=True) as connection:
        rows = {row[0] for row in connection.run("SELECT id FROM acked").result_sets[0].rows}
    assert rows == acknowledged
