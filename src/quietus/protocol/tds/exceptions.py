"""The two ways a TDS conversation can go wrong, split at the codec's boundary.

* ``LocalProtocolError``: *we* misused the codec (sent a reply in the wrong state, gave a value that does
  not fit its column).  It is raised to the caller: it is a bug in the server, not in the client.
* ``RemoteProtocolError``: the *peer* sent something malformed or out of order.  Parsers raise it
  internally; ``TdsServerConnection`` catches it and turns it into a ``ProtocolError`` event, so bad peer
  input never escapes as an exception.  The server glue answers that event by closing the connection.
"""

from __future__ import annotations


class LocalProtocolError(Exception):
    """The server used the codec wrongly; the message says how."""


class RemoteProtocolError(Exception):
    """The client broke the protocol; ``reason`` is fit for a log line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
