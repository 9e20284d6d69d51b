"""Printing results the way sqlcmd prints them: column headers, dashes, rows, "(n rows affected)", and messages
as ``Msg 6104, Level 16, State 1, Line 1`` followed by the text."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any, TextIO

from quietus.sql.results import MessageEvent, ResultSet, StatementDone


def format_value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, bytes):
        return "0x" + value.hex().upper()
    if isinstance(value, uuid.UUID):
        return str(value).upper()
    if isinstance(value, decimal.Decimal | float | int | datetime.date | datetime.time):
        return str(value)
    return str(value)


def print_result(result: ResultSet, out: TextIO, separator: str = " ") -> None:
    headers = [column.name for column in result.columns]
    cells = [[format_value(v) for v in row] for row in result.rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    out.write(separator.join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    out.write(separator.join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write(separator.join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write("\n")


def print_message(message: MessageEvent, out: TextIO) -> None:
    if message.is_error:  # sqlcmd prints informational messages (PRINT, severity <= 10) as bare text
        header = f"Msg {message.number}, Level {message.severity}, State {message.state}"
        if message.procedure:
            header += f", Procedure {message.procedure}"
        out.write(f"{header}, Line {message.line}\n")
    out.write(message.text + "\n")


def print_events(events: Iterable[Any], out: TextIO) -> bool:
    """Print a batch's events in order; True if any error was printed."""
    failed = False
    for event in events:
        if isinstance(event, ResultSet):
            print_result(event, out)
        elif isinstance(event, MessageEvent):
            print_message(event, out)
            failed = failed or event.is_error
        elif isinstance(event, StatementDone) and event.rowcount is not None and not event.error:
            noun = "row" if event.rowcount == 1 else "rows"
            out.write(f"({event.rowcount} {noun} affected)\n")
    return failed
