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
    """Keeps every event in order; what the embedded API and the tests read."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._current: ResultSet | None = None

    def start_result(self, columns: Sequence[ResultColumn]) -> None:
        self._current = ResultSet(columns)
        self.events.append(self._current)

    def row(self, values: tuple[Any, ...]) -> None:
        assert self._current is not None
        self._current.rows.append(values)

    def end_result(self) -> None:
        self._current = None

    def message(self, event: MessageEvent) -> None:
        self.events.append(event)

    def done(self, event: StatementDone) -> None:
        self.events.append(event)

    def transaction(self, event: TransactionEvent) -> None:
        self.events.append(event)

    def return_status(self, event: ReturnStatus) -> None:
        self.events.append(event)

    @property
    def result_sets(self) -> list[ResultSet]:
        return [event for event in self.events if isinstance(event, ResultSet)]

    @property
    def messages(self) -> list[MessageEvent]:
        return [event for event in self.events if isinstance(event, MessageEvent)]


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
