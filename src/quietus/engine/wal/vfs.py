"""The file-system seam: every byte the WAL layer reads or writes goes through a ``Vfs``.

As SQLite's VFS, this is the one place where tests inject faults (``FaultyVfs`` in ``faulty_vfs``):
torn writes, failed fsyncs, and power cuts that lose whatever was not yet synced.

Invariants of the seam (``OsVfs`` keeps them; a fault-injecting Vfs may break them on purpose):
  1. ``VfsFile.write`` writes the whole buffer at the end of the file, or raises.
  2. Data is durable only after ``VfsFile.fsync`` returned; a name (create, rename, remove) is durable only
     after ``Vfs.fsync_dir`` of its directory returned.
  3. ``VfsFile.read`` is sequential from offset 0 and returns ``b""`` only at the end of the file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Literal, Protocol

OpenMode = Literal["read", "append", "update", "create"]
"""``read``: existing file, read only; ``append``: existing file, writes go to its end; ``update``: existing
file, ``write_at`` anywhere; ``create``: create or empty the file, ``write`` goes on where the last one ended
(from its start), ``write_at`` anywhere."""

OPEN_FLAGS: dict[OpenMode, int] = {
    "read": os.O_RDONLY,
    "append": os.O_WRONLY | os.O_APPEND,
    "update": os.O_WRONLY,
    "create": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
}


class VfsFile(Protocol):
    def read(self, size: int) -> bytes: ...

    def write(self, data: bytes) -> None: ...

    def write_at(self, data: bytes, offset: int) -> None: ...

    def fsync(self) -> None: ...

    def truncate(self, size: int) -> None: ...

    def size(self) -> int: ...

    def close(self) -> None: ...


class Vfs(Protocol):
    def open(self, path: Path, mode: OpenMode) -> VfsFile: ...

    def rename(self, source: Path, target: Path) -> None: ...

    def remove(self, path: Path) -> None: ...

    def listdir(self, directory: Path) -> list[str]: ...

    def fsync_dir(self, directory: Path) -> None: ...


# fdatasync also persists a size change, which is all an append needs, and skips the inode times.
_sync = getattr(os, "fdatasync", os.fsync)


class FileIo:
    """The I/O of one directory's files (a database file in SQL Server's words: the log's segments, or the
    checkpoints) since start: what sys.dm_io_virtual_file_stats reports.  Syncs count as write stall."""

    __slots__ = ("bytes_read", "bytes_written", "read_seconds", "reads", "write_seconds", "writes")

    def __init__(self) -> None:
        self.reads = 0
        self.bytes_read = 0
        self.read_seconds = 0.0
        self.writes = 0
        self.bytes_written = 0
        self.write_seconds = 0.0


class IoStatistics:
    """The process's file I/O through ``OsFile`` since start: what @@TOTAL_READ, @@TOTAL_WRITE, @@TOTAL_ERRORS and
    @@IO_BUSY report (one server per process; embedded instances in one process share these), and per directory
    (``directory``).  The process's reads, writes and busy time are the sums of its directories'."""

    __slots__ = ("_directories", "errors")

    def __init__(self) -> None:
        self.errors = 0
        self._directories: dict[Path, FileIo] = {}

    def directory(self, path: Path) -> FileIo:
        """The counters of the files in ``path`` (made on first use)."""
        found = self._directories.get(path)
        if found is None:
            found = self._directories.setdefault(path, FileIo())
        return found

    def _each(self) -> list[FileIo]:
        return list(self._directories.values())  # one C call: safe while another thread adds a directory

    @property
    def reads(self) -> int:
        return sum(io.reads for io in self._each())

    @property
    def writes(self) -> int:
        return sum(io.writes for io in self._each())

    @property
    def busy_seconds(self) -> float:
        """Time in reads, writes and syncs."""
        return sum(io.read_seconds + io.write_seconds for io in self._each())


IO = IoStatistics()


class OsFile:
    """A raw file descriptor: no user-space buffering, so a returned ``write`` is in the kernel."""

    def __init__(self, path: Path, mode: OpenMode) -> None:
        self.path = path
        self._fd = os.open(path, OPEN_FLAGS[mode], 0o644)
        self._io = IO.directory(path.parent)

    def read(self, size: int) -> bytes:
        started = time.perf_counter()
        data = b""
        try:
            data = os.read(self._fd, size)
            return data
        finally:
            io = self._io
            io.reads += 1
            io.bytes_read += len(data)
            io.read_seconds += time.perf_counter() - started

    def write(self, data: bytes) -> None:
        self._write_all(data, None)

    def write_at(self, data: bytes, offset: int) -> None:
        """Write all of ``data`` at ``offset`` (not in ``append`` mode, where Linux appends whatever the offset)."""
        self._write_all(data, offset)

    def _write_all(self, data: bytes, offset: int | None) -> None:
        started = time.perf_counter()
        view = memoryview(data)
        done = 0
        try:
            while done < len(data):
                rest = view[done:]
                done += os.write(self._fd, rest) if offset is None else os.pwrite(self._fd, rest, offset + done)
        except OSError:
            IO.errors += 1
            raise
        finally:
            io = self._io
            io.writes += 1
            io.bytes_written += done
            io.write_seconds += time.perf_counter() - started

    def fsync(self) -> None:
        started = time.perf_counter()
        try:
            _sync(self._fd)
        except OSError:
            IO.errors += 1
            raise
        finally:
            self._io.write_seconds += time.perf_counter() - started

    def truncate(self, size: int) -> None:
        os.ftruncate(self._fd, size)

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class OsVfs:
    """The real file system. Stateless, so any thread may use it."""

    def open(self, path: Path, mode: OpenMode) -> VfsFile:
        return OsFile(path, mode)

    def rename(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    def remove(self, path: Path) -> None:
        os.remove(path)

    def listdir(self, directory: Path) -> list[str]:
        return sorted(os.listdir(directory))

    def fsync_dir(self, directory: Path) -> None:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
