"""sqlglot's Oracle dialect, as Quietus reads it.

Three changes to plain sqlglot, so that the tree keeps what Oracle means:

* ``NUMBER`` tokenizes as its own type (``BIGDECIMAL``), so the normaliser can tell ``NUMBER`` (a floating
  decimal) from ``DECIMAL``/``NUMERIC`` (scale 0), which plain sqlglot gives the same node.
* No token swallows the rest of the statement as text (sqlglot's ``COMMANDS``, e.g. ``SAVEPOINT``): the
  statement table in ``parser.py`` decides what each statement is.
* ``:1`` is a bind placeholder as ``:name`` is (plain sqlglot accepts only names after the colon).
"""

from __future__ import annotations

import typing as t

from sqlglot.dialects.oracle import Oracle
from sqlglot.tokenizer_core import TokenType


class QuietusOracle(Oracle):
    class Tokenizer(Oracle.Tokenizer):
        KEYWORDS: t.ClassVar[dict[str, TokenType]] = {**Oracle.Tokenizer.KEYWORDS, "NUMBER": TokenType.BIGDECIMAL}
        COMMANDS: t.ClassVar[set[TokenType]] = set()  # no token swallows the rest (SAVEPOINT x): parser.py decides

    class Parser(Oracle.Parser):  # type: ignore[misc, valid-type]
        COLON_PLACEHOLDER_TOKENS: t.ClassVar[t.Any] = Oracle.Parser.COLON_PLACEHOLDER_TOKENS | {TokenType.NUMBER}


DIALECT = QuietusOracle()
