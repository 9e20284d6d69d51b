"""The TPC (XA) calls of python-oracledb's thin mode as the codec parses them, written field by field as its
TransactionSwitchMessage and TransactionChangeStateMessage write them, and the replies it reads back; the XID → UOW
mapping; COMMIT/ROLLBACK FORCE as the Oracle parser reads them."""

from __future__ import annotations

from typing import Any

import pytest

from quietus.errors import SqlError
from quietus.protocol.tns import messages
from quietus.protocol.tns.events import TpcChangeState, TpcSwitch, TpcXid
from quietus.protocol.tns.ttc import Truncated, TtcReader, TtcWriter
from quietus.server.tns_xa import tpc_call
from quietus.sessions.xa import QUIETUS_BRANCH, QUIETUS_FORMAT_ID, Xid
from quietus.sql.oracle.parser import ForceTransaction, parse_statement


def _xid_fields(w: TtcWriter, xid: tuple[int, bytes, bytes] | None) -> bytes:
    if xid is None:
        w.ub4(0).ub4(0).ub4(0).ub1(0).ub4(0)
        return b""
    format_id, gtrid, bqual = xid
    padded = (gtrid + bqual).ljust(messages.XID_BYTES, b"\0")
    w.ub4(format_id).ub4(len(gtrid)).ub4(len(bqual)).ub1(1).ub4(len(padded))
    return padded


def switch(operation: int, xid: tuple[int, bytes, bytes] | None, flags: int, context: bytes | None) -> bytes:
    w = TtcWriter().ub1(messages.MSG_FUNCTION).ub1(messages.FUNC_TPC_SWITCH).ub1(7)
    w.ub4(operation)
    w.ub1(1 if context else 0).ub4(len(context or b""))
    xid_bytes = _xid_fields(w, xid)
    w.ub4(flags).ub4(0)  # flags, timeout
    w.ub1(1).ub1(1).ub1(1)  # application value, return context, its length
    w.ub1(1).ub4(3)  # internal name
    w.ub1(0).ub4(0)  # external name
    w.raw(context or b"").raw(xid_bytes).ub4(0).raw(b"abc")
    return w.getvalue()


def change_state(operation: int, state: int, xid: tuple[int, bytes, bytes] | None, context: bytes | None) -> bytes:
    w = TtcWriter().ub1(messages.MSG_FUNCTION).ub1(messages.FUNC_TPC_CHANGE_STATE).ub1(8)
    w.ub4(operation)
    w.ub1(1 if context else 0).ub4(len(context or b""))
    xid_bytes = _xid_fields(w, xid)
    w.ub4(0).ub4(state).ub1(1).ub4(0)  # timeout, state, out-state pointer, flags
    w.raw(context or b"").raw(xid_bytes)
    return w.getvalue()


def test_a_switch_start_carries_the_xid_and_flags_and_consumes_every_byte() -> None:
    data = switch(messages.TPC_START, (3900, b"txn3900", b"branchId"), 0x01, None)
    event, used = messages.parse_request(data, lambda _cursor: None)
    assert used == len(data)
    assert isinstance(event, TpcSwitch)
    assert (event.operation, event.flags, event.context) == (messages.TPC_START, 0x01, None)
    assert event.xid == TpcXid(3900, b"txn3900", b"branchId")
    call = tpc_call(event)
    assert call is not None and call.label == "tpc_begin"


def test_a_change_state_without_an_xid_names_its_branch_by_the_context() -> None:
    context = bytes(range(16))
    data = change_state(messages.TPC_COMMIT, 2, None, context)
    event, used = messages.parse_request(data, lambda _cursor: None)
    assert used == len(data) and isinstance(event, TpcChangeState)
    assert (event.operation, event.state, event.xid, event.context) == (messages.TPC_COMMIT, 2, None, context)
    with pytest.raises(Truncated):
        messages.parse_request(data[:-3], lambda _cursor: None)


def test_every_change_state_operation_has_a_call_and_others_have_none() -> None:
    labels = {}
    for operation in (messages.TPC_PREPARE, messages.TPC_COMMIT, messages.TPC_ABORT, messages.TPC_FORGET, 9):
        event, _ = messages.parse_request(change_state(operation, 0, (1, b"g", b"b"), None), lambda _c: None)
        call = tpc_call(event)
        labels[operation] = None if call is None else call.label
    assert labels == {3: "tpc_prepare", 1: "tpc_commit", 2: "tpc_rollback", 4: "tpc_forget", 9: None}


def test_the_replies_are_what_python_oracledb_reads() -> None:
    r = TtcReader(messages.tpc_switch_reply(b"0123456789abcdef"))
    assert r.ub1() == messages.MSG_PARAMETER and r.ub4() == 0 and r.ub2() == 16 and r.take(16) == b"0123456789abcdef"
    r = TtcReader(messages.tpc_state_reply(5))
    assert (r.ub1(), r.ub4(), r.remaining) == (messages.MSG_PARAMETER, 5, 0)


def test_an_xid_maps_to_one_uow_and_a_quietus_xid_to_its_own() -> None:
    a, b = Xid(1, b"g", b"b1"), Xid(1, b"g", b"b2")
    assert a.uow == Xid(1, b"g", b"b1").uow and a.uow != b.uow
    assert Xid(1, b"gb", b"").uow != Xid(1, b"g", b"b").uow  # the split between the parts counts
    uow = Xid(QUIETUS_FORMAT_ID, bytes(16), QUIETUS_BRANCH).uow
    assert uow.bytes == bytes(16)
    assert a.global_tran_id == "1.67"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("COMMIT FORCE '1.4.4'", ("1.4.4", True)),
        ("commit work force '77.72656675'", ("77.72656675", True)),
        ("ROLLBACK FORCE '1.4.4'", ("1.4.4", False)),
        ("ROLLBACK WORK FORCE '1.4.4'", ("1.4.4", False)),
        ("COMMIT FORCE '1.4.4', 1234", 3001),  # a commit SCN: Quietus has none
        ("COMMIT FORCE x", 933),
        ("ROLLBACK FORCE", 933),
        ("ROLLBACK FORCE '1.4.4' extra", 933),
    ],
)
def test_commit_and_rollback_force_parse_or_are_refused(text: str, expected: Any) -> None:
    if isinstance(expected, int):
        with pytest.raises(SqlError) as caught:
            parse_statement(text)
        assert caught.value.number == expected
        return
    statement = parse_statement(text)
    assert isinstance(statement, ForceTransaction)
    assert (statement.tran_id, statement.commit) == expected
