"""The ON/OFF SET options: what each one does in Quietus, as tables.

Every ON/OFF option SQL Server has is either honoured or refused; none is accepted and ignored.

Honoured, both values (default first):

* ANSI_NULLS (ON): OFF makes ``= NULL``, ``<> NULL`` and ``IN (..., NULL)`` against a NULL literal or a variable
  true or false instead of NULL (expressions.py); a module runs with its own setting (stored_procedures.py).
* CONCAT_NULL_YIELDS_NULL (ON): OFF makes a NULL count as '' in string ``+`` (expressions.py).
* QUOTED_IDENTIFIER (ON): OFF makes ``"x"`` a string literal, at parse time (dialect/lexer.py).
* ANSI_NULL_DFLT_ON (ON) / ANSI_NULL_DFLT_OFF (OFF): the nullability of a column that says neither NULL nor NOT
  NULL (ddl.py); setting one ON sets the other OFF.
* ARITHABORT (ON): with ANSI_WARNINGS ON, which is always so here, SQL Server ends the statement on overflow and
  divide by zero whatever ARITHABORT says, so both values behave alike (tedious sends OFF).
* IMPLICIT_TRANSACTIONS, CURSOR_CLOSE_ON_COMMIT, XACT_ABORT, NOCOUNT (OFF).
* ANSI_DEFAULTS (OFF): ON sets ``ANSI_DEFAULTS_GROUP`` ON.

Refused with 40517, the session keeping its setting (``UNSUPPORTED_VALUE``): ANSI_WARNINGS OFF (NULL for divide by
zero, silent truncation), ANSI_PADDING OFF (trailing blanks trimmed in new columns), ANSI_DEFAULTS OFF (it sets
those two OFF), and ON for ARITHIGNORE, NUMERIC_ROUNDABORT, NO_BROWSETABLE, NOEXEC, FMTONLY, PARSEONLY,
STATISTICS IO/TIME/XML/PROFILE, SHOWPLAN_TEXT/ALL/XML and FORCEPLAN.

Valued options: LOCK_TIMEOUT, DEADLOCK_PRIORITY, TRANSACTION ISOLATION LEVEL, IDENTITY_INSERT (sql/batch.py);
ROWCOUNT (SELECT and also INSERT / UPDATE / DELETE, the smaller with TOP: sql/dml.py; MERGE: sql/merge.py);
DATEFIRST (DATEPART and DATENAME of week / weekday, DATETRUNC(week): sql/builtins_dates.py); TEXTSIZE (max values
in SELECT results cut, ``textsize_cutter``); LANGUAGE us_english / English only and DATEFORMAT mdy only (others
40517: ``LANGUAGES``, ``DATE_FORMATS``); QUERY_GOVERNOR_COST_LIMIT 0 only.

``@@OPTIONS`` is the sum of ``OPTION_BITS`` of the options that are ON (5496 for a new connection: ANSI_WARNINGS,
ANSI_PADDING, ANSI_NULLS, ARITHABORT, QUOTED_IDENTIFIER, ANSI_NULL_DFLT_ON, CONCAT_NULL_YIELDS_NULL), as SQL Server's
user options bits.  A reset (sp_reset_connection) puts every option back to its default (server.instance).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from quietus.errors import sql_error
from quietus.sql import utf16
from quietus.sql.types_base import SqlType

# The value of an option Quietus cannot honour: SET name <value> is 40517, and the session keeps its setting.
UNSUPPORTED_VALUE: dict[str, bool] = {
    "ANSI_WARNINGS": False,
    "ANSI_PADDING": False,
    "ANSI_DEFAULTS": False,
    "ARITHIGNORE": True,
    "NUMERIC_ROUNDABORT": True,
    "NO_BROWSETABLE": True,
    "NOEXEC": True,
    "FMTONLY": True,
    "PARSEONLY": True,
    "STATISTICS IO": True,
    "STATISTICS TIME": True,
    "STATISTICS XML": True,
    "STATISTICS PROFILE": True,
    "SHOWPLAN_TEXT": True,
    "SHOWPLAN_ALL": True,
    "SHOWPLAN_XML": True,
    "FORCEPLAN": True,
}

# SET ANSI_DEFAULTS ON sets these ON too (SQL Server's list).
ANSI_DEFAULTS_GROUP = (
    "ANSI_NULLS", "ANSI_NULL_DFLT_ON", "ANSI_PADDING", "ANSI_WARNINGS", "CURSOR_CLOSE_ON_COMMIT",
    "IMPLICIT_TRANSACTIONS", "QUOTED_IDENTIFIER",
)  # fmt: skip

# Options that exclude each other: setting the key ON sets the value OFF.
EXCLUSIVE = {"ANSI_NULL_DFLT_ON": "ANSI_NULL_DFLT_OFF", "ANSI_NULL_DFLT_OFF": "ANSI_NULL_DFLT_ON"}

# @@OPTIONS: each option's bit (SQL Server's 'user options' bits; 1, DISABLE_DEF_CNST_CHK, is never set).
OPTION_BITS: dict[str, int] = {
    "IMPLICIT_TRANSACTIONS": 2, "CURSOR_CLOSE_ON_COMMIT": 4, "ANSI_WARNINGS": 8, "ANSI_PADDING": 16,
    "ANSI_NULLS": 32, "ARITHABORT": 64, "ARITHIGNORE": 128, "QUOTED_IDENTIFIER": 256, "NOCOUNT": 512,
    "ANSI_NULL_DFLT_ON": 1024, "ANSI_NULL_DFLT_OFF": 2048, "CONCAT_NULL_YIELDS_NULL": 4096,
    "NUMERIC_ROUNDABORT": 8192, "XACT_ABORT": 16384,
}  # fmt: skip


def set_on_off(options: Mapping[str, bool], name: str, on: bool) -> dict[str, bool]:
    """``SET name ON|OFF``: a session's options with it applied, as a new dict (a session's options are never changed
    in place: a scope that kept them, a procedure's or sp_executesql's, puts them back by reference); 40517 for a
    value Quietus cannot honour."""
    if UNSUPPORTED_VALUE.get(name) is on:
        raise sql_error(40517, f"SET {name} {'ON' if on else 'OFF'}")
    changed = dict(options)
    changed[name] = on
    if on and name in EXCLUSIVE:
        changed[EXCLUSIVE[name]] = False
    if name == "ANSI_DEFAULTS":
        for member in ANSI_DEFAULTS_GROUP:
            changed = set_on_off(changed, member, True)
    return changed


def options_value(options: Mapping[str, bool]) -> int:
    """@@OPTIONS for a session's options."""
    return sum(bit for name, bit in OPTION_BITS.items() if options.get(name))


def column_nullable_by_default(options: Mapping[str, bool]) -> bool:
    """Whether a column that says neither NULL nor NOT NULL allows NULL: ANSI_NULL_DFLT_ON ON says yes,
    ANSI_NULL_DFLT_OFF ON says no, and with both OFF the database's ANSI_NULL_DEFAULT decides, which is OFF (NOT
    NULL) in every Quietus database, as in a new SQL Server database."""
    return bool(options.get("ANSI_NULL_DFLT_ON"))


# -- valued options ------------------------------------------------------------------------------------------

# SET LANGUAGE: the languages Quietus has (messages, month and day names, DATEFIRST and DATEFORMAT defaults are
# us_english's); another is 40517, never accepted while every answer stays English.
LANGUAGES = {"us_english": "us_english", "english": "us_english"}
# SET DATEFORMAT: the order Quietus reads ambiguous date strings in; another (dmy, ymd ...) is 40517, never
# accepted while '01/02/2020' still reads as January 2nd.
DATE_FORMATS = frozenset({"mdy"})
TEXTSIZE_DEFAULT = 4096  # what SET TEXTSIZE 0 sets, as in SQL Server
TEXTSIZE_MAX: Final = 2147483647


def language(value: str) -> str:
    name = LANGUAGES.get(value.strip().casefold())
    if name is None:
        raise sql_error(40517, f"SET LANGUAGE {value}")
    return name


def date_format(value: str) -> str:
    if value.lower() not in DATE_FORMATS:
        raise sql_error(40517, f"SET DATEFORMAT {value}")
    return value.lower()


def query_governor_cost_limit(value: int) -> None:
    """SET QUERY_GOVERNOR_COST_LIMIT: 0 (no limit, what SSMS sends at connect) is what Quietus does; a limit would
    refuse queries by an estimated cost Quietus does not compute: 40517."""
    if value != 0:
        raise sql_error(40517, f"SET QUERY_GOVERNOR_COST_LIMIT {value}")


def textsize(value: int) -> int:
    return TEXTSIZE_DEFAULT if value == 0 else value


def textsize_cutter(textsize: int, types: Iterable[SqlType]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]] | None:
    """SET TEXTSIZE n: a SELECT returns at most n bytes of each varchar(max), nvarchar(max) and varbinary(max)
    value (n / 2 UTF-16 units of nvarchar).  None when nothing is cut (the drivers' 2147483647, or no such column)."""
    if not 0 < textsize < TEXTSIZE_MAX:
        return None
    cutters: dict[int, Callable[[Any], Any]] = {}
    for position, t in enumerate(types):
        if t.length is not None:
            continue
        if t.name == "nvarchar":
            cutters[position] = lambda v: utf16.cut(v, 0, textsize // 2)
        elif t.name in ("varchar", "varbinary"):
            cutters[position] = lambda v: v[:textsize]
    if not cutters:
        return None

    def cut(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for position, shorten in cutters.items():
            if values[position] is not None:
                values[position] = shorten(values[position])
        return tuple(values)

    return cut
