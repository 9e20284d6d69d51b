"""The per-column fast encoders write exactly the bytes of the general encoder."""

from __future__ import annotations

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
