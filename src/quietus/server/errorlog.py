"""The error log: a text file in SQL Server's ERRORLOG format, and the procedures that read it.

Format (one entry per line; an entry whose text has several lines is written as several entries)::

    2026-11-20 23:50:01.12 Server      Quietus 0.1.0 (TDS SQL Server 16.0.4000 compatible) ...
    2026-11-20 23:50:07.48 Logon       Error: 18456, Severity: 14, State: 8.
    2026-11-20 23:50:07.48 Logon       Login failed for user 'x'. Reason: ... [CLIENT: 127.0.0.1]
    2026-11-20 23:51:00.00 spid51      Process ID 52 was killed by hostname ...

``<date> <time to 1/100 s> <source padded to 11> <text>``; the source is ``Server``, ``Logon``, ``Backup`` or
``spid<N>`` (``spid<N>s`` for a system session), as SQL Server writes it.

Files: ``<data dir>/log/ERRORLOG`` is the current log; every start moves it to ``ERRORLOG.1`` and older ones up to
``ERRORLOG.6`` (SQL Server keeps six archives).  An instance without a data directory keeps its log in memory.

Invariants:
1. A line is on disk (flushed) when ``write`` returns, so a crash loses no entry already written.
2. ``read`` returns entries oldest first, each with the timestamp it was written with.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from quietus.sql.results import ResultColumn, StatementDone
from quietus.sql.types_base import DATETIME, NVARCHAR

if TYPE_CHECKING:
    from quietus.sql.context import ExecContext
    from quietus.sql.environment import Environment

LOG_DIR = "log"
LOG_FILE = "ERRORLOG"
ARCHIVES = 6
SOURCE_WIDTH = 11
_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d\d) (\S+) +(.*)$")
_TIMESTAMP = "%Y-%m-%d %H:%M:%S"

COLUMNS = (
    ResultColumn("LogDate", DATETIME),
    ResultColumn("ProcessInfo", NVARCHAR(100)),
    ResultColumn("Text", NVARCHAR(4000)),
)


@dataclass(frozen=True, slots=True)
class Entry:
    when: datetime.datetime
    source: str
    text: str


def format_line(when: datetime.datetime, source: str, text: str) -> str:
    stamp = when.strftime(_TIMESTAMP) + f".{when.microsecond // 10000:02d}"
    return f"{stamp} {source.ljust(SOURCE_WIDTH)} {text}"


def parse_line(line: str) -> Entry | None:
    match = _LINE.match(line.rstrip("\n"))
    if match is None:
        return None
    stamp, source, text = match.groups()
    when = datetime.datetime.strptime(stamp[:19], _TIMESTAMP).replace(microsecond=int(stamp[20:]) * 10000)
    return Entry(when, source, text)


def session_source(session_id: int, system: bool = False) -> str:
    """The ProcessInfo column for a session's lines: ``spid51``, or ``spid9s`` for a system session."""
    return f"spid{session_id}{'s' if system else ''}"


class ErrorLog:
    """The instance's error log.  ``directory`` None keeps the entries in memory (an in-memory instance)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._file: IO[str] | None = None
        self._memory: list[Entry] = []
        self.listeners: list[Callable[[str, str], None]] = []  # called with (source, text) of every write
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self._cycle()
            self._file = open(self.path(0), "a", encoding="utf-8")  # noqa: SIM115 (held open until close)

    def path(self, number: int) -> Path:
        """The file of log ``number`` (0 = current, 1..6 = archives)."""
        assert self.directory is not None
        return self.directory / (LOG_FILE if number == 0 else f"{LOG_FILE}.{number}")

    def _cycle(self) -> None:
        """Start a new log: the current one becomes archive 1 and the oldest archive is dropped."""
        if not self.path(0).exists() or self.path(0).stat().st_size == 0:
            return
        for number in range(ARCHIVES - 1, -1, -1):
            source = self.path(number)
            if source.exists():
                source.replace(self.path(number + 1))

    def write(self, source: str, text: str) -> None:
        """Append ``text`` (one entry per line of it) under ``source`` (``Server``, ``Logon``, ``spid51`` ...)."""
        now = datetime.datetime.now()
        lines = text.splitlines() or [""]
        for listener in self.listeners:
            listener(source, text)
        if self._file is None:
            if self.directory is None:
                self._memory.extend(Entry(now, source, line) for line in lines)
            return
        self._file.write("".join(format_line(now, source, line) + "\n" for line in lines))
        self._file.flush()

    def read(self, number: int = 0) -> list[Entry]:
        """The entries of log ``number``, oldest first (an archive that does not exist has none)."""
        if self.directory is None:
            return list(self._memory) if number == 0 else []
        path = self.path(number)
        if not path.exists():
            return []
        with open(path, encoding="utf-8", errors="replace") as lines:
            return [entry for line in lines if (entry := parse_line(line)) is not None]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.read(0))


# -- sp_readerrorlog / xp_readerrorlog -------------------------------------------------------------------------

# Log types: 1 = the SQL Server error log, 2 = the SQL Server Agent log (Quietus has no Agent: always empty).
SQL_SERVER_LOG = 1


def _argument(positional: list[Any], named: dict[str, Any], index: int, names: tuple[str, ...]) -> Any:
    for name in names:
        if name in named:
            return named[name]
    return positional[index] if index < len(positional) else None


def _matches(entry: Entry, needle: Any) -> bool:
    return needle is None or str(needle).casefold() in entry.text.casefold()


def _send(ctx: ExecContext, entries: list[Entry]) -> None:
    sink = ctx.sink
    sink.start_result(COLUMNS)
    for entry in entries:
        ctx.task.tick()
        sink.row((entry.when, entry.source, entry.text))
    sink.end_result()
    sink.done(StatementDone(len(entries), command="EXECUTE"))


def _select(ctx: ExecContext, positional: list[Any], named: dict[str, Any], extended: bool) -> list[Entry]:
    errorlog: ErrorLog | None = ctx.env.services.get("errorlog")
    number = int(_argument(positional, named, 0, ("@p1", "@lognum")) or 0)
    log_type = int(_argument(positional, named, 1, ("@p2", "@logtype")) or SQL_SERVER_LOG)
    first = _argument(positional, named, 2, ("@p3", "@search1"))
    second = _argument(positional, named, 3, ("@p4", "@search2"))
    if errorlog is None or log_type != SQL_SERVER_LOG:
        return []
    entries = [e for e in errorlog.read(number) if _matches(e, first) and _matches(e, second)]
    if extended:
        start = _argument(positional, named, 4, ("@p5", "@start"))
        end = _argument(positional, named, 5, ("@p6", "@end"))
        order = str(_argument(positional, named, 6, ("@p7", "@sortorder")) or "asc").lower()
        if isinstance(start, datetime.datetime):
            entries = [e for e in entries if e.when >= start]
        if isinstance(end, datetime.datetime):
            entries = [e for e in entries if e.when <= end]
        if order == "desc":
            entries.reverse()
    return entries


def sp_readerrorlog(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    """``sp_readerrorlog [@p1 log number [, @p2 log type [, @p3 search [, @p4 search]]]]``"""
    _send(ctx, _select(ctx, positional, named, extended=False))
    return 0


def xp_readerrorlog(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    """``xp_readerrorlog`` as sp_readerrorlog, plus start time, end time and sort order ('asc' | 'desc')."""
    _send(ctx, _select(ctx, positional, named, extended=True))
    return 0


PROCEDURES = {"sp_readerrorlog": sp_readerrorlog, "xp_readerrorlog": xp_readerrorlog}


def install(env: Environment, errorlog: ErrorLog) -> None:
    """Make the log reachable (``env.services["errorlog"]``) and readable with its procedures."""
    env.services["errorlog"] = errorlog
    env.procedures.update(PROCEDURES)
