"""The default collation SQL_Latin1_General_CP1_CI_AS, value ordering keys, and LIKE.

Theory: a string's collation key is ``primary + "\\0" + secondary`` where primary is the text without
trailing spaces, lower-cased and stripped of accents, and secondary is the same text lower-cased with its
accents. Comparing keys compares primaries first (so 'a' < 'á' < 'B' < 'b'... ordering is case-blind and
accent-blind) and breaks ties by accent (accent-sensitive equality).

Invariants:
  1. compare(a, b) == 0  iff  collation_key(a) == collation_key(b); the sign of compare agrees with the
     order of keys (a property test checks this).
  2. Trailing spaces never matter to = or ordering ('jward' = 'JWARD '); leading spaces do.
  3. sort_key(None) is below every other sort key; sort keys of one column's values are mutually
     comparable and hash consistently with equality under the collation.
  4. Binary values compare bytewise, ignoring trailing 0x00 (as SQL Server pads the shorter operand).
  5. uniqueidentifier orders as SQL Server does: bytes 10-15 most significant, then 8-9, 6-7, 4-5, 0-3.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quietus.engine.storage.keys import BINARY
from quietus.sql import utf16


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collation_key(s: str) -> str:
    """The ordering/hashing key of ``s`` under SQL_Latin1_General_CP1_CI_AS (GROUP BY, DISTINCT, indexes)."""
    lowered = s.rstrip(" ").lower()
    if lowered.isascii():
        return lowered + "\0" + lowered
    secondary = unicodedata.normalize("NFC", lowered)
    return _strip_accents(secondary) + "\0" + secondary


def binary_key(b: bytes) -> bytes:
    return b.rstrip(b"\0")


def guid_key(u: uuid.UUID) -> bytes:
    raw = u.bytes
    return raw[10:16] + raw[8:10] + raw[6:8] + raw[4:6] + raw[0:4]


class _NullKey:
    """The sort key of NULL: equal only to itself, below everything else."""

    __slots__ = ()
    _instance: _NullKey | None = None

    def __new__(cls) -> _NullKey:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __lt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return True

    def __gt__(self, other: object) -> bool:
        return False

    def __ge__(self, other: object) -> bool:
        return other is self

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return 0x5EED

    def __repr__(self) -> str:
        return "NULL_KEY"

    def __reduce__(self) -> str:
        return "NULL_KEY"


NULL_KEY = _NullKey()


def sort_key(value: Any) -> Any:
    """A key for sorted()/SortedDict: NULL lowest, strings by collation, binary and GUIDs as SQL Server."""
    if value is None:
        return NULL_KEY
    kind = type(value)
    if kind is str:
        return collation_key(value)
    if kind is bytes:
        return value.rstrip(b"\0")
    if kind is uuid.UUID:
        return guid_key(value)
    return value


def _binary_sort_key(value: Any) -> Any:
    """Oracle's BINARY sort: strings by code point (UTF-8 byte order), bytes as they are; NULL lowest."""
    if value is None:
        return NULL_KEY
    if type(value) is uuid.UUID:
        return guid_key(value)
    return value


def _default_equality_key(value: Any) -> Any:
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return collation_key(value)
    return value.rstrip(b"\0") if kind is bytes else value  # invariant 4: DISTINCT 0x01, 0x0100 is one row


def _binary_equality_key(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class SessionCollation:
    """How a session's queries order and group values: ORDER BY (``sort_key``), GROUP BY, DISTINCT, UNION and
    hash joins (``equality_key``).  T-SQL sessions use the default collation, Oracle sessions ``BINARY``."""

    name: str
    sort_key: Callable[[Any], Any]
    equality_key: Callable[[Any], Any]


DEFAULT_COLLATION = SessionCollation("SQL_Latin1_General_CP1_CI_AS", sort_key, _default_equality_key)
BINARY_COLLATION = SessionCollation(BINARY, _binary_sort_key, _binary_equality_key)  # the name keys.py knows


def compare(a: Any, b: Any, type_: object = None) -> int:
    """Three-way comparison of two non-NULL values of one family under the default collation.

    ``type_`` (a ``SqlType``) is accepted for symmetry with future per-column collations; the value's own
    Python type selects the rule.
    """
    ka, kb = sort_key(a), sort_key(b)
    if ka == kb:
        return 0
    return -1 if ka < kb else 1


def strings_equal(a: str, b: str) -> bool:
    return a == b or collation_key(a) == collation_key(b)


# --- LIKE -----------------------------------------------------------------------------------------------


def _like_regex(pattern: str, escape: str | None, unicode: bool, case_sensitive: bool = False) -> re.Pattern[str]:
    """The pattern as a regular expression over code units (``utf16.as_units``): the value must be matched in that
    form too, so that ``_`` and a bracket match one UTF-16 code unit, as under SQL Server's collations without
    ``_SC`` (half of a surrogate pair is a character to them)."""
    pattern = utf16.as_units(pattern)
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if escape is not None and ch == escape and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 2 if i + 1 < n and pattern[i + 1] == "]" else i + 1)
            if end == -1:  # an unclosed bracket matches nothing, as in SQL Server
                return re.compile(r"(?!)")
            out.append(_bracket(pattern[i + 1 : end]))
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    # Trailing blanks of the matched value are ignored for char/varchar (ASCII LIKE), not for Unicode LIKE.
    tail = "" if unicode else " *"
    flags = re.DOTALL if case_sensitive else re.IGNORECASE | re.DOTALL
    return re.compile("".join(out) + tail + r"\Z", flags)


def _bracket(body: str) -> str:
    negate = body.startswith("^")
    if negate:
        body = body[1:]
    parts: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            parts.append(f"{re.escape(body[i])}-{re.escape(body[i + 2])}")
            i += 3
        else:
            parts.append(re.escape(body[i]))
            i += 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


@functools.lru_cache(maxsize=512)
def like_matcher(
    pattern: str, escape: str | None = None, unicode: bool = False, case_sensitive: bool = False
) -> Callable[[str], bool]:
    """Whether a value matches the LIKE ``pattern`` (case-insensitive unless told, accent-sensitive)."""
    regex = _like_regex(pattern, escape, unicode, case_sensitive)
    match = regex.match

    def matches(value: str) -> bool:
        return match(utf16.as_units(value)) is not None

    return matches


def like(value: str, pattern: str, escape: str | None = None, unicode: bool = False) -> bool:
    return like_matcher(pattern, escape, unicode)(value)


def patindex(pattern: str, value: str, case_sensitive: bool = False) -> int:
    """PATINDEX: 1-based position where ``pattern`` starts matching (a leading % lets it float), else 0.

    The position is in UTF-16 code units, as CHARINDEX's (``sql/utf16.py``): a character outside the BMP before the
    match counts two, as under SQL Server's collations without ``_SC``; the matching is unit by unit, as LIKE's."""
    value = utf16.as_units(value)
    floating = pattern.lstrip("%")
    if floating == pattern:
        return 1 if _like_regex(pattern, None, True, case_sensitive).match(value) else 0
    if not floating:
        return 1
    rest = _like_regex(floating, None, True, case_sensitive)
    for start in range(len(value)):
        if rest.match(value, start):
            return start + 1
    return 0


# --- named collations (COLLATE in expressions) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collation:
    """A collation an expression may name: its comparison key and whether LIKE minds case and accents."""

    name: str
    key: Callable[[str], Any]
    case_sensitive: bool = False
    accent_sensitive: bool = True


def strip_accents(text: str) -> str:
    """The text without its accents (accent-insensitive LIKE)."""
    return _strip_accents(unicodedata.normalize("NFC", text))


def _ci_ai_key(s: str) -> str:
    return _strip_accents(unicodedata.normalize("NFC", s.rstrip(" ").lower()))


def _cs_as_key(s: str) -> str:
    """Case-sensitive: the default key, then the case (lower before upper, as SQL Server's CS collations sort)."""
    trimmed = unicodedata.normalize("NFC", s.rstrip(" "))
    return collation_key(trimmed) + "\0" + trimmed.swapcase()


def _cs_ai_key(s: str) -> str:
    trimmed = unicodedata.normalize("NFC", s.rstrip(" "))
    return _ci_ai_key(trimmed) + "\0" + _strip_accents(trimmed).swapcase()


def _binary_text_key(s: str) -> str:
    """_BIN / _BIN2: code point order (trailing spaces still ignored, as every SQL Server comparison pads)."""
    return s.rstrip(" ")


_SENSITIVITY: dict[tuple[str, str], tuple[Callable[[str], Any], bool, bool]] = {
    ("CI", "AS"): (collation_key, False, True),
    ("CI", "AI"): (_ci_ai_key, False, False),
    ("CS", "AS"): (_cs_as_key, True, True),
    ("CS", "AI"): (_cs_ai_key, True, False),
}
_NAMED = re.compile(
    r"^(?:SQL_Latin1_General_CP1|Latin1_General(?:_100|_140)?)_(CI|CS)_(AI|AS)(?:_KS)?(?:_WS)?(?:_SC)?(?:_UTF8)?$",
    re.IGNORECASE,
)
_BINARY = re.compile(r"^(?:SQL_Latin1_General_CP1|Latin1_General(?:_100|_140)?)_BIN2?$", re.IGNORECASE)


def find_collation(name: str) -> Collation | None:
    """The Latin1 collations (SQL_Latin1_General_CP1_* and Latin1_General[_100|_140]_*: CI/CS, AI/AS, _BIN,
    _BIN2) and DATABASE_DEFAULT; None for any other name (SQL Server's 448)."""
    if name.upper() == "DATABASE_DEFAULT":
        return Collation(name, collation_key)
    if _BINARY.match(name):
        return Collation(name, _binary_text_key, case_sensitive=True)
    match = _NAMED.match(name)
    if match is None:
        return None
    key, case_sensitive, accent_sensitive = _SENSITIVITY[(match.group(1).upper(), match.group(2).upper())]
    return Collation(name, key, case_sensitive, accent_sensitive)
