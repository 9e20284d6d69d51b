"""Log segments: the on-disk format of the write-ahead log, and the rule for a valid record.

The log is a sequence of segment files ``<data dir>/wal/<first LSN, 16 lower-case hex digits>.log``.
Each holds a header and then records with consecutive LSNs. All integers are little-endian.

Segment header, 32 bytes::

    offset  size  field
         0     4  magic  b"QWAL"
         4     2  format version, 1
         6     2  flags, 0
         8     8  salt: a random u64 chosen when the segment file is created
        16     8  first LSN: the LSN of the segment's first record; equals the number in the file name
        24     4  reserved, 0
        28     4  CRC-32 of bytes 0..27

Record, a 16-byte header then the payload::

    offset  size  field
         0     4  CRC-32 of  salt (8 bytes) || bytes 4..15 of this record || payload
         4     4  payload length n (at most MAX_PAYLOAD)
         8     8  LSN
        16     n  payload: opaque bytes, encoded by the engine

Validity rule. The header is valid iff it is wholly present, its magic, version and CRC check out and
its first LSN equals the number in the file name. Reading from the header on, a record is valid iff
  (a) all 16 + n bytes of it lie inside the file,
  (b) its LSN is the previous valid record's LSN + 1 (the first record's equals the header's first LSN),
  (c) its CRC matches, computed with this segment's salt.
The segment's log ends at the first record that is not valid; whatever follows is not part of the log
(a torn tail after a crash). Recovery truncates the file there, so new records never follow garbage.

Why each check: (a) catches a write torn by a crash; (b) catches a stale record from an earlier life
of the file with the right salt but the wrong place; (c) catches bit rot, and, through the salt, a
stale record left behind by an earlier segment file of the same name (a new file gets a new salt).
Chaining the CRCs from record to record (as SQLite does) would add nothing: (b) and the salt already
tie each record to its place, and every record is read in order anyway.

Segments chain: segment k + 1 is part of the log only if its first LSN is segment k's last valid
LSN + 1 (``recovery.scan_log`` applies this). The writer fsyncs segment k before it creates k + 1.
"""

from __future__ import annotations

import enum
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from quietus.engine.wal.framing import BlockReader
from quietus.engine.wal.vfs import Vfs

MAGIC = b"QWAL"
VERSION = 1
SUFFIX = ".log"
MAX_PAYLOAD = 1 << 30

_HEADER = struct.Struct("<4sHHQQI")  # magic, version, flags, salt, first LSN, reserved; CRC follows
_HEADER_CRC = struct.Struct("<I")
HEADER_SIZE = _HEADER.size + _HEADER_CRC.size
_RECORD_CRC = struct.Struct("<I")
_RECORD_BODY = struct.Struct("<IQ")  # payload length, LSN: the part of the record header the CRC covers
RECORD_HEADER_SIZE = _RECORD_CRC.size + _RECORD_BODY.size
_RECORD = struct.Struct("<IIQ")


class Stop(enum.Enum):
    """Why a segment's log ended where it did."""

    END_OF_FILE = "end of file"
    TORN = "record cut short by the end of the file"
    SEQUENCE = "record has an LSN out of sequence"
    CHECKSUM = "record checksum mismatch"
    TOO_LONG = "record length beyond the format's limit"
    BAD_HEADER = "segment header missing or invalid"


def segment_file_name(first_lsn: int) -> str:
    return f"{first_lsn:016x}{SUFFIX}"


def parse_segment_file_name(name: str) -> int | None:
    """The first LSN a segment file name announces, or None for a file that is not a segment."""
    stem = name[: -len(SUFFIX)]
    if not name.endswith(SUFFIX) or len(stem) != 16:
        return None
    try:
        return int(stem, 16)
    except ValueError:
        return None


def list_segments(vfs: Vfs, wal_directory: Path) -> list[tuple[int, Path]]:
    """Every segment file as (first LSN, path), in LSN order."""
    found = []
    for name in vfs.listdir(wal_directory):
        first_lsn = parse_segment_file_name(name)
        if first_lsn is not None:
            found.append((first_lsn, wal_directory / name))
    return sorted(found)


def encode_header(salt: int, first_lsn: int) -> bytes:
    head = _HEADER.pack(MAGIC, VERSION, 0, salt, first_lsn, 0)
    return head + _HEADER_CRC.pack(zlib.crc32(head))


def decode_header(data: bytes | None) -> tuple[int, int] | None:
    """(salt, first LSN) of a valid header, else None."""
    if data is None or len(data) != HEADER_SIZE:
        return None
    magic, version, _flags, salt, first_lsn, _reserved = _HEADER.unpack_from(data)
    (crc,) = _HEADER_CRC.unpack_from(data, _HEADER.size)
    if magic != MAGIC or version != VERSION or crc != zlib.crc32(data[: _HEADER.size]):
        return None
    return salt, first_lsn


def salt_seed(salt: int) -> int:
    """CRC-32 of the salt: the running CRC every record's checksum starts from."""
    return zlib.crc32(salt.to_bytes(8, "little"))


def encode_record(seed: int, lsn: int, payload: bytes) -> tuple[bytes, bytes]:
    """The record header for ``payload`` (which follows it unchanged) in a segment with salt seed ``seed``."""
    body = _RECORD_BODY.pack(len(payload), lsn)
    return _RECORD_CRC.pack(zlib.crc32(payload, zlib.crc32(body, seed))) + body, payload


class SegmentReader:
    """Reads the valid records of one segment, front to back, applying the validity rule.

    After ``records()`` is exhausted: ``stop`` says why the log ended, ``end_offset`` is the offset just
    past the last valid record (where a new record goes), ``last_lsn`` that record's LSN (first LSN - 1
    if there is none) and ``file_size`` the size of the file as read.
    """

    def __init__(self, vfs: Vfs, path: Path, first_lsn: int) -> None:
        self.vfs = vfs
        self.path = path
        self.first_lsn = first_lsn
        self.stop = Stop.BAD_HEADER
        self.end_offset = 0
        self.last_lsn = first_lsn - 1
        self.file_size = 0
        self.salt: int | None = None

    def records(self) -> Iterator[tuple[int, bytes]]:
        file = self.vfs.open(self.path, "read")
        try:
            self.file_size = file.size()
            reader = BlockReader(file)
            header = decode_header(reader.take(HEADER_SIZE))
            if header is None or header[1] != self.first_lsn:
                self.stop = Stop.BAD_HEADER
                return
            self.salt, _first = header
            self.end_offset = HEADER_SIZE
            yield from self._scan(reader, salt_seed(self.salt))
        finally:
            file.close()

    def _scan(self, reader: BlockReader, seed: int) -> Iterator[tuple[int, bytes]]:
        # The hot loop of recovery: it works on the reader's window in locals and hands the position
        # back only to refill, with one CRC call per record (the CRC-covered bytes, length || LSN ||
        # payload, are contiguous on disk). ``position`` only moves past valid records, so wherever
        # the scan stops, it marks the end of the log.
        unpack_from = _RECORD.unpack_from
        crc32 = zlib.crc32
        expected = self.first_lsn
        buffer, position = reader.buffer, reader.position
        try:
            while True:
                if position + RECORD_HEADER_SIZE > len(buffer):
                    reader.position = position
                    more = reader.ensure(RECORD_HEADER_SIZE)
                    buffer, position = reader.buffer, reader.position
                    if not more:
                        self.stop = Stop.END_OF_FILE if reader.offset == self.file_size else Stop.TORN
                        return
                crc, length, lsn = unpack_from(buffer, position)
                if lsn != expected:
                    self.stop = Stop.SEQUENCE
                    return
                end = position + RECORD_HEADER_SIZE + length
                if end > len(buffer):
                    reader.position = position
                    if length > MAX_PAYLOAD:
                        self.stop = Stop.TOO_LONG
                        return
                    # Check the size first: a damaged length must not make us read a gigabyte.
                    more = reader.offset + end - position <= self.file_size and reader.ensure(end - position)
                    buffer, position = reader.buffer, reader.position
                    if not more:
                        self.stop = Stop.TORN
                        return
                    end = position + RECORD_HEADER_SIZE + length
                if crc32(buffer[position + _RECORD_CRC.size : end], seed) != crc:
                    self.stop = Stop.CHECKSUM
                    return
                yield lsn, buffer[position + RECORD_HEADER_SIZE : end]
                position = end
                expected += 1
        finally:
            reader.position = position
            self.end_offset = reader.offset
            self.last_lsn = expected - 1
