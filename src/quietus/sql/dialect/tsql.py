"""The Quietus T-SQL dialect: sqlglot's T-SQL with our tokenizer and parser.

The tokenizer differs from sqlglot's in one way that matters: no token swallows the rest of a statement
as text (sqlglot's ``COMMANDS``: ``PRINT``, ``GO``, ``END``, ``EXEC``...), because statement boundaries
and every procedural statement belong to the batch parser.
"""

from __future__ import annotations

import typing as t

from sqlglot.dialects.tsql import TSQL
from sqlglot.tokenizer_core import TokenType

from .grammar import QuietusParser


class Quietus(TSQL):
    """Registered with sqlglot as ``"quietus"``: ``sqlglot.parse_one(sql, read="quietus")`` works."""

    class Tokenizer(TSQL.Tokenizer):
        COMMANDS: t.ClassVar[set[TokenType]] = set()

    Parser = QuietusParser


DIALECT = Quietus()
