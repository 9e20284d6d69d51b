"""Printing results the way sqlcmd prints them, for both ``quietus sql`` modes (embedded and over TDS).

A result set is a header line (names padded to each column's display width), a line of dashes, the rows, and a
blank line; a statement's row count follows as ``(n rows affected)``.  An error prints
``Msg 6104, Level 16, State 1, Line 1`` and its text on the next line; an informational message (PRINT, severity
<= 10) prints its text alone.

Invariants:
  1. Every line of a result set has the same shape: for each column, exactly its display width of characters
     (values truncated to it, padded to it: numbers on the left, everything else on the right), joined by the
     column separator.  With ``trim`` (-W) nothing is padded and each value loses its trailing spaces.
  2. The display width of a column is decided by its declared type (ODBC's display sizes, the ``TYPE_WIDTHS``
     table), never by the data, in the ``SQLCMD`` layout; the ``FIT`` layout (the embedded shell's own, kept
     for its users) fits widths to the data and trims line ends.
  3. The printer never raises on a value: an unknown type prints ``str(value)``.
  4. ``BatchLog`` records every error printed, so exit codes (-b, -V, state 127) are decided from what the user saw.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TextIO

from quietus.ticks import fraction

INFORMATIONAL_SEVERITY = 10  # severities above this are errors (ERROR tokens), at or below are messages
NULL = "NULL"
DEFAULT_VAR_WIDTH = 256  # sqlcmd -y: display width of (n)varchar(max), varbinary(max), text, ntext, image, xml


class Layout(Enum):
    SQLCMD = "sqlcmd"  # widths from the declared types, as sqlcmd
    FIT = "fit"  # widths fitted to the data (the embedded shell's layout)


@dataclass(frozen=True, slots=True)
class Column:
    """A result column in SQL Server's type vocabulary (``length``: characters or bytes; ``None`` on a var type
    means MAX)."""

    name: str
    type_name: str = ""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class Format:
    """What sqlcmd's -h, -s, -W, -y and -Y decide."""

    headers: int = 0  # -h: 0 = once per result set, n = every n rows, -1 = never
    separator: str = " "  # -s
    trim: bool = False  # -W
    var_width: int = DEFAULT_VAR_WIDTH  # -y; 0 = unlimited
    fixed_width: int = 0  # -Y; 0 = the type's own width
    layout: Layout = Layout.SQLCMD


@dataclass(frozen=True, slots=True)
class Message:
    number: int
    severity: int
    state: int
    text: str
    line: int = 1
    procedure: str = ""
    is_error: bool = False


@dataclass(slots=True)
class BatchLog:
    """What one batch showed the user: the errors (server and client side) and the first value of the first row
    of its last result set (what ``EXIT(query)`` returns)."""

    errors: list[Message] = field(default_factory=list)
    first_value: object = None
    link_lost: bool = False  # the connection to the server broke (not a server's error: the client's)


# --- display widths (ODBC display sizes) ---------------------------------------------------------------------

TYPE_WIDTHS: dict[str, int] = {
    "bit": 1, "tinyint": 3, "smallint": 6, "int": 11, "bigint": 20,
    "real": 14, "float": 24, "money": 21, "smallmoney": 12,
    "datetime": 23, "smalldatetime": 19, "date": 10, "uniqueidentifier": 36,
}  # fmt: skip
# type → width before the fraction; with scale s > 0 the width grows by s + 1 (the point and the digits)
SCALED_WIDTHS: dict[str, int] = {"time": 8, "datetime2": 19, "datetimeoffset": 26}
CHARACTER_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar"})
BINARY_TYPES = frozenset({"binary", "varbinary"})
LARGE_TYPES = frozenset({"text", "ntext", "image", "xml"})
RIGHT_JUSTIFIED = frozenset(
    {"bit", "tinyint", "smallint", "int", "bigint", "decimal", "numeric", "real", "float", "money", "smallmoney"}
)


def display_width(column: Column, options: Format) -> int | None:
    """The column's width in the SQLCMD layout; ``None`` when unlimited (a large type under -y 0)."""
    name = column.type_name.lower()
    width: int | None
    if name in TYPE_WIDTHS:
        width = TYPE_WIDTHS[name]
    elif name in ("decimal", "numeric"):
        width = (column.precision or 18) + 2  # sign and decimal point
    elif name in SCALED_WIDTHS:
        scale = 7 if column.scale is None else column.scale
        width = SCALED_WIDTHS[name] + (scale + 1 if scale else 0)
    elif name in LARGE_TYPES or (name in CHARACTER_TYPES | BINARY_TYPES and column.length is None):
        width = options.var_width or None
    elif name in CHARACTER_TYPES | BINARY_TYPES:
        assert column.length is not None
        width = column.length * 2 + 2 if name in BINARY_TYPES else column.length  # 0x and two hex digits a byte
        if options.fixed_width:
            width = min(width, options.fixed_width)
    else:
        width = None  # a type this table does not know: as wide as its values
    if width is None:
        return None
    return max(width, len(column.name), len(NULL) if column.nullable else 0)


# --- values ----------------------------------------------------------------------------------------------------


def _fraction(moment: dt.time | dt.datetime, scale: int) -> str:
    return "." + f"{fraction(moment):07d}"[:scale] if scale else ""


def _clock(moment: dt.time | dt.datetime, scale: int) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{_fraction(moment, scale)}"


def _offset(moment: dt.datetime) -> str:
    minutes = int((moment.utcoffset() or dt.timedelta()).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _temporal(value: dt.date | dt.time, type_name: str, scale: int | None) -> str:
    if isinstance(value, dt.time):
        return _clock(value, 7 if scale is None else scale)
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    if type_name == "datetime":  # 1/300 s ticks: SQL Server shows them rounded to milliseconds (.997, not .996)
        value = value.replace(microsecond=min(999, round(value.microsecond / 1000)) * 1000)
    digits = {"datetime": 3, "smalldatetime": 0}.get(type_name, 7 if scale is None else scale)
    text = f"{value.date().isoformat()} {_clock(value, digits)}"
    return f"{text} {_offset(value)}" if type_name == "datetimeoffset" or value.tzinfo is not None else text


def _number(value: float | decimal.Decimal, type_name: str, scale: int | None) -> str:
    if isinstance(value, float):
        # sqlcmd shows a float to 17 significant digits (0.1 → 0.10000000000000001), a real to 7
        return format(value, ".7g" if type_name == "real" else ".17g").upper()
    if type_name in ("money", "smallmoney"):
        scale = 4
    return format(value, "f" if scale is None else f".{scale}f")


def format_value(value: Any, column: Column | None = None) -> str:
    """A value as sqlcmd prints it (``NULL``, ``1``/``0`` for bit, ``0x`` hex, upper-case GUIDs, fractions to the
    column's scale)."""
    type_name = column.type_name.lower() if column is not None else ""
    scale = column.scale if column is not None else None
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float | decimal.Decimal):
        return _number(value, type_name, scale)
    if isinstance(value, dt.date | dt.time):
        return _temporal(value, type_name or ("datetime" if isinstance(value, dt.datetime) else ""), scale)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex().upper()
    if isinstance(value, uuid.UUID):
        return str(value).upper()
    return str(value)


# --- the printer -----------------------------------------------------------------------------------------------


class Printer:
    """Writes one session's output; ``log`` collects what the current batch showed (reset by ``take_log``)."""

    def __init__(self, out: TextIO, options: Format | None = None, errors: TextIO | None = None) -> None:
        self.out = out
        self.errors = errors or out  # where client-side "Sqlcmd: Error:" lines go
        self.options = options or Format()
        self.log = BatchLog()

    def take_log(self) -> BatchLog:
        log, self.log = self.log, BatchLog()
        return log

    # results

    def result(self, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
        cells = [[format_value(v, c) for v, c in zip(row, columns, strict=True)] for row in rows]
        self.log.first_value = cells[0][0] if cells and cells[0] else None
        if self.options.layout is Layout.FIT:
            widths: list[int | None] = [len(c.name) for c in columns]
            for row in cells:
                widths = [max(w or 0, len(cell)) for w, cell in zip(widths, row, strict=True)]
        else:
            widths = [display_width(c, self.options) for c in columns]
        right = [c.type_name.lower() in RIGHT_JUSTIFIED and self.options.layout is Layout.SQLCMD for c in columns]
        every = self.options.headers if self.options.headers > 0 else len(cells) or 1
        for number, row in enumerate(cells):
            if number % every == 0 and self.options.headers >= 0:
                if number:
                    self.out.write("\n")
                self._headers(columns, widths)
            self._line([self._cell(v, w, r) for v, w, r in zip(row, widths, right, strict=True)])
        if not cells and self.options.headers >= 0:
            self._headers(columns, widths)
        self.out.write("\n")

    def _headers(self, columns: Sequence[Column], widths: Sequence[int | None]) -> None:
        if self.options.trim:
            names = [c.name for c in columns]
            dashes = ["-" * max(1, len(c.name)) for c in columns]
        else:
            names = [self._cell(c.name, w, False) for c, w in zip(columns, widths, strict=True)]
            dashes = ["-" * (w if w is not None else len(c.name)) for c, w in zip(columns, widths, strict=True)]
        self._line(names)
        self._line(dashes)

    def _cell(self, text: str, width: int | None, right: bool) -> str:
        if width is not None and len(text) > width:
            text = text[:width]
        if self.options.trim:
            return text.rstrip(" ")
        if width is None:
            return text
        return text.rjust(width) if right else text.ljust(width)

    def _line(self, cells: Sequence[str]) -> None:
        line = self.options.separator.join(cells)
        if self.options.layout is Layout.FIT:
            line = line.rstrip()
        self.out.write(line + "\n")

    def rows_affected(self, count: int) -> None:
        self.out.write(f"({count} {'row' if count == 1 else 'rows'} affected)\n")

    # messages

    def message(self, message: Message) -> None:
        if message.is_error:  # sqlcmd prints informational messages (PRINT, severity <= 10) as bare text
            header = f"Msg {message.number}, Level {message.severity}, State {message.state}"
            if message.procedure:
                header += f", Procedure {message.procedure}"
            self.out.write(f"{header}, Line {message.line}\n")
            self.log.errors.append(message)
        self.out.write(message.text + "\n")

    def client_error(self, text: str, source: str, link_lost: bool = False) -> None:
        """An error the client itself raises (no connection, login failed, timeout), in sqlcmd's shape:
        ``Sqlcmd: Error: <driver> : <text>``.  It counts as a severity-16 error of the batch."""
        self.out.flush()
        self.errors.write(f"Sqlcmd: Error: {source} : {text}\n")
        self.errors.flush()
        self.log.errors.append(Message(0, 16, 1, text, 0, "", True))
        self.log.link_lost = self.log.link_lost or link_lost
