"""Turning batch text into tokens, and the errors that belong to that step.

Invariants:

1. ``tokenize`` either returns every token of the batch or raises a catalogued error: 105 for a string or
   delimited identifier with no closing quote, 113 for a ``/*`` comment with no ``*/``, 102 for anything
   else the tokenizer cannot read.  The error's line is where the unfinished construct starts.
2. A line consisting of just ``GO`` (optionally ``GO n``) is refused with 102: ``GO`` is a client-side
   batch separator, and a client that sends it to the server made a mistake we report rather than guess.
3. QUOTED_IDENTIFIER is a parse-time setting, as in SQL Server: with it OFF (the session's setting when the batch
   is parsed, or a ``SET QUOTED_IDENTIFIER OFF`` met earlier in the same batch) a ``"..."`` token is a string
   literal, not a delimited identifier; ``[...]`` stays an identifier either way.
"""

from __future__ import annotations

import re

from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType

from quietus.engine.interrupts import Interrupted
from quietus.engine.scheduler import safe_point
from quietus.errors import SqlError, sql_error

from .grammar import SAFE_POINT_EVERY
from .tsql import Quietus

_QUOTED_IDENTIFIER = re.compile("QUOTED_IDENTIFIER", re.IGNORECASE)

# What opens an unfinished construct, longest first, and the character that would have closed it.
_OPENERS: tuple[tuple[str, str], ...] = (("N'", "'"), ("n'", "'"), ("'", "'"), ('"', '"'), ("[", "]"))


def tokenize(text: str, quoted_identifier: bool = True) -> list[Token]:
    """All tokens of ``text``; raises SqlError 105/113/102 when the text cannot be tokenized.  ``quoted_identifier``
    is the session's QUOTED_IDENTIFIER when the batch is parsed (invariant 3)."""
    tokenizer = Quietus.Tokenizer(dialect=Quietus)
    try:
        tokens = tokenizer.tokenize(text)
    except TokenError as failure:
        if isinstance(failure.__cause__, Interrupted):  # a kill at a safe point, which sqlglot wrapped
            raise failure.__cause__ from None
        raise _diagnose(text, tokenizer.tokens) from None
    _refuse_go_lines(tokens)
    _apply_quoted_identifier(text, tokens, quoted_identifier)
    return tokens


def _apply_quoted_identifier(text: str, tokens: list[Token], quoted_identifier: bool) -> None:
    """Make ``"..."`` tokens string literals where QUOTED_IDENTIFIER is OFF; a ``SET QUOTED_IDENTIFIER ON|OFF``
    (alone or in a list of ON/OFF options) changes the setting for the tokens after it, at parse time, except in a
    procedure's definition (a module keeps the setting it is made with)."""
    if quoted_identifier and _QUOTED_IDENTIFIER.search(text) is None:
        return
    module = _defines_module(tokens)
    index = 0
    while index < len(tokens):
        if not index & SAFE_POINT_EVERY:
            safe_point()
        token = tokens[index]
        if token.token_type is TokenType.SET and not module:
            setting, index = _quoted_identifier_setting(tokens, index + 1)
            if setting is not None:
                quoted_identifier = setting
            continue
        if not quoted_identifier and token.token_type is TokenType.IDENTIFIER and text[token.start] == '"':
            token.token_type = TokenType.STRING
        index += 1


_MODULE_HEADS = (("CREATE", "PROC"), ("CREATE", "PROCEDURE"), ("ALTER", "PROC"), ("ALTER", "PROCEDURE"))


def _defines_module(tokens: list[Token]) -> bool:
    """Whether the batch is a CREATE / ALTER / CREATE OR ALTER PROCEDURE."""
    words = [t.text.upper() for t in tokens[:4]]
    if words[:3] == ["CREATE", "OR", "ALTER"]:
        words = words[2:]
    return tuple(words[:2]) in _MODULE_HEADS


def _quoted_identifier_setting(tokens: list[Token], index: int) -> tuple[bool | None, int]:
    """After SET: (the value given to QUOTED_IDENTIFIER, if the statement sets it; where scanning goes on)."""
    names: list[str] = []
    while index < len(tokens):
        token = tokens[index]
        word = token.text.upper()
        if word in ("ON", "OFF") and names:
            return (word == "ON" if "QUOTED_IDENTIFIER" in names else None), index
        if token.token_type is TokenType.COMMA:
            index += 1
            continue
        if token.token_type is TokenType.IDENTIFIER or not token.text.isidentifier():
            return None, index
        names.append(word)
        index += 1
    return None, index


def _diagnose(text: str, read: list[Token]) -> SqlError:
    """The error for the construct the tokenizer stopped in, found after the last token it produced."""
    position = _skip_blanks_and_comments(text, read[-1].end + 1 if read else 0)
    line = text.count("\n", 0, position) + 1
    if text.startswith("/*", position):
        return sql_error(113, line=line)
    for opener, _closer in _OPENERS:
        if text.startswith(opener, position):
            return sql_error(105, text[position + len(opener) :], line=line)
    return sql_error(102, text[position : position + 1], line=line)


def _skip_blanks_and_comments(text: str, position: int) -> int:
    """The first position at or after ``position`` that is not white space or a finished comment."""
    while position < len(text):
        if text[position].isspace():
            position += 1
        elif text.startswith("--", position):
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline + 1
        elif text.startswith("/*", position):
            end = _end_of_block_comment(text, position)
            if end < 0:
                return position
            position = end
        else:
            return position
    return position


def _end_of_block_comment(text: str, position: int) -> int:
    """Position just after the (nestable) comment opening at ``position``, or -1 if it never closes."""
    depth = 0
    while position < len(text):
        if text.startswith("/*", position):
            depth += 1
            position += 2
        elif text.startswith("*/", position):
            depth -= 1
            position += 2
            if depth == 0:
                return position
        else:
            position += 1
    return -1


def _refuse_go_lines(tokens: list[Token]) -> None:
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.COMMAND or token.text.upper() != "GO":
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1 : index + 3]
        starts_line = before is None or before.line < token.line
        rest = [other for other in after if other.line == token.line]
        ends_line = not rest or (len(rest) == 1 and rest[0].token_type == TokenType.NUMBER)
        if starts_line and ends_line:
            raise sql_error(102, token.text, line=token.line)
