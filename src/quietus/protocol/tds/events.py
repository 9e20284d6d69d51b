"""What ``TdsServerConnection.next_event`` hands the server: frozen dataclasses, one per client act.

Request events (``SqlBatch``, ``RpcRequest``, ``TransactionManagerRequest``) are defined beside their
parsers in ``requests``; ``PreLoginRequest`` in ``prelogin``.  ``NEED_DATA`` and ``PAUSED`` are not
events but answers: feed more bytes, or act (reply / finish the response) before asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from quietus.protocol.tds.login7 import Login7
from quietus.protocol.tds.prelogin import PreLoginRequest
from quietus.protocol.tds.requests import (
    ResetConnection,
    RpcRequest,
    SqlBatch,
    TransactionManagerRequest,
)


@dataclass(frozen=True, slots=True)
class Login:
    """LOGIN7 arrived; answer with ``send_login_ack`` or ``send_login_failure``."""

    login7: Login7
    tds_version: int  # negotiated: the highest version we support not above the client's
    packet_size: int  # negotiated: the client's request clamped to 512..32767 (0 → 4096)


@dataclass(frozen=True, slots=True)
class TlsHandshake:
    """TLS handshake records the client sent inside PRELOGIN packets (TDS 7.x, after a PRELOGIN reply of
    OFF, ON or REQ).  Feed them to the server's TLS object; send what it answers with
    ``send_tls_handshake``; once the handshake is complete call ``tls_established``."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Attention:
    """The client cancels.  ``during_request``: a request was running (its response must end with
    DONE_ATTN, which ``ResponseWriter.finish`` adds); otherwise answer ``send_attention_ack``."""

    during_request: bool


@dataclass(frozen=True, slots=True)
class IgnoredRequest:
    """The client aborted a request mid-send (IGNORE bit); reply ``respond().finish(error=True)``."""

    packet_type: int
    reset: ResetConnection = ResetConnection.NONE


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """The peer broke the protocol; the connection is now CLOSED.  Close the socket; log ``reason``."""

    reason: str


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed its side (EOF).  Mid-request this means cancel plus rollback."""


class Pending(Enum):
    NEED_DATA = "need_data"  # no complete event yet: read more bytes and call receive_data
    PAUSED = "paused"  # the server owes a reply (or a response is running); act, then ask again


NEED_DATA: Final = Pending.NEED_DATA
PAUSED: Final = Pending.PAUSED

Request = SqlBatch | RpcRequest | TransactionManagerRequest | IgnoredRequest
Event = PreLoginRequest | TlsHandshake | Login | Request | Attention | ProtocolError | ConnectionClosed

__all__ = [
    "NEED_DATA",
    "PAUSED",
    "Attention",
    "ConnectionClosed",
    "Event",
    "IgnoredRequest",
    "Login",
    "Pending",
    "PreLoginRequest",
    "ProtocolError",
    "Request",
    "RpcRequest",
    "SqlBatch",
    "TlsHandshake",
    "TransactionManagerRequest",
]
