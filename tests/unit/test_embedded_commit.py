"""An embedded caller's commit: its log record is written and fsynced on the caller's own thread, with the engine let
go meanwhile; a Ctrl-C arriving then (in the main thread) is raised once the commit is durable and has ended."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import quietus
from quietus.engine.wal import vfs as wal_vfs


def _patch_fsync(monkeypatch: pytest.MonkeyPatch, before: Callable[[], None]) -> None:
    real = wal_vfs.OsFile.fsync

    def fsync(self: wal_vfs.OsFile) -> None:
        if self.path.suffix == ".log":
            before()
        real(self)

    monkeypatch.setattr(wal_vfs.OsFile, "fsync", fsync)


def test_a_commit_is_fsynced_on_its_callers_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    with quietus.connect(tmp_path / "data", autocommit=True) as connection:
        connection.run("CREATE TABLE t (id INT PRIMARY KEY)")
        _patch_fsync(monkeypatch, lambda: threads.append(threading.current_thread().name))
        cursor = connection.cursor()
        worker = threading.Thread(target=cursor.execute, args=("INSERT INTO t VALUES (%s)", (1,)), name="worker")
        worker.start()
        worker.join(30)
        cursor.execute("INSERT INTO t VALUES (%s)", (2,))  # from the main thread
        waits = connection.run(
            "SELECT waiting_tasks_count FROM sys.dm_exec_session_wait_stats "
            "WHERE session_id = @@SPID AND wait_type = 'WRITELOG'"
        ).result_sets[0].rows
        rows = connection.run("SELECT id FROM t ORDER BY id").result_sets[0].rows
    assert threads == ["worker", "MainThread"]
    assert rows == [(1,), (2,)]
    assert waits and waits[0][0] >= 2  # each commit's log wait is the session's WRITELOG wait


def test_ctrl_c_during_a_commits_fsync_is_raised_after_the_commit_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    with quietus.connect(data_dir, autocommit=True) as connection:
        connection.run("CREATE TABLE t (id INT PRIMARY KEY)")
        main = threading.main_thread().ident or 0

        pressed: list[bool] = []

        def ctrl_c() -> None:  # in the main thread's own fsync of the commit record, once
            if not pressed:
                pressed.append(True)
                signal.pthread_kill(main, signal.SIGINT)
                time.sleep(0.05)  # the KeyboardInterrupt is raised in here, before the fsync

        _patch_fsync(monkeypatch, ctrl_c)
        cursor = connection.cursor()
        with pytest.raises(KeyboardInterrupt):
            cursor.execute("INSERT INTO t VALUES (%s)", (1,))
        monkeypatch.undo()
        assert pressed
        assert connection.instance.master.failed is None
        cursor.execute("INSERT INTO t VALUES (%s)", (2,))  # the session and the log go on
        assert connection.run("SELECT id FROM t ORDER BY id").result_sets[0].rows == [(1,), (2,)]
    with quietus.connect(data_dir, autocommit=True) as connection:
        assert connection.run("SELECT id FROM t ORDER BY id").result_sets[0].rows == [(1,), (2,)]
