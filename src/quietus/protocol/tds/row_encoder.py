"""A result set's rows as ROW / NBCROW tokens, through one function written for its columns.

A large result (the session view: 10,000 rows of 53 columns) spends its time in per-value overhead: a call per
value, a loop step, a NULL test, and encoding the same few strings again and again.  ``row_encoder(codecs,
nbcrow)`` therefore writes, once per column list and client kind, the Python source of a function that encodes one
row with every column's code inline (int, bit, nvarchar, datetime) or as one call to the column's fast encoder
(the other types, ``fast_encoders``) or general encoder (a column with neither), compiles it, and caches it.

* A run of consecutive int/bit columns is packed by one struct when none of its values is NULL (the usual row),
  else value by value.
* nvarchar and datetime values go through the result set's *memo* (value -> encoded bytes, at most
  ``MEMO_LIMIT`` entries, made by the writer per result set): a login name, a status, a language, a login time
  repeated in a row are encoded once per result.

The generated function for ``(int, bit, nvarchar(10))`` and an NBCROW client reads:

    def encode_row(row, memo):
        v0, v1, v2, = row
        out = []
        put = out.append
        memo_get = memo.get
        nulls = 0
        if type(v0) is int and v1 is not None:
            put(run_0(4, v0, 1, v1))
        else:
            if v0 is None:
                nulls |= 1
            elif type(v0) is int:
                put(pack_0(4, v0))
            else:
                raise TypeError
            if v1 is None:
                nulls |= 2
            elif v1 is not None:
                put(pack_1(1, v1))
            else:
                raise TypeError
        if v2 is None:
            nulls |= 4
        elif type(v2) is str:
            piece = memo_get(v2)
            if piece is None:
                data = v2.encode("utf-16-le", "surrogatepass")
                piece = length(len(data)) + data
                if len(memo) < MEMO_LIMIT:
                    memo[v2] = piece
            if len(piece) > 22:
                raise TooLong
            put(piece)
        else:
            raise TypeError
        if nulls:
            return NBCROW + nulls.to_bytes(1, "little") + b"".join(out)
        return ROW + b"".join(out)

Invariants (tests/unit/test_tds_row_encoder.py checks them against ``tokens.encode_row``):

1. The bytes are ``tokens.encode_row``'s: ROW with every value, or (NBCROW clients, TDS 7.3B+) NBCROW when a
   value is NULL, its bitmap (bit i of byte i // 8 set for NULL column i) then the other values.
2. Inline code takes exactly the values the column's fast encoder takes (a column with an adapter, a down-level
   client's date as text, is never inlined); anything else raises one of ``FAST_MISS`` and the caller encodes
   that row with ``tokens.encode_row`` (which converts it or raises the general error).
3. Only constants of the column list (struct packers, limits, NULL bytes, codecs) reach the generated source, as
   names bound in its namespace; no value of a row or name of a column does.
4. A memo entry is a value's bytes whatever its column: its length prefix and data, the same for nvarchar and
   nchar; each column still checks the entry's length against its own limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import struct
from collections.abc import Callable, Sequence

from quietus.protocol.tds.columns import ColumnCodec
from quietus.protocol.tds.fast_encoders import DAY_TICKS, EPOCH_1900, TooLong
from quietus.protocol.tds.tokens import TokenType
from quietus.protocol.tds.types import TypeId

RowEncoder = Callable[[Sequence[object], dict[object, bytes]], bytes]

_INT_FORMATS = {1: "B", 2: "h", 4: "i", 8: "q"}
MEMO_LIMIT = 4096  # distinct values one result's memo keeps (the memo lives as long as the result set)


def _fixed(codec: ColumnCodec) -> tuple[str, int, str] | None:
    """An int or bit column's (struct code, length byte, test that the value is one the code packs), else None.
    A bit packs any value by its truth (``?``), as the bit encoder does; an int only a plain ``int``."""
    info = codec.info
    if codec.adapt is not None:
        return None
    if info.type_id == TypeId.INTN and info.max_length in _INT_FORMATS:
        return _INT_FORMATS[info.max_length], info.max_length, "type(v{i}) is int"
    if info.type_id == TypeId.BITN:
        return "?", 1, "v{i} is not None"
    return None


def _fixed_code(i: int, codec: ColumnCodec, names: dict[str, object]) -> list[str] | None:
    fixed = _fixed(codec)
    if fixed is None:
        return None
    code, size, test = fixed
    names[f"pack_{i}"] = struct.Struct("<B" + code).pack
    return [f"elif {test.format(i=i)}:", f"    put(pack_{i}({size}, v{i}))"]


def _nvarchar_code(i: int, codec: ColumnCodec, names: dict[str, object]) -> list[str] | None:
    info = codec.info
    if info.type_id not in (TypeId.NVARCHAR, TypeId.NCHAR) or info.is_plp or info.max_length is None:
        return None
    return [
        f"elif type(v{i}) is str:",
        f"    piece = memo_get(v{i})",
        "    if piece is None:",
        f'        data = v{i}.encode("utf-16-le", "surrogatepass")',
        "        piece = length(len(data)) + data",
        "        if len(memo) < MEMO_LIMIT:",
        f"            memo[v{i}] = piece",
        f"    if len(piece) > {info.max_length + 2}:",
        "        raise TooLong",
        "    put(piece)",
    ]


def _datetime_code(i: int, codec: ColumnCodec, names: dict[str, object]) -> list[str] | None:
    if codec.info.type_id != TypeId.DATETIMN or codec.info.max_length != 8:
        return None
    return [
        f"elif type(v{i}) is datetime and v{i}.tzinfo is None:",
        f"    piece = memo_get(v{i})",
        "    if piece is None:",
        f"        delta = v{i} - EPOCH_1900",
        "        ticks = ((delta.seconds * 1000000 + delta.microseconds) * 3 + 5000) // 10000",
        "        piece = pack_datetime(8, delta.days + ticks // DAY_TICKS, ticks % DAY_TICKS)",
        "        if len(memo) < MEMO_LIMIT:",
        f"            memo[v{i}] = piece",
        "    put(piece)",
    ]


def _call_code(i: int, codec: ColumnCodec, names: dict[str, object]) -> list[str]:
    """Any other column: its fast encoder, or the general one (which raises its own errors)."""
    names[f"encode_{i}"] = codec.fast if codec.fast is not None else codec.encode
    return ["else:", f"    put(encode_{i}(v{i}))"]


_INLINE = (_fixed_code, _nvarchar_code, _datetime_code)


def _column_code(i: int, codec: ColumnCodec, nbcrow: bool, names: dict[str, object]) -> list[str]:
    """One value's code: NULL (a bitmap bit, or its NULL bytes), else the column's encoding."""
    if nbcrow:
        lines = [f"if v{i} is None:", f"    nulls |= {1 << i}"]
    else:
        names[f"null_{i}"] = codec.encode(None)
        lines = [f"if v{i} is None:", f"    put(null_{i})"]
    inline = (f(i, codec, names) for f in _INLINE) if codec.adapt is None else ()  # adapted: the codec's own way
    code = next((c for c in inline if c is not None), None)
    if code is None:
        return lines + _call_code(i, codec, names)
    return lines + code + (["else:", "    raise TypeError"] if code[0].startswith("elif") else [])


def _runs(codecs: Sequence[ColumnCodec]) -> list[range]:
    """The columns in order, cut into runs: consecutive int/bit columns together, every other column alone."""
    runs: list[range] = []
    for i, codec in enumerate(codecs):
        if runs and _fixed(codec) is not None and _fixed(codecs[runs[-1].start]) is not None:
            runs[-1] = range(runs[-1].start, i + 1)
        else:
            runs.append(range(i, i + 1))
    return runs


def _run_code(run: range, codecs: Sequence[ColumnCodec], nbcrow: bool, names: dict[str, object]) -> list[str]:
    """A run of int/bit columns: one struct packs them all when none is NULL (the usual row); else each alone."""
    each = [line for i in run for line in _column_code(i, codecs[i], nbcrow, names)]
    if len(run) == 1:
        return each
    fixed = [(i, _fixed(codecs[i])) for i in run]
    names[f"run_{run.start}"] = struct.Struct("<" + "".join("B" + f[0] for _, f in fixed if f)).pack
    tests = " and ".join(f[2].format(i=i) for i, f in fixed if f)
    arguments = ", ".join(f"{f[1]}, v{i}" for i, f in fixed if f)
    return [f"if {tests}:", f"    put(run_{run.start}({arguments}))", "else:"] + ["    " + line for line in each]


def _source(codecs: Sequence[ColumnCodec], nbcrow: bool, names: dict[str, object]) -> str:
    width = len(codecs)
    values = ", ".join(f"v{i}" for i in range(width))
    lines = ["def encode_row(row, memo):", f"    {values}, = row", "    out = []", "    put = out.append"]
    lines += ["    memo_get = memo.get", "    nulls = 0"]
    for run in _runs(codecs):
        lines += ["    " + line for line in _run_code(run, codecs, nbcrow, names)]
    if nbcrow:
        bitmap = f'nulls.to_bytes({(width + 7) // 8}, "little")'
        lines += ["    if nulls:", f'        return NBCROW + {bitmap} + b"".join(out)']
    lines += ['    return ROW + b"".join(out)']
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=256)
def row_encoder(codecs: tuple[ColumnCodec, ...], nbcrow: bool) -> RowEncoder:
    """The row encoder for ``codecs`` (a result's columns) and a client that does (or does not) read NBCROW."""
    names: dict[str, object] = {
        "ROW": bytes([TokenType.ROW]),
        "NBCROW": bytes([TokenType.NBCROW]),
        "MEMO_LIMIT": MEMO_LIMIT,
        "TooLong": TooLong,
        "length": struct.Struct("<H").pack,
        "datetime": dt.datetime,
        "EPOCH_1900": EPOCH_1900,
        "DAY_TICKS": DAY_TICKS,
        "pack_datetime": struct.Struct("<BiI").pack,
    }
    source = _source(codecs, nbcrow, names)
    exec(compile(source, f"<row encoder of {len(codecs)} columns>", "exec"), names)
    encoder: RowEncoder = names["encode_row"]  # type: ignore[assignment]
    return encoder
