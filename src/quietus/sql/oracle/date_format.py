"""Oracle's datetime format models, for TO_CHAR(date, model), TO_DATE and TO_TIMESTAMP.

A model is read left to right, longest element first, case-insensitively; the case of a word element's first
letters gives the case of the output (``MON`` → ``JAN``, ``Mon`` → ``Jan``, ``mon`` → ``jan``).  Text in double
quotes and punctuation are copied.  ``FM`` switches off the padding of the following elements (MONTH and DAY are
padded to 9 characters, numbers with zeros).  Elements:

| element            | TO_CHAR                       | TO_DATE reads              |
|--------------------|-------------------------------|----------------------------|
| YYYY, SYYYY, RRRR  | year, 4 digits                | 1-4 digits                 |
| YYY, YY, Y         | last 3, 2, 1 digits of year   | (YY: this century)         |
| RR                 | last 2 digits                 | 2 digits, 00-49 → 20xx, 50-99 → 19xx |
| MM, MON, MONTH     | month number, name            | number, abbreviation, name |
| DD, DDD, D         | day of month, of year, of week (Sunday 1) | day of month (DDD, D: ignored) |
| DY, DAY            | day name                      | (checked as a word, ignored) |
| HH, HH12, HH24     | hour                          | hour (HH/HH12 with AM/PM)  |
| MI, SS, SSSSS      | minute, second, seconds after midnight | minute, second    |
| FF, FF1..FF9       | fraction of a second          | fraction                   |
| AM, PM, A.M., P.M. | meridian indicator            | meridian indicator         |
| Q, WW, IW, W, J    | quarter, week, ISO week, week of month, Julian day | (not read: ORA-01821) |

Anything else is ORA-01821 "date format not recognized"; text that does not match is ORA-01861, text left over
ORA-01830.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from quietus.sql.oracle.errors import ora
from quietus.ticks import add_ticks, fraction, tick_of

_MONTHS = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER",
           "NOVEMBER", "DECEMBER")  # fmt: skip
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

Moment = datetime.datetime


def _cased(word: str, element: str) -> str:
    """``word`` (upper case) in the case the model wrote the element in."""
    if element[:1].islower():
        return word.lower()
    if len(element) > 1 and element[1].islower():
        return word.capitalize()
    return word


def _number(value: int, width: int, fill: bool) -> str:
    return str(value).zfill(width) if fill else str(value)


def _fraction(digits: int) -> Callable[[Moment, str, bool], str]:
    return lambda d, e, p: f"{fraction(d):07d}00"[:digits]


def _all_fraction(d: Moment, element: str, padding: bool) -> str:
    """FF: six digits, seven when the value has a seventh (a TIMESTAMP(7..9) value)."""
    return f"{fraction(d):07d}" if tick_of(d) else f"{d.microsecond:06d}"


def _hour12(d: Moment) -> int:
    return (d.hour % 12) or 12


# element (upper case) → how TO_CHAR writes it: (moment, element as written, padding on) → text.
_WRITERS: dict[str, Callable[[Moment, str, bool], str]] = {
    "SYYYY": lambda d, e, p: _number(d.year, 4, p),
    "YYYY": lambda d, e, p: _number(d.year, 4, p),
    "RRRR": lambda d, e, p: _number(d.year, 4, p),
    "YYY": lambda d, e, p: _number(d.year % 1000, 3, p),
    "YY": lambda d, e, p: _number(d.year % 100, 2, p),
    "RR": lambda d, e, p: _number(d.year % 100, 2, p),
    "Y": lambda d, e, p: str(d.year % 10),
    "MONTH": lambda d, e, p: _cased(_MONTHS[d.month - 1].ljust(9) if p else _MONTHS[d.month - 1], e),
    "MON": lambda d, e, p: _cased(_MONTHS[d.month - 1][:3], e),
    "MM": lambda d, e, p: _number(d.month, 2, p),
    "DDD": lambda d, e, p: _number(d.timetuple().tm_yday, 3, p),
    "DD": lambda d, e, p: _number(d.day, 2, p),
    "DAY": lambda d, e, p: _cased(_DAYS[d.weekday()].ljust(9) if p else _DAYS[d.weekday()], e),
    "DY": lambda d, e, p: _cased(_DAYS[d.weekday()][:3], e),
    "D": lambda d, e, p: str((d.weekday() + 1) % 7 + 1),
    "HH24": lambda d, e, p: _number(d.hour, 2, p),
    "HH12": lambda d, e, p: _number(_hour12(d), 2, p),
    "HH": lambda d, e, p: _number(_hour12(d), 2, p),
    "MI": lambda d, e, p: _number(d.minute, 2, p),
    "SSSSS": lambda d, e, p: _number(d.hour * 3600 + d.minute * 60 + d.second, 5, p),
    "SS": lambda d, e, p: _number(d.second, 2, p),
    **{f"FF{n}": _fraction(n) for n in range(1, 10)},
    "FF": _all_fraction,
    "AM": lambda d, e, p: _cased("AM" if d.hour < 12 else "PM", e),
    "PM": lambda d, e, p: _cased("AM" if d.hour < 12 else "PM", e),
    "A.M.": lambda d, e, p: _cased("A.M." if d.hour < 12 else "P.M.", e),
    "P.M.": lambda d, e, p: _cased("A.M." if d.hour < 12 else "P.M.", e),
    "Q": lambda d, e, p: str((d.month - 1) // 3 + 1),
    "WW": lambda d, e, p: _number((d.timetuple().tm_yday - 1) // 7 + 1, 2, p),
    "IW": lambda d, e, p: _number(d.isocalendar()[1], 2, p),
    "W": lambda d, e, p: str((d.day - 1) // 7 + 1),
    "J": lambda d, e, p: str(d.toordinal() + 1721425),
}
_ELEMENTS = sorted([*_WRITERS, "FM"], key=len, reverse=True)
_PUNCTUATION = frozenset(" -/,.;:")


@dataclass(frozen=True, slots=True)
class _Part:
    element: str | None  # upper-case element, or None for literal text
    text: str  # the element as written, or the literal text


@lru_cache(maxsize=256)
def _parse_model(model: str) -> tuple[_Part, ...]:
    parts: list[_Part] = []
    position = 0
    upper = model.upper()
    while position < len(model):
        character = model[position]
        if character == '"':
            end = model.find('"', position + 1)
            if end < 0:
                raise ora("ORA-01821")
            parts.append(_Part(None, model[position + 1 : end]))
            position = end + 1
            continue
        for element in _ELEMENTS:
            if upper.startswith(element, position):
                parts.append(_Part(element, model[position : position + len(element)]))
                position += len(element)
                break
        else:
            if character not in _PUNCTUATION:
                raise ora("ORA-01821")
            parts.append(_Part(None, character))
            position += 1
    return tuple(parts)


def format_date(value: datetime.date, model: str) -> str:
    moment = value if isinstance(value, datetime.datetime) else datetime.datetime(value.year, value.month, value.day)
    pieces: list[str] = []
    padding = True
    for part in _parse_model(model):
        if part.element is None:
            pieces.append(part.text)
        elif part.element == "FM":
            padding = not padding
        else:
            pieces.append(_WRITERS[part.element](moment, part.text, padding))
    return "".join(pieces)


# element → (regular expression of what TO_DATE reads, field it sets).
_READERS: dict[str, tuple[str, str]] = {
    "SYYYY": (r"[+-]?\d{1,4}", "year"), "YYYY": (r"\d{1,4}", "year"), "RRRR": (r"\d{1,4}", "year"),
    "YYY": (r"\d{1,3}", "year"), "YY": (r"\d{1,2}", "yy"), "RR": (r"\d{1,2}", "rr"), "Y": (r"\d", "y"),
    "MONTH": (r"[A-Za-z]+", "month_name"), "MON": (r"[A-Za-z]{3}", "month_name"), "MM": (r"\d{1,2}", "month"),
    "DD": (r"\d{1,2}", "day"), "DDD": (r"\d{1,3}", "ignored"), "D": (r"\d", "ignored"),
    "DAY": (r"[A-Za-z]+", "ignored"), "DY": (r"[A-Za-z]{3}", "ignored"),
    "HH24": (r"\d{1,2}", "hour24"), "HH12": (r"\d{1,2}", "hour12"), "HH": (r"\d{1,2}", "hour12"),
    "MI": (r"\d{1,2}", "minute"), "SS": (r"\d{1,2}", "second"), "SSSSS": (r"\d{1,5}", "seconds"),
    **{f"FF{n}": (rf"\d{{1,{n}}}", "fraction") for n in range(1, 10)}, "FF": (r"\d{1,9}", "fraction"),
    "AM": (r"[AaPp][Mm]", "meridian"), "PM": (r"[AaPp][Mm]", "meridian"),
    "A.M.": (r"[AaPp]\.[Mm]\.", "meridian"), "P.M.": (r"[AaPp]\.[Mm]\.", "meridian"),
}  # fmt: skip


@lru_cache(maxsize=256)
def _reader(model: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    pattern: list[str] = []
    fields: list[str] = []
    for part in _parse_model(model):
        if part.element is None:
            pattern.append(r"[\s\-/,.;:]+" if part.text.strip(" -/,.;:") == "" else re.escape(part.text))
        elif part.element != "FM":
            reader = _READERS.get(part.element)
            if reader is None:
                raise ora("ORA-01821")
            pattern.append(f"({reader[0]})")
            fields.append(reader[1])
    return re.compile(r"\s*" + "".join(pattern) + r"\s*"), tuple(fields)


def parse_date(text: str, model: str, today: datetime.date | None = None) -> Moment:
    """TO_DATE(text, model): fields the model lacks default as Oracle's do (this year, this month, day 1, 00:00)."""
    regex, fields = _reader(model)
    match = regex.fullmatch(text)
    if match is None:
        raise ora("ORA-01830" if regex.match(text) else "ORA-01861")
    now = today or datetime.date.today()
    got: dict[str, str] = dict(zip(fields, match.groups(), strict=True))
    year = now.year
    if "year" in got:
        year = int(got["year"])
    elif "yy" in got:
        year = now.year - now.year % 100 + int(got["yy"])
    elif "rr" in got:
        two = int(got["rr"])
        year = (2000 if two < 50 else 1900) + two
    elif "y" in got:
        year = now.year - now.year % 10 + int(got["y"])
    month = now.month
    if "month" in got:
        month = int(got["month"])
    elif "month_name" in got:
        name = got["month_name"].upper()
        found = [i for i, full in enumerate(_MONTHS, 1) if full == name or full[:3] == name]
        if not found:
            raise ora("ORA-01843")
        month = found[0]
    hour = int(got.get("hour24", got.get("hour12", "0")))
    if "meridian" in got and "hour12" in got:
        hour = hour % 12 + (12 if got["meridian"][0] in "Pp" else 0)
    minute, second = int(got.get("minute", "0")), int(got.get("second", "0"))
    if "seconds" in got:
        total = int(got["seconds"])
        hour, minute, second = total // 3600, total // 60 % 60, total % 60
    nanoseconds = int((got.get("fraction", "") + "000000000")[:9])
    try:
        moment = datetime.datetime(year, month, int(got.get("day", "1")), hour, minute, second)
    except ValueError:
        raise ora("ORA-01847") from None
    return add_ticks(moment, (nanoseconds + 50) // 100)  # held to 100 ns: the 8th and 9th digits round
