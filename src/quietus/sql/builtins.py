"""Built-in scalar functions: the dispatch table from name to implementation, arity and result type.

``BUILTINS`` merges the string, math, misc and system tables here with the date functions
(``builtins_dates``) and the formatting functions (``builtins_format``). ``lookup(name)`` raises 195 for an
unknown name; ``Builtin.check_count`` raises 174/189. Conditional forms that must evaluate lazily
(ISNULL, COALESCE, NULLIF, IIF, CHOOSE, CASE) and CAST/CONVERT live in the expression compiler.

Invariants:
  1. String functions compare under the default collation (CHARINDEX, REPLACE and PATINDEX are
     case-insensitive; ``CASE_SENSITIVE_FUNCTIONS`` are their forms under an argument's CS/BIN COLLATE);
     LEN ignores trailing spaces, DATALENGTH counts bytes.
  2. Every implementation returns a valid value of its bound result type (or raises the SQL Server error).
"""

from __future__ import annotations

import functools
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from quietus.errors import sql_error
from quietus.sql import utf16
from quietus.sql.builtins_core import (
    NOT_CONSTANT,
    Arg,
    Bound,
    Builtin,
    Fn1,
    length_type,
    registry,
    simple,
    string_type,
    to_float,
    to_int,
    to_string,
    to_type,
)
from quietus.sql.builtins_dates import DATE_FUNCTIONS
from quietus.sql.builtins_format import FORMAT_FUNCTIONS, format_raiserror
from quietus.sql.builtins_metadata import COUNTER_TYPES, METADATA_FUNCTIONS
from quietus.sql.catalog_ids import system_object_id
from quietus.sql.collation import patindex
from quietus.sql.modules import reader_xid
from quietus.sql.temp_tables import TEMPDB, stored_name_of
from quietus.sql.types_base import (
    CHAR,
    DECIMAL,
    FAMILY,
    FLOAT,
    INT,
    MAX_CHAR,
    MAX_NCHAR,
    NCHAR,
    NUMERIC,
    NVARCHAR,
    SMALLINT,
    TINYINT,
    UNIQUEIDENTIFIER,
    VARBINARY,
    VARCHAR,
    SqlType,
)
from quietus.sql.types_convert import DECIMAL_CONTEXT, check_int, fit_decimal, fit_float
from quietus.sql.types_datetime import is_date_text

# --- strings --------------------------------------------------------------------------------------------


def _same_string(args: Sequence[Arg]) -> SqlType:
    return string_type(args[0])


def _var_string(args: Sequence[Arg]) -> SqlType:
    """varchar/nvarchar of the first argument's length (a binary argument is read as varchar: LEFT, REVERSE ...)."""
    t = string_type(args[0])
    return NVARCHAR(t.length) if t.is_unicode else VARCHAR(t.length)


def _substring_type(args: Sequence[Arg]) -> SqlType:
    """SUBSTRING keeps a binary argument binary (varbinary of its length); otherwise as ``_var_string``."""
    t = args[0].type
    return VARBINARY(t.length) if t.is_binary else _var_string(args)


def _wide_string(args: Sequence[Arg]) -> SqlType:
    """REPLACE/REPLICATE results: 8000 bytes (4000 Unicode characters) unless an argument is MAX."""
    t = string_type(args[0])
    if t.is_max:
        return t
    return NVARCHAR(MAX_NCHAR) if t.is_unicode else VARCHAR(MAX_CHAR)


def _cap(text: str, t: SqlType) -> str:
    return text if t.length is None else utf16.at_most(text, t.length)


def _substring(value: Any, start: int, length: int) -> Any:
    if length < 0:
        raise sql_error(537)
    begin = start - 1
    end = begin + length
    if isinstance(value, str):
        return utf16.cut(value, max(begin, 0), max(end, 0))
    return value[max(begin, 0) : max(end, 0)]


def _left(value: str, count: int) -> str:
    if count < 0:
        raise sql_error(536, "left")
    return utf16.cut(value, 0, count)


def _right(value: str, count: int) -> str:
    if count < 0:
        raise sql_error(536, "right")
    return utf16.cut(value, max(utf16.units(value) - count, 0)) if count else ""


def _charindex(find: str, value: str, start: int = 1) -> int:
    if not find:
        return 0
    return utf16.find(_lower(value), _lower(find), max(start, 1) - 1) + 1


def _replace(value: str, find: str, replacement: str) -> str:
    if not find:
        return value
    return re.sub(re.escape(find), lambda _: replacement, value, flags=re.IGNORECASE)


def _charindex_exact(find: str, value: str, start: int = 1) -> int:
    """CHARINDEX under a case-sensitive or binary COLLATE."""
    if not find:
        return 0
    return value.find(find, max(start, 1) - 1) + 1


def _replace_exact(value: str, find: str, replacement: str) -> str:
    return value.replace(find, replacement) if find else value


def _stuff(value: str | None, start: int | None, length: int | None, insert: str | None) -> str | None:
    """STUFF in UTF-16 code units."""
    if value is None or start is None or length is None:
        return None
    if start < 1 or start > utf16.units(value) or length < 0:
        return None
    return utf16.cut(value, 0, start - 1) + (insert or "") + utf16.cut(value, start - 1 + length)


def _stuff_bound(args: Sequence[Arg]) -> Bound:
    """STUFF can lengthen its string: typed as REPLACE is (8000 bytes, or MAX), the result capped to it."""
    rtype = _wide_string(args)

    def stuff(value: str | None, start: int | None, length: int | None, insert: str | None) -> str | None:
        result = _stuff(value, start, length, insert)
        return None if result is None else _cap(result, rtype)

    conversions = (to_string(args[0]), to_int(args[1]), to_int(args[2]), to_string(args[3]))
    return Bound(stuff, rtype, conversions, null_propagating=False)


@functools.cache
def _one_to_one(method: str) -> dict[int, str]:
    """Python's case mapping limited to characters that map to one character (SQL Server's UPPER and LOWER never
    change a string's length: UPPER(N'ß') is N'ß', not N'SS')."""
    table = {}
    for code in range(0x10000):
        char = chr(code)
        mapped = getattr(char, method)()
        if mapped != char and len(mapped) == 1:
            table[code] = mapped
    return table


def _upper(value: str) -> str:
    return value.upper() if value.isascii() else value.translate(_one_to_one("upper"))


def _lower(value: str) -> str:
    return value.lower() if value.isascii() else value.translate(_one_to_one("lower"))


def _trim_chars(value: str, chars: str = " ") -> str:
    return value.strip(chars)


def _datalength(args: Sequence[Arg]) -> Bound:
    t = args[0].type
    fixed = _FIXED_LENGTH.get(t.name)
    if fixed is not None:
        return Bound(lambda v: fixed, length_type(t))
    if t.is_unicode:
        return Bound(lambda v: 2 * utf16.units(v), length_type(t))
    if t.name in ("decimal", "numeric"):
        size = next(n for limit, n in ((9, 5), (19, 9), (28, 13), (38, 17)) if (t.precision or 18) <= limit)
        return Bound(lambda v: size, INT)
    if t.name in ("time", "datetime2", "datetimeoffset"):
        scale = t.scale if t.scale is not None else 7
        size = (3 if scale <= 2 else 4 if scale <= 4 else 5) + {"time": 0, "datetime2": 3, "datetimeoffset": 5}[t.name]
        return Bound(lambda v: size, INT)
    return Bound(len, length_type(t))


_FIXED_LENGTH: dict[str, int] = {
    "bit": 1, "tinyint": 1, "smallint": 2, "int": 4, "bigint": 8, "money": 8, "smallmoney": 4, "float": 8,
    "real": 4, "date": 3, "datetime": 8, "smalldatetime": 4, "uniqueidentifier": 16,
}  # fmt: skip


def _concat(args: Sequence[Arg]) -> Bound:
    unicode = any(a.type.is_unicode for a in args)
    lengths = [string_type(a).length for a in args]
    cap = MAX_NCHAR if unicode else MAX_CHAR
    total = None if any(n is None for n in lengths) else min(sum(n or 0 for n in lengths), cap)
    rtype = NVARCHAR(total) if unicode else VARCHAR(total)

    def concat(*values: Any) -> str:  # without a max argument SQL Server cuts the result at 8,000 bytes
        return _cap("".join(v for v in values if v is not None), rtype)

    return Bound(concat, rtype, tuple(to_string(a) for a in args), null_propagating=False)


def _concat_ws(args: Sequence[Arg]) -> Bound:
    bound = _concat(args)

    def concat_ws(separator: str | None, *values: Any) -> str:
        return _cap((separator or "").join(v for v in values if v is not None), bound.type)

    return Bound(concat_ws, bound.type, bound.conversions, null_propagating=False)


def _char(code: int) -> str | None:
    if not 0 <= code <= 255:
        return None
    return bytes([code]).decode("cp1252", errors="replace")


def _nchar(code: int) -> str | None:
    """NCHAR under a non-SC collation: one code unit (0-65535), else NULL; a lone surrogate is U+FFFD."""
    if not 0 <= code <= 0xFFFF:
        return None
    return utf16.REPLACEMENT if 0xD800 <= code <= 0xDFFF else chr(code)


def _ascii(value: str) -> int | None:
    if not value:
        return None
    return int(value[0].encode("cp1252", errors="replace")[0])


def _unicode(value: str) -> int | None:
    return ord(value[0]) if value else None


_QUOTES = {"[": ("[", "]"), "]": ("[", "]"), '"': ('"', '"'), "'": ("'", "'"), "(": ("(", ")"),
           ")": ("(", ")"), "<": ("<", ">"), ">": ("<", ">"), "{": ("{", "}"), "}": ("{", "}"),
           "`": ("`", "`")}  # fmt: skip


def _quotename(value: str, quote: str = "[") -> str | None:
    pair = _QUOTES.get(quote[:1]) if quote else None
    if pair is None or len(value) > 128:
        return None
    opening, closing = pair
    return opening + value.replace(closing, closing * 2) + closing


def _replicate(args: Sequence[Arg]) -> Bound:
    rtype = _wide_string(args)

    def replicate(value: str, count: int) -> str | None:
        if count < 0:
            return None
        return _cap(value * min(count, (rtype.length or 2**31) // max(len(value), 1) + 1), rtype)

    return Bound(replicate, rtype, (to_string(args[0]), to_int(args[1])))


def _replace_bound(args: Sequence[Arg]) -> Bound:
    rtype = _wide_string(args)
    return Bound(lambda v, f, r: _cap(_replace(v, f, r), rtype), rtype, tuple(to_string(a) for a in args))


def _replace_exact_bound(args: Sequence[Arg]) -> Bound:
    rtype = _wide_string(args)
    return Bound(lambda v, f, r: _cap(_replace_exact(v, f, r), rtype), rtype, tuple(to_string(a) for a in args))


def _space(count: int) -> str | None:
    return " " * min(count, MAX_CHAR) if count >= 0 else None


STRING_FUNCTIONS = registry(
    simple("LEN", 1, 1, lambda v: utf16.units(v.rstrip(" ")), lambda a: length_type(a[0].type), [to_string]),
    Builtin("DATALENGTH", 1, 1, _datalength),
    simple("UPPER", 1, 1, _upper, _same_string, [to_string]),
    simple("LOWER", 1, 1, _lower, _same_string, [to_string]),
    simple("LTRIM", 1, 2, lambda v, c=" ": v.lstrip(c), _var_string, [to_string]),
    simple("RTRIM", 1, 2, lambda v, c=" ": v.rstrip(c), _var_string, [to_string]),
    simple("TRIM", 1, 2, _trim_chars, _var_string, [to_string]),
    simple("SUBSTRING", 3, 3, _substring, _substring_type, [lambda a: None if a.type.is_binary else to_string(a),
                                                        to_int]),
    simple("LEFT", 2, 2, _left, _var_string, [to_string, to_int]),
    simple("RIGHT", 2, 2, _right, _var_string, [to_string, to_int]),
    simple("CHARINDEX", 2, 3, _charindex, lambda a: length_type(a[1].type), [to_string, to_string, to_int]),
    simple("PATINDEX", 2, 2, patindex, lambda a: length_type(a[1].type), [to_string]),
    Builtin("REPLACE", 3, 3, _replace_bound),
    Builtin("REPLICATE", 2, 2, _replicate),
    simple("REVERSE", 1, 1, utf16.reverse, _var_string, [to_string]),
    Builtin("STUFF", 4, 4, _stuff_bound),
    simple("SPACE", 1, 1, _space, VARCHAR(MAX_CHAR), [to_int]),
    Builtin("CONCAT", 2, 254, _concat),
    Builtin("CONCAT_WS", 3, 254, _concat_ws),
    simple("CHAR", 1, 1, _char, CHAR(1), [to_int]),
    simple("NCHAR", 1, 1, _nchar, NCHAR(1), [to_int]),
    simple("ASCII", 1, 1, _ascii, INT, [to_string]),
    simple("UNICODE", 1, 1, _unicode, INT, [to_string]),
    simple("QUOTENAME", 1, 2, _quotename, NVARCHAR(258), [to_string]),
)  # fmt: skip


# --- math -----------------------------------------------------------------------------------------------


def _numeric_arg(arg: Arg) -> Fn1 | None:
    """Math functions take numbers as they are and strings as float."""
    if FAMILY[arg.type.name] in ("int", "exact", "approx"):
        return None
    return to_float(arg)


def _numeric_type(args: Sequence[Arg]) -> SqlType:
    t = args[0].type
    if t.name in ("bit", "tinyint", "smallint"):
        return INT
    return t if FAMILY[t.name] in ("int", "exact", "approx") else FLOAT


def _by_family(
    t: SqlType, on_int: Callable[..., Any], on_exact: Callable[..., Any], on_float: Callable[..., Any]
) -> Callable[..., Any]:
    return {"int": on_int, "exact": on_exact}.get(FAMILY[t.name], on_float)


def _abs(args: Sequence[Arg]) -> Bound:
    t = _numeric_type(args)
    fn = _by_family(t, lambda v: check_int(abs(int(v)), t), abs, lambda v: abs(float(v)))
    return Bound(fn, t, (_numeric_arg(args[0]),))


def _ceiling_floor(rounding: str) -> Callable[[Sequence[Arg]], Bound]:
    def bind(args: Sequence[Arg]) -> Bound:
        t = _numeric_type(args)
        if t.name in ("decimal", "numeric"):
            t = SqlType(t.name, precision=t.precision, scale=0)
        whole = math.ceil if rounding == ROUND_CEILING else math.floor

        def exact(v: Decimal) -> Decimal:
            return fit_decimal(v.to_integral_value(rounding), t)

        fn = _by_family(t, int, exact, lambda v: float(whole(float(v))))
        return Bound(fn, t, (_numeric_arg(args[0]),))

    return bind


def _round(args: Sequence[Arg]) -> Bound:
    t = _numeric_type(args)

    def round_exact(value: Decimal, places: int, function: int = 0) -> Decimal:
        mode = ROUND_DOWN if function else ROUND_HALF_UP
        rounded = value.quantize(Decimal(1).scaleb(-places), mode, DECIMAL_CONTEXT)
        return fit_decimal(rounded, t)

    def round_int(value: int, places: int, function: int = 0) -> int:
        if places >= 0:
            return value
        exact = Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_DOWN if function else ROUND_HALF_UP)
        return check_int(int(exact), t)

    def round_float(value: float, places: int, function: int = 0) -> float:
        mode = ROUND_DOWN if function else ROUND_HALF_UP
        return fit_float(float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), mode)), t)

    fn = _by_family(t, round_int, round_exact, round_float)
    return Bound(fn, t, (_numeric_arg(args[0]), *(to_int(a) for a in args[1:])))


def _power(args: Sequence[Arg]) -> Bound:
    t = _numeric_type(args)
    if t.name in ("decimal", "numeric"):
        t = DECIMAL(38, t.scale or 0)

    def raw(x: Any, y: Any) -> float:
        try:
            result: Any = float(x) ** float(y)
        except (OverflowError, ZeroDivisionError):
            raise sql_error(3623) from None
        if isinstance(result, complex):
            raise sql_error(3623)
        return float(result)

    def power_exact(x: Decimal, y: Any) -> Decimal:
        if y == int(y) and y >= 0:
            return fit_decimal(DECIMAL_CONTEXT.power(x, int(y)), t)
        return fit_decimal(Decimal(repr(raw(x, y))), t)

    fn = _by_family(t, lambda x, y: check_int(int(raw(x, y)), t), power_exact, lambda x, y: fit_float(raw(x, y), t))
    return Bound(fn, t, (_numeric_arg(args[0]), _numeric_arg(args[1])))


def _sign(args: Sequence[Arg]) -> Bound:
    t = _numeric_type(args)

    def sign(v: Any) -> int:
        return int(v > 0) - int(v < 0)

    fn = _by_family(t, sign, lambda v: fit_decimal(Decimal(sign(v)), t), lambda v: float(sign(v)))
    return Bound(fn, t, (_numeric_arg(args[0]),))


def _float_fn(fn: Callable[..., float]) -> Callable[..., float]:
    """Wrap a math function: domain errors are SQL Server's 3623."""

    def run(*values: Any) -> float:
        try:
            return fit_float(fn(*(float(v) for v in values)), FLOAT)
        except (ValueError, ZeroDivisionError, OverflowError):
            raise sql_error(3623) from None

    return run


def _log(x: float, base: float | None = None) -> float:
    if x <= 0 or (base is not None and (base <= 0 or base == 1)):
        raise ValueError
    if base is None:
        return math.log(x)
    return math.log10(x) if base == 10 else math.log(x, base)


def _rand(args: Sequence[Arg]) -> Bound:
    def rand(seed: Any = None) -> float:
        generator = random.Random(int(seed)) if seed is not None else random
        return float(generator.random())

    return Bound(rand, FLOAT, (to_int(args[0]),) if args else (), null_propagating=False, deterministic=False)


MATH_FUNCTIONS = registry(
    Builtin("ABS", 1, 1, _abs),
    Builtin("CEILING", 1, 1, _ceiling_floor(ROUND_CEILING)),
    Builtin("FLOOR", 1, 1, _ceiling_floor(ROUND_FLOOR)),
    Builtin("ROUND", 2, 3, _round),
    Builtin("POWER", 2, 2, _power),
    Builtin("SIGN", 1, 1, _sign),
    simple("SQRT", 1, 1, _float_fn(math.sqrt), FLOAT, [to_float]),
    simple("SQUARE", 1, 1, _float_fn(lambda x: x * x), FLOAT, [to_float]),
    simple("EXP", 1, 1, _float_fn(math.exp), FLOAT, [to_float]),
    simple("LOG", 1, 2, _float_fn(_log), FLOAT, [to_float]),
    simple("LOG10", 1, 1, _float_fn(lambda x: _log(x, 10)), FLOAT, [to_float]),
    simple("PI", 0, 0, lambda: math.pi, FLOAT),
    Builtin("RAND", 0, 1, _rand),
)


# --- tests and identifiers ------------------------------------------------------------------------------

_NUMERIC_TEXT = re.compile(r"^\s*[+-]?\s*[$]?\s*[+-]?(\d[\d,]*\.?\d*|\.\d*)?([eEdD][+-]?\d+)?\s*$")


def _isnumeric(args: Sequence[Arg]) -> Bound:
    family = FAMILY[args[0].type.name]
    if family in ("int", "exact", "approx"):
        return Bound(lambda v: 0 if v is None else 1, INT, null_propagating=False)
    if family != "string":
        return Bound(lambda v: 0, INT, null_propagating=False)

    def isnumeric(value: str | None) -> int:
        if value is None or not value.strip():
            return 0
        match = _NUMERIC_TEXT.match(value)
        return int(match is not None and not (match.group(2) and not match.group(1)))

    return Bound(isnumeric, INT, null_propagating=False)


def _isdate(args: Sequence[Arg]) -> Bound:
    family = FAMILY[args[0].type.name]
    if family in ("date", "datetime") or args[0].is_null_literal:
        return Bound(lambda v: 0 if v is None else 1, INT, null_propagating=False)
    if family != "string":
        raise sql_error(8116, args[0].type.display(), 1, "isdate")
    return Bound(lambda v: int(v is not None and is_date_text(v)), INT, null_propagating=False)


def _newid(args: Sequence[Arg]) -> Bound:
    return Bound(uuid.uuid4, UNIQUEIDENTIFIER, deterministic=False)


MISC_FUNCTIONS = registry(
    Builtin("ISNUMERIC", 1, 1, _isnumeric),
    Builtin("ISDATE", 1, 1, _isdate),
    Builtin("NEWID", 0, 0, _newid),
)


# --- session state: answered by the EvalContext ---------------------------------------------------------

_NAME = NVARCHAR(128)
# @@ variables and niladic functions, with their types; the values come from EvalContext.system_value.
SYSTEM_VARIABLES: dict[str, SqlType] = {
    "@@SPID": SMALLINT, "@@TRANCOUNT": INT, "@@ROWCOUNT": INT, "@@ERROR": INT, "@@IDENTITY": NUMERIC(38, 0),
    "@@VERSION": NVARCHAR(300), "@@SERVERNAME": _NAME, "@@SERVICENAME": _NAME, "@@MAX_PRECISION": TINYINT,
    "@@LOCK_TIMEOUT": INT, "@@LANGUAGE": _NAME, "@@DATEFIRST": TINYINT, "@@TEXTSIZE": INT, "@@NESTLEVEL": INT,
    "@@PROCID": INT, "@@DBTS": VARBINARY(8), "@@OPTIONS": INT, "@@FETCH_STATUS": INT,
    "@@MAX_CONNECTIONS": INT, "@@CONNECTIONS": INT, "@@REMSERVER": _NAME, **COUNTER_TYPES,
}  # fmt: skip
SYSTEM_FUNCTIONS: dict[str, SqlType] = {
    "SCOPE_IDENTITY": NUMERIC(38, 0), "ERROR_NUMBER": INT, "ERROR_MESSAGE": NVARCHAR(4000),
    "ERROR_SEVERITY": INT, "ERROR_STATE": INT, "ERROR_LINE": INT, "ERROR_PROCEDURE": _NAME,
    "XACT_STATE": SMALLINT, "SUSER_SNAME": _NAME, "SUSER_NAME": _NAME, "SYSTEM_USER": _NAME,
    "ORIGINAL_LOGIN": _NAME, "USER_NAME": _NAME, "CURRENT_USER": _NAME, "SESSION_USER": _NAME,
    "USER": _NAME, "DB_NAME": _NAME, "DB_ID": SMALLINT, "HOST_NAME": _NAME, "APP_NAME": _NAME,
}  # fmt: skip


def system_value_reader(name: str, t: SqlType) -> Callable[[Any], Any]:
    """fn(ctx) reading a session value, normalised to the value representation of ``t``."""
    if FAMILY[t.name] == "exact":
        return lambda ctx: _to_decimal(ctx.system_value(name))
    return lambda ctx: ctx.system_value(name)


def _to_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _system_builtin(name: str, t: SqlType) -> Builtin:
    reader = system_value_reader(name, t)
    return Builtin(
        name,
        0,
        0,
        lambda args: Bound(reader, t, null_propagating=False, needs_context=True, deterministic=False),
    )


SESSION_FUNCTIONS = registry(*(_system_builtin(name, t) for name, t in SYSTEM_FUNCTIONS.items()))


# --- security: answered by the instance's security service (``env.services["security"]``, sessions/security.py) --


def _security_call(method: str, null_propagating: bool) -> Callable[[Sequence[Arg]], Bound]:
    """Bind a call whose value comes from ``security.<method>(caller_login, *args)``; NULL without the service."""

    def fn(ctx: Any, *values: Any) -> Any:
        security = ctx.env.services.get("security")
        return None if security is None else getattr(security, method)(ctx.session.login_name, *values)

    def bind(args: Sequence[Arg]) -> Bound:
        conversions = tuple(to_string(arg) for arg in args)
        return Bound(fn, INT, conversions, null_propagating, needs_context=True, deterministic=False)

    return bind


def _suser_sname(args: Sequence[Arg]) -> Bound:
    """SUSER_SNAME(): the caller's login; SUSER_SNAME(sid): the login whose SID it is (``Security.suser_sname``)."""
    if not args:
        return _system_builtin("SUSER_SNAME", _NAME).bind(args)

    def fn(ctx: Any, sid: bytes) -> str | None:
        security = ctx.env.services.get("security")
        return None if security is None else security.suser_sname(ctx.session.login_name, sid)

    return Bound(fn, _NAME, (to_type(args[0], VARBINARY(85)),), needs_context=True, deterministic=False)


SECURITY_FUNCTIONS = registry(
    Builtin("SUSER_SNAME", 0, 1, _suser_sname),
    Builtin("IS_SRVROLEMEMBER", 1, 2, _security_call("srvrolemember", True)),
    Builtin("HAS_PERMS_BY_NAME", 3, 5, _security_call("has_perms_by_name", False)),
)

# --- catalog: answered from the databases of the environment --------------------------------------------------


def _database_of(ctx: Any, name: str | None) -> Any:
    return ctx.database if name is None else ctx.env.database(name)


def _modules_of(ctx: Any, database: Any) -> Any:
    """The module catalog (quietus.sql.modules) if ``database`` holds it, else None."""
    store = ctx.env.services.get("modules")
    return store if store is not None and store.db is database else None


def _object_id(ctx: Any, name: str, object_type: str | None = None) -> int | None:
    """OBJECT_ID('[db.][schema.]name' [, type]): user tables (U), procedures (P), views (V) and functions (FN, IF)
    of the named (or current) database; NULL otherwise."""
    parts = [part.strip("[]\"") for part in name.split(".")]
    database_name = parts[-3] if len(parts) >= 3 and parts[-3] else None
    temporary = parts[-1].startswith("#")
    if temporary and database_name is not None and database_name.casefold() == TEMPDB:
        database_name = None  # temporary tables live in the session's database, which answers as tempdb
    database = _database_of(ctx, database_name)
    schema = parts[-2] if len(parts) >= 2 and parts[-2] else None
    if database is None:
        return None
    if schema is not None and schema.casefold() == "sys":  # system views and functions exist in every database
        system_name = "sys." + parts[-1]
        if ctx.env.virtual_table(system_name) is not None or ctx.env.table_function(system_name) is not None:
            return system_object_id(system_name)
        return None
    kind = "" if object_type is None else object_type.strip().upper()
    if kind in ("U", "") and (schema is None or schema.casefold() == "dbo"):
        stored = stored_name_of(ctx, parts[-1]) if temporary else parts[-1]
        table = database.table_by_name(stored) if stored else None
        if table is not None:
            return int(table.object_id)
    store = _modules_of(ctx, database)
    if store is None:
        return None
    module = store.find(schema, parts[-1], reader_xid(ctx.session.txn))
    if module is None or kind not in (module.type.strip(), ""):
        return None
    return int(module.object_id)


def _object_name(ctx: Any, object_id: int, database_id: int | None = None) -> str | None:
    databases = ctx.env.databases.values()
    database = ctx.database if database_id is None else next(
        (d for d in databases if d.database_id == database_id), None
    )
    if object_id < 0:
        return _system_object_name(ctx, object_id)
    table = None if database is None else database.tables.get(object_id)
    if table is not None:
        return None if table.definition.schema_name == "sys" else str(table.name)
    store = _modules_of(ctx, database)
    module = None if store is None else store.by_id(object_id, reader_xid(ctx.session.txn))
    return None if module is None else str(module.name)


def _system_object_name(ctx: Any, object_id: int) -> str | None:
    env = ctx.env
    for name in (*env.virtual_tables, *env.table_functions):
        if name.startswith("sys.") and system_object_id(name) == object_id:
            return str(name[4:])
    return None


def _object_definition(ctx: Any, object_id: int) -> str | None:
    """OBJECT_DEFINITION(id): a module's text; NULL for tables and unknown ids."""
    store = _modules_of(ctx, ctx.database)
    module = None if store is None else store.by_id(object_id, reader_xid(ctx.session.txn))
    return None if module is None or module.type.strip() == "SN" else str(module.definition)  # synonyms: none


def _db_id(ctx: Any, name: str | None = None) -> int | None:
    database = _database_of(ctx, name)
    return None if database is None else int(database.database_id)


def _has_dbaccess(ctx: Any, name: str) -> int | None:
    """HAS_DBACCESS(name): 1 when the login may use the database (every login may use every database here, as
    fn_my_permissions shows: it holds CONNECT on each), NULL for a name that is no database."""
    return None if ctx.env.database(name) is None else 1


def _db_name(ctx: Any, database_id: int | None = None) -> str | None:
    if database_id is None:
        return str(ctx.database.name)
    return next((str(d.name) for d in ctx.env.databases.values() if d.database_id == database_id), None)


def _catalog_call(fn: Callable[..., Any], result: SqlType, numeric_args: bool) -> Callable[[Sequence[Arg]], Bound]:
    def bind(args: Sequence[Arg]) -> Bound:
        conversions = tuple(to_int(arg) if numeric_args else to_string(arg) for arg in args)
        return Bound(fn, result, conversions, null_propagating=bool(args), needs_context=True, deterministic=False)

    return bind


CATALOG_FUNCTIONS = registry(
    Builtin("OBJECT_ID", 1, 2, _catalog_call(_object_id, INT, numeric_args=False)),
    Builtin("OBJECT_NAME", 1, 2, _catalog_call(_object_name, NVARCHAR(128), numeric_args=True)),
    Builtin("OBJECT_DEFINITION", 1, 1, _catalog_call(_object_definition, NVARCHAR(None), numeric_args=True)),
    Builtin("DB_ID", 0, 1, _catalog_call(_db_id, SMALLINT, numeric_args=False)),
    Builtin("DB_NAME", 0, 1, _catalog_call(_db_name, NVARCHAR(128), numeric_args=True)),
    Builtin("HAS_DBACCESS", 1, 1, _catalog_call(_has_dbaccess, INT, numeric_args=False)),
)

BUILTINS: dict[str, Builtin] = {
    **STRING_FUNCTIONS,
    **MATH_FUNCTIONS,
    **MISC_FUNCTIONS,
    **SESSION_FUNCTIONS,
    **CATALOG_FUNCTIONS,  # after the session functions: DB_ID(name) and DB_NAME(id) take an argument
    **SECURITY_FUNCTIONS,
    **DATE_FUNCTIONS,
    **FORMAT_FUNCTIONS,
    **METADATA_FUNCTIONS,
}


def lookup(name: str) -> Builtin:
    """The builtin called ``name`` (any case); 195 when there is none."""
    builtin = BUILTINS.get(name.upper())
    if builtin is None:
        raise sql_error(195, name, "built-in function name")
    return builtin


def register_builtins(table: dict[str, Builtin]) -> None:
    """Add a dialect's own functions (``quietus.sql.oracle``).  Their names start with ``%``, which no T-SQL
    text can spell, so only that dialect's normaliser can call them."""
    for name, builtin in table.items():
        if not name.startswith("%"):
            raise ValueError(f"a dialect's builtin must be named %...: {name}")
        BUILTINS[name] = builtin


def bind_call(name: str, args: Sequence[Arg]) -> Bound:
    """Look up, check the argument count, and bind a call (for callers outside the compiler)."""
    builtin = lookup(name)
    builtin.check_count(len(args))
    return builtin.bind(args)


# The string functions that compare text, as they bind when an argument names a case-sensitive or binary collation
# (``x COLLATE Latin1_General_BIN2``); the table above is the server collation's (case-insensitive).
CASE_SENSITIVE_FUNCTIONS = registry(
    simple("CHARINDEX", 2, 3, _charindex_exact, lambda a: length_type(a[1].type), [to_string, to_string, to_int]),
    simple("PATINDEX", 2, 2, lambda p, v: patindex(p, v, True), lambda a: length_type(a[1].type), [to_string]),
    Builtin("REPLACE", 3, 3, _replace_exact_bound),
)


__all__ = ["BUILTINS", "CASE_SENSITIVE_FUNCTIONS", "NOT_CONSTANT", "SYSTEM_FUNCTIONS", "SYSTEM_VARIABLES", "Arg",
           "Bound", "Builtin", "bind_call", "format_raiserror", "lookup", "register_builtins", "system_value_reader",
           "to_type"]  # fmt: skip
