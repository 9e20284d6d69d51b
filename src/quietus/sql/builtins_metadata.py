"""Metadata functions the DBA tools call: SERVERPROPERTY, PARSENAME, SCHEMA_NAME/ID, TYPE_NAME/ID,
OBJECT_SCHEMA_NAME, OBJECTPROPERTY(EX), COLUMNPROPERTY, DATABASEPROPERTYEX, SESSIONPROPERTY, CONTEXT_INFO,
CHECKSUM, TRANSLATE.

Each answers from what the instance really has; a property Quietus does not know is NULL, as SQL Server answers
an unknown property name (never a made-up value).  Properties are tables keyed by their upper-cased names.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from quietus.errors import sql_error
from quietus.sql.builtins_core import Arg, Bound, Builtin, registry, to_int, to_string
from quietus.sql.catalog_ids import FIXED_TYPES, SCHEMA_NAMES, SCHEMAS, SIZED_TYPES, TYPE_NAMES
from quietus.sql.collation import sort_key
from quietus.sql.environment import SERVER_VERSION
from quietus.sql.modules import reader_xid
from quietus.sql.types_base import INT, NVARCHAR, VARBINARY, SqlType

_NAME = NVARCHAR(128)
DEFAULT_COLLATION = "SQL_Latin1_General_CP1_CI_AS"
_MAJOR, _MINOR, _BUILD, _REVISION = (int(part) for part in SERVER_VERSION.split("."))


def _context_call(fn: Callable[..., Any], result: SqlType, kinds: str) -> Callable[[Sequence[Arg]], Bound]:
    """Bind a function of (ctx, *values); ``kinds`` says per argument "s" (string) or "i" (int)."""

    def bind(args: Sequence[Arg]) -> Bound:
        conversions = tuple(to_int(arg) if kinds[i] == "i" else to_string(arg) for i, arg in enumerate(args))
        return Bound(fn, result, conversions, null_propagating=True, needs_context=True, deterministic=False)

    return bind


# -- SERVERPROPERTY ------------------------------------------------------------------------------------------

SERVER_PROPERTIES: dict[str, Callable[[Any], Any]] = {
    "PRODUCTVERSION": lambda ctx: SERVER_VERSION,
    "PRODUCTMAJORVERSION": lambda ctx: str(_MAJOR),
    "PRODUCTMINORVERSION": lambda ctx: str(_MINOR),
    "PRODUCTBUILD": lambda ctx: str(_BUILD),
    "PRODUCTLEVEL": lambda ctx: "RTM",
    "EDITION": lambda ctx: "Developer Edition (64-bit)",
    "ENGINEEDITION": lambda ctx: 3,  # Enterprise/Developer: every feature Quietus has is available
    "EDITIONID": lambda ctx: -2117995310,  # Developer Edition's documented id
    "MACHINENAME": lambda ctx: ctx.env.server_name,
    "SERVERNAME": lambda ctx: ctx.env.server_name,
    "INSTANCENAME": lambda ctx: None,  # the default instance
    "COLLATION": lambda ctx: DEFAULT_COLLATION,
    "PROCESSID": lambda ctx: os.getpid(),
    "ISCLUSTERED": lambda ctx: 0,
    "ISHADRENABLED": lambda ctx: 0,
    "ISFULLTEXTINSTALLED": lambda ctx: 0,
    "ISINTEGRATEDSECURITYONLY": lambda ctx: 0,
    "ISSINGLEUSER": lambda ctx: 0,
    "ISXTPSUPPORTED": lambda ctx: 0,
    "ISPOLYBASEINSTALLED": lambda ctx: 0,
    "ISADVANCEDANALYTICSINSTALLED": lambda ctx: 0,
}


def _serverproperty(ctx: Any, name: str) -> Any:
    provider = SERVER_PROPERTIES.get(name.strip().upper())
    if provider is None:
        return None
    value = provider(ctx)
    return None if value is None else str(value)


# -- names ---------------------------------------------------------------------------------------------------


def parsename(name: str, part: int) -> str | None:
    """PARSENAME('server.db.schema.object', n): part n counted from the right (1 = object); brackets and double
    quotes delimit parts; more than four parts, or a malformed name, gives NULL."""
    parts: list[str] = []
    current: list[str] = []
    position = 0
    text = name
    while position < len(text):
        char = text[position]
        if char in "[\"" and not current:
            closing = "]" if char == "[" else '"'
            position += 1
            while position < len(text):
                if text[position] == closing:
                    if position + 1 < len(text) and text[position + 1] == closing:
                        current.append(closing)
                        position += 2
                        continue
                    break
                current.append(text[position])
                position += 1
            else:
                return None  # an unclosed delimiter
            position += 1
            if position < len(text) and text[position] != ".":
                return None
            continue
        if char == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    parts.append("".join(current))
    if len(parts) > 4 or not 1 <= part <= 4:
        return None
    parts.reverse()
    value = parts[part - 1] if part <= len(parts) else ""
    return value or None


def _schema_name(ctx: Any, schema_id: int | None = None) -> str | None:
    return "dbo" if schema_id is None else SCHEMA_NAMES.get(schema_id)


def _schema_id(ctx: Any, name: str | None = None) -> int | None:
    if name is None:
        return 1
    for schema, schema_id, _ in SCHEMAS:
        if schema.casefold() == name.casefold():
            return schema_id
    return None


def _type_name(ctx: Any, type_id: int) -> str | None:
    return "sysname" if type_id == 256 else TYPE_NAMES.get(type_id)


def _type_id(ctx: Any, name: str) -> int | None:
    folded = name.strip().strip("[]").casefold()
    if folded == "sysname":
        return 256
    fixed = FIXED_TYPES.get(folded)
    return fixed[0] if fixed is not None else SIZED_TYPES.get(folded)


# -- objects -------------------------------------------------------------------------------------------------


def _object(ctx: Any, object_id: int) -> tuple[str, Any] | None:
    """("U", table) or ("P", module) for an object id of the current database."""
    db = ctx.database
    table = db.tables.get(object_id)
    if table is not None and table.definition.schema_name != "sys":
        return "U", table
    store = ctx.env.services.get("modules")
    if store is not None and store.db is db:
        module = store.by_id(object_id, reader_xid(ctx.session.txn))
        if module is not None:
            return module.type, module
    return None


def _object_schema_name(ctx: Any, object_id: int, database_id: int | None = None) -> str | None:
    if database_id is not None and database_id != ctx.database.database_id:
        return None
    found = _object(ctx, object_id)
    if found is None:
        return None
    kind, thing = found
    return str(thing.definition.schema_name if kind == "U" else thing.schema_name)


def _is(kind: str) -> Callable[[str, Any], int]:
    return lambda found_kind, thing: int(found_kind == kind)


def _table_has(kind: str, thing: Any, test: Callable[[Any], bool]) -> int | None:
    return None if kind != "U" else int(test(thing.definition))


OBJECT_PROPERTIES: dict[str, Callable[[str, Any], Any]] = {
    "ISUSERTABLE": _is("U"),
    "ISTABLE": _is("U"),
    "ISPROCEDURE": _is("P"),
    "ISVIEW": _is("V"),
    "ISSCALARFUNCTION": _is("FN"),
    "ISTABLEFUNCTION": lambda kind, thing: int(kind in ("IF", "TF")),
    "ISTRIGGER": _is("TR"),
    "ISSYSTEMTABLE": lambda kind, thing: 0,
    "ISMSSHIPPED": lambda kind, thing: 0,
    "ISEXECUTED": lambda kind, thing: int(kind == "P"),
    "ISSCHEMABOUND": lambda kind, thing: int(kind in ("V", "FN", "IF", "TF") and _schema_bound(thing)),
    "OWNERID": lambda kind, thing: 1,
    "SCHEMAID": lambda kind, thing: 1,
    "TABLEHASPRIMARYKEY": lambda kind, thing: _table_has(kind, thing, lambda d: d.primary_key is not None),
    "TABLEHASIDENTITY": lambda kind, thing: _table_has(kind, thing, lambda d: d.identity_position is not None),
    "TABLEHASCLUSTINDEX": lambda kind, thing: _table_has(kind, thing, lambda d: d.primary_key is not None),
}


def _schema_bound(module: Any) -> bool:
    """Whether a view's or function's definition says WITH SCHEMABINDING."""
    from quietus.sql.dialect import parse_batch_cached

    return bool(getattr(parse_batch_cached(module.definition)[0], "schemabinding", False))


def _objectproperty(ctx: Any, object_id: int, prop: str) -> Any:
    found = _object(ctx, object_id)
    getter = OBJECT_PROPERTIES.get(prop.strip().upper())
    if found is None or getter is None:
        return None
    return getter(*found)


def _columnproperty(ctx: Any, object_id: int, column: str, prop: str) -> Any:
    found = _object(ctx, object_id)
    if found is None or found[0] != "U":
        return None
    definition = found[1].definition
    position = definition.column_position(column)
    if position is None:
        return None
    column_def = definition.columns[position]
    properties: dict[str, Any] = {
        "ALLOWSNULL": int(column_def.nullable),
        "ISIDENTITY": int(column_def.identity_seed is not None),
        "COLUMNID": position + 1,
        "PRECISION": column_def.precision if column_def.precision is not None else column_def.length,
        "SCALE": column_def.scale,
        "ISCOMPUTED": int(column_def.computed_sql is not None),
    }
    return properties.get(prop.strip().upper())


DATABASE_PROPERTIES: dict[str, Callable[[Any], Any]] = {
    "STATUS": lambda db: "ONLINE",
    "UPDATEABILITY": lambda db: "READ_WRITE",
    "USERACCESS": lambda db: "MULTI_USER",
    "RECOVERY": lambda db: "FULL",
    "COLLATION": lambda db: DEFAULT_COLLATION,
    "ISAUTOCLOSE": lambda db: 0,
    "ISAUTOSHRINK": lambda db: 0,
    "ISINSTANDBY": lambda db: 0,
    "ISREADCOMMITTEDSNAPSHOTON": lambda db: int(db.options.read_committed_snapshot),
}


def _databasepropertyex(ctx: Any, database: str, prop: str) -> Any:
    db = ctx.env.database(database)
    getter = DATABASE_PROPERTIES.get(prop.strip().upper())
    if db is None or getter is None:
        return None
    return str(getter(db))


def _sessionproperty(ctx: Any, option: str) -> Any:
    name = option.strip().upper()
    options = ctx.session.options
    return int(options[name]) if name in options else None


# -- CONTEXT_INFO, CHECKSUM, TRANSLATE -----------------------------------------------------------------------


def _context_info(ctx: Any) -> bytes | None:
    return None  # SET CONTEXT_INFO is not supported yet, so no session has any (NULL is the truth)


def _checksum_bind(args: Sequence[Arg]) -> Bound:
    """CHECKSUM(expr, ...): an int hash over the values, equal for values equal under the collation (so 'a' and
    'A' hash alike, as SQL Server's CHECKSUM does under a case-insensitive collation); NULLs hash as NULL."""

    def fn(*values: Any) -> int:
        digest = 0
        for value in values:
            folded = sort_key(value.rstrip(" ")) if isinstance(value, str) else value
            encoded = repr(folded).encode()
            digest = zlib.crc32(encoded, digest)
        return digest - (1 << 32) if digest >= 1 << 31 else digest

    return Bound(fn, INT, tuple(None for _ in args), null_propagating=False)


def _translate(text: str, source: str, target: str) -> str:
    if len(source) != len(target):
        raise sql_error(9828)
    return text.translate(str.maketrans(source, target))


def _translate_bind(args: Sequence[Arg]) -> Bound:
    return Bound(_translate, args[0].type if args[0].type.is_string else NVARCHAR(4000), tuple(map(to_string, args)))


METADATA_FUNCTIONS = registry(
    Builtin("SERVERPROPERTY", 1, 1, _context_call(_serverproperty, NVARCHAR(128), "s")),
    Builtin(
        "PARSENAME",
        2,
        2,
        lambda args: Bound(parsename, _NAME, (to_string(args[0]), to_int(args[1]))),
    ),
    Builtin("SCHEMA_NAME", 0, 1, _context_call(_schema_name, _NAME, "i")),
    Builtin("SCHEMA_ID", 0, 1, _context_call(_schema_id, INT, "s")),
    Builtin("TYPE_NAME", 1, 1, _context_call(_type_name, _NAME, "i")),
    Builtin("TYPE_ID", 1, 1, _context_call(_type_id, INT, "s")),
    Builtin("OBJECT_SCHEMA_NAME", 1, 2, _context_call(_object_schema_name, _NAME, "ii")),
    Builtin("OBJECTPROPERTY", 2, 2, _context_call(_objectproperty, INT, "is")),
    Builtin("OBJECTPROPERTYEX", 2, 2, _context_call(_objectproperty, NVARCHAR(128), "is")),
    Builtin("COLUMNPROPERTY", 3, 3, _context_call(_columnproperty, INT, "iss")),
    Builtin("DATABASEPROPERTYEX", 2, 2, _context_call(_databasepropertyex, NVARCHAR(128), "ss")),
    Builtin("SESSIONPROPERTY", 1, 1, _context_call(_sessionproperty, INT, "s")),
    Builtin(
        "CONTEXT_INFO",
        0,
        0,
        lambda args: Bound(_context_info, VARBINARY(128), null_propagating=False, needs_context=True),
    ),
    Builtin("CHECKSUM", 1, 1024, _checksum_bind),
    Builtin("TRANSLATE", 3, 3, _translate_bind),
)

# @@ counters with honest values: the version as SQL Server encodes it, and SQL Server's tick length.
MICROSOFT_VERSION = (_MAJOR << 24) | (_MINOR << 16) | _BUILD
TIMETICKS = 31250  # microseconds per tick, as SQL Server reports it
COUNTER_TYPES: dict[str, SqlType] = {
    name: INT
    for name in (
        "@@MICROSOFTVERSION", "@@TIMETICKS", "@@CPU_BUSY", "@@IO_BUSY", "@@IDLE", "@@TOTAL_READ", "@@TOTAL_WRITE",
        "@@TOTAL_ERRORS", "@@PACK_RECEIVED", "@@PACK_SENT", "@@PACKET_ERRORS", "@@LANGID",
    )
}  # fmt: skip
