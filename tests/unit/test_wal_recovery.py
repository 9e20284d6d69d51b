"""Recovery: read-only, gap-free, consistent with where the log writer goes on; power cuts."""

from __future__ import annotations

from pathlib import Path

import pytest

from quietus.engine.wal import CorruptLog, LogFailed, WalMisuse, WriteAheadLog, recover, write_checkpoint
from quietus.engine.wal.faulty_vfs import FaultyVfs, SimulatedCrash
from quietus.engine.wal.log import PREALLOCATE
from quietus.engine.wal.segment import HEADER_SIZE, RECORD_HEADER_SIZE, Stop
from quietus.engine.wal.vfs import IO
from tests.unit.test_wal_support import append_records, data_directory, expected, payload, replay, segments


def test_recover_changes_nothing_open_repairs(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 4))
    (segment,) = segments(directory)
    intact = segment.read_bytes()
    segment.write_bytes(intact + b"torn garbage")
    recovered = recover(directory)
    assert list(recovered.records()) == expected(range(1, 4))
    assert recovered.end is not None and recovered.end.stop is Stop.TORN
    assert segment.read_bytes() == intact + b"torn garbage"
    with WriteAheadLog.open(directory, recovered=recovered) as log:
        assert log.last_lsn == 3
    assert segment.read_bytes() == intact


def test_open_reuses_a_replayed_recovery(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 11))
    write_checkpoint(directory, 4, [b"four"])
    recovered = recover(directory)
    assert list(recovered.checkpoint_chunks()) == [b"four"]
    assert list(recovered.records()) == expected(range(5, 11))
    with WriteAheadLog.open(directory, recovered=recovered) as log:
        assert log.append(payload(11)).result(timeout=10) == 11
    assert replay(directory) == (4, [b"four"], expected(range(5, 12)))


def test_a_hole_between_checkpoint_and_log_is_refused(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 61), segment_size=300)
    segments(directory)[0].unlink()  # records 1.. gone, and no checkpoint covers them
    with pytest.raises(CorruptLog, match="missing"):
        recover(directory)
    with pytest.raises(CorruptLog):
        WriteAheadLog.open(directory)


def test_an_empty_data_directory_recovers_to_nothing(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    assert replay(directory) == (0, [], [])
    with pytest.raises(WalMisuse):
        recover(tmp_path / "not-a-data-directory")


def test_a_power_cut_keeps_exactly_the_acknowledged_records(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    log = WriteAheadLog.open(directory, vfs, segment_size=400)
    acknowledged = [log.append(payload(lsn)).result(timeout=10) for lsn in range(1, 21)]
    vfs.hold_fsyncs()
    unacknowledged = [log.append(payload(lsn)) for lsn in range(21, 31)]
    assert vfs.fsync_entered.wait(10)  # written, not yet synced
    vfs.power_cut()
    vfs.release_fsyncs()
    for future in unacknowledged:
        with pytest.raises(LogFailed):
            future.result(timeout=10)
    log.close()
    assert replay(directory)[2] == expected(range(1, acknowledged[-1] + 1))
    append_records(directory, range(21, 25), segment_size=400)
    assert replay(directory)[2] == expected(range(1, 25))


def test_a_torn_write_then_power_cut_recovers_to_the_last_durable_record(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    log = WriteAheadLog.open(directory, vfs)
    assert log.append(payload(1)).result(timeout=10) == 1
    vfs.tear_next_write(10)
    with pytest.raises(LogFailed) as failure:
        log.append(payload(2)).result(timeout=10)
    assert isinstance(failure.value.__cause__, SimulatedCrash)
    log.close()
    assert replay(directory)[2] == expected(range(1, 2))  # the torn bytes are on disk: process crash
    vfs.power_cut()
    assert replay(directory)[2] == expected(range(1, 2))


def test_the_zeros_a_segment_grows_ahead_in_end_the_log_and_are_cut_off_on_reopen(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    log = WriteAheadLog.open(directory, vfs)
    log.sync(log.enqueue(payload(1)))  # grows the segment
    io = IO.directory(directory / "wal")
    written = io.bytes_written
    for lsn in range(2, 11):
        log.sync(log.enqueue(payload(lsn)))
    assert io.bytes_written - written == sum(RECORD_HEADER_SIZE + len(payload(lsn)) for lsn in range(2, 11))
    [segment] = segments(directory)
    used = HEADER_SIZE + sum(RECORD_HEADER_SIZE + len(payload(lsn)) for lsn in range(1, 11))
    grown = HEADER_SIZE + PREALLOCATE
    assert segment.stat().st_size == grown and segment.read_bytes()[used:] == bytes(grown - used)
    vfs.power_cut()  # the zeros were fsynced with the first batch: they survive
    vfs.release_fsyncs()
    log.close()
    assert segment.stat().st_size == grown
    assert replay(directory)[2] == expected(range(1, 11))
    with WriteAheadLog.open(directory) as reopened:
        assert segment.stat().st_size == used  # cut back before anything is appended
        assert reopened.append(payload(11)).result(timeout=10) == 11
    assert replay(directory)[2] == expected(range(1, 12))
