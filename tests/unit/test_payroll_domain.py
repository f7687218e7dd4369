from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factory.payroll.domain import (
    Adjustment,
    AdjustmentError,
    Inspection,
    MinimumWageInput,
    NoRateInForce,
    PayError,
    PayLine,
    PayPeriodError,
    Period,
    RatePeriod,
    compute_period,
    compute_slip,
    describe_line,
    half_month_of,
    half_month_periods,
    line_amount_fen,
    minimum_wage_check,
    paid_pieces_after,
    rate_in_force,
    top_up_adjustment,
    validate_period,
)

D = date(2024, 5, 1)
RATES = {7: [RatePeriod(date(2024, 1, 1), 3550)]}  # ¥0.355 a piece


def ins(accepted, *, worker=1, order=7, day=D, rejected=0):
    return Inspection(worker, order, day, accepted, rejected)


# --- lines and rates ----------------------------------------------------------------------------


def test_line_is_accepted_pieces_times_rate_rounded_half_up():
    slip = compute_slip(1, [ins(3, rejected=2)], RATES)
    assert slip.lines == (PayLine(7, 3550, 3, 2, 107, 0),)  # 3 x 35.5 fen = 106.5 -> 107
    assert slip.total_fen == 107


def test_rejected_pieces_earn_nothing_but_are_shown():
    slip = compute_slip(1, [ins(0, rejected=5)], RATES)
    assert slip.lines == (PayLine(7, 3550, 0, 5, 0, 0),)
    assert slip.total_fen == 0


def test_inspections_of_same_order_and_rate_make_one_line():
    slip = compute_slip(1, [ins(1), ins(1, day=D + timedelta(days=3))], RATES)
    assert len(slip.lines) == 1
    assert slip.lines[0].accepted_pieces == 2
    assert slip.total_fen == 71


def test_rate_in_force_on_inspection_day_is_used():
    rates = {7: [RatePeriod(date(2024, 5, 10), 4000), RatePeriod(date(2024, 1, 1), 3000)]}
    slip = compute_slip(1, [ins(10, day=date(2024, 5, 9)), ins(10, day=date(2024, 5, 10))], rates)
    assert [(line.rate_units, line.amount_fen) for line in slip.lines] == [(3000, 300), (4000, 400)]
    assert rate_in_force(7, rates[7], date(2024, 5, 9)) == 3000
    assert rate_in_force(7, rates[7], date(2024, 5, 10)) == 4000


def test_no_rate_in_force_is_a_clear_error():
    rates = {7: [RatePeriod(date(2024, 6, 1), 3000)]}
    with pytest.raises(
        NoRateInForce, match=r"no piece rate in force on 2024-05-01.*first rate starts on 2024-06-01"
    ):
        compute_slip(1, [ins(1)], rates)
    with pytest.raises(NoRateInForce, match="Order 8 has no piece rate"):
        compute_slip(1, [ins(1, order=8)], rates)
    with pytest.raises(NoRateInForce, match="Order 7 has no piece rate"):
        compute_slip(1, [ins(1)], {7: []})


def test_two_rates_on_one_day_are_refused():
    rates = {7: [RatePeriod(D, 3000), RatePeriod(D, 3100)]}
    with pytest.raises(PayError, match="two different piece rates"):
        compute_slip(1, [ins(1)], rates)


def test_rate_must_be_positive():
    with pytest.raises(PayError, match="must be positive"):
        RatePeriod(D, 0)


def test_negative_counts_are_refused():
    with pytest.raises(PayError, match="negative count"):
        compute_slip(1, [ins(-1)], RATES)


def test_inspection_of_another_worker_is_refused():
    with pytest.raises(PayError, match="worker 2"):
        compute_slip(1, [ins(1, worker=2)], RATES)


def test_cumulative_rounding_carries_the_remainder():
    # One piece at 35.5 fen: 36 fen now, then 35 fen next time (71 for two), never 72.
    assert line_amount_fen(3550, 1, 0) == 36
    assert line_amount_fen(3550, 1, 1) == 35
    first = compute_slip(1, [ins(1)], RATES)
    second = compute_slip(1, [ins(1)], RATES, prior_paid_pieces={(7, 3550): 1})
    assert first.total_fen + second.total_fen == 71
    assert second.lines[0].prior_pieces == 1


def test_negative_prior_pieces_are_refused():
    with pytest.raises(PayError, match="cannot be negative"):
        compute_slip(1, [ins(1)], RATES, prior_paid_pieces={(7, 3550): -1})


def test_describe_line():
    assert describe_line(PayLine(7, 3550, 3, 0, 107)) == "order 7: 3 pieces x ¥0.355 = ¥1.07"


# --- adjustments --------------------------------------------------------------------------------


def test_total_is_lines_plus_adjustments():
    adjustments = [
        Adjustment("bonus", 500, "Rush order", 99),
        Adjustment("deduction", -200, "Lost kit", 99),
        Adjustment("correction", -7, "Slip 12 counted one piece twice", "organiser", corrects="payslip:12"),
    ]
    slip = compute_slip(1, [ins(100)], RATES, adjustments=adjustments)
    assert slip.lines_fen == 3550
    assert slip.adjustments_fen == 293
    assert slip.total_fen == 3843
    assert slip.adjustments == tuple(adjustments)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "bonus", "amount_fen": 100, "reason": ""}, "needs a reason"),
        ({"kind": "bonus", "amount_fen": 100, "reason": "   "}, "needs a reason"),
        ({"kind": "bonus", "amount_fen": -100}, "bonus must be a positive"),
        ({"kind": "minimum_wage_top_up", "amount_fen": 0}, "minimum wage top up must be a positive"),
        ({"kind": "deduction", "amount_fen": 100}, "deduction is entered as a negative"),
        ({"kind": "correction", "amount_fen": 0}, "correction of zero"),
        ({"kind": "gift", "amount_fen": 100}, "Unknown adjustment kind"),
        ({"kind": "bonus", "amount_fen": Decimal("1.5")}, "whole number of fen"),
        ({"kind": "bonus", "amount_fen": 100, "made_by": ""}, "who made it"),
    ],
)
def test_invalid_adjustments_are_refused(kwargs, message):
    values = {"reason": "why", "made_by": 1} | kwargs
    with pytest.raises(AdjustmentError, match=message):
        Adjustment(**values)


def test_deduction_larger_than_gross_is_refused():
    with pytest.raises(
        AdjustmentError, match=r"Deductions of ¥35.51 are larger than the slip's gross pay of ¥35.50"
    ):
        compute_slip(1, [ins(100)], RATES, adjustments=[Adjustment("deduction", -3551, "Lost kit", 9)])
    slip = compute_slip(1, [ins(100)], RATES, adjustments=[Adjustment("deduction", -3550, "Lost kit", 9)])
    assert slip.total_fen == 0


def test_bonus_counts_towards_gross_for_deductions():
    adjustments = [Adjustment("bonus", 100, "Rush", 9), Adjustment("deduction", -3650, "Lost kit", 9)]
    assert compute_slip(1, [ins(100)], RATES, adjustments=adjustments).total_fen == 0


def test_negative_total_from_correction_is_refused():
    with pytest.raises(AdjustmentError, match="cannot be negative"):
        compute_slip(1, [ins(1)], RATES, adjustments=[Adjustment("correction", -100, "Overpaid", 9)])


def test_worker_with_only_adjustments_gets_a_slip():
    slips = compute_period([], RATES, adjustments_by_worker={5: [Adjustment("bonus", 100, "Course", 9)]})
    assert slips[5].total_fen == 100
    assert slips[5].lines == ()


def test_period_collects_errors_of_every_worker():
    deduction = [Adjustment("deduction", -100, "Lost kit", 9)]
    with pytest.raises(PayPeriodError) as info:
        compute_period([ins(1, worker=1)], RATES, adjustments_by_worker={2: deduction, 3: deduction})
    assert set(info.value.errors) == {2, 3}
    assert "worker 2: Deductions of ¥1.00" in str(info.value)


# --- minimum wage -------------------------------------------------------------------------------

MINUTES = {7: Decimal("1.5"), 8: Fraction(1, 3)}


def test_minimum_wage_check_from_standard_minutes():
    # 100 pieces x 1.5 min = 150 min = 2.5 h; minimum ¥24.20/h -> ¥60.50 required; earned ¥35.50.
    minimum = MinimumWageInput(2420, MINUTES)
    slip = compute_slip(1, [ins(100)], RATES, minimum_wage_input=minimum)
    check = slip.minimum_wage_check
    assert check is not None
    assert check.hours == Fraction(5, 2)
    assert check.hours_source == "standard"
    assert check.hours_text == "2.50"
    assert check.earnings_fen == 3550
    assert check.required_fen == 6050
    assert check.shortfall_fen == 2500
    assert check.earnings_per_hour_fen == 1420
    assert not check.passed


def test_minimum_wage_check_uses_reported_hours_when_given():
    check = minimum_wage_check(
        1, [PayLine(7, 3550, 100, 0, 3550)], MinimumWageInput(2420, {}, Decimal("1.25"))
    )
    assert check.hours == Fraction(5, 4)
    assert check.hours_source == "reported"
    assert check.required_fen == 3025
    assert check.shortfall_fen == 0
    assert check.passed


def test_required_pay_is_rounded_half_up_exactly():
    # 1/3 minute a piece x 1 piece = 1/180 h; 2420 x 1/180 = 13.44 -> 13 fen.
    check = minimum_wage_check(1, [PayLine(8, 100, 1, 0, 1)], MinimumWageInput(2420, MINUTES))
    assert check.hours == Fraction(1, 180)
    assert check.required_fen == 13
    assert check.shortfall_fen == 12
    # 3 pieces = 1/60 h: exactly 40.333.. -> 40
    check = minimum_wage_check(1, [PayLine(8, 100, 3, 0, 3)], MinimumWageInput(2420, MINUTES))
    assert check.required_fen == 40


def test_minimum_wage_check_with_no_hours():
    check = minimum_wage_check(1, [], MinimumWageInput(2420, MINUTES))
    assert check.hours == 0
    assert check.earnings_per_hour_fen is None
    assert check.passed


def test_minimum_wage_check_ignores_adjustments():
    minimum = MinimumWageInput(2420, MINUTES)
    slip = compute_slip(1, [ins(100)], RATES, [], [Adjustment("bonus", 5000, "Rush", 9)], minimum)
    assert slip.minimum_wage_check is not None
    assert slip.minimum_wage_check.earnings_fen == 3550


def test_minimum_wage_check_needs_standard_minutes_of_each_order():
    with pytest.raises(PayError, match="Order 9 has no standard minutes"):
        minimum_wage_check(1, [PayLine(9, 100, 1, 0, 1)], MinimumWageInput(2420, MINUTES))


def test_minimum_wage_check_refuses_float_hours():
    with pytest.raises(TypeError, match="must be exact"):
        minimum_wage_check(1, [], MinimumWageInput(2420, {}, 1.5))  # type: ignore[arg-type]


def test_top_up_adjustment_fills_the_shortfall():
    minimum = MinimumWageInput(2420, MINUTES)
    check = compute_slip(1, [ins(100)], RATES, minimum_wage_input=minimum).minimum_wage_check
    assert check is not None
    top_up = top_up_adjustment(check, made_by=9)
    assert top_up.kind == "minimum_wage_top_up"
    assert top_up.amount_fen == 2500
    assert "2.50 h at ¥24.20/h requires ¥60.50; piece earnings ¥35.50" in top_up.reason
    slip = compute_slip(1, [ins(100)], RATES, adjustments=[top_up], minimum_wage_input=minimum)
    assert slip.total_fen == 6050
    assert slip.minimum_wage_check == check  # the check looks at piece earnings only


def test_top_up_without_shortfall_is_refused():
    check = minimum_wage_check(1, [], MinimumWageInput(2420, MINUTES))
    with pytest.raises(AdjustmentError, match="no top-up is due"):
        top_up_adjustment(check, 9)


def test_period_tops_up_automatically_once():
    minimum = MinimumWageInput(2420, MINUTES)
    rates = RATES | {8: [RatePeriod(date(2024, 1, 1), 1400)]}  # ¥0.14 for 1/3 minute: above the minimum
    inspections = [ins(100, worker=1), ins(1000, worker=2, order=8)]
    slips = compute_period(inspections, rates, minimum_wage_input=minimum, top_up_made_by="system")
    assert slips[1].total_fen == 6050
    assert [a.kind for a in slips[1].adjustments] == ["minimum_wage_top_up"]
    assert slips[2].adjustments == ()
    assert slips[2].minimum_wage_check.passed
    again = compute_slip(1, [ins(100)], RATES, [], slips[1].adjustments, minimum, top_up_made_by="system")
    assert again.total_fen == 6050
    # A top-up paid in this period for an earlier slip leaves this period's own shortfall to top up.
    earlier = Adjustment("minimum_wage_top_up", 700, "2024-05 top-up", 9, for_earlier_slip=True)
    both = compute_slip(1, [ins(100)], RATES, [], [earlier], minimum, top_up_made_by="system")
    assert [a.amount_fen for a in both.adjustments] == [700, 2500] and both.total_fen == 6050 + 700


def test_period_uses_reported_hours_per_worker():
    minimum = MinimumWageInput(2420, MINUTES)
    slips = compute_period(
        [ins(100, worker=1), ins(100, worker=2)],
        RATES,
        minimum_wage_input=minimum,
        reported_hours_by_worker={2: 1},
    )
    assert slips[1].minimum_wage_check.hours_source == "standard"
    assert slips[2].minimum_wage_check.hours_source == "reported"
    assert slips[2].minimum_wage_check.required_fen == 2420


# --- periods ------------------------------------------------------------------------------------


def test_half_month_periods():
    assert half_month_periods(date(2024, 1, 10), date(2024, 3, 1)) == [
        Period(date(2024, 1, 1), date(2024, 1, 15)),
        Period(date(2024, 1, 16), date(2024, 1, 31)),
        Period(date(2024, 2, 1), date(2024, 2, 15)),
        Period(date(2024, 2, 16), date(2024, 2, 29)),
        Period(date(2024, 3, 1), date(2024, 3, 15)),
    ]
    assert half_month_of(date(2023, 2, 20)) == Period(date(2023, 2, 16), date(2023, 2, 28))
    assert half_month_of(date(2023, 2, 20)).days == 13
    assert date(2023, 2, 28) in half_month_of(date(2023, 2, 20))
    with pytest.raises(ValueError, match="ends"):
        half_month_periods(date(2024, 2, 1), date(2024, 1, 1))


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 400))
def test_half_months_tile_the_calendar(start, length):
    periods = half_month_periods(start, start + timedelta(days=length))
    assert start in periods[0]
    assert start + timedelta(days=length) in periods[-1]
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)
    assert all(p.start.day in (1, 16) and p.days <= 16 for p in periods)


def test_validate_period():
    existing = [Period(date(2024, 5, 1), date(2024, 5, 15)), (date(2024, 5, 16), date(2024, 5, 31))]
    assert validate_period(date(2024, 6, 1), date(2024, 6, 15), existing) == []
    assert validate_period(date(2024, 6, 15), date(2024, 6, 1), existing) == [
        "The period ends (2024-06-01) before it starts (2024-06-15)."
    ]
    assert validate_period(date(2024, 5, 15), date(2024, 5, 16), existing) == [
        "The period overlaps the existing period 2024-05-01 to 2024-05-15.",
        "The period overlaps the existing period 2024-05-16 to 2024-05-31.",
    ]


# --- properties ---------------------------------------------------------------------------------

DAYS = [date(2024, 5, 1) + timedelta(days=n) for n in range(30)]
rate_units = st.integers(min_value=1, max_value=200_000)


@st.composite
def scenarios(draw):
    orders = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4, unique=True))
    rates = {}
    for order in orders:
        starts = draw(st.lists(st.sampled_from(DAYS[:20]), min_size=0, max_size=3, unique=True))
        rates[order] = [RatePeriod(date(2024, 1, 1), draw(rate_units))] + [
            RatePeriod(day, draw(rate_units)) for day in starts
        ]
    inspections = draw(
        st.lists(
            st.builds(
                Inspection,
                worker_id=st.just(1),
                order_id=st.sampled_from(orders),
                inspected_on=st.sampled_from(DAYS),
                accepted=st.integers(0, 500),
                rejected=st.integers(0, 20),
            ),
            max_size=30,
        )
    )
    prior = {
        (order, period.rate_units): draw(st.integers(0, 1000)) for order in orders for period in rates[order]
    }
    bonus = draw(st.integers(0, 10_000))
    adjustments = [Adjustment("bonus", bonus, "Rush", 9)] if bonus else []
    return rates, inspections, prior, adjustments


@settings(max_examples=200)
@given(scenarios())
def test_total_is_exactly_lines_plus_adjustments(scenario):
    rates, inspections, prior, adjustments = scenario
    slip = compute_slip(1, inspections, rates, prior, adjustments)
    assert slip.total_fen == sum(line.amount_fen for line in slip.lines) + sum(
        a.amount_fen for a in adjustments
    )


@settings(max_examples=200)
@given(scenarios(), st.sampled_from(DAYS))
def test_splitting_a_period_never_changes_the_total(scenario, split_day):
    rates, inspections, prior, adjustments = scenario
    whole = compute_slip(1, inspections, rates, prior, adjustments)
    first_half = [i for i in inspections if i.inspected_on < split_day]
    second_half = [i for i in inspections if i.inspected_on >= split_day]
    first = compute_slip(1, first_half, rates, prior, adjustments)
    prior_after = {
        (order, rate): pieces
        for (_, order, rate), pieces in paid_pieces_after(
            [first], {(1, o, r): p for (o, r), p in prior.items()}
        ).items()
    }
    second = compute_slip(1, second_half, rates, prior_after)
    assert first.total_fen + second.total_fen == whole.total_fen


@settings(max_examples=200)
@given(scenarios(), st.randoms(use_true_random=False))
def test_order_of_inspections_does_not_matter(scenario, random):
    rates, inspections, prior, adjustments = scenario
    shuffled = list(inspections)
    random.shuffle(shuffled)
    assert compute_slip(1, shuffled, rates, prior, adjustments) == compute_slip(
        1, inspections, rates, prior, adjustments
    )


@settings(max_examples=200)
@given(rate_units, st.lists(st.integers(0, 10_000), max_size=20), st.integers(0, 10_000))
def test_cumulative_lines_sum_to_one_rounding_of_the_whole(rate, batches, prior):
    paid = 0
    done = prior
    for pieces in batches:
        paid += line_amount_fen(rate, pieces, done)
        done += pieces
    exact = Fraction(sum(batches) * rate, 100)
    assert abs(paid - exact) <= 1  # never more than one fen from the exact amount over any run
    assert paid == line_amount_fen(rate, sum(batches), prior)


@settings(max_examples=100)
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.integers(1, 3), st.sampled_from(DAYS), st.integers(0, 50)),
        max_size=40,
    )
)
def test_period_slips_match_single_slips(rows):
    rates = {order: [RatePeriod(date(2024, 1, 1), 1234 * order)] for order in (1, 2, 3)}
    inspections = [Inspection(worker, order, day, accepted) for worker, order, day, accepted in rows]
    slips = compute_period(inspections, rates)
    for worker, slip in slips.items():
        assert slip == compute_slip(worker, [i for i in inspections if i.worker_id == worker], rates)
