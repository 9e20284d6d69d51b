"""``quietus sql``: sqlcmd's command line, input language, output and exit codes, on either of two backends.

The embedded backend (``sqlcmd_embedded``) runs batches on an in-process instance (``--embedded DIR``); the TDS
backend logs in to a server over a socket (``-S host,port -U login -P password``).  Everything else is shared: the
script reader (``sqlcmd_script``), the printer (``output``) and the exit-code rules below.

Exit codes (sqlcmd's), decided after each batch from the errors it printed:

| what happened                                             | exit                          |
|-----------------------------------------------------------|-------------------------------|
| an error with state 127 (``RAISERROR(..., 16, 127)``)      | its number, at once           |
| -b (or ``:ON ERROR EXIT``) and an error of severity > 10   | 1, at once (no further batch) |
| (and >= -V when given)                                     |                               |
| ``EXIT(query)``                                           | the first value of its result |
| the session ended (KILL, fatal error, link lost)          | 1 if the link was lost, else 0 |
| connection or login failed; an -i file cannot be read     | 1                             |
| Ctrl-C                                                    | 1                             |
| end of input, ``EXIT``, ``QUIT``                          | 0                             |
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from quietus.cli.output import BatchLog, Format, Printer
from quietus.cli.sqlcmd_script import BadCommand, Batch, Exit, Include, OnError, ScriptReader
from quietus.cli.sqlcmd_tds import DRIVER, ClientError, QueryTimeout, TdsSession, ends_session, print_reply

DEFAULT_PORT = 1433
ERROR_SEVERITY = 11  # the lowest severity that is an error
EXIT_STATE = 127  # RAISERROR with this state ends sqlcmd, returning the message number


class UsageError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ServerAddress:
    host: str
    port: int = DEFAULT_PORT


_LOCAL_NAMES = frozenset({".", "(local)", "localhost"})
_SERVER = re.compile(r"(?:(?P<protocol>[a-z]+):)?(?P<host>[^,\\]+)(?:\\(?P<instance>[^,]*))?(?:,(?P<port>\d+))?")


def parse_server(text: str) -> ServerAddress:
    """sqlcmd's -S: ``[tcp:]host[,port]``; ``.`` and ``(local)`` are this machine."""
    match = _SERVER.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"'{text}' is not a server: use [tcp:]host[,port]")
    protocol = (match["protocol"] or "tcp").lower()
    if protocol != "tcp":
        raise UsageError(f"protocol '{protocol}:' is not supported: use tcp:host,port")
    if match["instance"] and not match["port"]:
        raise UsageError(f"named instance '{match['instance']}' needs a port: use host,port")
    host = match["host"].strip()
    return ServerAddress("localhost" if host.lower() in _LOCAL_NAMES else host, int(match["port"] or DEFAULT_PORT))


@dataclass(frozen=True, slots=True)
class Settings:
    """The options that decide what runs and how it ends (output format is ``Format``)."""

    query: str | None = None  # -Q: run, then exit
    initial_query: str | None = None  # -q: run, then interactive
    input_files: tuple[str, ...] = ()  # -i
    exit_on_error: bool = False  # -b
    error_severity: int = 0  # -V: errors below this severity do not count for -b
    query_timeout: float = 0  # -t (seconds, 0 = none)


class Backend(Protocol):
    driver: str

    def execute(self, text: str, printer: Printer) -> bool:
        """Run one batch and print what it produced; False when the session has ended."""

    def close(self) -> None: ...


class TdsBackend:
    driver = DRIVER

    def __init__(self, session: TdsSession, query_timeout: float = 0) -> None:
        self.session = session
        self.query_timeout = query_timeout

    def execute(self, text: str, printer: Printer) -> bool:
        try:
            reply = self.session.execute(text, self.query_timeout or None)
        except QueryTimeout as exc:
            printer.client_error(str(exc), self.driver)
            return not self.session.closed
        except ClientError as exc:
            printer.client_error(str(exc), self.driver, link_lost=True)
            return False
        print_reply(reply, printer)
        if ends_session(reply):
            self.session.close()
            return False
        return True

    def close(self) -> None:
        self.session.close()


def _as_exit_code(value: object) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


class Stop(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Sqlcmd:
    """Runs sqlcmd input against a backend; ``Stop(code)`` ends the program."""

    def __init__(self, backend: Backend, printer: Printer, settings: Settings) -> None:
        self.backend = backend
        self.printer = printer
        self.settings = settings
        self.exit_on_error = settings.exit_on_error

    def _counts(self, log: BatchLog) -> bool:
        floor = max(ERROR_SEVERITY, self.settings.error_severity)
        return any(m.is_error and m.severity >= floor for m in log.errors)

    def run_batch(self, text: str, repeat: int = 1) -> BatchLog:
        log = BatchLog()
        for _ in range(repeat):
            alive = self.backend.execute(text, self.printer)
            log = self.printer.take_log()
            for message in log.errors:
                if message.state == EXIT_STATE:
                    raise Stop(message.number)
            if self.exit_on_error and self._counts(log):
                raise Stop(1)
            if not alive:
                raise Stop(1 if log.link_lost else 0)
        return log

    def run_lines(self, lines: Iterable[str], reader: ScriptReader | None = None) -> None:
        reader = reader or ScriptReader()
        for line in lines:
            self._obey(reader.feed(line))
        rest = reader.finish()
        if rest is not None:
            self.run_batch(rest.text)

    def _obey(self, command: Batch | Exit | OnError | Include | BadCommand | None) -> None:
        if isinstance(command, Batch):
            self.run_batch(command.text, command.repeat)
        elif isinstance(command, Exit):
            if command.batch is None:
                raise Stop(0)
            log = self.run_batch(command.batch) if command.batch.strip() else BatchLog()
            raise Stop(_as_exit_code(log.first_value) if log.first_value is not None else 0)
        elif isinstance(command, OnError):
            self.exit_on_error = command.exit
        elif isinstance(command, Include):
            try:
                text = Path(command.path).read_text(encoding="utf-8-sig")
            except OSError as exc:
                self.printer.client_error(_file_error(command.path, exc), "Sqlcmd")
                self.printer.take_log()
                return
            self.run_lines(text.splitlines())
        elif isinstance(command, BadCommand):
            self.printer.client_error(command.text, "Sqlcmd")
            if self.exit_on_error:
                raise Stop(1)
            self.printer.take_log()

    def run_interactive(self, read_line: Callable[[str], str], prompts: bool) -> None:
        reader = ScriptReader()
        self.run_lines(_prompted(reader, read_line, prompts), reader)


def _prompted(reader: ScriptReader, read_line: Callable[[str], str], prompts: bool) -> Iterator[str]:
    while True:
        try:
            yield read_line(f"{reader.prompt_number}> " if prompts else "")
        except EOFError:
            return


def _file_error(path: str, exc: OSError) -> str:
    return f"Error occurred while opening or operating on file {path} (Reason: {exc.strerror or exc})."


def read_inputs(paths: Iterable[str]) -> list[tuple[str, str]]:
    """The -i files (comma-separated lists allowed), read before connecting, as sqlcmd checks them first."""
    texts = []
    for item in paths:
        for path in (p.strip() for p in item.split(",")):
            if path:
                try:
                    texts.append((path, Path(path).read_text(encoding="utf-8-sig")))
                except OSError as exc:
                    raise UsageError(_file_error(path, exc)) from None
    return texts


def run(
    backend: Backend,
    settings: Settings,
    out: TextIO,
    errors: TextIO,
    output_format: Format | None = None,
    inputs: list[tuple[str, str]] | None = None,
    read_line: Callable[[str], str] = input,
    interactive: bool = False,
) -> int:
    """Run what the settings ask for; the exit code."""
    printer = Printer(out, output_format, errors)
    shell = Sqlcmd(backend, printer, settings)
    try:
        if settings.query is not None:
            shell.run_lines(settings.query.splitlines())
        elif inputs:
            for _, text in inputs:
                shell.run_lines(text.splitlines())
        else:
            if settings.initial_query is not None:
                shell.run_lines(settings.initial_query.splitlines())
            shell.run_interactive(read_line, interactive)
    except Stop as stop:
        return stop.code
    except KeyboardInterrupt:  # the connection closes on exit: the server cancels whatever was running
        errors.write("Sqlcmd: Warning: The last operation was terminated because the user pressed CTRL+C.\n")
        return 1
    finally:
        out.flush()
    return 0


def password_from(option: str | None, environ: dict[str, str] | os._Environ[str], ask: Callable[[], str] | None) -> str:
    """-P, else SQLCMDPASSWORD, else a "Password: " prompt when there is a terminal to ask on, else empty."""
    if option is not None:
        return option
    if "SQLCMDPASSWORD" in environ:
        return environ["SQLCMDPASSWORD"]
    return ask() if ask is not None else ""


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
