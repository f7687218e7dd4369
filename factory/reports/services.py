"""The employment figures, computed in one place from the records pay and production keep.

Every figure is a set-based query (GROUP BY and window functions), the same on SQLite and PostgreSQL;
nothing is counted per worker in Python. The definitions are written down in docs/figures.md and on the
page; in short:

* **Earnings** of a worker in a span are the pay of accepted pieces (pay lines, before adjustments):
  for days inside a *closed* pay period, the frozen slip's `lines_fen`, counted in the span that holds
  the period's last day; for other days, the accepted pieces of each (order, rate in force) priced with
  payroll's rule, ``round_half_up(pieces * rate / 100)`` per line.
* **Hours worked** follow payroll's minimum-wage rule: the slip's frozen hours for closed periods;
  otherwise the accepted pieces at the task's reported pace (reported minutes / reported pieces) where
  the worker gave minutes, else at the order's standard minutes.
* **Residents who earned anything**: workers with accepted pieces in the span.
* **Medians** are taken over those workers; an even count averages the two middle values, half up.

Rows are attributed to the station where the work was done (the task's, or the slip's station).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)

from factory.accounts.models import Enterprise, Role, Station, User
from factory.extensions import db
from factory.money import round_half_up
from factory.orders.models import Acceptance, Delivery, Order
from factory.orders.services import local_today
from factory.payroll.models import OrderRate, PayPeriod, PaySlip
from factory.production.models import DEAD, Inspection, Report, Task, TaskDay
from factory.reference.models import District
from factory.reports import domain, stored
from factory.reports.domain import Figures, Span
from factory.types import local_day_start, utcnow
from factory.workers.models import WeeklyHours, WorkerProfile

# Orders that count for on-time delivery: posted and taken on, not drafts and not cancelled.
DUE_STATUSES = ("posted", "accepted", "in_production", "delivered", "closed")
# Up to this many months to compute, each is computed on its own; more, all in one statement per figure.
FEW_MONTHS = 3
# Minutes are rounded to a millionth before the exact per-hour arithmetic (they are sums of doubles).
MINUTE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Scope:
    """Which records a report covers: a span of days, optionally one district, station or enterprise."""

    span: Span
    district_id: int | None = None
    station_id: int | None = None
    enterprise_id: int | None = None

    def with_span(self, span: Span) -> Scope:
        return Scope(span, self.district_id, self.station_id, self.enterprise_id)


# --------------------------------------------------------------------------- building blocks


def _analytic_session() -> None:
    """On PostgreSQL, settings for the few large statements of a report, for this transaction only.

    JIT compilation of these statements cost more than it saved (about 1.9 s of a 2.8 s trend), and the
    per-worker rows of a year are sorted and hashed in memory instead of spilling to disk.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(func.set_config("jit", "off", True), func.set_config("work_mem", "32MB", True))
        )


def _station_filter(scope: Scope, station_col: Any) -> list[Any]:
    """Conditions that keep the rows of the scope's station or district."""
    conds: list[Any] = []
    if scope.station_id is not None:
        conds.append(station_col == scope.station_id)
    if scope.district_id is not None:
        conds.append(
            station_col.in_(
                select(Station.id).where(Station.district_id == scope.district_id).scalar_subquery()
            )
        )
    return conds


def _month_of(day_col: Any) -> Any:
    return cast(extract("year", day_col) * 12 + extract("month", day_col) - 1, Integer)


def _rate_bounds() -> Any:
    """Each recorded piece rate with the day the next one starts (payroll's window over the rate table)."""
    nxt = func.lead(OrderRate.effective_from).over(
        partition_by=OrderRate.order_id, order_by=OrderRate.effective_from
    )
    return select(
        OrderRate.order_id, OrderRate.effective_from, OrderRate.rate_units, nxt.label("until")
    ).subquery("rate_bounds")


def _closed_periods(start: date, end: date, scope: Scope) -> Any:
    """The closed pay periods that overlap start..end (their days are paid on frozen slips)."""
    return (
        select(PayPeriod.id, PayPeriod.station_id, PayPeriod.start, PayPeriod.end)
        .where(PayPeriod.status == "closed", PayPeriod.end >= start, PayPeriod.start <= end)
        .where(*_station_filter(scope, PayPeriod.station_id))
        .subquery("closed")
    )


def _timed(start: date, end: date) -> Any:
    """Per task inspected in start..end: the minutes and pieces of its reports that carry a time
    (payroll's reported pace)."""
    inspected = select(Inspection.task_id).where(
        Inspection.inspected_on >= start, Inspection.inspected_on <= end
    )
    return (
        select(
            Report.task_id.label("task_id"),
            func.sum(Report.minutes).label("minutes"),
            func.sum(Report.pieces).label("pieces"),
        )
        .where(Report.minutes.is_not(None), Report.task_id.in_(inspected))
        .group_by(Report.task_id)
        .subquery("timed")
    )


def _open_from(start: date, end: date, scope: Scope) -> date:
    """The first day of start..end that some station of the scope has outside its closed pay periods.

    Every inspection before that day lies in a closed period, whose pay is on frozen slips, so the
    inspections are read from this day on only (an index range on the day, not the whole span).
    """
    stations = set(db.session.scalars(select(Station.id).where(*_station_filter(scope, Station.id))))
    closed = db.session.execute(
        select(PayPeriod.station_id, PayPeriod.start, PayPeriod.end)
        .where(PayPeriod.status == "closed", PayPeriod.end >= start, PayPeriod.start <= end)
        .where(*_station_filter(scope, PayPeriod.station_id))
        .order_by(PayPeriod.station_id, PayPeriod.start)
    )
    reached: dict[int, date] = {}
    for station_id, first, last in closed:
        day = reached.get(station_id, start)
        if first <= day <= last:
            reached[station_id] = last + timedelta(days=1)
    return min((reached.get(sid, start) for sid in stations), default=start)


def _open_inspections(stmt: Any, start: date, end: date, scope: Scope) -> Any:
    """`stmt` (over inspections joined to their tasks) kept to the scope's inspections of start..end that lie
    outside the closed pay periods. Days of a closed period are on its slips: an anti-join by range, not a
    probe per row."""
    closed = _closed_periods(start, end, scope)
    return (
        stmt.outerjoin(
            closed,
            and_(
                closed.c.station_id == Task.station_id,
                closed.c.start <= Inspection.inspected_on,
                closed.c.end >= Inspection.inspected_on,
            ),
        )
        .where(Inspection.inspected_on >= start, Inspection.inspected_on <= end, closed.c.id.is_(None))
        .where(*_station_filter(scope, Task.station_id))
    )


def _units(start: date, end: date, scope: Scope, by: str | None) -> Any:
    """Pay units in the days start..end: frozen slips of closed periods plus priced open inspections.

    Columns: grp (0, the station or the month, as `by` says), worker_id, fen, accepted, rejected,
    minutes (double).
    """
    periods = (
        select(PayPeriod.id, PayPeriod.end, _month_of(PayPeriod.end).label("month"))
        .where(PayPeriod.status == "closed", PayPeriod.end >= start, PayPeriod.end <= end)
        .subquery("periods")
    )
    slip_group: Any = literal(0)
    if by == "station":
        slip_group = PaySlip.station_id
    elif by == "month":
        slip_group = periods.c.month
    slips = (
        select(
            slip_group.label("grp"),
            PaySlip.worker_id.label("worker_id"),
            PaySlip.lines_fen.label("fen"),
            PaySlip.accepted_pieces.label("accepted"),
            # first-pass quality: the slip's pieces rejected for good and those sent back for rework
            (PaySlip.rejected_pieces + PaySlip.rework_pieces).label("rejected"),
            (cast(PaySlip.hours_numerator, Float) * 60 / PaySlip.hours_denominator).label("minutes"),
        )
        .join(periods, periods.c.id == PaySlip.period_id)
        .where(*_station_filter(scope, PaySlip.station_id))
    )

    first_open = _open_from(start, end, scope)
    bounds = _rate_bounds()
    timed = _timed(first_open, end)
    rate = func.coalesce(bounds.c.rate_units, Order.piece_rate_units)
    pace = func.coalesce(cast(timed.c.minutes, Float) / timed.c.pieces, cast(Order.standard_minutes, Float))
    priced: Any = (
        select(
            Task.worker_id.label("worker_id"),
            Task.station_id.label("station_id"),
            _month_of(Inspection.inspected_on).label("month"),
            Task.order_id.label("order_id"),
            rate.label("rate"),
            Inspection.accepted.label("accepted"),
            Inspection.rejected.label("rejected"),
            (Inspection.accepted * pace).label("minutes"),
        )
        .select_from(Inspection)
        .join(Task, Task.id == Inspection.task_id)
        .join(Order, Order.id == Task.order_id)
        .outerjoin(
            bounds,
            and_(
                bounds.c.order_id == Task.order_id,
                bounds.c.effective_from <= Inspection.inspected_on,
                or_(bounds.c.until.is_(None), bounds.c.until > Inspection.inspected_on),
            ),
        )
        .outerjoin(timed, timed.c.task_id == Task.id)
    )
    priced = _open_inspections(priced, first_open, end, scope).subquery("priced")
    line_group: Any = literal(0)
    if by == "station":
        line_group = priced.c.station_id
    elif by == "month":
        line_group = priced.c.month
    # One pay line per (worker, station, month, order, rate), rounded once, half up, as payroll does.
    pieces = func.sum(priced.c.accepted)
    lines = select(
        line_group.label("grp"),
        priced.c.worker_id,
        ((2 * pieces * priced.c.rate + 100) // 200).label("fen"),
        pieces.label("accepted"),
        func.sum(priced.c.rejected).label("rejected"),
        func.sum(priced.c.minutes).label("minutes"),
    ).group_by(priced.c.worker_id, priced.c.station_id, priced.c.month, priced.c.order_id, priced.c.rate)
    return union_all(slips, lines).subquery("units")


def _people(scope: Scope, by: str | None, start: date, end: date) -> Any:
    """Per worker (and group): fen, accepted, rejected and minutes in start..end."""
    units = _units(start, end, scope, by)
    stmt = select(
        units.c.grp,
        units.c.worker_id,
        func.sum(units.c.fen).label("fen"),
        func.sum(units.c.accepted).label("accepted"),
        func.sum(units.c.rejected).label("rejected"),
        func.sum(units.c.minutes).label("minutes"),
    ).group_by(units.c.grp, units.c.worker_id)
    return stmt.subquery("people")


# --------------------------------------------------------------------------- figures


def _span_of(scope: Scope, by: str | None, months: Sequence[Span] | None) -> tuple[date, date]:
    if by == "month" and months:
        return months[0].start, months[-1].end
    return scope.span.start, scope.span.end


def compute(scope: Scope, by: str | None = None, months: Sequence[Span] | None = None) -> dict[Any, Figures]:
    """The figures of the scope, for the whole scope (`by=None`, key 0), per station or per month."""
    _analytic_session()
    start, end = _span_of(scope, by, months)
    out: dict[Any, Figures] = defaultdict(Figures)
    _work(scope, by, start, end, out)
    _due(scope, by, start, end, months, out)
    if by != "month":
        _offered_without_work(scope, by, out)
    return dict(out)


def _work(scope: Scope, by: str | None, start: date, end: date, out: dict[Any, Figures]) -> None:
    """The figures of the work done: people, pay, pieces, orders served."""
    _totals(_people(scope, by, start, end), by, start, end, out)
    _orders(scope, by, start, end, out)


def _months_with_open_work(scope: Scope, start: date, end: date) -> set[int]:
    """The months of start..end with an inspection (in the scope) outside the closed pay periods."""
    stmt = (
        select(_month_of(Inspection.inspected_on))
        .distinct()
        .select_from(Inspection)
        .join(Task, Task.id == Inspection.task_id)
    )
    return {int(m) for m in db.session.scalars(_open_inspections(stmt, start, end, scope))}


def by_month(scope: Scope, months: Sequence[Span]) -> dict[int, Figures]:
    """The figures of each month, by month index: past months from the store while still valid
    (factory/reports/stored.py), the others computed and stored when they can be."""
    _analytic_session()
    out: dict[Any, Figures] = defaultdict(Figures)
    key = stored.scope_key(scope.station_id, scope.district_id, scope.enterprise_id)
    store = stored.MonthStore(key, months) if key is not None else None
    started = utcnow()
    if store is not None:
        out.update(store.load(started))
    missing = [m for m in months if domain.month_index(m.start) not in out]
    if len(missing) <= FEW_MONTHS:  # a few months: each on its own, with the one-span plan
        for m in missing:
            single: dict[Any, Figures] = defaultdict(Figures)
            _work(scope.with_span(m), None, m.start, m.end, single)
            if 0 in single:
                out[domain.month_index(m.start)] = single[0]
    else:
        computed: dict[Any, Figures] = defaultdict(Figures)
        _work(scope, "month", missing[0].start, missing[-1].end, computed)
        wanted = {domain.month_index(m.start) for m in missing}
        out.update({k: v for k, v in computed.items() if k in wanted})
    for m in missing:  # a month without work has figures too: all zero
        out.setdefault(domain.month_index(m.start), Figures())
    if store is not None and missing:
        past = [m for m in missing if m.end < local_today()]
        if past:
            open_months = _months_with_open_work(scope, past[0].start, past[-1].end)
            store.save(out, stored.storable(past, open_months, local_today()), started)
    _due(scope, "month", months[0].start, months[-1].end, months, out)
    return dict(out)


def _minutes(value: Any) -> Fraction:
    if value is None:
        return Fraction(0)
    return Fraction(Decimal(str(value)).quantize(MINUTE_PLACES))


def _first_paid(end: date) -> Any:
    """Per worker who had accepted pieces by `end`: the month of the first day they did."""
    return (
        select(Task.worker_id.label("worker_id"), _month_of(func.min(Inspection.inspected_on)).label("first"))
        .join(Inspection, Inspection.task_id == Task.id)
        .where(Inspection.accepted > 0, Inspection.inspected_on <= end)
        .group_by(Task.worker_id)
        .subquery("first_paid")
    )


def _totals(people: Any, by: str | None, start: date, end: date, out: dict[Any, Figures]) -> None:
    """Every per-worker figure of each group in one statement, one pass over `people`.

    Earners, hard to employ (by category), first-time earners, earnings, pieces, minutes, and the middle
    rows of the two medians: windows rank the earners of a group by earnings and by earnings per hour;
    the lower and upper middle row (the same row for an odd count) are carried out of the aggregate.

    First-time: the worker had no accepted piece anywhere before the group began (the span's first day;
    per month, that month's first day), read from each worker's first paid day.
    """
    earner = people.c.accepted > 0
    timed = and_(earner, people.c.minutes > 0)
    per_hour = case((timed, cast(people.c.fen, Float) * 60 / people.c.minutes))
    ranked = select(
        people,
        earner.label("earner"),
        timed.label("timed"),
        func.row_number().over(partition_by=(people.c.grp, earner), order_by=people.c.fen).label("rn"),
        func.count().over(partition_by=(people.c.grp, earner)).label("n"),
        func.row_number().over(partition_by=(people.c.grp, timed), order_by=per_hour).label("rn_h"),
        func.count().over(partition_by=(people.c.grp, timed)).label("n_h"),
    ).subquery("ranked")
    r = ranked.c
    if by == "month":
        # Per month: each worker's first paid day, one MIN over paid inspections up to the last month.
        first = _first_paid(end)
        new = or_(first.c.first.is_(None), first.c.first >= r.grp)
    else:
        # One span: a probe per earner for a paid inspection before it (stops at the first one found).
        new = ~exists().where(
            Task.worker_id == r.worker_id,
            Inspection.task_id == Task.id,
            Inspection.accepted > 0,
            Inspection.inspected_on < start,
        )
    is_earner = r.earner.is_(True)
    is_timed = r.timed.is_(True)
    lo = and_(is_earner, r.rn * 2 >= r.n, r.rn * 2 <= r.n + 1)
    hi = and_(is_earner, r.rn * 2 >= r.n + 1, r.rn * 2 <= r.n + 2)
    lo_h = and_(is_timed, r.rn_h * 2 >= r.n_h, r.rn_h * 2 <= r.n_h + 1)
    hi_h = and_(is_timed, r.rn_h * 2 >= r.n_h + 1, r.rn_h * 2 <= r.n_h + 2)
    stmt = (
        select(
            r.grp,
            WorkerProfile.hard_to_employ,
            WorkerProfile.hardship_category,
            func.count(case((is_earner, 1))),
            func.sum(case((is_earner, r.fen), else_=0)),
            func.sum(r.accepted),
            func.sum(r.rejected),
            func.sum(case((is_earner, r.minutes))),
            func.count(case((and_(is_earner, new), 1))),
            func.max(case((lo, r.fen))),
            func.max(case((hi, r.fen))),
            func.max(case((lo_h, r.fen))),
            func.max(case((lo_h, r.minutes))),
            func.max(case((hi_h, r.fen))),
            func.max(case((hi_h, r.minutes))),
        )
        .select_from(ranked)
        .outerjoin(WorkerProfile, WorkerProfile.user_id == r.worker_id)
        .group_by(r.grp, WorkerProfile.hard_to_employ, WorkerProfile.hardship_category)
    )
    if by == "month":
        stmt = stmt.outerjoin(first, first.c.worker_id == r.worker_id)
    rows = db.session.execute(stmt)
    minutes: dict[Any, float] = defaultdict(float)
    middle: dict[Any, dict[str, Any]] = defaultdict(dict)
    for grp, hard, category, earners, fen, accepted, rejected, mins, first_time, *mid in rows:
        f = out[grp]
        f.earners += int(earners)
        f.total_fen += int(fen or 0)
        f.accepted += int(accepted or 0)
        f.rejected += int(rejected or 0)
        f.first_time += int(first_time)
        minutes[grp] += float(mins or 0)
        if hard and earners:
            f.hard_to_employ += int(earners)
            key = category or "other"
            f.hard_by_category[key] = f.hard_by_category.get(key, 0) + int(earners)
        for name, value in zip(("lo", "hi", "lo_h", "lo_m", "hi_h", "hi_m"), mid, strict=True):
            if value is not None:
                middle[grp][name] = value
    for grp, value in minutes.items():
        out[grp].minutes = _minutes(value)
    for grp, m in middle.items():
        if "lo" in m and "hi" in m:
            out[grp].median_fen = domain.median_fen([int(m["lo"]), int(m["hi"])])
        if "lo_h" in m and "hi_h" in m:
            exact = (
                Fraction(int(m["lo_h"])) * 60 / _minutes(m["lo_m"])
                + Fraction(int(m["hi_h"])) * 60 / _minutes(m["hi_m"])
            ) / 2
            out[grp].median_per_hour_fen = round_half_up(exact.numerator, exact.denominator)


def _orders(scope: Scope, by: str | None, start: date, end: date, out: dict[Any, Figures]) -> None:
    """Orders and enterprises with accepted pieces in the span."""
    group: Any = literal(0)
    if by == "station":
        group = Task.station_id
    elif by == "month":
        group = _month_of(Inspection.inspected_on)
    stmt = (
        select(
            group.label("grp"),
            func.count(func.distinct(Order.id)),
            func.count(func.distinct(Order.enterprise_id)),
        )
        .select_from(Inspection)
        .join(Task, Task.id == Inspection.task_id)
        .join(Order, Order.id == Task.order_id)
        .where(Inspection.inspected_on >= start, Inspection.inspected_on <= end, Inspection.accepted > 0)
        .where(*_station_filter(scope, Task.station_id))
        .group_by(group)
    )
    if scope.enterprise_id is not None:
        stmt = stmt.where(Order.enterprise_id == scope.enterprise_id)
    for grp, orders, enterprises in db.session.execute(stmt):
        out[grp].orders_served = int(orders)
        out[grp].enterprises_served = int(enterprises)


def _due(
    scope: Scope,
    by: str | None,
    start: date,
    end: date,
    months: Sequence[Span] | None,
    out: dict[Any, Figures],
) -> None:
    """Orders due in the span, and those delivered in full by their due date.

    Counted per order. With a station or district (or per station), the order's part taken on by those
    stations must have been delivered by them; city-wide, the whole order quantity.
    """
    filtered = scope.station_id is not None or scope.district_id is not None or by == "station"
    delivered = (
        select(Delivery.order_id, Delivery.station_id, func.sum(Delivery.pieces).label("pieces"))
        .join(Order, Order.id == Delivery.order_id)
        .where(Delivery.delivered_on <= Order.due_date)
        .group_by(Delivery.order_id, Delivery.station_id)
        .subquery("delivered")
    )
    base = select(Order.id, Order.due_date, Order.quantity).where(
        Order.due_date >= start, Order.due_date <= end, Order.status.in_(DUE_STATUSES)
    )
    if scope.enterprise_id is not None:
        base = base.where(Order.enterprise_id == scope.enterprise_id)
    if not filtered:
        group: Any = literal(0) if by != "month" else _month_of(Order.due_date)
        got = (
            select(delivered.c.order_id, func.sum(delivered.c.pieces).label("pieces"))
            .group_by(delivered.c.order_id)
            .subquery("got")
        )
        stmt = (
            base.with_only_columns(
                group.label("grp"),
                func.count(),
                func.sum(case((func.coalesce(got.c.pieces, 0) >= Order.quantity, 1), else_=0)),
            )
            .outerjoin(got, got.c.order_id == Order.id)
            .group_by(group)
        )
    else:
        parts = (
            select(
                Acceptance.order_id,
                Acceptance.station_id,
                func.sum(Acceptance.quantity).label("quantity"),
            )
            .where(*_station_filter(scope, Acceptance.station_id))
            .group_by(Acceptance.order_id, Acceptance.station_id)
            .subquery("parts")
        )
        part_key: Any = parts.c.station_id if by == "station" else literal(0)
        if by == "month":
            part_key = _month_of(Order.due_date)
        per_order = (
            base.with_only_columns(
                part_key.label("grp"),
                Order.id.label("order_id"),
                func.sum(parts.c.quantity).label("quantity"),
                func.sum(func.coalesce(delivered.c.pieces, 0)).label("pieces"),
            )
            .join(parts, parts.c.order_id == Order.id)
            .outerjoin(
                delivered,
                and_(delivered.c.order_id == Order.id, delivered.c.station_id == parts.c.station_id),
            )
            .group_by(part_key, Order.id)
            .subquery("per_order")
        )
        stmt = select(
            per_order.c.grp,
            func.count(),
            func.sum(case((per_order.c.pieces >= per_order.c.quantity, 1), else_=0)),
        ).group_by(per_order.c.grp)
    for grp, due, on_time in db.session.execute(stmt):
        out[grp].orders_due = int(due)
        out[grp].orders_on_time = int(on_time or 0)


def _offered_without_work(scope: Scope, by: str | None, out: dict[Any, Figures]) -> None:
    """Workers who offered weekly hours in the span and had no task in it.

    Offered: a worker account of a station, active (not paused, not left before the span), registered
    by the span's end, with weekly hours above zero. No task: no live task with a planned day in the
    span and no inspection in the span.
    """
    start, end = scope.span.start, scope.span.end
    weekly = sum(
        (getattr(WeeklyHours, f"d{i}") for i in range(7)),
        start=literal(0),
    )
    has_day = exists().where(
        TaskDay.task_id == Task.id,
        Task.worker_id == User.id,
        Task.status.not_in(DEAD),
        TaskDay.day >= start,
        TaskDay.day <= end,
    )
    inspected = exists().where(
        Inspection.task_id == Task.id,
        Task.worker_id == User.id,
        Inspection.inspected_on >= start,
        Inspection.inspected_on <= end,
    )
    group: Any = User.station_id if by == "station" else literal(0)
    stmt = (
        select(group.label("grp"), func.count())
        .select_from(User)
        .join(WorkerProfile, WorkerProfile.user_id == User.id)
        .join(WeeklyHours, WeeklyHours.worker_id == User.id)
        .where(
            User.role == Role.WORKER.value,
            User.is_disabled.is_(False),
            WorkerProfile.paused.is_(False),
            # registered and left are instants; the span is of local days
            or_(WorkerProfile.left_at.is_(None), WorkerProfile.left_at >= local_day_start(start)),
            User.created_at < local_day_start(end + timedelta(days=1)),
            weekly > 0,
            ~has_day,
            ~inspected,
        )
        .where(*_station_filter(scope, User.station_id))
        .group_by(group)
    )
    for grp, count in db.session.execute(stmt):
        out[grp].offered_without_work = int(count)


# --------------------------------------------------------------------------- what pages ask for


def city(scope: Scope) -> Figures:
    """The figures of the whole scope."""
    return compute(scope).get(0) or Figures()


@dataclass
class StationRow:
    station_id: int
    name: str
    district: str
    figures: Figures


SORT_KEYS = {
    "name": lambda r: (r.name,),
    "district": lambda r: (r.district, r.name),
    "earners": lambda r: (r.figures.earners,),
    "hard": lambda r: (r.figures.hard_to_employ,),
    "first": lambda r: (r.figures.first_time,),
    "total": lambda r: (r.figures.total_fen,),
    "median": lambda r: (r.figures.median_fen or 0,),
    "per_hour": lambda r: (r.figures.median_per_hour_fen or 0,),
    "accepted": lambda r: (r.figures.accepted,),
    "quality": lambda r: (r.figures.quality if r.figures.quality is not None else -1,),
    "orders": lambda r: (r.figures.orders_served,),
    "on_time": lambda r: (r.figures.on_time if r.figures.on_time is not None else -1,),
    "idle": lambda r: (r.figures.offered_without_work,),
}


def stations(scope: Scope, sort: str = "earners", descending: bool = True) -> list[StationRow]:
    """The same figures per station of the scope, sorted by a column (ties by name)."""
    by_station = compute(scope, by="station")
    q = select(Station.id, Station.name, District.name).join(District, District.id == Station.district_id)
    q = q.where(*_station_filter(scope, Station.id))
    rows = [
        StationRow(sid, name, district, by_station.get(sid) or Figures())
        for sid, name, district in db.session.execute(q.order_by(Station.name))
    ]
    key = SORT_KEYS.get(sort, SORT_KEYS["earners"])
    rows.sort(key=lambda r: r.name)
    rows.sort(key=key, reverse=descending)
    return rows


def trend(scope: Scope, count: int = 12) -> list[tuple[Span, Figures]]:
    """The figures of the `count` months ending with the scope's month, oldest first."""
    months = domain.last_months(scope.span.end, count)
    figures = by_month(scope, months)
    return [(m, figures.get(domain.month_index(m.start)) or Figures()) for m in months]


def city_and_trend(scope: Scope, count: int = 12) -> tuple[Figures, list[tuple[Span, Figures]]]:
    """The dashboard's figures and its 12-month trend. For a calendar month, the trend's last month holds
    the same figures from the same records, so only the offered-hours count is added to it."""
    months = trend(scope, count)
    if not scope.span.is_month:
        return city(scope), months
    figures = replace(months[-1][1], hard_by_category=dict(months[-1][1].hard_by_category))
    offered: dict[Any, Figures] = defaultdict(Figures)
    _offered_without_work(scope, None, offered)
    figures.offered_without_work = offered[0].offered_without_work
    return figures, months


# --------------------------------------------------------------------------- choices for the filters


def pay_period_spans(limit: int = 24) -> list[Span]:
    """The distinct spans of recent pay periods, newest first (for the period menu)."""
    rows = db.session.execute(
        select(PayPeriod.start, PayPeriod.end).distinct().order_by(PayPeriod.start.desc()).limit(limit)
    )
    return [Span(start, end) for start, end in rows]


def districts_with_stations() -> list[tuple[int, str]]:
    return [
        (i, n)
        for i, n in db.session.execute(
            select(District.id, District.name)
            .where(District.id.in_(select(Station.district_id)))
            .order_by(District.id)
        )
    ]


def station_choices(district_id: int | None = None) -> list[tuple[int, str]]:
    q = select(Station.id, Station.name).order_by(Station.name)
    if district_id is not None:
        q = q.where(Station.district_id == district_id)
    return [(i, n) for i, n in db.session.execute(q)]


def latest_activity() -> date | None:
    """The last inspection day, so the dashboard opens on a month with records."""
    return db.session.scalar(select(func.max(Inspection.inspected_on)))


# --------------------------------------------------------------------------- the enterprise's view


@dataclass
class EnterpriseStation:
    station_id: int
    name: str
    district: str
    accepted: int = 0
    rejected: int = 0
    delivered: int = 0
    received: int = 0  # of the pieces delivered, those the enterprise confirmed it received
    unconfirmed: int = 0  # pieces delivered whose receipt is not confirmed yet
    orders: int = 0

    @property
    def missing(self) -> int:
        """Pieces found missing on confirmed receipts."""
        return self.delivered - self.unconfirmed - self.received

    @property
    def quality(self) -> Fraction | None:
        return domain.ratio(self.accepted, self.accepted + self.rejected)


@dataclass
class EnterpriseView:
    enterprise: Enterprise
    figures: Figures
    delivered_by_month: list[tuple[Span, int]]
    stations: list[EnterpriseStation]


def enterprise_view(enterprise: Enterprise, span: Span) -> EnterpriseView:
    """One enterprise's orders in the span: on-time and quality rates, deliveries per month, stations."""
    _analytic_session()
    scope = Scope(span, enterprise_id=enterprise.id)
    figures = Figures()
    out: dict[Any, Figures] = {0: figures}
    _orders(scope, None, span.start, span.end, out)
    _due(scope, None, span.start, span.end, None, out)
    for accepted, rejected in db.session.execute(
        select(func.sum(Inspection.accepted), func.sum(Inspection.rejected))
        .join(Task, Task.id == Inspection.task_id)
        .join(Order, Order.id == Task.order_id)
        .where(
            Order.enterprise_id == enterprise.id,
            Inspection.inspected_on >= span.start,
            Inspection.inspected_on <= span.end,
        )
    ):
        figures.accepted, figures.rejected = int(accepted or 0), int(rejected or 0)

    months = domain.last_months(span.end, 12)
    month = _month_of(Delivery.delivered_on)
    delivered = {
        int(m): int(p)
        for m, p in db.session.execute(
            select(month, func.sum(Delivery.pieces))
            .join(Order, Order.id == Delivery.order_id)
            .where(
                Order.enterprise_id == enterprise.id,
                Delivery.delivered_on >= months[0].start,
                Delivery.delivered_on <= months[-1].end,
            )
            .group_by(month)
        )
    }
    by_month = [(m, delivered.get(domain.month_index(m.start), 0)) for m in months]

    rows: dict[int, EnterpriseStation] = {}
    for sid, name, district in db.session.execute(
        select(Station.id, Station.name, District.name)
        .join(District, District.id == Station.district_id)
        .where(
            Station.id.in_(
                select(Acceptance.station_id)
                .join(Order, Order.id == Acceptance.order_id)
                .where(Order.enterprise_id == enterprise.id)
            )
        )
    ):
        rows[sid] = EnterpriseStation(sid, name, district)
    for sid, accepted, rejected, orders in db.session.execute(
        select(
            Task.station_id,
            func.sum(Inspection.accepted),
            func.sum(Inspection.rejected),
            func.count(func.distinct(Task.order_id)),
        )
        .join(Task, Task.id == Inspection.task_id)
        .join(Order, Order.id == Task.order_id)
        .where(
            Order.enterprise_id == enterprise.id,
            Inspection.inspected_on >= span.start,
            Inspection.inspected_on <= span.end,
        )
        .group_by(Task.station_id)
    ):
        if sid in rows:
            rows[sid].accepted, rows[sid].rejected, rows[sid].orders = (
                int(accepted),
                int(rejected),
                int(orders),
            )
    confirmed = Delivery.received_at.is_not(None)
    for sid, pieces, received, unconfirmed in db.session.execute(
        select(
            Delivery.station_id,
            func.sum(Delivery.pieces),
            func.sum(case((confirmed, func.coalesce(Delivery.received_pieces, Delivery.pieces)), else_=0)),
            func.sum(case((confirmed, 0), else_=Delivery.pieces)),
        )
        .join(Order, Order.id == Delivery.order_id)
        .where(
            Order.enterprise_id == enterprise.id,
            Delivery.delivered_on >= span.start,
            Delivery.delivered_on <= span.end,
        )
        .group_by(Delivery.station_id)
    ):
        if sid in rows:
            row = rows[sid]
            row.delivered, row.received, row.unconfirmed = int(pieces), int(received), int(unconfirmed)
    served = sorted(
        (r for r in rows.values() if r.accepted or r.rejected or r.delivered),
        key=lambda r: (-r.accepted - r.delivered, r.name),
    )
    return EnterpriseView(enterprise, figures, by_month, served)
