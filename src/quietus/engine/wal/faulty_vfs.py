"""A real-file-system ``Vfs`` that injects faults: torn writes, failed calls, crashes and power cuts.

For the fault-injection tests (as SQLite's test VFS). Faults are armed by the test and fire once:

* ``tear_next_write(keep)``: the next write stores only its first ``keep`` bytes; then the machine
  crashes (``SimulatedCrash``; every later operation raises it too, until ``power_cut``).
* ``crash_after(n)``: ``n`` more changing operations succeed, the next one crashes before it happens.
* ``fail_next(operation, errno)``: the next ``write``/``fsync``/``fsync_dir``/``rename``/... raises
  ``OSError`` without doing anything, as a full disk or a failing device does; the machine goes on.
* ``hold_fsyncs()`` / ``release_fsyncs()``: fsyncs wait at a gate, so a test can pile up appends
  while the writer is inside one (``fsync_entered`` is set when one arrives).
* ``power_cut()``: the machine loses power and reboots. Every directory this Vfs touched is put back
  as it was at its last ``fsync_dir`` (names created, renamed or removed since are undone), and every
  file in it holds what it held at its last ``fsync``. That is the worst POSIX allows; real file
  systems usually keep more.

Model: a file is known by a uid (first seen inode); ``_durable_data[uid]`` is its content at its last
fsync, ``_durable_names[directory]`` maps names to uids as of the directory's last fsync. A directory
(and the files in it) counts as durable as found the first time this Vfs touches it.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import itertools
import os
import threading
from pathlib import Path

from quietus.engine.wal.vfs import OpenMode, OsFile, VfsFile


class SimulatedCrash(Exception):
    """The simulated machine stopped: this operation, and every later one, did not happen."""


class FaultyFile(OsFile):
    def __init__(self, vfs: FaultyVfs, path: Path, mode: OpenMode) -> None:
        super().__init__(path, mode)
        self._vfs = vfs
        self._generation = vfs.generation
        # A second descriptor on the same inode, to read what an fsync made durable.
        self._reader = os.open(path, os.O_RDONLY)

    def write(self, data: bytes) -> None:
        keep = self._vfs.before("write", self.path, self._generation, len(data))
        super().write(data[:keep])
        if keep < len(data):
            self._vfs.crash()

    def write_at(self, data: bytes, offset: int) -> None:
        keep = self._vfs.before("write", self.path, self._generation, len(data))
        super().write_at(data[:keep], offset)
        if keep < len(data):
            self._vfs.crash()

    def fsync(self) -> None:
        self._vfs.before("fsync", self.path, self._generation)
        super().fsync()
        self._vfs.file_synced(self._reader)

    def truncate(self, size: int) -> None:
        self._vfs.before("truncate", self.path, self._generation)
        super().truncate(size)

    def close(self) -> None:
        if self._reader >= 0:
            os.close(self._reader)
            self._reader = -1
        super().close()


class FaultyVfs:
    """See the module docstring. Thread-safe: the log writer thread and the test share it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.counts: collections.Counter[str] = collections.Counter()
        """Operations carried out, by name: write, fsync, fsync_dir, truncate, rename, remove, create."""
        self.generation = 0
        self.crashed = False
        self._countdown: int | None = None
        self._tear: int | None = None
        self._failures: dict[str, int] = {}
        self._gate: threading.Event | None = None
        self.fsync_entered = threading.Event()
        self._uids = itertools.count(1)
        self._uid_of_inode: dict[int, int] = {}
        self._durable_data: dict[int, bytes] = {}
        self._durable_names: dict[Path, dict[str, int]] = {}

    # ---- arming faults ---------------------------------------------------------------------------

    def tear_next_write(self, keep: int) -> None:
        self._tear = keep

    def crash_after(self, operations: int) -> None:
        self._countdown = operations

    def fail_next(self, operation: str, error: int = errno.EIO) -> None:
        self._failures[operation] = error

    def disarm(self) -> None:
        """Take back every armed fault that has not fired."""
        with self._lock:
            self._countdown = self._tear = None
            self._failures.clear()

    def hold_fsyncs(self) -> None:
        self.fsync_entered.clear()
        self._gate = threading.Event()

    def release_fsyncs(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.set()

    # ---- the Vfs protocol --------------------------------------------------------------------------

    def open(self, path: Path, mode: OpenMode) -> VfsFile:
        if mode != "read":
            self._track(path.parent)
            self.before("create" if mode == "create" else "open", path, self.generation)
            if mode == "create" and not path.exists():
                file = FaultyFile(self, path, mode)
                self._forget(path)  # a new inode, perhaps a recycled number
                return file
        return FaultyFile(self, path, mode)

    def rename(self, source: Path, target: Path) -> None:
        self._track(source.parent)
        self._track(target.parent)
        self.before("rename", source, self.generation)
        if target.exists():
            self._forget(target)
        os.replace(source, target)

    def remove(self, path: Path) -> None:
        self._track(path.parent)
        self.before("remove", path, self.generation)
        self._forget(path)
        os.remove(path)

    def listdir(self, directory: Path) -> list[str]:
        return sorted(os.listdir(directory))

    def fsync_dir(self, directory: Path) -> None:
        self._track(directory)
        self.before("fsync_dir", directory, self.generation)
        with self._lock:
            self._durable_names[directory] = self._names(directory)

    # ---- power ------------------------------------------------------------------------------------

    def crash(self) -> None:
        with self._lock:
            self.crashed = True
        raise SimulatedCrash("simulated crash")

    def power_cut(self) -> None:
        """Lose everything not yet durable, then come back up with every fault disarmed."""
        with self._lock:
            for directory, names in self._durable_names.items():
                for name in os.listdir(directory):
                    if (directory / name).is_file():
                        os.remove(directory / name)
                for name, uid in names.items():
                    (directory / name).write_bytes(self._durable_data.get(uid, b""))
            self._durable_names.clear()
            self._durable_data.clear()
            self._uid_of_inode.clear()
            self.crashed = False
            self.disarm()
            self.generation += 1

    # ---- internals ----------------------------------------------------------------------------------

    def before(self, operation: str, path: Path, generation: int, size: int = 0) -> int:
        """Account for a changing operation about to run; raise the armed fault. Returns bytes to write."""
        gate = self._gate if operation == "fsync" else None
        if gate is not None:  # wait first, so that a failure armed meanwhile hits this fsync
            self.fsync_entered.set()
            gate.wait()
        with self._lock:
            if self.crashed or generation != self.generation:
                raise SimulatedCrash(f"{operation} {path} after the crash")
            if self._countdown is not None:
                if self._countdown == 0:
                    self.crashed = True
                    raise SimulatedCrash(f"simulated crash before {operation} {path}")
                self._countdown -= 1
            failure = self._failures.pop(operation, None)
            if failure is not None:
                raise OSError(failure, f"injected {operation} failure", str(path))
            self.counts[operation] += 1
            keep = size
            if operation == "write" and self._tear is not None:
                keep, self._tear = min(self._tear, size), None
        return keep

    def file_synced(self, fd: int) -> None:
        with self._lock:
            status = os.fstat(fd)
            self._durable_data[self._uid(status.st_ino)] = os.pread(fd, status.st_size, 0)

    def _uid(self, inode: int) -> int:
        if inode not in self._uid_of_inode:
            self._uid_of_inode[inode] = next(self._uids)
        return self._uid_of_inode[inode]

    def _forget(self, path: Path) -> None:
        with self._lock, contextlib.suppress(FileNotFoundError):
            self._uid_of_inode.pop(path.stat().st_ino, None)

    def _names(self, directory: Path) -> dict[str, int]:
        return {
            name: self._uid((directory / name).stat().st_ino)
            for name in os.listdir(directory)
            if (directory / name).is_file()
        }

    def _track(self, directory: Path) -> None:
        with self._lock:
            if directory in self._durable_names:
                return
            names = self._names(directory)
            self._durable_names[directory] = names
            for name, uid in names.items():
                self._durable_data.setdefault(uid, (directory / name).read_bytes())
