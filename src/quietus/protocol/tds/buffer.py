"""The receive buffer: bytes from the socket wait here until a whole frame can be taken.

Reading is transactional so a parser can give up half-way through a frame without losing bytes:
``consume_exactly`` advances a cursor (or returns ``None`` if the bytes are not there yet), ``commit``
drops everything consumed so far, ``rollback`` returns the cursor to the last commit.

Invariant: bytes before the last commit are gone; bytes after it are exactly what the peer sent and
nobody has accepted yet.
"""

from __future__ import annotations


class ReceiveBuffer:
    __slots__ = ("_data", "_head")

    def __init__(self) -> None:
        self._data = bytearray()
        self._head = 0

    def feed(self, data: bytes) -> None:
        self._data += data

    def __len__(self) -> int:
        """Bytes not yet consumed."""
        return len(self._data) - self._head

    def peek(self, n: int) -> bytes:
        return bytes(self._data[self._head : self._head + n])

    def consume_exactly(self, n: int) -> bytes | None:
        if len(self) < n:
            return None
        start = self._head
        self._head += n
        return bytes(self._data[start : self._head])

    def commit(self) -> None:
        del self._data[: self._head]
        self._head = 0

    def rollback(self) -> None:
        self._head = 0

    def clear(self) -> None:
        self._data.clear()
        self._head = 0
