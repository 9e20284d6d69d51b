"""Unicode text measured and cut as SQL Server does: in UTF-16 code units.

SQL Server stores NVARCHAR as UTF-16.  Under the default collations (those without ``_SC``) a character outside the
Basic Multilingual Plane (an emoji, ``N'𝄞'``) is a surrogate pair and counts as two: ``NVARCHAR(1)`` cannot hold
one (2628 / 8152), ``LEN(N'😀')`` is 2, ``DATALENGTH`` 4, and ``SUBSTRING``, ``LEFT``, ``RIGHT`` and ``REVERSE``
count and cut code units; ``LIKE``'s and ``PATINDEX``'s ``_`` matches one code unit (``N'😀' LIKE N'__'``).
Quietus keeps text as Python ``str`` (code points), so every length of Unicode text is computed here, once, and
the TDS encoder's byte count is always twice it: a value that fits its column's type always fits its column on the
wire.

Invariant: engine strings hold no lone surrogates (they could be neither stored nor sent).  Text arriving from a
client is decoded with lone surrogates replaced by U+FFFD (``protocol/tds/wire.py``), and where SQL Server would
produce half of a pair (a cut through a surrogate pair, ``REVERSE`` of a pair, ``NCHAR(0xD800)``) Quietus gives
U+FFFD in that code unit's place: what a client decoding SQL Server's answer sees.  Lengths are unchanged by this.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile(f"[{chr(0xD800)}-{chr(0xDFFF)}]")  # chr: mypyc refuses surrogates in literals
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def units(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (SQL Server's NVARCHAR length)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def is_bmp(text: str) -> bool:
    """True when every character is one code unit (no surrogate pairs): code points and units coincide."""
    return text.isascii() or _BEYOND_BMP.search(text) is None  # a scan in C: SUBSTRING of a long text calls this


def _from_units(data: bytes) -> str:
    return data.decode("utf-16-le", "replace")  # a lone half of a pair becomes U+FFFD


def cut(text: str, start: int, stop: int | None = None) -> str:
    """``text[start:stop]`` counted in code units (0-based, ``start`` >= 0); a split pair leaves U+FFFD."""
    if is_bmp(text):
        return text[start:stop]
    data = text.encode("utf-16-le", "surrogatepass")
    return _from_units(data[2 * start : None if stop is None else 2 * max(stop, start)])


def at_most(text: str, length: int) -> str:
    """``text`` cut to ``length`` code units, as a value is cut to its type's length (a split pair leaves U+FFFD)."""
    return text if len(text) <= length // 2 or units(text) <= length else cut(text, 0, length)


def reverse(text: str) -> str:
    """REVERSE: the code units in reverse order (a pair's halves, now out of order, each become U+FFFD)."""
    if is_bmp(text):
        return text[::-1]
    data = text.encode("utf-16-le", "surrogatepass")
    return _from_units(b"".join(data[i : i + 2] for i in range(len(data) - 2, -1, -2)))


def _pair(match: re.Match[str]) -> str:
    point = ord(match.group()) - 0x10000
    return chr(0xD800 + (point >> 10)) + chr(0xDC00 + (point & 0x3FF))


def as_units(text: str) -> str:
    """``text`` with each character outside the BMP written as its two surrogates: one ``str`` character per code
    unit, for matching unit by unit (LIKE's and PATINDEX's ``_`` matches one code unit).  A transient form for a
    matcher, never a value: it breaks the no-lone-surrogates invariant on purpose."""
    if is_bmp(text):
        return text
    return _BEYOND_BMP.sub(_pair, text)


def clean(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (a well-formed pair of surrogates is joined)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _from_units(text.encode("utf-16-le", "surrogatepass"))


def find(text: str, part: str, start: int = 0) -> int:
    """The code-unit offset of ``part`` in ``text`` at or after offset ``start``, or -1 (CHARINDEX)."""
    if is_bmp(text) and is_bmp(part):
        return text.find(part, start)
    haystack, needle = text.encode("utf-16-le", "surrogatepass"), part.encode("utf-16-le", "surrogatepass")
    found = haystack.find(needle, 2 * start)
    while found >= 0 and found % 2:  # a match must start on a code unit
        found = haystack.find(needle, found + 1)
    return found // 2 if found >= 0 else -1
