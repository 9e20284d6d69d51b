"""Data types: golden TYPE_INFO/value bytes, encoder→decoder round trips for every type and NULL,
version-dependent downgrades, and the RPC-context TEXT/NTEXT layout."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quietus.protocol.tds.columns import column_codec
from quietus.protocol.tds.exceptions import LocalProtocolError, RemoteProtocolError
from quietus.protocol.tds.types import (
    DEFAULT_COLLATION,
    ColumnSpec,
    Context,
    TypeId,
    collation_codec,
    encode_type_info,
    read_type_info,
    read_value,
)
from quietus.protocol.tds.versions import TDS71, TDS72, TDS74, traits
from quietus.protocol.tds.wire import Reader
from quietus.ticks import with_fraction

T74, T72, T71 = traits(TDS74), traits(TDS72), traits(TDS71)

SAMPLES: list[tuple[ColumnSpec, object]] = [
    (ColumnSpec("i", "int"), -(2**31)),
    (ColumnSpec("bi", "bigint"), 2**63 - 1),
    (ColumnSpec("si", "smallint"), 32767),
    (ColumnSpec("ti", "tinyint"), 255),
    (ColumnSpec("b", "bit"), False),
    (ColumnSpec("d", "decimal", precision=5, scale=2), Decimal("-999.99")),
    (ColumnSpec("d19", "decimal", precision=19, scale=4), Decimal("123456789012345.6789")),
    (ColumnSpec("n", "numeric", precision=38, scale=10), Decimal("-1234567890123456789012345678.0123456789")),
    (ColumnSpec("f", "float"), -2.5e-308),
    (ColumnSpec("r", "real"), 3.25),
    (ColumnSpec("m", "money"), Decimal("-922337203685477.5808")),
    (ColumnSpec("sm", "smallmoney"), Decimal("214748.3647")),
    (ColumnSpec("c", "char", 3), "abc"),
    (ColumnSpec("vc", "varchar", 10), "naïve €"),
    (ColumnSpec("vcm", "varchar", None), "x" * 10000),
    (ColumnSpec("nc", "nchar", 2), "日本"),
    (ColumnSpec("nv", "nvarchar", 4000), "𝄞 music"),
    (ColumnSpec("nvm", "nvarchar", None), "ü" * 5000),
    (ColumnSpec("nve", "nvarchar", None), ""),
    (ColumnSpec("dte", "date"), dt.date(9999, 12, 31)),
    (ColumnSpec("tm", "time", scale=7), dt.time(23, 59, 59, 999999)),
    (ColumnSpec("tm0", "time", scale=0), dt.time(0, 0, 1)),
    (ColumnSpec("tm7", "time", scale=7), with_fraction(dt.time(23, 59, 59), 9_999_999)),
    (ColumnSpec("dt27", "datetime2", scale=7), with_fraction(dt.datetime(2024, 1, 2, 3, 4, 5), 1_234_567)),
    (
        ColumnSpec("dto7", "datetimeoffset", scale=7),
        with_fraction(dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=14))), 1),
    ),
    (ColumnSpec("dt2", "datetime2", scale=3), dt.datetime(2024, 5, 6, 7, 8, 9, 123000)),
    (
        ColumnSpec("dto", "datetimeoffset", scale=7),
        dt.datetime(2024, 5, 6, 7, 8, 9, 5, dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
    ),
    (ColumnSpec("dtm", "datetime"), dt.datetime(1753, 1, 1, 0, 0, 0, 3333)),
    (ColumnSpec("sdt", "smalldatetime"), dt.datetime(2079, 6, 6, 23, 59)),
    (ColumnSpec("u", "uniqueidentifier"), uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF")),
    (ColumnSpec("vb", "varbinary", 8000), b"\x00" * 8000),
    (ColumnSpec("vbm", "varbinary", None), b"\xff" * 70000),
    (ColumnSpec("bn", "binary", 2), b"\x01\x02"),
]


def roundtrip(spec: ColumnSpec, value: object, version: int = TDS74, context: Context = Context.RESULT) -> object:
    t = traits(version)
    codec = column_codec(spec, t)
    reader = Reader(encode_type_info(codec.info, t, context) + codec.encode(value, context))
    info = read_type_info(reader, t, context)
    assert info == codec.info
    decoded = read_value(reader, info, context)
    assert reader.at_end()
    return decoded


@pytest.mark.parametrize(("spec", "value"), SAMPLES, ids=[s.name for s, _ in SAMPLES])
@pytest.mark.parametrize("context", [Context.RESULT, Context.RPC])
def test_round_trip_every_type(spec: ColumnSpec, value: object, context: Context) -> None:
    assert roundtrip(spec, value, context=context) == value


@pytest.mark.parametrize(("spec", "value"), SAMPLES, ids=[s.name for s, _ in SAMPLES])
@pytest.mark.parametrize("version", [TDS71, TDS72, TDS74])
def test_null_round_trips_for_every_type_and_version(spec: ColumnSpec, value: object, version: int) -> None:
    assert roundtrip(spec, None, version) is None


@pytest.mark.parametrize(
    ("spec", "value", "type_info", "value_bytes"),
    [
        (ColumnSpec("", "int"), 1, "2604", "0401000000"),
        (ColumnSpec("", "bigint"), -1, "2608", "08ffffffffffffffff"),
        (ColumnSpec("", "bit"), True, "6801", "0101"),
        (ColumnSpec("", "float"), 1.0, "6d08", "08000000000000f03f"),
        (ColumnSpec("", "decimal", precision=9, scale=2), Decimal("-1.5"), "6a050902", "050096000000"),
        (ColumnSpec("", "datetime"), dt.datetime(1900, 1, 2, 0, 0, 1), "6f08", "08010000002c010000"),
        (ColumnSpec("", "nvarchar", 2), "hi", "e70400" + DEFAULT_COLLATION.hex(), "040068006900"),
        (
            ColumnSpec("", "nvarchar", None),
            "hi",
            "e7ffff" + DEFAULT_COLLATION.hex(),
            "0400000000000000040000006800690000000000",
        ),
        (ColumnSpec("", "datetime2", scale=7), dt.datetime(1, 1, 2), "2a07", "080000000000010000"),
        (ColumnSpec("", "datetime2", scale=7), with_fraction(dt.datetime(1, 1, 2), 1), "2a07", "080100000000010000"),
        (ColumnSpec("", "time", scale=7), with_fraction(dt.time(0, 0, 1), 1), "2907", "058196980000"),
        (
            ColumnSpec("", "uniqueidentifier"),
            uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF"),
            "2410",
            "10ff19966f868b11d0b42d00c04fc964ff",
        ),
    ],
)
def test_golden_bytes(spec: ColumnSpec, value: object, type_info: str, value_bytes: str) -> None:
    codec = column_codec(spec, T74)
    assert encode_type_info(codec.info, T74).hex() == type_info.lower()
    assert codec.encode(value).hex() == value_bytes


def test_collation_golden_and_code_page() -> None:
    assert bytes([0x09, 0x04, 0xD0, 0x00, 0x34]) == DEFAULT_COLLATION
    assert collation_codec(DEFAULT_COLLATION) == "cp1252"
    assert collation_codec(bytes.fromhex("1904D00000")) == "cp1251"  # Russian LCID, no SortId
    assert collation_codec(bytes.fromhex("0904D00400")) == "utf-8"  # fUTF8


def test_null_encodings() -> None:
    assert column_codec(ColumnSpec("", "int"), T74).encode(None) == b"\x00"
    assert column_codec(ColumnSpec("", "nvarchar", 5), T74).encode(None) == b"\xff\xff"
    assert column_codec(ColumnSpec("", "nvarchar", None), T74).encode(None) == b"\xff" * 8


@pytest.mark.parametrize(
    ("spec", "value", "text"),
    [
        (ColumnSpec("", "date"), dt.date(2024, 1, 31), "2024-01-31"),
        (ColumnSpec("", "time", scale=7), dt.time(1, 2, 3, 456789), "01:02:03.4567890"),
        (ColumnSpec("", "time", scale=7), with_fraction(dt.time(1, 2, 3), 4567891), "01:02:03.4567891"),
        (ColumnSpec("", "time", scale=0), dt.time(1, 2, 3, 456789), "01:02:03"),
        (
            ColumnSpec("", "datetime2", scale=3),
            dt.datetime(2024, 1, 31, 1, 2, 3, 456789),
            "2024-01-31 01:02:03.456",
        ),
        (
            ColumnSpec("", "datetimeoffset", scale=0),
            dt.datetime(2024, 1, 31, 1, 2, 3, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
            "2024-01-31 01:02:03 +05:30",
        ),
    ],
)
@pytest.mark.parametrize("version", [TDS71, TDS72])
def test_date_time_types_downgrade_to_nvarchar_below_73(
    spec: ColumnSpec, value: object, text: str, version: int
) -> None:
    codec = column_codec(spec, traits(version))
    assert codec.info.type_id == TypeId.NVARCHAR
    assert roundtrip(spec, value, version) == text


@pytest.mark.parametrize(
    ("type_name", "legacy"),
    [("nvarchar", TypeId.NTEXT), ("varchar", TypeId.TEXT), ("varbinary", TypeId.IMAGE)],
)
def test_max_types_become_text_types_for_71(type_name: str, legacy: TypeId) -> None:
    spec = ColumnSpec("", type_name, None)
    assert column_codec(spec, T71).info.type_id == legacy
    assert column_codec(spec, T72).info.is_plp
    value = b"\x01\x02" if type_name == "varbinary" else "some text"
    assert roundtrip(spec, value, TDS71) == value


def test_varchar_replaces_characters_outside_code_page_like_sql_server() -> None:
    assert roundtrip(ColumnSpec("", "varchar", 10), "a世b") == "a?b"


def test_rpc_ntext_has_no_table_name_and_no_text_pointer() -> None:
    # FreeTDS's sp_prepexec sends @params as NTEXT: LONGLEN maxlen + collation, value LONGLEN + bytes.
    wire = bytes.fromhex("63ffffff7f" + DEFAULT_COLLATION.hex() + "0e000000") + "@P1 INT".encode("utf-16-le")
    reader = Reader(wire)
    info = read_type_info(reader, T74, Context.RPC)
    assert info.type_id == TypeId.NTEXT and info.table_name == ()
    assert read_value(reader, info, Context.RPC) == "@P1 INT"
    assert reader.at_end()


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (ColumnSpec("", "int"), 2**31),
        (ColumnSpec("", "tinyint"), -1),
        (ColumnSpec("", "int"), "1"),
        (ColumnSpec("", "decimal", precision=3, scale=1), Decimal("100.0")),
        (ColumnSpec("", "nvarchar", 2), "abc"),
        (ColumnSpec("", "uniqueidentifier"), "not-a-guid"),
        (ColumnSpec("", "float"), "1.0"),
    ],
)
def test_values_that_do_not_fit_are_local_errors(spec: ColumnSpec, value: object) -> None:
    with pytest.raises(LocalProtocolError):
        column_codec(spec, T74).encode(value)


@pytest.mark.parametrize(
    ("spec"),
    [ColumnSpec("", "geography"), ColumnSpec("", "nvarchar", 4001), ColumnSpec("", "decimal", precision=39)],
)
def test_unknown_or_invalid_column_types_are_local_errors(spec: ColumnSpec) -> None:
    with pytest.raises(LocalProtocolError):
        column_codec(spec, T74)


@pytest.mark.parametrize(
    "wire",
    ["ab", "2603", "6a05270a", "2609", "2a09", "e7ffff", "f000", "26040201", "2410050102030405"],
)
def test_malformed_type_info_or_value_is_a_remote_error(wire: str) -> None:
    reader = Reader(bytes.fromhex(wire))
    with pytest.raises(RemoteProtocolError):
        info = read_type_info(reader, T74)
        read_value(reader, info)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_bigint_round_trip_property(value: int) -> None:
    assert roundtrip(ColumnSpec("", "bigint"), value) == value


@given(st.decimals(min_value=Decimal("-1e20"), max_value=Decimal("1e20"), places=6, allow_nan=False))
def test_decimal_round_trip_property(value: Decimal) -> None:
    assert roundtrip(ColumnSpec("", "decimal", precision=27, scale=6), value) == value


@settings(max_examples=40)
@given(st.text(max_size=60))
def test_nvarchar_round_trip_property(value: str) -> None:
    assert roundtrip(ColumnSpec("", "nvarchar", None), value) == value


@given(st.datetimes(min_value=dt.datetime(1753, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)))
def test_datetime_rounds_to_the_nearest_three_hundredth(value: dt.datetime) -> None:
    decoded = roundtrip(ColumnSpec("", "datetime"), value)
    assert isinstance(decoded, dt.datetime)
    assert abs(decoded - value) <= dt.timedelta(microseconds=1667)
