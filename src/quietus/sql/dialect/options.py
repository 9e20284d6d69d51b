"""SET: session options as a table, and the grammar that reads them.

``SET @v ...`` is a variable assignment (variables.py); anything else names a session option:

* ON/OFF options (``BOOLEAN_OPTIONS``) may be listed together, as SQL Server allows:
  ``SET ANSI_NULLS, QUOTED_IDENTIFIER ON`` gives one SetOption per name, all with the same value;
* ``STATISTICS IO|TIME|PROFILE|XML [, ...] ON|OFF`` likewise, named ``"STATISTICS IO"`` etc.;
* ``VALUE_OPTIONS`` take one value, read by the option's value grammar;
* ``TRANSACTION ISOLATION LEVEL level`` and ``IDENTITY_INSERT table ON|OFF`` have their own shapes.

An unknown option name is error 195 "'X' is not a recognized SET option.", as in SQL Server.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from quietus.errors import sql_error

from .statements import SetOption, Statement
from .variables import parse_set_variable

if t.TYPE_CHECKING:
    from .batch import BatchParser

OptionValue = str | int | exp.Expression

# fmt: off
BOOLEAN_OPTIONS: frozenset[str] = frozenset({
    "ANSI_DEFAULTS", "ANSI_NULL_DFLT_OFF", "ANSI_NULL_DFLT_ON", "ANSI_NULLS", "ANSI_PADDING", "ANSI_WARNINGS",
    "ARITHABORT", "ARITHIGNORE", "CONCAT_NULL_YIELDS_NULL", "CURSOR_CLOSE_ON_COMMIT", "FMTONLY", "FORCEPLAN",
    "IMPLICIT_TRANSACTIONS", "NO_BROWSETABLE", "NOCOUNT", "NOEXEC", "NUMERIC_ROUNDABORT", "PARSEONLY",
    "QUOTED_IDENTIFIER", "SHOWPLAN_ALL", "SHOWPLAN_TEXT", "SHOWPLAN_XML", "XACT_ABORT",
})
# fmt: on

STATISTICS_KINDS: frozenset[str] = frozenset({"IO", "TIME", "PROFILE", "XML"})

ISOLATION_LEVELS: tuple[tuple[str, ...], ...] = (
    ("READ", "UNCOMMITTED"),
    ("READ", "COMMITTED"),
    ("REPEATABLE", "READ"),
    ("SNAPSHOT",),
    ("SERIALIZABLE",),
)

DEADLOCK_PRIORITY_NAMES: frozenset[str] = frozenset({"LOW", "NORMAL", "HIGH"})


def _integer_or_variable(p: BatchParser) -> OptionValue:
    return p.variable_node() if p.at_variable() else p.integer()


def _word_string_or_variable(p: BatchParser) -> OptionValue:
    if p.at_variable():
        return p.variable_node()
    if p.current().token_type in (TokenType.STRING, TokenType.NATIONAL_STRING):
        return p.string()
    return p.name()


def _dateformat(p: BatchParser) -> OptionValue:
    value = _word_string_or_variable(p)
    return value.lower() if isinstance(value, str) else value


def _deadlock_priority(p: BatchParser) -> OptionValue:
    if p.word() in DEADLOCK_PRIORITY_NAMES:
        return p.choice(DEADLOCK_PRIORITY_NAMES)
    return _integer_or_variable(p)


def _signed_integer(p: BatchParser) -> OptionValue:
    return p.integer()


VALUE_OPTIONS: dict[str, Callable[[BatchParser], OptionValue]] = {
    "LOCK_TIMEOUT": _signed_integer,
    "DEADLOCK_PRIORITY": _deadlock_priority,
    "ROWCOUNT": _integer_or_variable,
    "TEXTSIZE": _integer_or_variable,
    "DATEFIRST": _integer_or_variable,
    "DATEFORMAT": _dateformat,
    "LANGUAGE": _word_string_or_variable,
    "QUERY_GOVERNOR_COST_LIMIT": _integer_or_variable,
}


def parse_set(p: BatchParser) -> Statement | list[Statement]:
    p.expect("SET")
    if p.at_variable():
        return parse_set_variable(p)
    option = p.word()
    if option in BOOLEAN_OPTIONS:
        return _on_off_list(p, lambda: p.choice(BOOLEAN_OPTIONS))
    if option == "STATISTICS":
        p.expect("STATISTICS")
        return _on_off_list(p, lambda: "STATISTICS " + p.choice(STATISTICS_KINDS))
    if option in VALUE_OPTIONS:
        p.expect(option)
        return SetOption(option, VALUE_OPTIONS[option](p))
    if option == "TRANSACTION":
        return _isolation_level(p)
    if option == "IDENTITY_INSERT":
        p.expect("IDENTITY_INSERT")
        table = p.table()
        return SetOption("IDENTITY_INSERT", p.on_off(), target=table)
    if not p.at_name():
        p.fail()
    p.fail_with(sql_error(195, p.current().text, "SET option", line=p.current().line))


def _on_off_list(p: BatchParser, item: Callable[[], str]) -> list[Statement]:
    names = p.csv(item)
    value = p.on_off()
    return [SetOption(name, value) for name in names]


def _isolation_level(p: BatchParser) -> SetOption:
    p.expect("TRANSACTION", "ISOLATION", "LEVEL")
    for level in ISOLATION_LEVELS:
        if p.accept(*level):
            return SetOption("TRANSACTION ISOLATION LEVEL", " ".join(level))
    p.fail()
