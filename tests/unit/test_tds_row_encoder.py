"""The row encoder written for a result's columns writes exactly ``tokens.encode_row``'s bytes."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from decimal import Decimal

import pytest

from quietus.protocol.tds import tokens
from quietus.protocol.tds.columns import column_codec
from quietus.protocol.tds.exceptions import LocalProtocolError
from quietus.protocol.tds.response import ROW_ENCODER_BATCH, ResponseWriter, TransactionTracker
from quietus.protocol.tds.row_encoder import row_encoder
from quietus.protocol.tds.types import ColumnSpec
from quietus.protocol.tds.versions import TDS71, TDS72, TDS74, Traits, traits

AWARE = dt.timezone(dt.timedelta(hours=2))
# (column, values its fast code takes, values only the general encoder takes); NULL goes in every column.
COLUMNS: list[tuple[ColumnSpec, list[object], list[object]]] = [
    (ColumnSpec("id", "smallint"), [1, -32768, 32767], [True]),
    (ColumnSpec("i", "int"), [0, 2**31 - 1, -(2**31)], []),
    (ColumnSpec("b", "bigint"), [2**63 - 1, 5], []),
    (ColumnSpec("t", "tinyint"), [0, 255], []),
    (ColumnSpec("x", "bit"), [True, False, 0, 1, 2], []),
    (ColumnSpec("y", "bit"), [True, False], []),
    (ColumnSpec("n", "nvarchar", length=8), ["", "sa", "sleeping", "é€\U0001f600", "a\udc80"], []),
    (ColumnSpec("short", "nvarchar", length=2), ["", "sa"], []),
    (ColumnSpec("nc", "nchar", length=4), ["abcd", "é"], []),
    (ColumnSpec("d", "datetime"), [dt.datetime(2026, 12, 6, 9, 1, 2, 3333), dt.datetime(1753, 1, 1)],
     [dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, tzinfo=AWARE)]),
    (ColumnSpec("sd", "smalldatetime"), [dt.datetime(2000, 1, 1, 12, 0, 30)], []),
    (ColumnSpec("f", "float"), [1.5, -0.0], [3]),
    (ColumnSpec("r", "real"), [2.5], []),
    (ColumnSpec("sid", "varbinary", length=85), [b"\x01\x02", b""], [bytearray(b"z")]),
    (ColumnSpec("bn", "binary", length=2), [b"ab"], []),
    (ColumnSpec("vc", "varchar", length=6), ["abc", "héllo", b"raw"], []),
    (ColumnSpec("g", "uniqueidentifier"), [uuid.UUID(int=7)], ["6F9619FF-8B86-D011-B42D-00C04FC964FF"]),
    (ColumnSpec("dec", "decimal", precision=10, scale=3), [Decimal("1.2345"), -7, Decimal("-0.0005")], [2.5]),
    (ColumnSpec("m", "money"), [Decimal("12.34"), 3], []),
    (ColumnSpec("da", "date"), [dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 5)], []),
    (ColumnSpec("tm", "time", scale=3), [dt.time(1, 2, 3, 456789)], []),
    (ColumnSpec("d2", "datetime2"), [dt.datetime(2026, 1, 1, 0, 0, 0, 1)], []),
    (ColumnSpec("do", "datetimeoffset"), [dt.datetime(2026, 1, 1, 8, tzinfo=AWARE)], []),
    (ColumnSpec("nmax", "nvarchar"), ["", "long" * 100], []),
    (ColumnSpec("bmax", "varbinary"), [b"", b"\xff" * 10], []),
    (ColumnSpec("xml", "xml"), ["<a/>"], []),  # no fast encoder: the general one, inside the row encoder
    (ColumnSpec("c1", "int"), [1], []),
    (ColumnSpec("c2", "int"), [2], []),
    (ColumnSpec("c3", "bit"), [True], []),
]
SPECS = [spec for spec, _, _ in COLUMNS]
CLIENTS = {"7.4 (NBCROW)": traits(TDS74), "7.2 (ROW only)": traits(TDS72), "7.1 (down-level types)": traits(TDS71)}


def random_rows(seed: int, count: int, general_values: float) -> list[tuple[object, ...]]:
    """Rows with NULLs (1 in 5 values) and, in ``general_values`` of the values, one only the general encoder takes."""
    rng = random.Random(seed)

    def value(fast: list[object], others: list[object]) -> object:
        if rng.random() < 0.2:
            return None
        return rng.choice(others) if others and rng.random() < general_values else rng.choice(fast)

    return [tuple(value(fast, others) for _, fast, others in COLUMNS) for _ in range(count)]


def general(specs: Sequence[ColumnSpec], rows: Sequence[Sequence[object]], t: Traits) -> bytes:
    codecs = [column_codec(spec, t) for spec in specs]
    return b"".join(tokens.encode_row(codecs, row, t) for row in rows)


def writer(t: Traits) -> ResponseWriter:
    return ResponseWriter(
        traits=t,
        packet_size=32767,
        spid=51,
        server_name="s",
        procedure_call=False,
        transactions=TransactionTracker(),
        attention=lambda: False,
        on_finish=lambda: None,
    )


@pytest.mark.parametrize("client", CLIENTS, ids=list(CLIENTS))
def test_every_row_is_the_general_encoders_row(client: str) -> None:
    t = traits_of(client)
    codecs = tuple(column_codec(spec, t) for spec in SPECS)
    encode = row_encoder(codecs, t.nbcrow)
    memo: dict[object, bytes] = {}
    for row in random_rows(1, 2000, general_values=0):
        assert encode(row, memo) == general(SPECS, [row], t), row


def traits_of(client: str) -> Traits:
    return CLIENTS[client]


@pytest.mark.parametrize("client", CLIENTS, ids=list(CLIENTS))
def test_the_writers_large_batches_are_the_general_rows(client: str) -> None:
    t = traits_of(client)
    rows = random_rows(2, 500, general_values=0.1)
    w = writer(t)
    head = w.result_set(SPECS)
    body = w.rows(rows[:ROW_ENCODER_BATCH]) + w.rows(rows[ROW_ENCODER_BATCH:]) + w.rows(rows[:3])
    data = head + body + w.finish()
    assert general(SPECS, rows + rows[:3], t) in packets_joined(data)
    assert w.rows_sent == len(rows) + 3


def packets_joined(data: bytes) -> bytes:
    """The payload of a response's packets, headers removed."""
    payload, offset = bytearray(), 0
    while offset < len(data):
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        payload += data[offset + 8 : offset + length]
        offset += length
    return bytes(payload)


def test_nbcrow_bitmap_marks_each_null_column() -> None:
    t = traits(TDS74)
    specs = [ColumnSpec(f"c{i}", "int") for i in range(10)]
    encode = row_encoder(tuple(column_codec(spec, t) for spec in specs), True)
    row = (None, 1, 2, 3, 4, 5, 6, 7, None, 9)
    encoded = encode(row, {})
    assert encoded[:3] == bytes([0xD2, 0b0000_0001, 0b0000_0001])  # NBCROW, column 0, column 8
    assert encoded == general(specs, [row], t)
    assert encode(tuple(range(10)), {})[0] == 0xD1  # no NULL: ROW


def test_a_string_remembered_for_one_column_is_still_too_long_for_a_shorter_one() -> None:
    t = traits(TDS74)
    specs = [ColumnSpec("long", "nvarchar", length=8), ColumnSpec("short", "nvarchar", length=2)]
    w = writer(t)
    w.result_set(specs)
    w.rows([("abc", "ab")] * ROW_ENCODER_BATCH)  # "abc" is in the result's memo now
    with pytest.raises(LocalProtocolError):
        w.rows([("abc", "abc")] * ROW_ENCODER_BATCH)


def test_values_out_of_range_in_a_run_of_ints_get_the_general_error() -> None:
    t = traits(TDS74)
    specs = [ColumnSpec("a", "int"), ColumnSpec("b", "tinyint"), ColumnSpec("c", "bit")]
    w = writer(t)
    w.result_set(specs)
    w.rows([(1, 2, True)] * ROW_ENCODER_BATCH)  # the run packed at once
    with pytest.raises(LocalProtocolError):
        w.rows([(1, 256, True)] * ROW_ENCODER_BATCH)


def test_a_row_of_the_wrong_width_gets_the_general_error() -> None:
    w = writer(traits(TDS74))
    w.result_set([ColumnSpec("a", "int"), ColumnSpec("b", "int")])
    with pytest.raises(LocalProtocolError):
        w.rows([(1, 2)] * (ROW_ENCODER_BATCH - 1) + [(1,)])
