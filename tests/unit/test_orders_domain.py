from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factory.orders.domain import (
    MESSAGES,
    TRANSITIONS,
    OrderError,
    OrderStatus,
    OrderTransitionError,
    allowed_transitions,
    below_minimum,
    check_transition,
    lot_count,
    lot_sizes,
    minimum_rate_units,
    parse_standard_minutes,
    pay_per_hour_at_standard_pace,
    validate_order_fields,
)

TODAY = date(2024, 5, 1)


def test_lot_sizes_last_lot_takes_the_remainder():
    assert lot_sizes(10, 3) == [3, 3, 3, 1]
    assert lot_sizes(9, 3) == [3, 3, 3]
    assert lot_sizes(2, 5) == [2]
    assert lot_count(10, 3) == 4


@given(st.integers(1, 100_000), st.integers(1, 5_000))
def test_lots_add_up_to_the_quantity(quantity, size):
    lots = lot_sizes(quantity, size)
    assert sum(lots) == quantity
    assert all(0 < lot <= size for lot in lots)
    assert all(lot == size for lot in lots[:-1])
    assert len(lots) == lot_count(quantity, size)


@pytest.mark.parametrize(("quantity", "size"), [(0, 1), (-5, 1), (10, 0), (10, -1)])
def test_lot_sizes_refuse_nonsense(quantity, size):
    with pytest.raises(OrderError, match="at least 1"):
        lot_sizes(quantity, size)


def test_happy_life_cycle():
    path = ["draft", "posted", "accepted", "in_production", "delivered", "closed"]
    for source, target in zip(path, path[1:], strict=False):
        assert check_transition(source, target) == OrderStatus(target)


@pytest.mark.parametrize("source", ["draft", "posted", "accepted"])
def test_cancel_before_production(source):
    assert check_transition(source, "cancelled") is OrderStatus.CANCELLED


def test_cancel_refused_once_pieces_are_in_production():
    with pytest.raises(OrderTransitionError, match="40 pieces are already in production") as info:
        check_transition("accepted", "cancelled", pieces_in_production=40)
    assert info.value.code == "in_production"
    with pytest.raises(OrderTransitionError, match="in_production cannot become cancelled"):
        check_transition("in_production", "cancelled")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("draft", "accepted"),
        ("closed", "draft"),
        ("cancelled", "posted"),
        ("delivered", "in_production"),
        ("posted", "posted"),
    ],
)
def test_forbidden_transitions(source, target):
    with pytest.raises(
        OrderTransitionError, match=f"An order that is {source} cannot become {target}."
    ) as info:
        check_transition(source, target)
    assert info.value.code == "invalid_transition"


def test_unknown_status():
    with pytest.raises(OrderError, match="Unknown order status: shipped"):
        check_transition("draft", "shipped")


def test_final_states_have_no_way_out_and_every_state_is_reachable():
    assert allowed_transitions("closed") == frozenset()
    assert allowed_transitions("cancelled") == frozenset()
    reachable = {OrderStatus.DRAFT}
    for _ in TRANSITIONS:
        reachable |= {target for source in reachable for target in TRANSITIONS[source]}
    assert reachable == set(OrderStatus)


def test_pay_per_hour_at_standard_pace():
    # ¥0.355 a piece, 1.5 minutes a piece: 40 pieces an hour = 1420 fen
    assert pay_per_hour_at_standard_pace(3550, Decimal("1.5")) == 1420
    assert pay_per_hour_at_standard_pace(3550, "1.5") == 1420
    assert pay_per_hour_at_standard_pace(1000, 7) == Fraction(600, 7)
    assert pay_per_hour_at_standard_pace(1000, Fraction(1, 3)) == 1800


def test_below_minimum():
    assert below_minimum(3550, Decimal("1.5"), 2420)
    assert not below_minimum(6050, Decimal("1.5"), 2420)  # exactly the minimum is enough
    assert below_minimum(6049, Decimal("1.5"), 2420)
    assert minimum_rate_units(Decimal("1.5"), 2420) == 6050
    assert minimum_rate_units(7, 2420) == 28234  # 2420 x 7 / 60 = 282.33.. fen -> round up


@given(st.integers(1, 10**6), st.integers(1, 100_000))
def test_minimum_rate_is_the_smallest_rate_not_below_minimum(hundredths, hourly):
    minutes = Fraction(hundredths, 100)
    rate = minimum_rate_units(minutes, hourly)
    assert not below_minimum(rate, minutes, hourly)
    assert rate == 1 or below_minimum(rate - 1, minutes, hourly)


def test_floats_are_refused_for_minutes():
    with pytest.raises(TypeError, match="must be exact"):
        pay_per_hour_at_standard_pace(3550, 1.5)  # type: ignore[arg-type]


def test_parse_standard_minutes():
    assert parse_standard_minutes(" 1.5 ") == Fraction(3, 2)
    assert parse_standard_minutes("0.75") == Fraction(3, 4)
    for bad in ("abc", "1.555", "-1", "1,5"):
        with pytest.raises(OrderError, match="up to 2 decimals"):
            parse_standard_minutes(bad)
    with pytest.raises(OrderError, match="more than zero"):
        parse_standard_minutes("0.00")


def valid(**overrides):
    fields = {
        "quantity": 1000,
        "lot_size": 50,
        "piece_rate_units": 3550,
        "standard_minutes": Decimal("1.5"),
        "due_date": TODAY,
        "today": TODAY,
        "service_fee_fen": 0,
    } | overrides
    return validate_order_fields(**fields)


def test_valid_order_has_no_errors():
    assert valid() == {}
    assert valid(quantity=10_000_000, lot_size=10_000_000) == {}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "The quantity must be at least 1."),
        ({"quantity": -3}, "quantity", "The quantity must be at least 1."),
        ({"quantity": 10_000_001}, "quantity", "The quantity can be at most 10,000,000 pieces."),
        ({"quantity": None}, "quantity", "Enter the number of pieces."),
        ({"lot_size": 0}, "lot_size", "The lot size must be at least 1."),
        ({"lot_size": 1001}, "lot_size", "A lot cannot hold more pieces than the order (1000)."),
        ({"lot_size": None}, "lot_size", "Enter the lot size."),
        ({"piece_rate_units": 0}, "piece_rate", "The piece rate must be more than zero."),
        ({"piece_rate_units": None}, "piece_rate", "Enter the piece rate."),
        (
            {"standard_minutes": 0},
            "standard_minutes",
            "The standard minutes per piece must be more than zero.",
        ),
        (
            {"standard_minutes": "-1"},
            "standard_minutes",
            "Enter the standard minutes as a number with up to 2 decimals, e.g. 1.5.",
        ),
        ({"standard_minutes": ""}, "standard_minutes", "Enter the standard minutes per piece."),
        ({"due_date": date(2024, 4, 30)}, "due_date", "The due date cannot be in the past."),
        ({"due_date": None}, "due_date", "Enter the due date."),
        ({"service_fee_fen": -1}, "service_fee", "The service fee cannot be negative."),
    ],
)
def test_each_bad_field_gets_its_message(overrides, field, message):
    assert valid(**overrides) == {field: [message]}


def test_all_problems_are_reported_together():
    errors = valid(
        quantity=0,
        lot_size=0,
        piece_rate_units=0,
        standard_minutes=0,
        due_date=date(2000, 1, 1),
        service_fee_fen=-5,
    )
    assert set(errors) == {
        "quantity",
        "lot_size",
        "piece_rate",
        "standard_minutes",
        "due_date",
        "service_fee",
    }


def test_messages_are_plain_strings_with_named_placeholders():
    for message in MESSAGES.values():
        assert message[0].isupper()
        assert message.endswith(".")
        # only %(name)s placeholders, so translations can reorder them
        assert message.replace("%%", "").count("%") == message.count("%(")
