"""The data directory: its layout, its version, and the lock that gives it one owner.

Layout::

    <data dir>/VERSION          "1\\n": the layout version, written once
    <data dir>/quietus.lock     the owner's pid; flock()ed exclusively while the owner runs
    <data dir>/wal/             log segments (see segment.py)
    <data dir>/checkpoint/      checkpoints (see checkpoint.py)

Invariant: at most one ``DataDirectoryLock`` holds a directory at a time, across processes and within
one (flock locks belong to an open file description, so a second open in the same process conflicts
too). The kernel drops the lock when the owner dies, however it dies, so a stale pid in the file never
blocks a restart.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from quietus.engine.wal.exceptions import DataDirectoryInUse, UnsupportedDataDirectory
from quietus.engine.wal.vfs import OsVfs

WAL_DIR = "wal"
CHECKPOINT_DIR = "checkpoint"
VERSION_FILE = "VERSION"
LOCK_FILE = "quietus.lock"
LAYOUT_VERSION = "1"


def init_data_directory(directory: Path) -> None:
    """Create the layout if it is missing; accept an existing one of the same version. Idempotent."""
    directory.mkdir(parents=True, exist_ok=True)
    for sub in (WAL_DIR, CHECKPOINT_DIR):
        (directory / sub).mkdir(exist_ok=True)
    version_file = directory / VERSION_FILE
    if version_file.exists():
        found = version_file.read_text(encoding="ascii").strip()
        if found != LAYOUT_VERSION:
            raise UnsupportedDataDirectory(
                f"data directory {directory} has layout version {found!r}; "
                f"this build reads {LAYOUT_VERSION!r}"
            )
        return
    temporary = version_file.with_name(VERSION_FILE + ".tmp")
    with open(temporary, "w", encoding="ascii") as out:
        out.write(LAYOUT_VERSION + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, version_file)
    OsVfs().fsync_dir(directory)


class DataDirectoryLock:
    """An exclusive lock on a data directory, taken on construction and held until ``release``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        path = directory / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise DataDirectoryInUse(directory, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            # Closing drops the flock; the pid stays in the file, harmlessly, for the next owner to overwrite.
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirectoryLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode("ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
