"""Turning batch text into tokens, and the errors that belong to that step.

Invariants:

1. ``tokenize`` either returns every token of the batch or raises a catalogued error: 105 for a string or
   delimited identifier with no closing quote, 113 for a ``/*`` comment with no ``*/``, 102 for anything
   else the tokenizer cannot read.  The error's line is where the unfinished construct starts.
2. A line consisting of just ``GO`` (optionally ``GO n``) is refused with 102: ``GO`` is a client-side
   batch separator, and a client that sends it to the server made a mistake we report rather than guess.
"""

from __future__ import annotations

from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType

from quietus.engine.interrupts import Interrupted
from quietus.errors import SqlError, sql_error

from .tsql import Quietus

# What opens an unfinished construct, longest first, and the character that would have closed it.
_OPENERS: tuple[tuple[str, str], ...] = (("N'", "'"), ("n'", "'"), ("'", "'"), ('"', '"'), ("[", "]"))


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``; raises SqlError 105/113/102 when the text cannot be tokenized."""
    tokenizer = Quietus.Tokenizer(dialect=Quietus)
    try:
        tokens = tokenizer.tokenize(text)
    except TokenError as failure:
        if isinstance(failure.__cause__, Interrupted):  # a kill at a safe point, which sqlglot wrapped
            raise failure.__cause__ from None
        raise _diagnose(text, tokenizer.tokens) from None
    _refuse_go_lines(tokens)
    return tokens


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
