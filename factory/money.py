"""Money as integers: fen for amounts, rate units (1/100 fen) for piece rates.

Every amount of money in the application is an ``int`` of fen (分, 1/100 yuan). A piece rate that needs
fractions of a fen (¥0.355 a piece is 35.5 fen) is stored exactly as an ``int`` of *rate units*:
1 rate unit = 1/100 fen = 1/10,000 yuan. No float ever holds money; the only place where a fraction of
a fen is rounded away is `round_half_up`.
"""

from __future__ import annotations

import re

FEN_PER_YUAN = 100
RATE_UNITS_PER_FEN = 100
RATE_UNITS_PER_YUAN = FEN_PER_YUAN * RATE_UNITS_PER_FEN

YUAN_DECIMALS = 2
RATE_YUAN_DECIMALS = 4

# Twelve digits of yuan is far beyond any wage or order; the limit keeps absurd input out of the database.
MAX_YUAN_DIGITS = 12

_YUAN_RE = re.compile(r"(?P<whole>[0-9]*)(?:\.(?P<frac>[0-9]*))?")
_CURRENCY_SIGNS = ("¥", "￥", "RMB", "CNY")


def round_half_up(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded to the nearest integer, halves away from zero.

    Exact integer arithmetic. "Half up" means half away from zero, so it is symmetric for negatives:
    5/2 -> 3, -5/2 -> -3, 7/3 -> 2, -7/3 -> -2. This is the one rounding rule for money in the
    application; nothing else rounds fen.
    """
    if denominator == 0:
        raise ZeroDivisionError("round_half_up: denominator is zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    if numerator >= 0:  # the common case, in one step: floor(n/d + 1/2)
        return (2 * numerator + denominator) // (2 * denominator)
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def _parse_decimal_yuan(text: str, decimals: int, what: str) -> int:
    """Parse a non-negative yuan amount with at most `decimals` decimals into units of 10**-decimals yuan."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be given as text, not {type(text).__name__}")
    cleaned = text.strip().replace(" ", "")
    for sign in _CURRENCY_SIGNS:
        if cleaned.upper().startswith(sign):
            cleaned = cleaned[len(sign) :]
            break
    if cleaned.endswith("元"):
        cleaned = cleaned[:-1]
    if not cleaned:
        raise ValueError(f"Enter {what} in yuan, for example 12.34.")
    if cleaned.startswith("-"):
        raise ValueError(f"{what.capitalize()} must not be negative: {text!r}.")
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    match = _YUAN_RE.fullmatch(cleaned)
    if match is None or not (match["whole"] or match["frac"]):
        raise ValueError(f"{what.capitalize()} must be a number of yuan such as 12.34, not {text!r}.")
    whole = match["whole"] or "0"
    frac = match["frac"]
    if frac is not None and frac == "":
        raise ValueError(f"{what.capitalize()} has a decimal point with no digits after it: {text!r}.")
    frac = frac or ""
    if len(frac) > decimals:
        raise ValueError(
            f"{what.capitalize()} can have at most {decimals} decimal places (0.{'0' * (decimals - 1)}1 yuan), "
            f"not {text!r}."
        )
    if len(whole.lstrip("0")) > MAX_YUAN_DIGITS:
        raise ValueError(f"{what.capitalize()} is too large: {text!r}.")
    return int(whole) * 10**decimals + int(frac.ljust(decimals, "0"))


def parse_yuan(text: str) -> int:
    """Parse an amount in yuan ("12", "12.3", "12.34", "¥12.34") into fen."""
    return _parse_decimal_yuan(text, YUAN_DECIMALS, "an amount")


def parse_rate_yuan(text: str) -> int:
    """Parse a piece rate in yuan with up to 4 decimals ("0.355", "¥1.2345") into rate units."""
    return _parse_decimal_yuan(text, RATE_YUAN_DECIMALS, "a piece rate")


def fen_to_rate(fen: int) -> int:
    """Convert whole fen into rate units."""
    return fen * RATE_UNITS_PER_FEN


def rate_to_fen(rate_units: int) -> int:
    """Convert rate units into fen, rounding half up (for display; pay lines round via `round_half_up`)."""
    return round_half_up(rate_units, RATE_UNITS_PER_FEN)


def _format_units(units: int, decimals: int, min_decimals: int) -> str:
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**decimals)
    digits = str(frac).rjust(decimals, "0")
    while len(digits) > min_decimals and digits.endswith("0"):
        digits = digits[:-1]
    return f"{sign}¥{whole}.{digits}" if digits else f"{sign}¥{whole}"


def format_fen(fen: int) -> str:
    """Format fen as yuan with two decimals: 1234 -> "¥12.34", -5 -> "-¥0.05"."""
    return _format_units(fen, YUAN_DECIMALS, YUAN_DECIMALS)


def format_rate(rate_units: int) -> str:
    """Format a piece rate: 3550 -> "¥0.355", 5000 -> "¥0.50" (trailing zeros trimmed, at least 2 decimals)."""
    return _format_units(rate_units, RATE_YUAN_DECIMALS, YUAN_DECIMALS)
