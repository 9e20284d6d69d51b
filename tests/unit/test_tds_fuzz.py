"""Fuzz-ish: whatever bytes a peer sends, the codec answers with events, NEED_DATA, PAUSED or a
ProtocolError event, and never raises (invariant 1 of ``connection``)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quietus.protocol.tds import (
    NEED_DATA,
    PAUSED,
    Attention,
    ConnectionClosed,
    IgnoredRequest,
    Login,
    PreLoginRequest,
    ProtocolError,
    State,
    TdsServerConnection,
)
from quietus.protocol.tds.client import TdsClient
from quietus.protocol.tds.requests import (
    ProcId,
    RpcCall,
    RpcParameter,
    TmRequestType,
    TransactionManagerRequest,
)
from quietus.protocol.tds.types import DEFAULT_COLLATION, TypeId, TypeInfo


def valid_stream() -> bytes:
    client = TdsClient()
    nvarchar = TypeInfo(TypeId.NVARCHAR, 0xFFFF, collation=DEFAULT_COLLATION)
    call = RpcCall(proc_id=ProcId.SP_EXECUTESQL, parameters=(RpcParameter("", "select 1", nvarchar),))
    return b"".join(
        [
            client.prelogin(),
            client.login(user="u", password="p"),
            client.sql_batch("SELECT 1"),
            client.rpc([call]),
            client.transaction(TransactionManagerRequest(TmRequestType.BEGIN_XACT, isolation_level=2)),
            client.attention(),
        ]
    )


VALID = valid_stream()


def drive(chunks: list[bytes], eof: bool = True) -> list[object]:
    """Act as a well-behaved server glue: reply to everything, finish every request."""
    server = TdsServerConnection()
    events: list[object] = []
    pending = list(chunks) + ([b""] if eof else [])
    for _ in range(1000):
        event = server.next_event()
        if event is NEED_DATA:
            if not pending:
                break
            server.receive_data(pending.pop(0))
            continue
        assert event is not PAUSED or server.state is State.REQUEST_IN_PROGRESS
        events.append(event)
        if isinstance(event, ProtocolError | ConnectionClosed):
            assert server.state is State.CLOSED
            break
        if isinstance(event, PreLoginRequest):
            server.send_prelogin_reply()
        elif isinstance(event, Login):
            server.send_login_ack()
        elif isinstance(event, Attention) and not event.during_request:
            server.send_attention_ack()
        elif server.state is State.REQUEST_IN_PROGRESS:
            server.respond().finish(error=isinstance(event, IgnoredRequest))
    return events


def test_the_valid_stream_yields_every_request() -> None:
    names = [type(e).__name__ for e in drive([VALID])]
    assert names == [
        "PreLoginRequest",
        "Login",
        "SqlBatch",
        "RpcRequest",
        "TransactionManagerRequest",
        "Attention",
        "ConnectionClosed",
    ]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    drive([data])


@settings(max_examples=150)
@given(st.integers(min_value=0, max_value=len(VALID)))
def test_truncated_streams_need_data_or_fail_cleanly(cut: int) -> None:
    events = drive([VALID[:cut]], eof=False)
    assert not any(isinstance(e, ProtocolError) for e in events)  # a prefix of valid input is never an error
    events = drive([VALID[:cut]], eof=True)
    assert isinstance(events[-1], ProtocolError | ConnectionClosed)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=len(VALID) - 1), st.integers(0, 255)), max_size=4),
    st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=8),
)
def test_mutated_streams_in_random_chunks_never_raise(flips: list[tuple[int, int]], sizes: list[int]) -> None:
    data = bytearray(VALID)
    for position, value in flips:
        data[position] = value
    chunks: list[bytes] = []
    pos = 0
    while pos < len(data):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(bytes(data[pos : pos + size]))
        pos += size
    drive(chunks)
