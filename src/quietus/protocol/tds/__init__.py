"""TDS (SQL Server's wire protocol), sans-IO: bytes in, events out; replies in, bytes out.

Layers, each talking only to the one below:
  wire, buffer        primitive fields; the transactional receive buffer
  packets             8-byte headers, message reassembly, splitting into negotiated-size packets
  prelogin, login7    the two login-phase messages
  types, columns      TYPE_INFO and values both ways; ColumnSpec → wire type per TDS version
  tokens, responses   response tokens: encoders (server) and a stream parser (client side)
  requests            SQL_BATCH, RPC, Transaction Manager payloads
  response            ResponseWriter: one request's response, DONE bookkeeping, streaming
  connection          TdsServerConnection: the state machine the server glue drives
  client              a sans-IO client for in-memory tests and tools
"""

from quietus.protocol.tds.columns import ColumnCodec, column_codec
from quietus.protocol.tds.connection import State, TdsServerConnection
from quietus.protocol.tds.events import (
    NEED_DATA,
    PAUSED,
    Attention,
    ConnectionClosed,
    Event,
    IgnoredRequest,
    Login,
    Pending,
    PreLoginRequest,
    ProtocolError,
    Request,
    RpcRequest,
    SqlBatch,
    TlsHandshake,
    TransactionManagerRequest,
)
from quietus.protocol.tds.exceptions import LocalProtocolError, RemoteProtocolError
from quietus.protocol.tds.login7 import Login7
from quietus.protocol.tds.prelogin import Encryption, EncryptionSetting, negotiate_encryption
from quietus.protocol.tds.requests import (
    IsolationLevel,
    ProcId,
    ResetConnection,
    RpcCall,
    RpcParameter,
    TmRequestType,
)
from quietus.protocol.tds.response import ResponseWriter
from quietus.protocol.tds.types import ColumnSpec, TypeInfo

__all__ = [
    "NEED_DATA",
    "PAUSED",
    "Attention",
    "ColumnCodec",
    "ColumnSpec",
    "ConnectionClosed",
    "Encryption",
    "EncryptionSetting",
    "Event",
    "IgnoredRequest",
    "IsolationLevel",
    "LocalProtocolError",
    "Login",
    "Login7",
    "Pending",
    "PreLoginRequest",
    "ProcId",
    "ProtocolError",
    "RemoteProtocolError",
    "Request",
    "ResetConnection",
    "ResponseWriter",
    "RpcCall",
    "RpcParameter",
    "RpcRequest",
    "SqlBatch",
    "State",
    "TdsServerConnection",
    "TlsHandshake",
    "TmRequestType",
    "TransactionManagerRequest",
    "TypeInfo",
    "column_codec",
    "negotiate_encryption",
]
