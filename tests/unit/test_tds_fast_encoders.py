"""The per-column fast encoders write exactly the bytes of the general encoder."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from quietus.protocol.tds.columns import column_codec
from quietus.protocol.tds.exceptions import LocalProtocolError
from quietus.protocol.tds.types import ColumnSpec, Context, encode_value
from quietus.protocol.tds.versions import TDS74, traits

CASES = [
    (ColumnSpec("i", "int"), [None, 0, 1, -1, 2**31 - 1, -(2**31), True]),
    (ColumnSpec("b", "bigint"), [None, 2**63 - 1, -(2**63)]),
    (ColumnSpec("s", "smallint"), [None, 32767, -32768]),
    (ColumnSpec("t", "tinyint"), [None, 0, 255]),
    (ColumnSpec("f", "float"), [None, 0.0, -1.5, 1e308]),
    (ColumnSpec("r", "real"), [None, 2.5]),
    (ColumnSpec("x", "bit"), [None, True, False, 1, 0]),
    (ColumnSpec("n", "nvarchar", length=5), [None, "", "abc", "ÅÆ€", "12345"]),
    (ColumnSpec("d", "datetime"), [None, dt.datetime(1900, 1, 1), dt.datetime(2026, 12, 6, 5, 41, 9, 123456),
                                   dt.datetime(1899, 12, 31, 23, 59, 59, 998000), dt.datetime(9999, 12, 31, 23, 59, 59),
                                   dt.datetime(1753, 1, 1), dt.date(2020, 2, 29),
                                   dt.datetime(2020, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))]),
    (ColumnSpec("g", "uniqueidentifier"), [None, uuid.UUID(int=0), uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF"),
                                           "6F9619FF-8B86-D011-B42D-00C04FC964FF"]),
    (ColumnSpec("vb", "varbinary", length=4), [None, b"", b"\x00\xff", b"1234", bytearray(b"ab"), memoryview(b"z")]),
    (ColumnSpec("bn", "binary", length=3), [None, b"abc", b"a"]),
    (ColumnSpec("vc", "varchar", length=6), [None, "", "abc", "héllo", "€uro", b"raw"]),
    (ColumnSpec("c", "char", length=2), [None, "ab", "é"]),
]


@pytest.mark.parametrize(("spec", "values"), CASES, ids=[spec.type_name for spec, _ in CASES])
def test_fast_path_matches_the_general_encoder(spec: ColumnSpec, values: list[object]) -> None:
    codec = column_codec(spec, traits(TDS74))
    assert codec.fast is not None
    for value in values:
        assert codec.encode(value) == encode_value(codec.info, value, Context.RESULT), value


def test_values_the_fast_path_cannot_take_get_the_general_errors() -> None:
    codec = column_codec(ColumnSpec("n", "nvarchar", length=2), traits(TDS74))
    with pytest.raises(LocalProtocolError):
        codec.encode("too long")
    small = column_codec(ColumnSpec("t", "tinyint"), traits(TDS74))
    with pytest.raises(LocalProtocolError):
        small.encode(256)


def test_too_long_binary_and_text_get_the_general_errors() -> None:
    too_long = ((ColumnSpec("b", "varbinary", length=2), b"abc"), (ColumnSpec("c", "varchar", length=2), "abc"))
    for spec, value in too_long:
        codec = column_codec(spec, traits(TDS74))
        with pytest.raises(LocalProtocolError):
            codec.encode(value)


# the last column (money) has no fast encoder: with it, every row goes the general way
ROW_SPECS = [ColumnSpec("i", "int"), ColumnSpec("n", "nvarchar", length=10), ColumnSpec("d", "datetime"),
             ColumnSpec("m", "money")]
FAST_ROWS = [
    (1, "a", dt.datetime(2026, 1, 2, 3, 4, 5)),
    (2, None, None),  # NBCROW
    (True, "b", dt.date(2020, 1, 1)),  # values only the general encoder converts
    (2**31 - 1, "ÅÆ€", dt.datetime(1900, 1, 1)),
]


@pytest.mark.parametrize("specs", [ROW_SPECS[:3], ROW_SPECS], ids=["all-fast", "one-general"])
def test_the_writers_rows_are_the_general_rows(specs: list[ColumnSpec]) -> None:
    from quietus.protocol.tds import tokens
    from quietus.protocol.tds.response import ResponseWriter, TransactionTracker

    t = traits(TDS74)
    rows = [row + (None,) * (len(specs) - len(row)) for row in FAST_ROWS]
    writer = ResponseWriter(traits=t, packet_size=32767, spid=51, server_name="s", procedure_call=False,
                            transactions=TransactionTracker(), attention=lambda: False, on_finish=lambda: None)
    head = writer.result_set(specs)
    data = head + writer.rows(rows) + writer.finish()
    codecs = [column_codec(spec, t) for spec in specs]
    expected = b"".join(tokens.encode_row(codecs, row, t) for row in rows)
    assert expected in data
