"""Checkpoints: format, install protocol, log truncation, and crashes at every step of writing one."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from quietus.engine.wal import CorruptCheckpoint, WalMisuse, WriteAheadLog, recover, write_checkpoint
from quietus.engine.wal.checkpoint import list_checkpoints, read_checkpoint
from quietus.engine.wal.faulty_vfs import FaultyVfs, SimulatedCrash
from quietus.engine.wal.segment import parse_segment_file_name
from quietus.engine.wal.vfs import OsVfs
from tests.unit.test_wal_support import append_records, data_directory, expected, payload, replay, segments

SMALL_SEGMENT = 300


def state_at(lsn: int) -> list[bytes]:
    """The chunks of a made-up engine state as of ``lsn``: one per committed record, so it can be checked."""
    return [payload(n) for n in range(1, lsn + 1)]


def checkpoints(directory: Path) -> list[int]:
    return [lsn for lsn, _path in list_checkpoints(OsVfs(), directory / "checkpoint")]


def segment_ranges(directory: Path) -> list[int]:
    return [parse_segment_file_name(path.name) or 0 for path in segments(directory)]


def test_checkpoint_round_trip_streams_its_chunks(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    chunks = [b"", b"x", b"y" * 3_000_000, *state_at(50)]
    path = write_checkpoint(directory, 50, iter(chunks))
    assert path == directory / "checkpoint" / "0000000000000032.ckpt"
    recovered = recover(directory)
    assert recovered.checkpoint_lsn == 50
    stream = recovered.checkpoint_chunks()
    assert isinstance(stream, Iterator)
    assert list(stream) == chunks
    assert replay(directory) == (50, chunks, [])


def test_install_removes_older_checkpoints_and_covered_segments(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 61), segment_size=SMALL_SEGMENT)
    write_checkpoint(directory, 20, state_at(20))
    firsts = segment_ranges(directory)
    assert firsts[0] <= 21 < firsts[1]  # the segment holding 21 is kept, the ones before it are gone
    write_checkpoint(directory, 45, state_at(45))
    assert checkpoints(directory) == [45]
    firsts = segment_ranges(directory)
    assert firsts[0] <= 46 < firsts[1]
    assert replay(directory) == (45, state_at(45), expected(range(46, 61)))


def test_the_last_segment_is_never_removed(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 61), segment_size=SMALL_SEGMENT)
    last = segments(directory)[-1]
    write_checkpoint(directory, 60, state_at(60))
    assert segments(directory) == [last]
    append_records(directory, range(61, 71), segment_size=SMALL_SEGMENT)
    assert replay(directory) == (60, state_at(60), expected(range(61, 71)))


def test_checkpoints_never_go_backwards(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    write_checkpoint(directory, 10, [b"ten"])
    write_checkpoint(directory, 10, [b"ten again"])  # the same LSN again is allowed
    with pytest.raises(WalMisuse):
        write_checkpoint(directory, 9, [b"nine"])
    assert replay(directory)[:2] == (10, [b"ten again"])


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_one(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 31))
    write_checkpoint(directory, 10, state_at(10))
    kept = directory / "checkpoint" / "000000000000000a.ckpt"
    saved = kept.read_bytes()
    newest = write_checkpoint(directory, 20, state_at(20))
    kept.write_bytes(saved)  # as if step 4 of the install had not run yet
    whole = newest.read_bytes()
    for index in (0, 40, len(whole) // 2, len(whole) - 1):
        damaged = bytearray(whole)
        damaged[index] ^= 0x04
        newest.write_bytes(bytes(damaged))
        recovered = recover(directory)
        assert recovered.invalid_checkpoints == (newest,)
        assert replay(directory) == (10, state_at(10), expected(range(11, 31)))
    newest.write_bytes(whole[:-1])
    assert replay(directory)[0] == 10


def test_reading_a_damaged_checkpoint_raises(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    path = write_checkpoint(directory, 5, state_at(5))
    whole = path.read_bytes()
    path.write_bytes(whole[:-3])
    with pytest.raises(CorruptCheckpoint):
        list(read_checkpoint(OsVfs(), path, 5))
    path.write_bytes(whole + b"\0")
    with pytest.raises(CorruptCheckpoint):
        list(read_checkpoint(OsVfs(), path, 5))
    path.write_bytes(whole)
    with pytest.raises(CorruptCheckpoint):
        list(read_checkpoint(OsVfs(), path, 6))  # a file renamed to another LSN


def test_a_leftover_temporary_file_is_ignored_then_removed(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    stale = directory / "checkpoint" / "0000000000000063.ckpt.tmp"
    stale.write_bytes(b"half a checkpoint")
    assert replay(directory)[0] == 0
    write_checkpoint(directory, 3, [b"three"])
    assert not stale.exists()


def _crash_while_checkpointing(baseline: Path, work: Path, arm: int, tear: bool) -> bool:
    """Copy ``baseline``, crash writing checkpoint 20 at operation ``arm``, cut the power.

    Returns whether the checkpoint completed before the fault fired.
    """
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(baseline, work)
    vfs = FaultyVfs()
    if tear:
        vfs.tear_next_write(arm)
    else:
        vfs.crash_after(arm)
    try:
        write_checkpoint(work, 20, state_at(20), vfs)
    except SimulatedCrash:
        vfs.power_cut()
        return False
    vfs.power_cut()
    return True


@pytest.mark.parametrize("tear", [False, True], ids=["crash-before-operation", "torn-write"])
def test_a_crash_at_any_step_of_a_checkpoint_leaves_a_usable_state(tmp_path: Path, tear: bool) -> None:
    baseline = data_directory(tmp_path / "baseline")
    append_records(baseline, range(1, 31), segment_size=SMALL_SEGMENT)
    write_checkpoint(baseline, 10, state_at(10))
    work = tmp_path / "work"
    outcomes = set()
    for arm in range(200):
        completed = _crash_while_checkpointing(baseline, work, arm * (97 if tear else 1), tear)
        checkpoint_lsn, chunks, records = replay(work)
        assert checkpoint_lsn in (10, 20), arm
        assert chunks == state_at(checkpoint_lsn), arm
        assert records == expected(range(checkpoint_lsn + 1, 31)), arm
        append_records(work, range(31, 33), segment_size=SMALL_SEGMENT)  # the log goes on
        assert replay(work)[2] == expected(range(checkpoint_lsn + 1, 33)), arm
        outcomes.add(checkpoint_lsn)
        if completed:
            break
    else:
        pytest.fail("the checkpoint never completed")
    assert outcomes == {10, 20}


def test_checkpoints_run_beside_a_busy_log(tmp_path: Path) -> None:
    """Checkpointing from another thread never removes a segment the writer still needs."""
    directory = data_directory(tmp_path)
    total = 400
    with WriteAheadLog.open(directory, segment_size=SMALL_SEGMENT) as log:
        done = threading.Event()
        installed: list[int] = []

        def checkpointer() -> None:
            while not done.is_set():
                lsn = log.durable_lsn
                if not installed or lsn > installed[-1]:
                    write_checkpoint(directory, lsn, state_at(lsn))
                    installed.append(lsn)

        thread = threading.Thread(target=checkpointer)
        thread.start()
        for lsn in range(1, total + 1):
            log.append(payload(lsn)).result(timeout=10)
        done.set()
        thread.join()
    assert len(installed) > 1
    checkpoint_lsn, chunks, records = replay(directory)
    assert checkpoint_lsn == installed[-1]
    assert chunks == state_at(checkpoint_lsn)
    assert records == expected(range(checkpoint_lsn + 1, total + 1))
