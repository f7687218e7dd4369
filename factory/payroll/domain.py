"""Pay rules: from accepted pieces, piece rates and adjustments to a worker's pay slip.

Pure: plain data in, plain data out (dataclasses, and named tuples for the values a close makes by the
ten thousand); no Flask, no database. See docs/pay-rules.md.

Units
    Money is ``int`` fen; piece rates are ``int`` rate units (1/100 fen, see `factory.money`); hours and
    standard minutes are exact rationals (``Fraction``; ``int``, ``Decimal`` and decimal strings are
    accepted, ``float`` is refused).

Lines and rounding
    A slip has one line per (order, piece rate): the accepted pieces inspected in the period while that
    rate was in force. A line's amount is rounded once, half up, *cumulatively*::

        amount = round_half_up((prior + pieces) * rate / 100) - round_half_up(prior * rate / 100)

    where ``prior`` is the pieces of the same worker, order and rate already paid in earlier periods.
    The rounding remainder carries over to the next period, so splitting a period in two never changes
    what is paid, and the order of inspections never matters.

Adjustments
    ``amount_fen`` is the signed effect on the total: bonuses and minimum-wage top-ups are positive,
    deductions negative, corrections either sign. A slip's total is exactly its lines plus its adjustments.
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal, NamedTuple, get_args

from factory.money import RATE_UNITS_PER_FEN, format_fen, format_rate, round_half_up

WorkerId = int
OrderId = int
AdjustmentKind = Literal["bonus", "deduction", "correction", "minimum_wage_top_up"]
ADJUSTMENT_KINDS: tuple[str, ...] = get_args(AdjustmentKind)
ExactNumber = int | Decimal | Fraction | str

MESSAGES = {
    "period_end_before_start": "The period ends (%(end)s) before it starts (%(start)s).",
    "period_overlap": "The period overlaps the existing period %(start)s to %(end)s.",
}


class PayError(ValueError):
    """Pay cannot be computed from the data given."""


class NoRateInForce(PayError):
    """An inspection falls on a day for which its order has no piece rate."""


class AdjustmentError(PayError):
    """An adjustment is invalid, alone or together with the slip it belongs to."""


class PayPeriodError(PayError):
    """Several workers' slips could not be computed; `errors` maps worker id to message."""

    def __init__(self, errors: Mapping[WorkerId, str]) -> None:
        self.errors = dict(errors)
        lines = [f"worker {worker}: {message}" for worker, message in sorted(self.errors.items())]
        super().__init__("Pay could not be computed for every worker:\n" + "\n".join(lines))


def to_fraction(value: ExactNumber, what: str = "value") -> Fraction:
    """Convert an exact number (int, Decimal, Fraction or decimal string) to a Fraction; refuse floats."""
    if isinstance(value, bool | float):
        raise TypeError(f"{what} must be exact (int, Decimal, Fraction or text), not {type(value).__name__}")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"{what} is not a number: {value!r}") from exc


# --- data -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """A piece rate in force from `effective_from` until the next period of the same order."""

    effective_from: date
    rate_units: int

    def __post_init__(self) -> None:
        if self.rate_units <= 0:
            raise PayError(f"A piece rate must be positive, not {self.rate_units} rate units.")


class Inspection(NamedTuple):
    """Accepted and rejected pieces of one worker and order, counted on one day (or summed over days)."""

    worker_id: WorkerId
    order_id: OrderId
    inspected_on: date
    accepted: int
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A signed change to a slip's total, with the reason and who made it."""

    kind: AdjustmentKind
    amount_fen: int
    reason: str
    made_by: int | str
    corrects: int | str | None = None
    # A top-up (or other adjustment) paid now for an earlier, closed slip: it does not cover this period's
    # own minimum-wage shortfall.
    for_earlier_slip: bool = False

    @property
    def tops_up_this_period(self) -> bool:
        return self.kind == "minimum_wage_top_up" and not self.for_earlier_slip

    def __post_init__(self) -> None:
        if self.kind not in ADJUSTMENT_KINDS:
            raise AdjustmentError(
                f"Unknown adjustment kind {self.kind!r}; use one of {', '.join(ADJUSTMENT_KINDS)}."
            )
        if not isinstance(self.amount_fen, int) or isinstance(self.amount_fen, bool):
            raise AdjustmentError("An adjustment's amount must be a whole number of fen.")
        if not self.reason or not self.reason.strip():
            raise AdjustmentError("An adjustment needs a reason.")
        if self.made_by is None or self.made_by == "":
            raise AdjustmentError("An adjustment must record who made it.")
        if self.kind in ("bonus", "minimum_wage_top_up") and self.amount_fen <= 0:
            raise AdjustmentError(f"A {self.kind.replace('_', ' ')} must be a positive amount.")
        if self.kind == "deduction" and self.amount_fen >= 0:
            raise AdjustmentError("A deduction is entered as a negative amount.")
        if self.kind == "correction" and self.amount_fen == 0:
            raise AdjustmentError("A correction of zero changes nothing.")


class PayLine(NamedTuple):
    """Pay for the accepted pieces of one order at one piece rate.

    `prior_pieces` are the pieces of this worker, order and rate paid in earlier periods; they explain
    why `amount_fen` may differ by a fen from ``accepted_pieces * rate`` rounded alone.
    """

    order_id: OrderId
    rate_units: int
    accepted_pieces: int
    rejected_pieces: int
    amount_fen: int
    prior_pieces: int = 0


@dataclass(frozen=True, slots=True)
class MinimumWageInput:
    """What the minimum-wage check needs: the hourly minimum and either reported hours or standard minutes."""

    hourly_minimum_fen: int
    standard_minutes_by_order: Mapping[OrderId, ExactNumber] = field(default_factory=dict)
    reported_hours: ExactNumber | None = None


class MinimumWageCheck(NamedTuple):
    """Whether a worker's piece earnings in a period reach the minimum wage for the hours worked.

    The hours are exact: ``hours_numerator / hours_denominator`` in lowest terms (see `hours`).
    """

    worker_id: WorkerId
    hourly_minimum_fen: int
    hours_numerator: int
    hours_denominator: int
    hours_source: Literal["reported", "standard"]
    earnings_fen: int
    required_fen: int
    shortfall_fen: int
    earnings_per_hour_fen: int | None

    @property
    def hours(self) -> Fraction:
        return Fraction(self.hours_numerator, self.hours_denominator)

    @property
    def passed(self) -> bool:
        return self.shortfall_fen == 0

    @property
    def hours_text(self) -> str:
        """Hours rounded half up to two decimals, for display."""
        hundredths = round_half_up(self.hours_numerator * 100, self.hours_denominator)
        return f"{hundredths // 100}.{hundredths % 100:02d}"


class Slip(NamedTuple):
    """One worker's pay for one period."""

    worker_id: WorkerId
    lines: tuple[PayLine, ...]
    adjustments: tuple[Adjustment, ...]
    total_fen: int
    minimum_wage_check: MinimumWageCheck | None = None

    @property
    def lines_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def adjustments_fen(self) -> int:
        return sum(adjustment.amount_fen for adjustment in self.adjustments)


# --- rates ------------------------------------------------------------------------------------------


class _RateTable:
    """An order's rate periods sorted by date, for fast look-up by day."""

    __slots__ = ("order_id", "starts", "rates")

    def __init__(self, order_id: OrderId, periods: Iterable[RatePeriod]) -> None:
        ordered = sorted(periods, key=lambda period: period.effective_from)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier.effective_from == later.effective_from and earlier.rate_units != later.rate_units:
                raise PayError(
                    f"Order {order_id} has two different piece rates from {later.effective_from.isoformat()}."
                )
        self.order_id = order_id
        self.starts = [period.effective_from for period in ordered]
        self.rates = [period.rate_units for period in ordered]

    def rate_on(self, day: date) -> int:
        index = bisect_right(self.starts, day) - 1
        if index < 0:
            if not self.starts:
                raise NoRateInForce(f"Order {self.order_id} has no piece rate.")
            raise NoRateInForce(
                f"Order {self.order_id} has no piece rate in force on {day.isoformat()}; "
                f"its first rate starts on {self.starts[0].isoformat()}."
            )
        return self.rates[index]


def rate_in_force(order_id: OrderId, periods: Sequence[RatePeriod], day: date) -> int:
    """Return the rate units of the latest period that starts on or before `day`."""
    return _RateTable(order_id, periods).rate_on(day)


# --- lines ------------------------------------------------------------------------------------------


def line_amount_fen(rate_units: int, pieces: int, prior_pieces: int = 0) -> int:
    """Return the fen for `pieces` at `rate_units` after `prior_pieces` already paid (cumulative rounding)."""
    after = round_half_up((prior_pieces + pieces) * rate_units, RATE_UNITS_PER_FEN)
    if not prior_pieces:
        return after
    return after - round_half_up(prior_pieces * rate_units, RATE_UNITS_PER_FEN)


_Counts = list[int]  # [accepted, rejected]
TopUpReason = Callable[[MinimumWageCheck], str]


def _aggregate(
    inspections: Iterable[Inspection], rates_by_order: Mapping[OrderId, Sequence[RatePeriod]]
) -> dict[WorkerId, dict[tuple[OrderId, int], _Counts]]:
    """Sum accepted and rejected pieces per worker and (order, rate in force on the inspection day).

    One pass; the rate is looked up once per (order, day). This loop is the hot path of closing a period.
    """
    tables: dict[OrderId, _RateTable] = {}
    rate_cache: dict[tuple[OrderId, date], int] = {}
    by_worker: dict[WorkerId, dict[tuple[OrderId, int], _Counts]] = {}
    for worker_id, order_id, day, accepted, rejected in inspections:
        if accepted < 0 or rejected < 0:
            raise PayError(
                f"Inspection of order {order_id} for worker {worker_id} on "
                f"{day.isoformat()} has a negative count; correct it with an adjustment."
            )
        rate_key = (order_id, day)
        rate = rate_cache.get(rate_key)
        if rate is None:
            table = tables.get(order_id)
            if table is None:
                if order_id not in rates_by_order:
                    raise NoRateInForce(f"Order {order_id} has no piece rate.")
                table = tables[order_id] = _RateTable(order_id, rates_by_order[order_id])
            rate = rate_cache[rate_key] = table.rate_on(day)
        worker_lines = by_worker.get(worker_id)
        if worker_lines is None:
            by_worker[worker_id] = {(order_id, rate): [accepted, rejected]}
            continue
        line_key = (order_id, rate)
        counts = worker_lines.get(line_key)
        if counts is None:
            worker_lines[line_key] = [accepted, rejected]
        else:
            counts[0] += accepted
            counts[1] += rejected
    return by_worker


def _lines(
    counts_by_line: Mapping[tuple[OrderId, int], _Counts],
    prior_paid_pieces: Mapping[tuple[OrderId, int], int],
) -> tuple[PayLine, ...]:
    if len(counts_by_line) == 1 and not prior_paid_pieces:  # the common case: one order, nothing paid yet
        [((order_id, rate), (accepted, rejected))] = counts_by_line.items()
        return (PayLine(order_id, rate, accepted, rejected, line_amount_fen(rate, accepted), 0),)
    lines = []
    for (order_id, rate), (accepted, rejected) in sorted(counts_by_line.items()):
        prior = prior_paid_pieces.get((order_id, rate), 0)
        if prior < 0:
            raise PayError(f"Pieces already paid for order {order_id} cannot be negative.")
        lines.append(
            PayLine(order_id, rate, accepted, rejected, line_amount_fen(rate, accepted, prior), prior)
        )
    return tuple(lines)


# --- minimum wage -----------------------------------------------------------------------------------


class _MinutesTable:
    """Standard minutes per order over one common denominator, so a worker's minutes add up as integers."""

    def __init__(self, minutes_by_order: Mapping[OrderId, ExactNumber]) -> None:
        exact = {
            order: to_fraction(minutes, "standard minutes") for order, minutes in minutes_by_order.items()
        }
        self.invalid = {order for order, minutes in exact.items() if minutes <= 0}
        self.denominator = math.lcm(*(minutes.denominator for minutes in exact.values()))
        self.numerators = {
            order: minutes.numerator * (self.denominator // minutes.denominator)
            for order, minutes in exact.items()
            if minutes > 0
        }

    def hours(self, lines: Iterable[PayLine]) -> Fraction:
        minutes, per_hour = self.hours_parts(lines)
        return Fraction(minutes, per_hour)

    def hours_parts(self, lines: Iterable[PayLine]) -> tuple[int, int]:
        """The hours as an unreduced (numerator, denominator) pair of integers."""
        total = 0
        numerators = self.numerators
        for line in lines:
            pieces = line.accepted_pieces
            if not pieces:
                continue
            numerator = numerators.get(line.order_id)
            if numerator is None:
                if line.order_id in self.invalid:
                    raise PayError(f"Order {line.order_id}'s standard minutes per piece must be positive.")
                raise PayError(f"Order {line.order_id} has no standard minutes per piece.")
            total += pieces * numerator
        return total, self.denominator * 60


def minimum_wage_check(
    worker_id: WorkerId, lines: Sequence[PayLine], minimum: MinimumWageInput
) -> MinimumWageCheck:
    """Compare a worker's piece earnings (lines only, no adjustments) with the minimum wage for the hours.

    Hours are the reported hours when given, else the accepted pieces times the standard minutes.
    """
    return _minimum_wage_check(
        worker_id,
        lines,
        minimum.hourly_minimum_fen,
        minimum.reported_hours,
        _MinutesTable(minimum.standard_minutes_by_order) if minimum.reported_hours is None else None,
    )


def _minimum_wage_check(
    worker_id: WorkerId,
    lines: Sequence[PayLine],
    hourly_minimum_fen: int,
    reported_hours: ExactNumber | None,
    table: _MinutesTable | None,
) -> MinimumWageCheck:
    if hourly_minimum_fen <= 0:
        raise PayError("The hourly minimum wage must be positive.")
    earnings = 0
    for line in lines:
        earnings += line.amount_fen
    source: Literal["reported", "standard"]
    # Hours as an exact ratio of integers; rounding the exact products of integers is the same whether or
    # not the ratio is reduced, so it is reduced once, for the result.
    if reported_hours is not None:
        reported = to_fraction(reported_hours, "reported hours")
        if reported < 0:
            raise PayError("Reported hours cannot be negative.")
        hours_num, hours_den = reported.numerator, reported.denominator
        source = "reported"
    else:
        if table is None:
            raise PayError("The standard minutes per piece are needed when no hours are reported.")
        hours_num, hours_den = table.hours_parts(lines)
        source = "standard"
    required = round_half_up(hourly_minimum_fen * hours_num, hours_den)
    per_hour = round_half_up(earnings * hours_den, hours_num) if hours_num else None
    common = math.gcd(hours_num, hours_den)
    return MinimumWageCheck(
        worker_id,
        hourly_minimum_fen,
        hours_num // common,
        hours_den // common,
        source,
        earnings,
        required,
        required - earnings if required > earnings else 0,
        per_hour,
    )


def top_up_reason(check: MinimumWageCheck) -> str:
    """The reason of a minimum-wage top-up, with the figures of the check."""
    return (
        f"Minimum wage top-up: {check.hours_text} h at {format_fen(check.hourly_minimum_fen)}/h "
        f"requires {format_fen(check.required_fen)}; piece earnings {format_fen(check.earnings_fen)}."
    )


def top_up_adjustment(
    check: MinimumWageCheck, made_by: int | str, reason: TopUpReason = top_up_reason
) -> Adjustment:
    """Return the adjustment that raises a slip to the minimum wage; refuse when there is no shortfall.

    `reason` words the figures (the default in English; the application passes its translated wording).
    """
    if check.shortfall_fen <= 0:
        raise AdjustmentError("Earnings already reach the minimum wage; no top-up is due.")
    return Adjustment("minimum_wage_top_up", check.shortfall_fen, reason(check), made_by)


# --- slips ------------------------------------------------------------------------------------------


def _build_slip(
    worker_id: WorkerId,
    lines: tuple[PayLine, ...],
    adjustments: Sequence[Adjustment],
    check: MinimumWageCheck | None,
    top_up_made_by: int | str | None,
    reason: TopUpReason = top_up_reason,
) -> Slip:
    lines_fen = 0
    for line in lines:
        lines_fen += line.amount_fen
    if not adjustments:  # the common case: nothing to add up but a possible top-up
        if check is not None and top_up_made_by is not None and check.shortfall_fen > 0:
            top_up = top_up_adjustment(check, top_up_made_by, reason)
            return Slip(worker_id, lines, (top_up,), lines_fen + top_up.amount_fen, check)
        return Slip(worker_id, lines, (), lines_fen, check)
    all_adjustments = list(adjustments)
    deductions = 0  # positive: what the deductions take off
    others = 0
    topped_up = False
    for adjustment in all_adjustments:
        if not isinstance(adjustment, Adjustment):
            raise AdjustmentError(f"Not an adjustment: {adjustment!r}")
        if adjustment.kind == "deduction":
            deductions -= adjustment.amount_fen
        else:
            others += adjustment.amount_fen
            topped_up = topped_up or adjustment.tops_up_this_period
    if check is not None and top_up_made_by is not None and check.shortfall_fen > 0 and not topped_up:
        top_up = top_up_adjustment(check, top_up_made_by, reason)
        all_adjustments.append(top_up)
        others += top_up.amount_fen
    gross = lines_fen + others
    if deductions and deductions > gross:
        raise AdjustmentError(
            f"Deductions of {format_fen(deductions)} are larger than the slip's gross pay of {format_fen(gross)}."
        )
    total = gross - deductions
    if total < 0:
        raise AdjustmentError(
            f"The slip's total would be {format_fen(total)}; a slip cannot be negative, "
            "so carry the rest of the correction to a later period."
        )
    return Slip(worker_id, lines, tuple(all_adjustments), total, check)


def compute_slip(
    worker_id: WorkerId,
    inspections: Iterable[Inspection],
    rates_by_order: Mapping[OrderId, Sequence[RatePeriod]],
    prior_paid_pieces: Mapping[tuple[OrderId, int], int] | None = None,
    adjustments: Sequence[Adjustment] = (),
    minimum_wage_input: MinimumWageInput | None = None,
    *,
    top_up_made_by: int | str | None = None,
) -> Slip:
    """Compute one worker's slip for a period.

    `prior_paid_pieces` maps (order id, rate units) to the pieces of this worker already paid at that
    rate in earlier periods. With `top_up_made_by`, a shortfall against the minimum wage is topped up
    automatically (unless the adjustments already hold a top-up).
    """
    inspections = list(inspections)
    for inspection in inspections:
        if inspection.worker_id != worker_id:
            raise PayError(
                f"An inspection for worker {inspection.worker_id} was passed for worker {worker_id}'s slip."
            )
    counts = _aggregate(inspections, rates_by_order).get(worker_id, {})
    lines = _lines(counts, prior_paid_pieces or {})
    check = minimum_wage_check(worker_id, lines, minimum_wage_input) if minimum_wage_input else None
    return _build_slip(worker_id, lines, adjustments, check, top_up_made_by)


def compute_period(
    inspections: Iterable[Inspection],
    rates_by_order: Mapping[OrderId, Sequence[RatePeriod]],
    prior_paid_pieces: Mapping[tuple[WorkerId, OrderId, int], int] | None = None,
    adjustments_by_worker: Mapping[WorkerId, Sequence[Adjustment]] | None = None,
    minimum_wage_input: MinimumWageInput | None = None,
    *,
    reported_hours_by_worker: Mapping[WorkerId, ExactNumber] | None = None,
    top_up_made_by: int | str | None = None,
    top_up_reason: TopUpReason = top_up_reason,
) -> dict[WorkerId, Slip]:
    """Compute every worker's slip for a period, keyed by worker id.

    Inspections are summed into lines first, then each line is priced once. A worker with only
    adjustments still gets a slip. Problems with single workers' adjustments are collected and raised
    together as `PayPeriodError`. `top_up_reason` words the reason of the top-ups the rules add.
    """
    by_worker = _aggregate(inspections, rates_by_order)
    prior_by_worker: dict[WorkerId, dict[tuple[OrderId, int], int]] = {}
    for (worker_id, order_id, rate), pieces in (prior_paid_pieces or {}).items():
        prior_by_worker.setdefault(worker_id, {})[(order_id, rate)] = pieces
    adjustments_by_worker = adjustments_by_worker or {}
    reported = reported_hours_by_worker or {}
    hourly = minimum_wage_input.hourly_minimum_fen if minimum_wage_input is not None else 0
    default_hours = minimum_wage_input.reported_hours if minimum_wage_input is not None else None
    table = _MinutesTable(minimum_wage_input.standard_minutes_by_order) if minimum_wage_input else None
    no_lines: dict[tuple[OrderId, int], _Counts] = {}
    no_prior: dict[tuple[OrderId, int], int] = {}

    slips: dict[WorkerId, Slip] = {}
    errors: dict[WorkerId, str] = {}
    for worker_id in sorted(by_worker.keys() | adjustments_by_worker.keys()):
        try:
            lines = _lines(by_worker.get(worker_id, no_lines), prior_by_worker.get(worker_id, no_prior))
            check = (
                _minimum_wage_check(worker_id, lines, hourly, reported.get(worker_id, default_hours), table)
                if minimum_wage_input is not None
                else None
            )
            slips[worker_id] = _build_slip(
                worker_id,
                lines,
                adjustments_by_worker.get(worker_id, ()),
                check,
                top_up_made_by,
                top_up_reason,
            )
        except PayError as exc:
            errors[worker_id] = str(exc)
    if errors:
        raise PayPeriodError(errors)
    return slips


def paid_pieces_after(
    slips: Iterable[Slip], prior_paid_pieces: Mapping[tuple[WorkerId, OrderId, int], int] | None = None
) -> dict[tuple[WorkerId, OrderId, int], int]:
    """Return the pieces paid per (worker, order, rate) after these slips, the next period's input."""
    paid = dict(prior_paid_pieces or {})
    for slip in slips:
        for line in slip.lines:
            key = (slip.worker_id, line.order_id, line.rate_units)
            paid[key] = paid.get(key, 0) + line.accepted_pieces
    return paid


def describe_line(line: PayLine) -> str:
    """One line of a slip in words, e.g. for a plain-text slip or a log."""
    return (
        f"order {line.order_id}: {line.accepted_pieces} pieces x {format_rate(line.rate_units)} "
        f"= {format_fen(line.amount_fen)}"
    )


# --- pay periods ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A span of days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def half_month_of(day: date) -> Period:
    """Return the half-month (1st-15th or 16th-end of month) that holds `day`."""
    if day.day <= 15:
        return Period(day.replace(day=1), day.replace(day=15))
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=16), day.replace(day=last))


def half_month_periods(start: date, end: date) -> list[Period]:
    """Return the whole half-months that overlap `start`..`end`, in order."""
    if end < start:
        raise ValueError(MESSAGES["period_end_before_start"] % {"start": start, "end": end})
    periods = []
    day = start
    while day <= end:
        period = half_month_of(day)
        periods.append(period)
        day = period.end + timedelta(days=1)
    return periods


def validate_period(start: date, end: date, existing: Iterable[Period | tuple[date, date]]) -> list[str]:
    """Return what is wrong with a new pay period (empty when it is fine)."""
    if end < start:
        return [MESSAGES["period_end_before_start"] % {"start": start.isoformat(), "end": end.isoformat()}]
    problems = []
    for other in sorted(Period(*other) if isinstance(other, tuple) else other for other in existing):
        if other.start <= end and start <= other.end:
            problems.append(
                MESSAGES["period_overlap"] % {"start": other.start.isoformat(), "end": other.end.isoformat()}
            )
    return problems
