"""What "Incorrect syntax near '...'" (message 102) quotes for a construct the executor does not take.

SQL Server quotes one token: the one where parsing stopped.  When a statement parses but one of its parts is not
supported, the nearest equivalent is the first token of that part, quoted as SQL Server quotes tokens (``@@SPID``
and ``@x`` whole, a string or identifier by its content), never a slice of the part's text.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType


def token_text(tokens: list[Token], index: int) -> str:
    """Token ``index`` as SQL Server quotes it: a variable (``@x``, ``@@SPID``) whole, though the tokenizer splits
    its sigils from its name into adjacent tokens."""
    first = tokens[index]
    shown = first.text
    if first.token_type != TokenType.PARAMETER:
        return shown
    previous = first
    for token in tokens[index + 1 :]:
        if previous.end + 1 != token.start:
            break
        shown += token.text
        if token.token_type != TokenType.PARAMETER:
            break
        previous = token
    return shown


def near(node: exp.Expr | str) -> str:
    """The first token of ``node`` (its T-SQL text), as message 102 quotes it."""
    text = node if isinstance(node, str) else node.sql(dialect="tsql")
    try:
        tokens = TSQL().tokenize(text)
    except TokenError:
        return text.split()[0] if text.split() else ""
    return token_text(tokens, 0) if tokens else ""
