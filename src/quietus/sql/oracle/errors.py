"""SQL Server errors raised by the engine, as the ORA errors an Oracle session sees.

The engine and the shared SQL layer raise SQL Server's numbers; an Oracle session's runner passes every
``SqlError`` through ``translate`` before reporting it.  ``TRANSLATIONS`` is the table: SQL Server number →
a function building the ORA error (most just name the code; a few take names out of the SQL Server text, as
Oracle formats them: ``ORA-00001: unique constraint (SCHEMA.NAME) violated``).

An engine error with no entry becomes ``ORA-20000: <the SQL Server text> (SQL Server error n)``: a clear error
carrying what happened, never a traceback.  Errors that are already Oracle's (their text starts with ``ORA-``)
pass unchanged.  COMMIT/ROLLBACK without a transaction (3902, 3903) are not errors in Oracle: ``IGNORED``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from quietus.errors import ORACLE, SqlError


def ora(code: str, *args: object) -> SqlError:
    """The ORA error ``code`` (a key of ``quietus.errors.ORACLE``), its ``%s`` slots filled from ``args``."""
    template = ORACLE[code]
    text = template % args if args else template
    return SqlError(int(code[4:]), 16, 1, f"{code}: {text}")


_QUOTED = re.compile(r"'([^']*)'")


def _quoted(error: SqlError, position: int) -> str:
    """The ``position``-th single-quoted piece of a SQL Server message ('' when there is none)."""
    found = _QUOTED.findall(error.message)
    return found[position] if position < len(found) else ""


def _name(text: str) -> str:
    """An identifier as Oracle shows it in messages: upper-cased unless it was made with lower case letters."""
    return text.upper()


def _qualified(*parts: str) -> str:
    return ".".join(f'"{_name(p)}"' for p in parts if p)


def _table_part(text: str) -> str:
    """'master.dbo.t' → 't'."""
    return text.split(".")[-1]


def _unique(error: SqlError, schema: str) -> SqlError:
    # 2627: Violation of PRIMARY KEY constraint 'name'. ...; 2601: ... object 't' with unique index 'name'.
    constraint = _quoted(error, 0) if error.number == 2627 else _quoted(error, 1)
    return ora("ORA-00001", f"{_name(schema)}.{_name(constraint)}")


def _not_null(error: SqlError, schema: str) -> SqlError:
    column, table = _quoted(error, 0), _table_part(_quoted(error, 1))
    return ora("ORA-01400", _qualified(schema, table, column))


def _too_large(error: SqlError, schema: str) -> SqlError:
    table, column = _table_part(_quoted(error, 0)), _quoted(error, 1)
    if not column:
        return ora("ORA-12899", "(column unknown)")
    return ora("ORA-12899", _qualified(schema, table, column))


def _invalid_identifier(error: SqlError, schema: str) -> SqlError:
    found = _QUOTED.findall(error.message) or re.findall(r'"([^"]*)"', error.message)
    name = found[0] if found else ""
    return ora("ORA-00904", ".".join(f'"{_name(part)}"' for part in name.split(".")))


def _constraint(error: SqlError, schema: str) -> SqlError:
    """547: "The INSERT statement conflicted with the CHECK|FOREIGN KEY|REFERENCE constraint "name" ..."."""
    found = re.search(r"conflicted with the (.*?) constraint \"([^\"]*)\"", error.message)
    kind, constraint = (found.group(1), found.group(2)) if found else ("", "")
    name = f"{_name(schema)}.{_name(constraint)}"
    if kind == "CHECK":
        return ora("ORA-02290", name)
    return ora("ORA-02292" if kind == "REFERENCE" else "ORA-02291", name)


def _code(code: str) -> Callable[[SqlError, str], SqlError]:
    """The ORA error ``code``; a ``%s`` in its text is the first name quoted in the SQL Server message."""
    if "%s" in ORACLE[code]:
        return lambda error, schema: ora(code, _name(_quoted(error, 0)))
    return lambda error, schema: ora(code)


# SQL Server number → the ORA error (given the SqlError and the schema name to show).
TRANSLATIONS: dict[int, Callable[[SqlError, str], SqlError]] = {
    208: _code("ORA-00942"),
    207: _invalid_identifier,
    4924: _invalid_identifier,
    4104: _invalid_identifier,
    137: _code("ORA-01008"),  # a bind variable the statement uses and the call did not supply
    209: _code("ORA-00918"),
    2627: _unique,
    2601: _unique,
    547: _constraint,
    515: _not_null,
    8134: _code("ORA-01476"),
    8152: _too_large,
    2628: _too_large,
    245: _code("ORA-01722"),
    8114: _code("ORA-01722"),
    241: _code("ORA-01861"),
    220: _code("ORA-01438"),
    8115: _code("ORA-01438"),
    512: _code("ORA-01427"),
    8120: _code("ORA-00979"),
    109: _code("ORA-00947"),  # more INSERT columns than values: not enough values
    110: _code("ORA-00913"),  # more values than INSERT columns: too many values
    213: _code("ORA-00947"),  # INSERT ... SELECT of another width (SQL Server does not say which way)
    1007: _code("ORA-01426"),
    2714: _code("ORA-00955"),
    1767: _code("ORA-00942"),  # a foreign key to a table that does not exist
    1913: _code("ORA-00955"),
    2705: _code("ORA-00957"),
    3701: _code("ORA-00942"),
    1205: _code("ORA-00060"),
    1222: _code("ORA-00054"),
    596: _code("ORA-00028"),
    3980: _code("ORA-01013"),  # the running statement ended from outside: ALTER SYSTEM CANCEL SQL
    # The Oracle parser raises its own syntax errors; a 102 from the engine is a construct it cannot run.
    102: _code("ORA-03001"),
    156: _code("ORA-03001"),
    195: _invalid_identifier,
    174: _code("ORA-00909"),
    189: _code("ORA-00909"),
    15247: _code("ORA-01031"),
    15151: _code("ORA-01918"),
    15025: _code("ORA-01920"),
}

# Errors that are no errors in Oracle: COMMIT or ROLLBACK with no transaction open.
IGNORED = frozenset({3902, 3903})


def translate(error: SqlError, schema: str) -> SqlError:
    """The Oracle error for ``error`` (unchanged when it is already an ORA error)."""
    if error.message.startswith("ORA-"):
        return error
    build = TRANSLATIONS.get(error.number)
    if build is None:
        translated = ora("ORA-20000", f"{error.message} (SQL Server error {error.number})")
    else:
        translated = build(error, schema)
    translated.line = error.line
    return translated
