"""The automatic checkpoint follows the log: an idle database is not rewritten every minute."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import quietus
from quietus.server import instance
from quietus.server.instance import checkpoint_due

MiB = 1 << 20


@pytest.mark.parametrize(
    ("seconds", "log_bytes", "due"),
    [
        (0.0, 0, False),
        (3600.0, 0, False),  # idle for an hour: nothing to gain
        (3600.0, MiB - 1, False),  # a little log replays fast
        (59.0, 200 * MiB, False),
        (60.0, MiB, True),
        (1.0, 256 * MiB, True),  # a lot of log is checkpointed whatever the clock says
    ],
)
def test_when_a_checkpoint_is_due(seconds: float, log_bytes: int, due: bool) -> None:
    assert checkpoint_due(seconds, log_bytes) is due


def _wait_for_a_checkpoint_of_everything_logged(conn: quietus.dbapi.Connection) -> tuple[float, int, int]:
    master = conn.instance.master
    assert master.wal is not None
    deadline = time.monotonic() + 10
    while master.checkpointed[1] < master.wal.last_lsn:
        assert time.monotonic() < deadline, "no automatic checkpoint was taken"
        time.sleep(0.02)
    return master.checkpointed


def test_the_loop_checkpoints_after_writes_and_leaves_an_idle_database_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(instance, "CHECKPOINT_POLL_SECONDS", 0.01)
    monkeypatch.setattr(instance, "CHECKPOINT_INTERVAL_SECONDS", 0.05)
    monkeypatch.setattr(instance, "CHECKPOINT_MIN_LOG_BYTES", 1)
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
        conn.run("INSERT INTO t VALUES (1)")
        first = _wait_for_a_checkpoint_of_everything_logged(conn)
        time.sleep(0.2)  # 20 polls, every interval passed, no log written
        conn.run("SELECT COUNT(*) FROM t")
        time.sleep(0.2)
        assert conn.instance.master.checkpointed == first, "an idle database was checkpointed again"
        conn.run("INSERT INTO t VALUES (2)")
        assert _wait_for_a_checkpoint_of_everything_logged(conn)[1] > first[1]
