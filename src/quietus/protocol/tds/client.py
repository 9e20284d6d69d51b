"""A minimal sans-IO TDS *client*, built from the same encoders and decoders as the server.

It exists so the server codec can be exercised in memory (tests, benchmarks, tools) without a real
driver.  It behaves like pytds where behaviour matters: it keeps the latest transaction descriptor
from ENVCHANGE 8/9/10 and echoes it in ALL_HEADERS, and switches to the packet size from ENVCHANGE 4
after the login response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from quietus.protocol.tds.buffer import ReceiveBuffer
from quietus.protocol.tds.login7 import Login7, encode_login7
from quietus.protocol.tds.packets import DEFAULT_PACKET_SIZE, MessageReader, PacketType, encode_message
from quietus.protocol.tds.prelogin import PreLoginRequest, encode_prelogin_request, parse_prelogin
from quietus.protocol.tds.requests import (
    RpcCall,
    TransactionManagerRequest,
    encode_rpc,
    encode_sql_batch,
    encode_tm_request,
)
from quietus.protocol.tds.responses import (
    ColumnMetadata,
    Done,
    EnvChange,
    LoginAck,
    ReturnStatus,
    ReturnValue,
    Row,
    ServerMessage,
    Token,
    parse_tokens,
)
from quietus.protocol.tds.tokens import DoneStatus, EnvChangeType
from quietus.protocol.tds.versions import TDS74, traits
from quietus.protocol.tds.wire import U64

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Reply:
    tokens: tuple[Token, ...]

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(self, tokens: tuple[Token, ...]) -> None:
        object.__setattr__(self, "tokens", tokens)

    def _of(self, kind: type[_T]) -> list[_T]:
        return [t for t in self.tokens if isinstance(t, kind)]

    @property
    def rows(self) -> list[tuple[object, ...]]:
        return [row.values for row in self._of(Row)]

    @property
    def columns(self) -> list[ColumnMetadata]:
        return self._of(ColumnMetadata)

    @property
    def messages(self) -> list[ServerMessage]:
        return self._of(ServerMessage)

    @property
    def errors(self) -> list[ServerMessage]:
        return [m for m in self.messages if m.is_error]

    @property
    def dones(self) -> list[Done]:
        return self._of(Done)

    @property
    def env_changes(self) -> list[EnvChange]:
        return self._of(EnvChange)

    @property
    def return_values(self) -> list[ReturnValue]:
        return self._of(ReturnValue)

    @property
    def return_status(self) -> int | None:
        found = self._of(ReturnStatus)
        return found[-1].value if found else None

    @property
    def login_ack(self) -> LoginAck | None:
        found = self._of(LoginAck)
        return found[0] if found else None


class TdsClient:
    def __init__(self, tds_version: int = TDS74, packet_size: int = DEFAULT_PACKET_SIZE) -> None:
        self.tds_version = tds_version
        self.traits = traits(tds_version)
        self.requested_packet_size = packet_size
        self.packet_size = DEFAULT_PACKET_SIZE
        self.transaction_descriptor = 0
        self.spid: int | None = None
        self._buffer = ReceiveBuffer()
        self._reader = MessageReader()
        self._expect_prelogin = False
        self._pending_packet_size: int | None = None

    def _message(self, packet_type: int, payload: bytes, status: int = 0) -> bytes:
        return encode_message(packet_type, payload, self.packet_size, 0, status)

    def prelogin(self) -> bytes:
        self._expect_prelogin = True
        return self._message(PacketType.PRELOGIN, encode_prelogin_request())

    def login(
        self, user: str = "sa", password: str = "", database: str = "", login7: Login7 | None = None
    ) -> bytes:
        record = login7 or Login7(
            tds_version=self.tds_version,
            packet_size=self.requested_packet_size,
            option_flags2=0x02,  # fODBC, as pytds and FreeTDS set it
            user_name=user,
            password=password,
            database=database,
            app_name="quietus-tds-client",
            client_interface="quietus",
        )
        return self._message(PacketType.LOGIN7, encode_login7(record))

    def sql_batch(self, text: str, status: int = 0) -> bytes:
        payload = encode_sql_batch(text, self.traits, self.transaction_descriptor)
        return self._message(PacketType.SQL_BATCH, payload, status)

    def rpc(self, calls: list[RpcCall], status: int = 0) -> bytes:
        payload = encode_rpc(calls, self.traits, self.transaction_descriptor)
        return self._message(PacketType.RPC, payload, status)

    def transaction(self, request: TransactionManagerRequest, status: int = 0) -> bytes:
        payload = encode_tm_request(request, self.traits, self.transaction_descriptor)
        return self._message(PacketType.TRANSACTION_MANAGER, payload, status)

    def attention(self) -> bytes:
        return self._message(PacketType.ATTENTION, b"")

    def receive_data(self, data: bytes) -> None:
        self._buffer.feed(data)

    def next_prelogin_reply(self) -> PreLoginRequest | None:
        message = self._reader.next_message(self._buffer)
        if message is None:
            return None
        self._expect_prelogin = False
        return parse_prelogin(message.payload)

    def next_reply(self) -> Reply | None:
        """The next whole response message, with transaction and packet-size changes applied."""
        if self._pending_packet_size is not None:
            self.packet_size, self._pending_packet_size = self._pending_packet_size, None
        message = self._reader.next_message(self._buffer)
        if message is None:
            return None
        reply = Reply(tuple(parse_tokens(message.payload, self.traits)))
        for change in reply.env_changes:
            self._apply(change)
        if reply.login_ack is not None:
            self.traits = traits(reply.login_ack.tds_version)
        return reply

    def _apply(self, change: EnvChange) -> None:
        if change.type == EnvChangeType.BEGIN_TRANSACTION and isinstance(change.new, bytes):
            self.transaction_descriptor = U64.unpack(change.new)[0]
        elif change.type in (EnvChangeType.COMMIT_TRANSACTION, EnvChangeType.ROLLBACK_TRANSACTION):
            self.transaction_descriptor = 0
        elif change.type == EnvChangeType.PACKET_SIZE and isinstance(change.new, str):
            self._pending_packet_size = int(change.new)


def is_final(done: Done) -> bool:
    return not done.status & DoneStatus.MORE
