"""The log segment format and its validity rule: torn tails, flipped bits, stale salts, roll-over."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from quietus.engine.wal import WriteAheadLog, recover
from quietus.engine.wal.segment import (
    HEADER_SIZE,
    RECORD_HEADER_SIZE,
    SegmentReader,
    Stop,
    decode_header,
    encode_header,
    parse_segment_file_name,
    segment_file_name,
)
from quietus.engine.wal.vfs import OsVfs
from tests.unit.test_wal_support import (
    append_records,
    data_directory,
    expected,
    payload,
    replay,
    segments,
)


def record_offsets(count: int) -> list[int]:
    """File offsets of records 1..count in a first segment written with ``payload``."""
    offsets = [HEADER_SIZE]
    for lsn in range(1, count):
        offsets.append(offsets[-1] + RECORD_HEADER_SIZE + len(payload(lsn)))
    return offsets


def test_records_round_trip(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 101))
    assert replay(directory) == (0, [], expected(range(1, 101)))


def test_segment_names_and_header_round_trip() -> None:
    assert segment_file_name(0x1F) == "000000000000001f.log"
    assert parse_segment_file_name("000000000000001f.log") == 0x1F
    assert parse_segment_file_name("000000000000001f.log.discarded") is None
    assert parse_segment_file_name("1f.log") is None
    header = encode_header(salt=0xDEADBEEF, first_lsn=42)
    assert len(header) == HEADER_SIZE
    assert decode_header(header) == (0xDEADBEEF, 42)
    for index in range(HEADER_SIZE):
        damaged = bytearray(header)
        damaged[index] ^= 0x10
        assert decode_header(bytes(damaged)) is None


def test_torn_tail_at_every_byte_of_the_last_record(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 6))
    (segment,) = segments(directory)
    whole = segment.read_bytes()
    last_start = record_offsets(5)[-1]
    assert len(whole) == last_start + RECORD_HEADER_SIZE + len(payload(5))
    for cut in range(last_start, len(whole)):
        segment.write_bytes(whole[:cut])
        assert replay(directory) == (0, [], expected(range(1, 5))), cut
        # Appending after recovery cuts the torn bytes off first: the new record 5 is readable.
        append_records(directory, range(5, 6), generation=1)
        assert segment.stat().st_size == last_start + RECORD_HEADER_SIZE + len(payload(5, 1))
        assert replay(directory)[2] == [*expected(range(1, 5)), (5, payload(5, 1))], cut


def test_flipped_bit_anywhere_in_the_middle_record_ends_the_log_before_it(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 6))
    (segment,) = segments(directory)
    whole = segment.read_bytes()
    start, end = record_offsets(4)[2:4]
    for index in range(start, end):
        damaged = bytearray(whole)
        damaged[index] ^= 1 << (index % 8)
        segment.write_bytes(bytes(damaged))
        assert replay(directory)[2] == expected(range(1, 3)), index
    # Opening cuts the log at the damaged record; the next record takes its LSN.
    append_records(directory, range(3, 4), generation=1)
    assert segment.stat().st_size == start + RECORD_HEADER_SIZE + len(payload(3, 1))
    assert replay(directory)[2] == [*expected(range(1, 3)), (3, payload(3, 1))]


def test_stop_reasons(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 4))
    (segment,) = segments(directory)
    whole = segment.read_bytes()
    third = record_offsets(3)[2]

    def stop_after(content: bytes) -> tuple[Stop, int, int]:
        segment.write_bytes(content)
        reader = SegmentReader(OsVfs(), segment, 1)
        for _record in reader.records():
            pass
        return reader.stop, reader.last_lsn, reader.end_offset

    assert stop_after(whole) == (Stop.END_OF_FILE, 3, len(whole))
    assert stop_after(whole[:-1]) == (Stop.TORN, 2, third)
    wrong_lsn = bytearray(whole)
    struct.pack_into("<Q", wrong_lsn, third + 8, 7)
    assert stop_after(bytes(wrong_lsn)) == (Stop.SEQUENCE, 2, third)
    huge = bytearray(whole)
    struct.pack_into("<I", huge, third + 4, 0xFFFFFFF0)
    assert stop_after(bytes(huge)) == (Stop.TOO_LONG, 2, third)
    flipped = bytearray(whole)
    flipped[-1] ^= 0xFF
    assert stop_after(bytes(flipped)) == (Stop.CHECKSUM, 2, third)
    assert stop_after(whole[:10]) == (Stop.BAD_HEADER, 0, 0)


def test_stale_records_under_another_salt_are_rejected(tmp_path: Path) -> None:
    """A segment file recreated under the same name must not pick up the old file's records."""
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 6))
    (segment,) = segments(directory)
    old = segment.read_bytes()
    segment.unlink()
    append_records(directory, range(1, 3), generation=1)  # a new 1.log, a new salt
    third = record_offsets(3)[2]
    with segment.open("ab") as out:
        out.write(old[third:])  # old records 3..5: right LSNs, right framing, old salt
    assert replay(directory)[2] == expected(range(1, 3), generation=1)


def test_roll_over_starts_segments_named_by_their_first_lsn(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 41), segment_size=300)
    files = segments(directory)
    assert len(files) > 5
    for path in files:
        first_lsn = parse_segment_file_name(path.name)
        assert first_lsn is not None
        data = path.read_bytes()
        assert decode_header(data[:HEADER_SIZE]) is not None
        assert struct.unpack_from("<Q", data, HEADER_SIZE + 8)[0] == first_lsn
        assert len(data) <= 300 or len(data) == HEADER_SIZE + RECORD_HEADER_SIZE + len(payload(first_lsn))
    assert replay(directory) == (0, [], expected(range(1, 41)))
    append_records(directory, range(41, 61), segment_size=300)
    assert replay(directory) == (0, [], expected(range(1, 61)))


def test_a_record_larger_than_a_segment_gets_a_segment_of_its_own(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    with WriteAheadLog.open(directory, segment_size=100) as log:
        lsns = [log.append(data).result(timeout=10) for data in (b"a", b"b" * 500, b"c")]
    assert lsns == [1, 2, 3]
    assert [parse_segment_file_name(path.name) for path in segments(directory)] == [1, 2, 3]
    assert replay(directory)[2] == [(1, b"a"), (2, b"b" * 500), (3, b"c")]


def test_damage_in_an_earlier_segment_ends_the_log_and_sets_later_ones_aside(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 41), segment_size=300)
    files = segments(directory)
    damaged = bytearray(files[1].read_bytes())
    damaged[-1] ^= 0xFF  # the last record of the second segment
    files[1].write_bytes(bytes(damaged))
    last_good = parse_segment_file_name(files[2].name)
    assert last_good is not None
    records = replay(directory)[2]
    assert records == expected(range(1, last_good - 1))
    recovered = recover(directory)
    assert recovered.log_end().beyond == tuple(files[2:])
    with WriteAheadLog.open(directory, segment_size=300) as log:
        assert log.last_lsn == last_good - 2
    assert segments(directory) == files[:2]
    assert sorted(path.name for path in (directory / "wal").glob("*.discarded")) == [
        path.name + ".discarded" for path in files[2:]
    ]


@pytest.mark.parametrize("keep", [0, 7, HEADER_SIZE - 1])
def test_a_segment_with_a_torn_header_is_set_aside(tmp_path: Path, keep: int) -> None:
    """A crash while a segment is being created leaves a file with a partial header."""
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 4))
    (first,) = segments(directory)
    torn = directory / "wal" / segment_file_name(4)
    torn.write_bytes(encode_header(1, 4)[:keep])
    assert replay(directory)[2] == expected(range(1, 4))
    append_records(directory, range(4, 6))
    assert replay(directory)[2] == expected(range(1, 6))
    assert (directory / "wal" / (torn.name + ".discarded")).exists()
    assert segments(directory) == [first]
