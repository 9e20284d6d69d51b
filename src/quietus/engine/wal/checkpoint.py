"""Checkpoints: the on-disk format, the install protocol, and log truncation.

A checkpoint is the engine's committed state as of an LSN, as opaque chunks of bytes (the engine
encodes them; this layer frames them). It lives in ``<data dir>/checkpoint/<LSN, 16 hex digits>.ckpt``.
All integers are little-endian.

Header, 32 bytes::

    offset  size  field
         0     4  magic b"QCKP"
         4     2  format version, 1
         6     2  flags, 0
         8     8  LSN: the checkpoint covers every log record <= LSN; equals the number in the file name
        16     8  salt: a random u64 chosen for this file
        24     4  reserved, 0
        28     4  CRC-32 of bytes 0..27

Frames follow, each a 12-byte frame header then a body::

    offset  size  field
         0     4  CRC-32 of  salt (8 bytes) || bytes 4..11 of this frame || body
         4     4  body length n; 0xFFFFFFFF marks the end frame
         8     4  chunk: index i = 0, 1, 2, ... ; end frame: the number of chunks
        12     n  chunk: the engine's bytes; end frame: 4 bytes, CRC-32 of every byte before the end frame

Validity rule: a checkpoint file is valid iff its header is valid (magic, version, CRC, LSN equal to
the name's), its chunk frames carry indexes 0, 1, ... in order with matching CRCs and bodies wholly
inside the file, then an end frame follows whose CRC matches, whose count equals the number of chunks
and whose whole-file CRC matches, and the file ends exactly there. A file is used only if it is valid
as a whole; recovery checks a file completely before it hands out its first chunk.

Install protocol (``write_checkpoint``), and why a crash at any step is safe:
  1. Remove stale ``*.tmp`` files.   Crash: they are ignored by recovery anyway.
  2. Write ``<lsn>.ckpt.tmp``, fsync it.  Crash: recovery ignores ``.tmp``; the old checkpoint and
     every log segment it needs are untouched.
  3. Rename to ``<lsn>.ckpt``, fsync the directory.  Crash before the directory fsync: either name
     survives; under the old one, as in 2; under the new one, the file is complete (it was fsynced).
     The old checkpoint is still there and so is all of the log, so either checkpoint recovers.
  4. Remove older checkpoints, then log segments whose records are all <= LSN, fsync both
     directories. Crash: the new checkpoint is durable; what remains of the old files is ignored
     (recovery takes the newest valid checkpoint and starts reading the log at its LSN + 1).
A segment is removed only when the next segment exists and starts at or below LSN + 1, so the segment
the log writer is appending to (always the last) is never removed, and neither is the one holding
LSN + 1. This is what lets the engine checkpoint from a worker thread while commits go on.
"""

from __future__ import annotations

import itertools
import secrets
import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from quietus.engine.crashpoints import crash_point
from quietus.engine.wal.datadir import CHECKPOINT_DIR, WAL_DIR
from quietus.engine.wal.exceptions import CorruptCheckpoint, WalMisuse
from quietus.engine.wal.framing import BlockReader
from quietus.engine.wal.segment import list_segments
from quietus.engine.wal.vfs import OsVfs, Vfs, VfsFile

MAGIC = b"QCKP"
VERSION = 1
SUFFIX = ".ckpt"
TEMPORARY_SUFFIX = ".tmp"
MAX_CHUNK = (1 << 30) - 1
END_MARK = 0xFFFFFFFF

_HEADER = struct.Struct("<4sHHQQI")  # magic, version, flags, LSN, salt, reserved; CRC follows
_CRC = struct.Struct("<I")
HEADER_SIZE = _HEADER.size + _CRC.size
_FRAME_BODY = struct.Struct("<II")  # length, index: the part of the frame header the CRC covers
_FRAME = struct.Struct("<III")
_WRITE_BUFFER = 1 << 20


def checkpoint_file_name(lsn: int) -> str:
    return f"{lsn:016x}{SUFFIX}"


def list_checkpoints(vfs: Vfs, checkpoint_directory: Path) -> list[tuple[int, Path]]:
    """Every installed checkpoint file as (LSN, path), oldest first; ``.tmp`` files are not listed."""
    found = []
    for name in vfs.listdir(checkpoint_directory):
        stem = name[: -len(SUFFIX)]
        if name.endswith(SUFFIX) and len(stem) == 16:
            try:
                found.append((int(stem, 16), checkpoint_directory / name))
            except ValueError:
                continue
    return sorted(found)


class _FrameWriter:
    """Frames chunks into a buffer, flushes it in large writes, and keeps the whole-file CRC."""

    def __init__(self, file: VfsFile, lsn: int) -> None:
        self._file = file
        salt = secrets.randbits(64)
        self._seed = zlib.crc32(salt.to_bytes(8, "little"))
        self._buffer = bytearray()
        self._file_crc = 0
        self.chunks = 0
        head = _HEADER.pack(MAGIC, VERSION, 0, lsn, salt, 0)
        self._put(head + _CRC.pack(zlib.crc32(head)))

    def chunk(self, data: bytes) -> None:
        if len(data) > MAX_CHUNK:
            raise WalMisuse(f"checkpoint chunk of {len(data)} bytes exceeds the limit of {MAX_CHUNK}")
        self._frame(len(data), self.chunks, data)
        self.chunks += 1

    def finish(self) -> None:
        self._flush()
        self._frame(END_MARK, self.chunks, _CRC.pack(self._file_crc))
        self._flush()

    def _frame(self, length: int, index: int, body: bytes) -> None:
        head = _FRAME_BODY.pack(length, index)
        self._put(_CRC.pack(zlib.crc32(body, zlib.crc32(head, self._seed))) + head)
        self._put(body)

    def _put(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= _WRITE_BUFFER:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            data = bytes(self._buffer)
            self._file_crc = zlib.crc32(data, self._file_crc)
            self._file.write(data)
            self._buffer.clear()


def write_checkpoint(directory: Path, lsn: int, chunks: Iterable[bytes], vfs: Vfs | None = None) -> Path:
    """Write and install a checkpoint covering every record <= ``lsn``; then drop what it makes obsolete.

    Runs in the caller's thread. ``directory`` is the data directory. Returns the installed file.
    """
    vfs = vfs or OsVfs()
    checkpoint_directory = directory / CHECKPOINT_DIR
    older = list_checkpoints(vfs, checkpoint_directory)
    if older and older[-1][0] > lsn:
        raise WalMisuse(f"checkpoint at LSN {lsn} is older than the installed one at LSN {older[-1][0]}")
    for name in vfs.listdir(checkpoint_directory):
        if name.endswith(TEMPORARY_SUFFIX):
            vfs.remove(checkpoint_directory / name)

    target = checkpoint_directory / checkpoint_file_name(lsn)
    temporary = target.with_name(target.name + TEMPORARY_SUFFIX)
    file = vfs.open(temporary, "create")
    try:
        writer = _FrameWriter(file, lsn)
        for chunk in chunks:
            writer.chunk(chunk)
            crash_point("checkpoint-chunk")
        writer.finish()
        file.fsync()
    finally:
        file.close()
    vfs.rename(temporary, target)
    vfs.fsync_dir(checkpoint_directory)
    crash_point("checkpoint-installed")

    for older_lsn, path in older:
        if older_lsn < lsn:
            vfs.remove(path)
    vfs.fsync_dir(checkpoint_directory)
    remove_covered_segments(vfs, directory / WAL_DIR, lsn)
    return target


def remove_covered_segments(vfs: Vfs, wal_directory: Path, lsn: int) -> list[Path]:
    """Remove the log segments whose records are all <= ``lsn``; return them."""
    segments = list_segments(vfs, wal_directory)
    removed = [
        path for (_first, path), (next_first, _next) in itertools.pairwise(segments) if next_first <= lsn + 1
    ]
    for path in removed:
        vfs.remove(path)
    if removed:
        vfs.fsync_dir(wal_directory)
    return removed


def read_checkpoint(vfs: Vfs, path: Path, lsn: int) -> Iterator[bytes]:
    """The chunks of a checkpoint file, streamed; raises ``CorruptCheckpoint`` where the file fails a check.

    The last check (the end frame) comes after the last chunk: callers that must not act on a bad
    file run ``is_valid_checkpoint`` first.
    """
    file = vfs.open(path, "read")
    try:
        reader = BlockReader(file)
        size = file.size()
        head = reader.take(HEADER_SIZE)
        if head is None:
            raise CorruptCheckpoint(f"{path}: header cut short")
        magic, version, _flags, header_lsn, salt, _reserved = _HEADER.unpack_from(head)
        (crc,) = _CRC.unpack_from(head, _HEADER.size)
        if magic != MAGIC or version != VERSION or crc != zlib.crc32(head[: _HEADER.size]):
            raise CorruptCheckpoint(f"{path}: invalid header")
        if header_lsn != lsn:
            raise CorruptCheckpoint(f"{path}: header says LSN {header_lsn}, the name says {lsn}")
        yield from _read_frames(reader, path, size, zlib.crc32(salt.to_bytes(8, "little")), zlib.crc32(head))
    finally:
        file.close()


def _read_frames(reader: BlockReader, path: Path, size: int, seed: int, file_crc: int) -> Iterator[bytes]:
    index = 0
    while True:
        frame = reader.take(_FRAME.size)
        if frame is None:
            raise CorruptCheckpoint(f"{path}: ends before its end frame")
        crc, length, frame_index = _FRAME.unpack(frame)
        is_end = length == END_MARK
        body_length = _CRC.size if is_end else length
        if frame_index != index or reader.offset + body_length > size:
            raise CorruptCheckpoint(f"{path}: frame {index} is out of order or cut short")
        body = reader.take(body_length)
        if body is None or zlib.crc32(body, zlib.crc32(frame[_CRC.size :], seed)) != crc:
            raise CorruptCheckpoint(f"{path}: frame {index} fails its checksum")
        if is_end:
            if _CRC.unpack(body)[0] != file_crc or reader.offset != size:
                raise CorruptCheckpoint(f"{path}: whole-file checksum mismatch or bytes after the end")
            return
        file_crc = zlib.crc32(body, zlib.crc32(frame, file_crc))
        index += 1
        yield body


def is_valid_checkpoint(vfs: Vfs, path: Path, lsn: int) -> bool:
    """Whether the file passes every check (it is read completely)."""
    try:
        for _chunk in read_checkpoint(vfs, path, lsn):
            pass
    except (CorruptCheckpoint, OSError):
        return False
    return True
