"""Response tokens and request payloads: golden bytes, version-dependent widths, round trips."""

from __future__ import annotations

import dataclasses

import pytest

from quietus.protocol.tds import tokens
from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.requests import (
    ParamStatus,
    ProcId,
    RpcCall,
    RpcParameter,
    TmRequestType,
    TransactionManagerRequest,
    encode_all_headers,
    encode_rpc,
    encode_sql_batch,
    encode_tm_request,
    parse_rpc,
    parse_sql_batch,
    parse_tm_request,
)
from quietus.protocol.tds.responses import Done, EnvChange, LoginAck, ServerMessage, parse_tokens
from quietus.protocol.tds.types import DEFAULT_COLLATION, TypeId, TypeInfo
from quietus.protocol.tds.versions import TDS71, TDS72, TDS74, traits

T74, T71 = traits(TDS74), traits(TDS71)


def test_loginack_version_is_big_endian() -> None:
    ack = tokens.encode_loginack(TDS74)
    assert ack[:4] == bytes([0xAD]) + len(ack[3:]).to_bytes(2, "little")[:2] + b"\x01"
    assert ack[4:8] == bytes.fromhex("74000004")
    assert ack[-4:] == bytes([16, 0, 0x0F, 0xA0])  # 16.0.4000
    assert parse_tokens(ack, T74) == [LoginAck(1, TDS74, "Microsoft SQL Server", (16, 0, 4000))]


def test_envchange_collation_and_transactions_golden() -> None:
    assert tokens.env_collation(DEFAULT_COLLATION) == bytes.fromhex("E3080007050904D0003400")
    assert tokens.env_begin_transaction(1) == bytes.fromhex("E30B000808010000000000000000")
    assert tokens.env_commit_transaction(2) == bytes.fromhex("E30B000900080200000000000000")
    assert tokens.env_rollback_transaction(3) == bytes.fromhex("E30B000A00080300000000000000")
    assert tokens.env_reset_ack() == bytes.fromhex("E30300120000")
    assert parse_tokens(tokens.env_packet_size(8192, 4096), T74) == [EnvChange(4, "8192", "4096")]


@pytest.mark.parametrize(("version", "count_width"), [(TDS71, 4), (TDS72, 8), (TDS74, 8)])
def test_done_row_count_width(version: int, count_width: int) -> None:
    done = tokens.encode_done(traits(version), tokens.DoneStatus.COUNT | tokens.DoneStatus.MORE, 7)
    assert done == bytes([0xFD, 0x11, 0x00, 0x00, 0x00]) + (7).to_bytes(count_width, "little")
    assert parse_tokens(done, traits(version)) == [Done(0xFD, 0x11, 0, 7)]


@pytest.mark.parametrize(("version", "line_width"), [(TDS71, 2), (TDS74, 4)])
def test_error_line_number_width(version: int, line_width: int) -> None:
    t = traits(version)
    error = tokens.encode_message(t, 208, 1, 16, "Invalid object name 'nope'.", "SRV", "", 3)
    assert error[0] == 0xAA
    assert error[-line_width:] == (3).to_bytes(line_width, "little")
    assert parse_tokens(error, t) == [ServerMessage(0xAA, 208, 1, 16, "Invalid object name 'nope'.", "SRV", "", 3)]
    assert tokens.encode_message(t, 5701, 2, 0, "x")[0] == 0xAB  # class ≤ 10 is INFO


def test_all_headers_golden() -> None:
    assert encode_all_headers(5) == bytes.fromhex("16000000120000000200050000000000000001000000")


def test_sql_batch_parses_headers_only_from_72() -> None:
    assert parse_sql_batch(encode_sql_batch("SELECT 1", T74, 9), T74).transaction_descriptor == 9
    batch71 = parse_sql_batch("SELECT 1".encode("utf-16-le"), T71)
    assert (batch71.text, batch71.transaction_descriptor) == ("SELECT 1", None)


@pytest.mark.parametrize(
    "payload",
    [b"\x16\x00\x00\x00", b"\x04\x00", b"\xff\x00\x00\x00" + b"\0" * 20, encode_all_headers(1) + b"\x41"],
)
def test_bad_sql_batch(payload: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_sql_batch(payload, T74)


def test_rpc_by_id_and_by_name_in_one_message() -> None:
    nvarchar = TypeInfo(TypeId.NVARCHAR, 0xFFFF, collation=DEFAULT_COLLATION)
    int_type = TypeInfo(TypeId.INTN, 4)
    calls = [
        RpcCall(
            proc_id=ProcId.SP_EXECUTESQL,
            parameters=(
                RpcParameter("", "select @P1", nvarchar),
                RpcParameter("", "@P1 int", nvarchar),
                RpcParameter("@P1", 5, int_type),
            ),
        ),
        RpcCall(
            proc_name="dbo.p",
            options=2,
            parameters=(RpcParameter("@out", None, int_type, ParamStatus.BY_REF_VALUE),),
        ),
    ]
    request = parse_rpc(encode_rpc(calls, T74, 3), T74)
    assert request.transaction_descriptor == 3
    assert request.calls == tuple(calls)
    assert [c.name for c in request.calls] == ["sp_executesql", "dbo.p"]
    assert request.calls[1].parameters[0].output


def test_rpc_71_separator_is_0x80() -> None:
    calls = [RpcCall(proc_name="a"), RpcCall(proc_name="b")]
    payload = encode_rpc(calls, T71)
    assert b"\x80" in payload
    assert [c.name for c in parse_rpc(payload, T71).calls] == ["a", "b"]


def test_rpc_refuses_encrypted_parameters() -> None:
    payload = encode_rpc([RpcCall(proc_name="p")], T74) + bytes([0, ParamStatus.ENCRYPTED, 0x26, 4, 0])
    with pytest.raises(RemoteProtocolError, match="encrypted"):
        parse_rpc(payload, T74)


def test_pytds_commit_payload() -> None:
    # pytds commit(): TM_COMMIT_XACT, empty name, fBeginXact=1, isolation 0, empty new name.
    payload = encode_all_headers(4) + bytes.fromhex("070000010000")
    request = parse_tm_request(payload, T74)
    assert request == TransactionManagerRequest(TmRequestType.COMMIT_XACT, begin_new=True, transaction_descriptor=4)


@pytest.mark.parametrize(
    "request_",
    [
        TransactionManagerRequest(TmRequestType.BEGIN_XACT, isolation_level=2, name="t1"),
        TransactionManagerRequest(TmRequestType.ROLLBACK_XACT, name="t1", begin_new=True, new_isolation_level=4),
        TransactionManagerRequest(TmRequestType.COMMIT_XACT),
        TransactionManagerRequest(TmRequestType.SAVE_XACT, name="sp"),
        TransactionManagerRequest(TmRequestType.PROPAGATE_XACT, payload=b"cookie"),
        TransactionManagerRequest(TmRequestType.GET_DTC_ADDRESS),
        TransactionManagerRequest(TmRequestType.PROMOTE_XACT),
    ],
)
def test_tm_round_trip(request_: TransactionManagerRequest) -> None:
    parsed = parse_tm_request(encode_tm_request(request_, T74, 8), T74)
    assert parsed == dataclasses.replace(request_, transaction_descriptor=8)


@pytest.mark.parametrize("body", ["0300", "05000900", "090000", "070000"])
def test_bad_tm_requests(body: str) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_tm_request(encode_all_headers() + bytes.fromhex(body), T74)
