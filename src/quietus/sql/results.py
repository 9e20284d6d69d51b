"""What a request produces, in order: result sets, messages, statement completions, transaction changes.

The executor hands each event to a ``ResultSink``.  The embedded API collects them; the TDS server turns them into
tokens (COLMETADATA/ROW, INFO/ERROR, DONE, ENVCHANGE) and may make the executor wait while the client drains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from quietus.sql.types_base import SqlType


@dataclass(frozen=True, slots=True)
class ResultColumn:
    name: str
    type: SqlType
    nullable: bool = True


@dataclass(slots=True)
class ResultSet:
    columns: Sequence[ResultColumn]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """An INFO (severity <= 10, PRINT, RAISERROR ... WITH severity 0-10) or ERROR message."""

    number: int
    severity: int
    state: int
    text: str
    line: int = 1
    procedure: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity > 10


@dataclass(frozen=True, slots=True)
class StatementDone:
    """One statement finished: its row count (None when it has none to report) and whether it failed."""

    rowcount: int | None
    error: bool = False
    command: str = ""

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md); one a
    # statement.
    def __init__(self, rowcount: int | None, error: bool = False, command: str = "") -> None:
        object.__setattr__(self, "rowcount", rowcount)
        object.__setattr__(self, "error", error)
        object.__setattr__(self, "command", command)


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    """A transaction began, committed or rolled back (TDS ENVCHANGE 8/9/10)."""

    kind: str  # "begin" | "commit" | "rollback"
    descriptor: int


@dataclass(frozen=True, slots=True)
class ReturnStatus:
    value: int


class ResultSink(Protocol):
    def start_result(self, columns: Sequence[ResultColumn]) -> None: ...
    def row(self, values: tuple[Any, ...]) -> None: ...
    def end_result(self) -> None: ...
    def message(self, event: MessageEvent) -> None: ...
    def done(self, event: StatementDone) -> None: ...
    def transaction(self, event: TransactionEvent) -> None: ...
    def return_status(self, event: ReturnStatus) -> None: ...


class CollectingSink:
    """Keeps every event in order; what the embedded API and the tests read.

    Besides the ordered ``events`` it keeps, as they arrive, the result sets, the messages and the last statement's
    reported row count, so a caller reading those does not walk the events again (the embedded API reads all three
    after every call)."""

    __slots__ = ("_rows", "events", "messages", "result_sets", "rowcount")

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.result_sets: list[ResultSet] = []
        self.messages: list[MessageEvent] = []
        self.rowcount = -1  # the last StatementDone's row count that was not None; -1 when none reported one
        self._rows: list[tuple[Any, ...]] | None = None  # the rows of the result set being received

    def start_result(self, columns: Sequence[ResultColumn]) -> None:
        current = ResultSet(columns)
        self._rows = current.rows
        self.events.append(current)
        self.result_sets.append(current)

    def row(self, values: tuple[Any, ...]) -> None:
        rows = self._rows
        assert rows is not None
        rows.append(values)

    def end_result(self) -> None:
        self._rows = None

    def message(self, event: MessageEvent) -> None:
        self.events.append(event)
        self.messages.append(event)

    def done(self, event: StatementDone) -> None:
        self.events.append(event)
        if event.rowcount is not None:
            self.rowcount = event.rowcount

    def transaction(self, event: TransactionEvent) -> None:
        self.events.append(event)

    def return_status(self, event: ReturnStatus) -> None:
        self.events.append(event)


class CapturingSink:
    """INSERT ... EXEC: keeps the rows of every result set (with their columns' types) instead of sending them;
    messages, statement completions and transaction events still reach the client through ``outer``."""

    def __init__(self, outer: ResultSink) -> None:
        self.outer = outer
        self.rows: list[tuple[Any, ...]] = []
        self.row_types: list[Sequence[SqlType]] = []
        self._types: Sequence[SqlType] = ()

    def start_result(self, columns: Sequence[ResultColumn]) -> None:
        self._types = tuple(column.type for column in columns)

    def row(self, values: tuple[Any, ...]) -> None:
        self.rows.append(values)
        self.row_types.append(self._types)

    def end_result(self) -> None:
        pass

    def message(self, event: MessageEvent) -> None:
        self.outer.message(event)

    def done(self, event: StatementDone) -> None:
        self.outer.done(event)

    def transaction(self, event: TransactionEvent) -> None:
        self.outer.transaction(event)

    def return_status(self, event: ReturnStatus) -> None:
        pass  # the procedure's status belongs to the INSERT, not to the client
