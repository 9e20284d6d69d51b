"""The per-column fast encoders write exactly the bytes of the general encoder."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from quietus.protocol.tds.columns import column_codec
from quietus.protocol.tds.exceptions import LocalProtocolError
from quietus.protocol.tds.types import ColumnSpec, Context, encode_value
from quietus.protocol.tds.versions import TDS74, traits
from quietus.ticks import with_fraction

AWARE = dt.timezone(dt.timedelta(hours=-5, minutes=-30))
TICKED = with_fraction(dt.datetime(2024, 2, 29, 23, 59, 59), 9_999_999)  # a DateTime7: the seventh digit set

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
    (ColumnSpec("nc", "nchar", length=3), [None, "", "abc", "é€"]),
    (ColumnSpec("dec", "decimal", precision=9, scale=2), [None, 0, 1, -1, Decimal("1234567.89"), Decimal("-0.005"),
                                                           Decimal("0.005"), Decimal("1.234"), Decimal("-9999999.99"),
                                                           Decimal("1E+2"), 1.5, True]),
    (ColumnSpec("dec38", "decimal", precision=38, scale=10), [None, Decimal("-1234567890123456789012345678.0123456789"),
                                                              10**27, Decimal("0.00000000005")]),
    (ColumnSpec("num", "numeric", precision=19, scale=0), [None, 10**19 - 1, -(10**19) + 1, Decimal("2.5"),
                                                           Decimal("-2.5")]),
    (ColumnSpec("m", "money"), [None, 0, Decimal("922337203685477.5807"), Decimal("-922337203685477.5808"),
                                Decimal("1.23456"), Decimal("-1.00005"), 7, 1.25]),
    (ColumnSpec("sm", "smallmoney"), [None, Decimal("214748.3647"), Decimal("-214748.3648"), 3, Decimal("0.00005")]),
    (ColumnSpec("sd", "smalldatetime"), [None, dt.datetime(1900, 1, 1), dt.datetime(2079, 6, 6, 23, 59),
                                         dt.datetime(2020, 5, 5, 10, 10, 29, 999999),
                                         dt.datetime(2020, 5, 5, 10, 10, 30), dt.date(2000, 1, 1)]),
    (ColumnSpec("da", "date"), [None, dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.datetime(2024, 2, 29, 13, 5)]),
    (ColumnSpec("t7", "time"), [None, dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(12, 30, 1, 5),
                                dt.time(1, 2, 3, tzinfo=AWARE), dt.datetime(2020, 1, 1, 4, 5, 6, 7),
                                TICKED.time()]),
    (ColumnSpec("t0", "time", scale=0), [None, dt.time(23, 59, 59, 999999), dt.time(0, 0, 1)]),
    (ColumnSpec("t3", "time", scale=3), [None, dt.time(10, 0, 0, 123456)]),
    (ColumnSpec("d2", "datetime2"), [None, dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
                                     dt.datetime(2026, 12, 6, 9, 30, 1, 250000), dt.date(2020, 2, 29), TICKED,
                                     dt.datetime(2020, 1, 1, 12, tzinfo=AWARE)]),
    (ColumnSpec("d2s4", "datetime2", scale=4), [None, dt.datetime(2026, 12, 6, 9, 30, 1, 123456)]),
    (ColumnSpec("dto", "datetimeoffset"), [None, dt.datetime(2026, 12, 6, 9, 30, 1, 250000, tzinfo=AWARE),
                                           dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC),
                                           dt.datetime(2000, 1, 1, 0, 0, 0, 1), TICKED.replace(tzinfo=AWARE)]),
    (ColumnSpec("dto2", "datetimeoffset", scale=2), [None, dt.datetime(1, 1, 1, 12, tzinfo=AWARE)]),
    (ColumnSpec("nmax", "nvarchar"), [None, "", "x" * 5000, "é€\U0001f600"]),
    (ColumnSpec("vmax", "varchar"), [None, "", "héllo", b"raw", "y" * 9000]),
    (ColumnSpec("bmax", "varbinary"), [None, b"", b"\x00" * 9000, bytearray(b"ab")]),
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
    too_long = (
        (ColumnSpec("b", "varbinary", length=2), b"abc"),
        (ColumnSpec("c", "varchar", length=2), "abc"),
        (ColumnSpec("n", "nchar", length=2), "abc"),
        (ColumnSpec("d", "decimal", precision=3, scale=1), Decimal("100")),
        (ColumnSpec("d", "decimal", precision=3, scale=1), -1000),
        (ColumnSpec("m", "money"), Decimal("922337203685477.5808")),
        (ColumnSpec("m", "smallmoney"), Decimal("214748.3648")),
        (ColumnSpec("s", "smalldatetime"), dt.datetime(2079, 6, 7)),
        (ColumnSpec("s", "smalldatetime"), dt.datetime(1899, 12, 31)),
        (ColumnSpec("d", "decimal", precision=5, scale=0), Decimal("NaN")),
    )
    for spec, value in too_long:
        codec = column_codec(spec, traits(TDS74))
        with pytest.raises(LocalProtocolError):
            codec.encode(value)


# the last column (xml) has no fast encoder: with it, every row goes the general way
ROW_SPECS = [ColumnSpec("i", "int"), ColumnSpec("n", "nvarchar", length=10), ColumnSpec("d", "datetime"),
             ColumnSpec("x", "xml")]
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
