"""Reading framed files sequentially in large blocks.

Log segments and checkpoints are read front to back, once, by recovery. ``BlockReader`` keeps a
window of the file in memory so that a record costs a slice, not a system call: a million small
records read at memory speed. A short read means the file ended inside the requested bytes; for both
formats that is the torn-tail case, so it is reported (``None``, ``False``) rather than raised.
"""

from __future__ import annotations

from quietus.engine.wal.vfs import VfsFile

BLOCK_SIZE = 1 << 20


class BlockReader:
    """A window ``buffer`` on the file; ``buffer[position]`` is the byte at file offset ``offset``.

    Hot loops may read ``buffer`` at ``position`` directly and move ``position`` forward, after
    ``ensure`` said the bytes are there.
    """

    __slots__ = ("_base", "_eof", "_file", "buffer", "position")

    def __init__(self, file: VfsFile) -> None:
        self._file = file
        self._base = 0  # file offset of buffer[0]
        self._eof = False
        self.buffer = b""
        self.position = 0

    @property
    def offset(self) -> int:
        return self._base + self.position

    def take(self, size: int) -> bytes | None:
        """Exactly the next ``size`` bytes, or None when fewer remain."""
        if self.position + size > len(self.buffer) and not self.ensure(size):
            return None
        start = self.position
        self.position = start + size
        return self.buffer[start : self.position]

    def ensure(self, size: int) -> bool:
        """Make ``buffer[position : position + size]`` available; False if the file ends first."""
        if self.position + size <= len(self.buffer):
            return True
        parts = [self.buffer[self.position :]]
        have = len(parts[0])
        while have < size and not self._eof:
            block = self._file.read(max(BLOCK_SIZE, size - have))
            if not block:
                self._eof = True
                break
            parts.append(block)
            have += len(block)
        self._base += self.position
        self.buffer = b"".join(parts)
        self.position = 0
        return have >= size
