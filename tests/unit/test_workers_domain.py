from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factory.workers.domain import (
    WorkerFieldError,
    hours_for_dates,
    id_check_digit,
    mask_id_number,
    mask_mobile,
    normalise_mobile,
    parse_skills_field,
    parse_weekly_hours,
    speed_from_trial,
    validate_hours,
    validate_id_number,
    validate_speed,
    validate_weekly_hours,
)

TODAY = date(2024, 5, 1)


@pytest.mark.parametrize(
    "text",
    [
        "13812341234",
        "+86 138 1234 1234",
        "86-138-1234-1234",
        "8613812341234",
        "0086 13812341234",
        " 138-1234-1234 ",
        "+86（138）12341234",
    ],
)
def test_normalise_mobile_accepts_usual_forms(text):
    assert normalise_mobile(text) == "13812341234"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a mobile number"),
        ("1381234123", "has 11 digits; this one has 10"),
        ("138123412345", "has 11 digits; this one has 12"),
        ("12812341234", "starts with 13 to 19"),
        ("23812341234", "starts with 13 to 19"),
        ("1381234abcd", "only digits"),
        ("１３８１２３４１２３４", "only digits"),  # full-width digits
        ("+1 13812341234", "only digits"),
    ],
)
def test_normalise_mobile_refuses_with_clear_message(text, message):
    with pytest.raises(WorkerFieldError, match=message):
        normalise_mobile(text)


def test_mask_mobile():
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_mobile("+86 138-1234-1234") == "138****1234"
    assert mask_mobile("123") == "***"


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


def test_check_digit_of_the_standard_example():
    # The example in GB 11643-1999: 11010519491231002X
    assert id_check_digit("11010519491231002") == "X"
    assert validate_id_number("11010519491231002x", today=TODAY) == "11010519491231002X"


def test_valid_id_number():
    number = make_id("37020219900101123")
    assert validate_id_number(f"  {number} ", today=TODAY) == number


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3702021990010112", "has 18 characters; this one has 16"),
        ("", "has 18 characters; this one has 0"),
        ("37020219900101123A", "17 digits followed by a digit or X"),
        ("3702021990010112X3", "17 digits followed by a digit or X"),
        (make_id("37020219900230123"), r"birth date in the ID number \(19900230\) is not a valid date"),
        (make_id("37020218990101123"), "must be after 1900"),
        (make_id("37020220300101123"), "not in the future"),
        ("370202199001011234", "does not match"),
    ],
)
def test_invalid_id_numbers_get_distinct_messages(text, message):
    with pytest.raises(WorkerFieldError, match=message):
        validate_id_number(text, today=TODAY)


@given(
    st.dates(min_value=date(1900, 1, 2), max_value=TODAY),
    st.integers(0, 999),
    st.integers(0, 9),
    st.integers(0, 16),
)
def test_check_digit_catches_every_single_digit_typo(birth, serial, new_digit, position):
    number = make_id(f"370202{birth:%Y%m%d}{serial:03d}")
    assert validate_id_number(number, today=TODAY) == number
    typo = number[:position] + str(new_digit) + number[position + 1 :]
    if typo != number:
        with pytest.raises(WorkerFieldError):
            validate_id_number(typo, today=TODAY)


def test_mask_id_number():
    assert mask_id_number("370202199001011234") == "3702**********1234"
    assert mask_id_number("11010519491231002x") == "1101**********002X"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", Decimal(30)),
        ("4.5", Decimal("4.5")),
        (4.5, Decimal("4.5")),
        (10_000, Decimal(10_000)),
        ("0.01", Decimal("0.01")),
    ],
)
def test_validate_speed(value, expected):
    assert validate_speed(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "more than 0"),
        ("-1", "more than 0"),
        ("10000.01", "at most 10,000"),
        ("1e20", "at most 10,000"),
        ("abc", "must be a number"),
        ("4.555", "at most 2 decimals"),
        ("NaN", "must be a number"),
        (None, "must be a number"),
    ],
)
def test_validate_speed_refuses(value, message):
    with pytest.raises(WorkerFieldError, match=message):
        validate_speed(value)


@pytest.mark.parametrize("value", ["0", "24", "2.25", "7.5", Decimal("0.75"), 3])
def test_validate_hours_accepts(value):
    assert validate_hours(value) == Decimal(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-0.25", "between 0 and 24"),
        ("24.25", "between 0 and 24"),
        ("1.125", "at most 2 decimals"),
        ("three", "must be a number"),
    ],
)
def test_validate_hours_refuses(value, message):
    with pytest.raises(WorkerFieldError, match=message):
        validate_hours(value)


def test_parse_skills_field():
    assert parse_skills_field("remote_assembly:30;knitting:4.5") == {
        "remote_assembly": Decimal(30),
        "knitting": Decimal("4.5"),
    }
    assert parse_skills_field(" Knitting：4.5； remote_assembly = 30 ,") == {
        "knitting": Decimal("4.5"),
        "remote_assembly": Decimal(30),
    }
    assert parse_skills_field("") == {}


def test_parse_skills_field_reports_every_problem():
    with pytest.raises(WorkerFieldError) as info:
        parse_skills_field(
            "knitting;remote-assembly:3;knitting:0;fridge_magnet:2;fridge_magnet:3;x:1:2",
            known={"knitting", "fridge_magnet"},
        )
    assert info.value.messages == [
        "Write each skill as code:pieces per hour, e.g. knitting:4.5 (not knitting).",
        "A skill code is lower-case letters, digits and _ (not remote-assembly).",
        "knitting: Pieces per hour must be more than 0 and at most 10,000.",
        "The skill fridge_magnet is listed twice.",
        "Write each skill as code:pieces per hour, e.g. knitting:4.5 (not x:1:2).",
    ]
    with pytest.raises(WorkerFieldError, match="Unknown skill: baking"):
        parse_skills_field("baking:3", known={"knitting"})


@pytest.mark.parametrize(
    "text",
    [
        "3,3,3,3,3,0,0",
        "3;3;3;3;3;0;0",
        "3 3 3 3 3 0 0",
        "3，3，3，3，3，0，0",
        "3；3；3；3；3；0；0",
        "3, 3,3 ,3;3 0,0",
    ],
)
def test_parse_weekly_hours_separators(text):
    assert parse_weekly_hours(text) == [Decimal(3)] * 5 + [Decimal(0)] * 2


def test_parse_weekly_hours_problems():
    with pytest.raises(WorkerFieldError, match="Enter 7 numbers of hours, Monday first; found 6"):
        parse_weekly_hours("3,3,3,3,3,0")
    with pytest.raises(WorkerFieldError) as info:
        parse_weekly_hours("3,25,3,x,3,0,0")
    assert info.value.messages == [
        "Tuesday: Hours in a day must be between 0 and 24.",
        "Thursday: Hours must be a number, not 'x'.",
    ]
    assert validate_weekly_hours([3, 3.5, "2.25", 0, 0, 0, 0])[1] == Decimal("3.5")


def test_hours_for_dates_uses_weekly_pattern_and_exceptions():
    weekly = [Decimal(n) for n in (1, 2, 3, 4, 5, 6, 7)]
    start = date(2024, 5, 1)  # a Wednesday
    hours = hours_for_dates(weekly, {date(2024, 5, 2): Decimal(0), date(2024, 5, 20): Decimal(8)}, start, 9)
    assert hours == [3, 0, 5, 6, 7, 1, 2, 3, 4]
    assert hours_for_dates(weekly, {}, start, 0) == []


@given(st.lists(st.integers(0, 24), min_size=7, max_size=7), st.dates(), st.integers(0, 60))
def test_hours_for_dates_follow_the_weekday(weekly, start, days):
    if start > date.max - timedelta(days=days):
        return
    hours = hours_for_dates(weekly, {}, start, days)
    assert len(hours) == days
    assert all(hours[i] == weekly[(start + timedelta(days=i)).weekday()] for i in range(days))


@pytest.mark.parametrize(
    ("pieces", "minutes", "expected"),
    [
        (3, 7, Decimal("25.7")),
        (100, 7, Decimal(857)),
        (1, 7, Decimal("8.57")),
        (1, 120, Decimal("0.5")),
        (30, 60, Decimal(30)),
        (1, Decimal("0.5"), Decimal(120)),
        (1, Fraction(3, 2), Decimal(40)),
    ],
)
def test_speed_from_trial(pieces, minutes, expected):
    assert speed_from_trial(pieces, minutes) == expected


def test_speed_from_trial_refuses():
    with pytest.raises(WorkerFieldError, match="at least 1 piece"):
        speed_from_trial(0, 10)
    with pytest.raises(WorkerFieldError, match="more than 0 minutes"):
        speed_from_trial(5, 0)
    with pytest.raises(WorkerFieldError, match="at most 10,000"):
        speed_from_trial(1000, Decimal("0.5"))
    with pytest.raises(TypeError):
        speed_from_trial(5, 1.5)  # type: ignore[arg-type]
