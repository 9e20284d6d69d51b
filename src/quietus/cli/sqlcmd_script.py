"""sqlcmd's input language: T-SQL lines collected in a statement cache, and commands at the start of a line.

``ScriptReader.feed(line)`` returns the command a line completes (or ``None`` while it only adds to the cache);
``finish()`` returns the batch left in the cache at end of input (sqlcmd runs it, as if GO followed).  The reader
is the same for the interactive prompt, -i files, -q/-Q text and piped input.

| line (case-insensitive)     | command                                                        |
|-----------------------------|----------------------------------------------------------------|
| ``GO`` / ``GO n``           | ``Batch(cache, n)``: run the cache n times, empty it           |
| ``EXIT`` / ``:EXIT``        | ``Exit(None)``: leave without running the cache                |
| ``EXIT()``, ``EXIT(query)`` | ``Exit(cache + query)``: run it, leave; exit code from its value |
| ``QUIT`` / ``:QUIT``        | ``Exit(None)``                                                 |
| ``:RESET``                  | empty the cache                                                |
| ``:ON ERROR EXIT|IGNORE``   | ``OnError(exit)``: as -b, or not                               |
| ``:R file``                 | ``Include(file)``: read the file's lines here                  |

Invariant: a line is either a command or part of the cache, never both; commands are recognised only as the whole
line (``GO`` inside a statement is T-SQL's business, as in sqlcmd).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Batch:
    text: str
    repeat: int = 1


@dataclass(frozen=True, slots=True)
class Exit:
    batch: str | None  # None: leave without running anything; else run this batch, its value is the exit code


@dataclass(frozen=True, slots=True)
class OnError:
    exit: bool


@dataclass(frozen=True, slots=True)
class Include:
    path: str


@dataclass(frozen=True, slots=True)
class BadCommand:
    text: str  # what sqlcmd prints: "Sqlcmd: Error: Syntax error at line n near command '...'."


Command = Batch | Exit | OnError | Include | BadCommand

_GO = re.compile(r"\s*go(?:\s+(\S+))?\s*", re.IGNORECASE)
_EXIT_QUERY = re.compile(r"\s*:?exit\s*\((.*)\)\s*;?\s*", re.IGNORECASE | re.DOTALL)
_COMMAND = re.compile(r"\s*(:?[a-z]+)(?:\s+(.*?))?\s*;?\s*", re.IGNORECASE)


class ScriptReader:
    def __init__(self) -> None:
        self.cache: list[str] = []
        self.lines_read = 0

    @property
    def prompt_number(self) -> int:
        """The number sqlcmd shows in the next ``n>`` prompt: the cache's next line."""
        return len(self.cache) + 1

    def _take(self) -> str:
        text = "\n".join(self.cache)
        self.cache = []
        return text

    def feed(self, line: str) -> Command | None:
        self.lines_read += 1
        line = line.rstrip("\r\n")
        go = _GO.fullmatch(line)
        if go is not None:
            return self._go(go.group(1), line)
        exit_query = _EXIT_QUERY.fullmatch(line)
        if exit_query is not None:
            self.cache.append(exit_query.group(1).strip())
            return Exit(self._take().strip("\n"))
        match = _COMMAND.fullmatch(line)
        if match is not None:
            handler = _COMMANDS.get(match.group(1).upper())
            if handler is not None:
                return handler(self, match.group(2) or "", line)
        self.cache.append(line)
        return None

    def _go(self, count: str | None, line: str) -> Command | None:
        if count is not None and not count.isdigit():
            return BadCommand(f"Syntax error at line {self.lines_read} near command '{line.strip()}'.")
        repeat = int(count) if count is not None else 1
        text = self._take()
        return Batch(text, repeat) if repeat > 0 and text.strip() else None

    def _reset(self, argument: str, line: str) -> Command | None:
        self.cache = []
        return None

    def _exit(self, argument: str, line: str) -> Command | None:
        if argument:
            self.cache.append(line)  # "exit something" is not a command: T-SQL's to reject
            return None
        return Exit(None)

    def _on_error(self, argument: str, line: str) -> Command | None:
        words = argument.upper().split()
        if words[:1] == ["ERROR"] and words[1:] in (["EXIT"], ["IGNORE"]):
            return OnError(words[1] == "EXIT")
        return BadCommand(f"Syntax error at line {self.lines_read} near command '{line.strip()}'.")

    def _include(self, argument: str, line: str) -> Command | None:
        path = argument.strip().strip('"')
        if not path:
            return BadCommand(f"Syntax error at line {self.lines_read} near command '{line.strip()}'.")
        return Include(path)

    def finish(self) -> Batch | None:
        """The batch left at end of input, if it has anything but blank lines."""
        if any(part.strip() for part in self.cache):
            return Batch(self._take())
        self.cache = []
        return None


_COMMANDS: dict[str, Callable[[ScriptReader, str, str], Command | None]] = {
    "EXIT": ScriptReader._exit,
    ":EXIT": ScriptReader._exit,
    "QUIT": ScriptReader._exit,
    ":QUIT": ScriptReader._exit,
    ":RESET": ScriptReader._reset,
    ":ON": ScriptReader._on_error,
    ":R": ScriptReader._include,
}
