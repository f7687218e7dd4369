"""Pure rules of the employment figures: spans of days, medians of the middle rows, rates.

No Flask, no database. Money is integer fen; a median of an even count is the mean of the two middle
values, rounded half up to the fen once (`factory.money.round_half_up`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from factory.money import round_half_up

MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """The days a report covers, both ends included: a calendar month or a pay period."""

    start: date
    end: date

    @property
    def is_month(self) -> bool:
        last = calendar.monthrange(self.start.year, self.start.month)[1]
        return self.start.day == 1 and self.end == self.start.replace(day=last)

    @property
    def key(self) -> str:
        """The query-string value that selects this span again."""
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def month_span(year: int, month: int) -> Span:
    first = date(year, month, 1)
    return Span(first, first.replace(day=calendar.monthrange(year, month)[1]))


def parse_span(text: str | None) -> Span | None:
    """Read `YYYY-MM` (a month) or `YYYY-MM-DD_YYYY-MM-DD` (a pay period); None when it is neither."""
    if not text:
        return None
    text = text.strip()
    match = MONTH_RE.fullmatch(text)
    try:
        if match:
            year, month = int(match[1]), int(match[2])
            if not 2000 <= year <= 2100:
                return None
            return month_span(year, month)
        start_text, sep, end_text = text.partition("_")
        if not sep:
            return None
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        return None
    if end < start or (end - start).days > 366 or not 2000 <= start.year <= 2100:
        return None
    return Span(start, end)


def previous_month(day: date) -> Span:
    """The last whole month before `day`'s month."""
    first = day.replace(day=1) - timedelta(days=1)
    return month_span(first.year, first.month)


def last_months(end: date, count: int = 12) -> list[Span]:
    """The `count` calendar months ending with the month that holds `end`, oldest first."""
    spans = []
    year, month = end.year, end.month
    for _ in range(count):
        spans.append(month_span(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return spans[::-1]


def month_index(day: date) -> int:
    """Months since year 0: the bucket a database expression `year * 12 + month - 1` gives."""
    return day.year * 12 + day.month - 1


@dataclass
class Figures:
    """The figures of one group (the city, a station or a month)."""

    earners: int = 0
    hard_to_employ: int = 0
    hard_by_category: dict[str, int] = field(default_factory=dict)
    first_time: int = 0
    total_fen: int = 0
    median_fen: int | None = None
    median_per_hour_fen: int | None = None
    minutes: Fraction = Fraction(0)
    accepted: int = 0
    rejected: int = 0
    orders_served: int = 0
    enterprises_served: int = 0
    orders_due: int = 0
    orders_on_time: int = 0
    offered_without_work: int = 0

    @property
    def quality(self) -> Fraction | None:
        return ratio(self.accepted, self.accepted + self.rejected)

    @property
    def on_time(self) -> Fraction | None:
        return ratio(self.orders_on_time, self.orders_due)

    @property
    def hours_text(self) -> str:
        hundredths = self.minutes * 100 / 60
        value = round_half_up(hundredths.numerator, hundredths.denominator)
        return f"{value // 100}.{value % 100:02d}"


# The figures that come from the work done (pay, pieces, people); the rest are counted afresh each time.
WORK_FIELDS = (
    "earners",
    "hard_to_employ",
    "hard_by_category",
    "first_time",
    "total_fen",
    "median_fen",
    "median_per_hour_fen",
    "minutes",
    "accepted",
    "rejected",
    "orders_served",
    "enterprises_served",
)


def work_to_json(figures: Figures) -> dict[str, Any]:
    """The work figures as JSON values (minutes as an exact fraction)."""
    out: dict[str, Any] = {name: getattr(figures, name) for name in WORK_FIELDS}
    out["minutes"] = [figures.minutes.numerator, figures.minutes.denominator]
    out["hard_by_category"] = dict(sorted(figures.hard_by_category.items()))
    return out


def work_from_json(data: dict[str, Any]) -> Figures:
    """Figures with the work figures of `data` (the inverse of `work_to_json`); the rest start at zero."""
    known = {f.name for f in fields(Figures)}
    values = {k: v for k, v in data.items() if k in known and k in WORK_FIELDS}
    numerator, denominator = data["minutes"]
    values["minutes"] = Fraction(int(numerator), int(denominator))
    values["hard_by_category"] = {str(k): int(v) for k, v in data["hard_by_category"].items()}
    return Figures(**values)


def median_fen(middle: Sequence[int]) -> int | None:
    """The median from the middle value (odd count) or the two middle values (even count), in fen."""
    if not middle:
        return None
    if len(middle) == 1:
        return int(middle[0])
    if len(middle) != 2:
        raise ValueError("a median is taken from one or two middle values")
    return round_half_up(int(middle[0]) + int(middle[1]), 2)


def median_of(values: Sequence[int]) -> int | None:
    """The median of whole numbers (used by tests and small lists)."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    return median_fen(ordered[(n - 1) // 2 : n // 2 + 1])


def ratio(part: int, whole: int) -> Fraction | None:
    """part / whole, or None when there is nothing to divide by."""
    return Fraction(part, whole) if whole else None


def percent_text(value: Fraction | None) -> str:
    """A rate as a percentage with one decimal, rounded half up; an em dash when there is none."""
    if value is None:
        return "—"
    tenths = round_half_up((value * 1000).numerator, (value * 1000).denominator)
    return f"{tenths // 10}.{tenths % 10}%"


def per_hour_fen(fen: int, minutes: Fraction) -> int | None:
    """Fen per hour for `fen` earned in `minutes`, rounded half up; None without time."""
    if minutes <= 0:
        return None
    exact = Fraction(fen) * 60 / minutes
    return round_half_up(exact.numerator, exact.denominator)
