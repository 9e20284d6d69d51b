"""The data directory: layout, version check, and one owner at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quietus.engine.wal import DataDirectoryInUse, DataDirectoryLock, init_data_directory
from quietus.engine.wal.exceptions import UnsupportedDataDirectory


def test_init_creates_the_layout_idempotently(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "data"
    init_data_directory(directory)
    (directory / "wal" / "keep.log").write_bytes(b"x")
    init_data_directory(directory)
    assert sorted(path.name for path in directory.iterdir()) == ["VERSION", "checkpoint", "wal"]
    assert (directory / "VERSION").read_text() == "1\n"
    assert (directory / "wal" / "keep.log").exists()


def test_init_refuses_another_layout_version(tmp_path: Path) -> None:
    init_data_directory(tmp_path)
    (tmp_path / "VERSION").write_text("2\n")
    with pytest.raises(UnsupportedDataDirectory, match="'2'"):
        init_data_directory(tmp_path)


def test_a_second_lock_in_the_same_process_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    with DataDirectoryLock(tmp_path) as lock:
        assert lock.held
        assert (tmp_path / "quietus.lock").read_text() == f"{os.getpid()}\n"
        with pytest.raises(DataDirectoryInUse) as refused:
            DataDirectoryLock(tmp_path)
        assert refused.value.holder_pid == os.getpid()
        assert str(tmp_path) in str(refused.value) and str(os.getpid()) in str(refused.value)
    assert not lock.held
    DataDirectoryLock(tmp_path).release()  # free again once released


def test_another_process_holding_the_directory_is_named(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from quietus.engine.wal import DataDirectoryLock; "
            "lock = DataDirectoryLock(pathlib.Path(sys.argv[1])); "
            "print('locked', flush=True); sys.stdin.read()",
            str(tmp_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(DataDirectoryInUse) as refused:
            DataDirectoryLock(tmp_path)
        assert refused.value.holder_pid == holder.pid
    finally:
        holder.kill()
        holder.wait()
    DataDirectoryLock(tmp_path).release()  # the kernel dropped the dead holder's lock
