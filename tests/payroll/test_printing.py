"""What a slip line shows to be checked by hand (no database: the line's figures only)."""

from __future__ import annotations

import pytest

from factory.payroll.models import PayLine
from factory.payroll.printing import LineView


def line(pieces: int, rate: int, prior: int, amount: int) -> LineView:
    return LineView(PayLine(accepted_pieces=pieces, rate_units=rate, prior_pieces=prior, amount_fen=amount))


@pytest.mark.parametrize(
    ("view", "cumulative", "formula"),
    [
        # Nothing paid before: the pieces times the rate.
        (line(30, 4000, 0, 1200), False, "30 × ¥0.40 = ¥12.00"),
        (line(3, 3550, 0, 107), False, "3 × ¥0.355 = ¥1.065 → ¥1.07"),
        # Paid before, but rounding together gives the same amount: no history to explain.
        (line(30, 4000, 76, 1200), False, "30 × ¥0.40 = ¥12.00"),
        (line(1, 3550, 2, 36), False, "1 × ¥0.355 = ¥0.355 → ¥0.36"),  # 107 − 71
        # Paid before, and rounding together gives a fen less (or more) than these pieces alone.
        (
            line(1, 3550, 1, 35),
            True,
            "2 × ¥0.355 = ¥0.71; 1 × ¥0.355 = ¥0.355 → ¥0.36; ¥0.71 − ¥0.36 = ¥0.35",
        ),
        (
            line(1, 3550, 3, 35),
            True,
            "4 × ¥0.355 = ¥1.42; 3 × ¥0.355 = ¥1.065 → ¥1.07; ¥1.42 − ¥1.07 = ¥0.35",
        ),
    ],
)
def test_the_history_is_shown_only_where_it_changes_the_amount(
    view: LineView, cumulative: bool, formula: str
) -> None:
    assert view.cumulative is cumulative
    assert view.formula == formula
    if cumulative:  # the figures shown add up to the amount
        assert view.after.fen - view.before.fen == view.line.amount_fen != view.own.fen
