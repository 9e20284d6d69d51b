"""The fault-injecting Vfs itself: the other WAL tests are only as good as its power-cut model."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from quietus.engine.wal.faulty_vfs import FaultyVfs, SimulatedCrash


def test_a_power_cut_keeps_only_synced_data_under_synced_names(tmp_path: Path) -> None:
    (tmp_path / "old").write_bytes(b"there before")
    vfs = FaultyVfs()
    synced = vfs.open(tmp_path / "synced", "create")
    synced.write(b"durable")
    synced.fsync()
    synced.write(b" and lost")
    unsynced_name = vfs.open(tmp_path / "unsynced-name", "create")
    vfs.fsync_dir(tmp_path)  # both names durable; only "synced" has durable content
    unsynced_name.write(b"never synced")
    vfs.open(tmp_path / "no-name", "create").fsync()  # content synced, name never
    vfs.remove(tmp_path / "old")  # removal never made durable
    vfs.power_cut()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["old", "synced", "unsynced-name"]
    assert (tmp_path / "synced").read_bytes() == b"durable"
    assert (tmp_path / "unsynced-name").read_bytes() == b""
    assert (tmp_path / "old").read_bytes() == b"there before"


def test_a_rename_is_durable_only_after_the_directory_fsync(tmp_path: Path) -> None:
    vfs = FaultyVfs()
    file = vfs.open(tmp_path / "a.tmp", "create")
    file.write(b"content")
    file.fsync()
    file.close()
    vfs.fsync_dir(tmp_path)
    vfs.rename(tmp_path / "a.tmp", tmp_path / "a")
    vfs.power_cut()
    assert [path.name for path in tmp_path.iterdir()] == ["a.tmp"]
    vfs.rename(tmp_path / "a.tmp", tmp_path / "a")
    vfs.fsync_dir(tmp_path)
    vfs.power_cut()
    assert [path.name for path in tmp_path.iterdir()] == ["a"]
    assert (tmp_path / "a").read_bytes() == b"content"


def test_a_torn_write_keeps_a_prefix_and_stops_the_machine(tmp_path: Path) -> None:
    vfs = FaultyVfs()
    file = vfs.open(tmp_path / "f", "create")
    vfs.tear_next_write(3)
    with pytest.raises(SimulatedCrash):
        file.write(b"abcdef")
    assert (tmp_path / "f").read_bytes() == b"abc"
    with pytest.raises(SimulatedCrash):
        file.fsync()
    vfs.power_cut()
    with pytest.raises(SimulatedCrash):
        file.write(b"old handle")  # handles from before the power cut are dead
    vfs.open(tmp_path / "g", "create").write(b"after reboot")


def test_crash_after_counts_changing_operations(tmp_path: Path) -> None:
    vfs = FaultyVfs()
    vfs.crash_after(2)
    file = vfs.open(tmp_path / "f", "create")
    file.write(b"x")
    with pytest.raises(SimulatedCrash):
        file.fsync()
    assert vfs.crashed and vfs.counts == {"create": 1, "write": 1}


def test_an_injected_failure_fires_once(tmp_path: Path) -> None:
    vfs = FaultyVfs()
    file = vfs.open(tmp_path / "f", "create")
    vfs.fail_next("fsync", errno.EIO)
    with pytest.raises(OSError) as failure:
        file.fsync()
    assert failure.value.errno == errno.EIO
    file.fsync()
    assert not vfs.crashed
