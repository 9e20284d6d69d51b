"""``quietus sql --embedded DIR``: sqlcmd on an in-process instance; the engine's events printed as sqlcmd would.

Imported only in the embedded mode, so the network mode starts without loading the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quietus.cli.output import Column, Message, Printer
from quietus.dbapi import Connection
from quietus.sql.results import MessageEvent, ResultSet, StatementDone

DRIVER = "Quietus embedded engine"


def print_events(events: Iterable[Any], printer: Printer) -> None:
    """Print an embedded batch's events (``quietus.sql.results``) in order."""
    for event in events:
        if isinstance(event, ResultSet):
            columns = [
                Column(c.name, c.type.name, c.type.length, c.type.precision, c.type.scale, c.nullable)
                for c in event.columns
            ]
            printer.result(columns, event.rows)
        elif isinstance(event, MessageEvent):
            printer.message(
                Message(
                    event.number, event.severity, event.state, event.text, event.line, event.procedure, event.is_error
                )
            )
        elif isinstance(event, StatementDone) and event.rowcount is not None and not event.error:
            printer.rows_affected(event.rowcount)


class EmbeddedBackend:
    """One session of the in-process instance (no query timeout: -t does not apply)."""

    driver = DRIVER

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def execute(self, text: str, printer: Printer) -> bool:
        print_events(self.connection.run(text).events, printer)
        return not self.connection.closed

    def use(self, database: str) -> list[str]:
        """sqlcmd's -d for the embedded mode: ``USE`` the database; the texts of the errors if it failed."""
        sink = self.connection.run(f"USE [{database.replace(']', ']]')}]")
        return [m.text for m in sink.messages if m.is_error]

    def close(self) -> None:
        self.connection.close()
