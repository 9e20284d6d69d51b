"""Oracle's number format models for TO_CHAR(number, model) and TO_NUMBER(text, model): the common subset.

| element   | meaning                                                                          |
|-----------|----------------------------------------------------------------------------------|
| ``9``     | a digit; a leading 9 position without a digit is a blank                          |
| ``0``     | a digit; leading zeros from the first 0 on are kept                               |
| ``.`` ``D``| the decimal point                                                                |
| ``,`` ``G``| a group separator (blank where no digit stands to its left)                      |
| ``$``     | a leading dollar sign                                                             |
| ``FM``    | (prefix) no padding: no leading blanks, no trailing zeros in 9 positions          |

Without FM the text is as wide as the model plus one position for the sign (blank when positive); a number too
wide for the model is all ``#``.  Any other element is ORA-01481 "invalid number format model".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from quietus.sql.oracle.errors import ora

_ELEMENTS = frozenset("90.D,G$")


def _parse(model: str) -> tuple[bool, bool, str, str]:
    """(fill mode, dollar, integer part, fraction part) of a model; ORA-01481 for what this module lacks."""
    text = model.upper()
    fill_mode = text.startswith("FM")
    if fill_mode:
        text = text[2:]
    dollar = text.startswith("$")
    if dollar:
        text = text[1:]
    if not text or any(ch not in _ELEMENTS or ch == "$" for ch in text):
        raise ora("ORA-01481")
    text = text.replace("D", ".").replace("G", ",")
    if text.count(".") > 1:
        raise ora("ORA-01481")
    whole, _, fraction = text.partition(".")
    if "," in fraction or any(ch not in "90" for ch in fraction):
        raise ora("ORA-01481")
    return fill_mode, dollar, whole, fraction if "." in text else ""


def to_char(value: Any, model: str) -> str:
    fill_mode, dollar, whole, fraction = _parse(model)
    number = Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
    places = len(fraction)
    rounded = abs(number).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    integer_text, _, fraction_text = f"{rounded:f}".partition(".")
    digit_slots = sum(1 for ch in whole if ch in "90")
    first_zero = whole.find("0")
    kept = 0 if first_zero < 0 else sum(1 for ch in whole[first_zero:] if ch in "90")
    if integer_text == "0" and places and kept == 0:
        integer_text = ""  # Oracle writes .5 for 0.5 under a 9 model
    integer_text = integer_text.zfill(kept) if kept else integer_text
    width = len(whole) + (1 + places if fraction else 0) + (1 if dollar else 0) + 1
    if len(integer_text) > digit_slots:
        return "#" * width
    # Place the digits into the integer pattern from the right; blank positions stay blank.
    digits = list(integer_text)
    placed: list[str] = []
    for ch in reversed(whole):
        if ch in "90":
            placed.append(digits.pop() if digits else " ")
        else:  # a group separator: shown only with a digit to its left
            placed.append("," if digits else " ")
    body = "".join(reversed(placed))
    if fraction:
        fraction_digits = fraction_text.ljust(places, "0")
        if fill_mode:
            trailing = len(fraction) - len(fraction.rstrip("9"))
            keep = len(fraction_digits)
            while keep > len(fraction) - trailing and keep > 0 and fraction_digits[keep - 1] == "0":
                keep -= 1
            fraction_digits = fraction_digits[:keep]
        body += "." + fraction_digits
    sign = "-" if number < 0 and rounded != 0 else ""
    stripped = body.lstrip(" ")
    text = sign + ("$" if dollar else "") + stripped
    if fill_mode:
        return text
    return text.rjust(width)


def to_number(text: str, model: str) -> Decimal:
    _parse(model)
    cleaned = text.strip().replace(",", "").replace("$", "")
    try:
        return Decimal(cleaned)
    except ArithmeticError:
        raise ora("ORA-01722") from None
