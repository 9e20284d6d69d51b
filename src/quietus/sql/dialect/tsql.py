"""The Quietus T-SQL dialect: sqlglot's T-SQL with our tokenizer and parser.

The tokenizer differs from sqlglot's in two ways that matter: no token swallows the rest of a statement
as text (sqlglot's ``COMMANDS``: ``PRINT``, ``GO``, ``END``, ``EXEC``...), because statement boundaries
and every procedural statement belong to the batch parser; and ``0x`` alone is the empty binary constant.
"""

from __future__ import annotations

import typing as t

from sqlglot.dialects.tsql import TSQL
from sqlglot.tokenizer_core import TokenizerCore, TokenType

from quietus.engine.scheduler import safe_point

from .grammar import SAFE_POINT_EVERY, QuietusParser


class _SafePointCore(TokenizerCore):
    """sqlglot's tokenizer with a safe point every 256 tokens: a long batch yields the engine while it is read."""

    __slots__ = ()

    def _add(self, token_type: TokenType, text: str | None = None) -> None:
        super()._add(token_type, text)
        if not len(self.tokens) & SAFE_POINT_EVERY:
            safe_point()

    def _scan_hex(self) -> None:
        """``0x`` alone is T-SQL's empty binary constant (sqlglot's tokenizer would read it as a name)."""
        if self._peek.upper() == "X" and not (self._peek_at(1).isalnum() or self._peek_at(1) == "_"):
            self._advance()
            self._add(TokenType.HEX_STRING, "")
            return
        super()._scan_hex()

    def _peek_at(self, offset: int) -> str:
        index = self._current + offset
        return self.sql[index] if index < self.size else ""


class Quietus(TSQL):
    """Registered with sqlglot as ``"quietus"``: ``sqlglot.parse_one(sql, read="quietus")`` works."""

    class Tokenizer(TSQL.Tokenizer):
        COMMANDS: t.ClassVar[set[TokenType]] = set()

        def _init_core(self) -> TokenizerCore:
            core = super()._init_core()
            core.__class__ = _SafePointCore
            return core

    Parser = QuietusParser


DIALECT = Quietus()
