from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factory.money import (
    RATE_UNITS_PER_YUAN,
    fen_to_rate,
    format_fen,
    format_rate,
    parse_rate_yuan,
    parse_yuan,
    rate_to_fen,
    round_half_up,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12", 1200),
        ("12.3", 1230),
        ("12.34", 1234),
        ("¥12.34", 1234),
        ("￥ 12.34", 1234),
        ("  0.05 ", 5),
        (".5", 50),
        ("12.34元", 1234),
        ("0", 0),
        ("007.10", 710),
    ],
)
def test_parse_yuan_accepts_usual_forms(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "at most 2 decimal places"),
        ("-1", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("abc", "must be a number"),
        ("1,000", "must be a number"),
        ("1e3", "must be a number"),
        ("", "Enter an amount"),
        ("¥", "Enter an amount"),
        ("12.", "no digits after"),
        ("١٢", "must be a number"),  # Arabic-Indic digits are not yuan
        ("1" * 20, "too large"),
    ],
)
def test_parse_yuan_refuses_with_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_yuan(text)


def test_parse_yuan_refuses_non_text():
    with pytest.raises(TypeError):
        parse_yuan(12.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "units"),
    [("0.355", 3550), ("1", 10000), ("¥1.2345", 12345), ("0.0001", 1), ("0.5", 5000)],
)
def test_parse_rate_yuan(text, units):
    assert parse_rate_yuan(text) == units


def test_parse_rate_yuan_refuses_five_decimals():
    with pytest.raises(ValueError, match="at most 4 decimal places"):
        parse_rate_yuan("0.12345")


def test_units_are_consistent():
    assert RATE_UNITS_PER_YUAN == 10_000
    assert fen_to_rate(35) == 3500
    assert parse_rate_yuan("12.34") == fen_to_rate(parse_yuan("12.34"))
    assert rate_to_fen(3550) == 36
    assert rate_to_fen(3549) == 35


@pytest.mark.parametrize(
    ("fen", "text"),
    [(1234, "¥12.34"), (5, "¥0.05"), (0, "¥0.00"), (-1234, "-¥12.34"), (-5, "-¥0.05"), (100, "¥1.00")],
)
def test_format_fen(fen, text):
    assert format_fen(fen) == text


@pytest.mark.parametrize(
    ("units", "text"),
    [
        (3550, "¥0.355"),
        (5000, "¥0.50"),
        (10000, "¥1.00"),
        (12345, "¥1.2345"),
        (1, "¥0.0001"),
        (-3550, "-¥0.355"),
    ],
)
def test_format_rate(units, text):
    assert format_rate(units) == text


@given(st.integers(min_value=0, max_value=10**14 - 1))  # up to twelve digits of yuan
def test_format_and_parse_fen_round_trip(fen):
    assert parse_yuan(format_fen(fen)) == fen


@given(st.integers(min_value=0, max_value=10**14))
def test_format_and_parse_rate_round_trip(units):
    assert parse_rate_yuan(format_rate(units)) == units


@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [
        (5, 2, 3),
        (-5, 2, -3),
        (7, 3, 2),
        (-7, 3, -2),
        (8, 3, 3),
        (-8, 3, -3),
        (0, 7, 0),
        (3550, 100, 36),
        (3549, 100, 35),
        (-3550, 100, -36),
        (5, -2, -3),
    ],
)
def test_round_half_up_examples(n, d, expected):
    assert round_half_up(n, d) == expected


@given(st.integers(min_value=-(10**30), max_value=10**30), st.integers(min_value=1, max_value=10**12))
def test_round_half_up_is_nearest_with_halves_away_from_zero(n, d):
    result = round_half_up(n, d)
    exact = Fraction(n, d)
    assert abs(result - exact) <= Fraction(1, 2)
    if abs(result - exact) == Fraction(1, 2):
        assert abs(result) > abs(exact)
    assert round_half_up(-n, d) == -result


def test_round_half_up_refuses_zero_denominator():
    with pytest.raises(ZeroDivisionError):
        round_half_up(1, 0)
