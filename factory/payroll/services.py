"""Payroll services: pay periods, the close, adjustments and top-ups, rate changes, payees, earnings.

The pages, the API, the CLI and the jobs call these functions. They load rows, call the pay rules in
`factory.payroll.domain`, write, audit and flush; the caller commits. A refused request raises
`PayrollError` and changes nothing.

Closing a period is one bulk computation, whatever the number of workers:

1. GROUP BY queries sum the accepted and rejected pieces of the station's inspections in the period per
   (worker, order): on SQLite one for the orders whose rate does not change in the period, and one per
   stretch of days with one rate for the few orders whose rate does, each walking the task and
   inspection indexes in group order without a sort; on PostgreSQL one scan grouped by (worker, order)
   with a filtered sum per stretch (see `inspection_totals`). The pieces sent back for rework, read from
   their own partial index by one more query, are taken off the rejected pieces (`rework_rejections`);
2. one query each for the rates, the standard minutes, the pieces already paid (cumulative rounding),
   the reported minutes and the open adjustments;
3. `domain.compute_period` prices every line once and checks the minimum wage;
4. the slips, their lines and any new top-ups are inserted in bulk as plain tuples (COPY on PostgreSQL,
   one prepared INSERT on SQLite).

No query is made per worker, and the cyclic garbage collector waits until the work is done
(`_bulk_work`). Where the time goes, and what bounds it, is in docs/pay-rules.md ("Speed").
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.orm import selectinload

from factory.accounts.models import Role, Station, User
from factory.audit.services import record
from factory.errors import ServiceError
from factory.extensions import db
from factory.money import format_fen
from factory.orders.models import Lot, Order
from factory.orders.services import local_today
from factory.payroll import domain
from factory.payroll.models import (
    RATE_ORIGIN,
    REASON_MAX,
    Adjustment,
    OrderRate,
    PayeeAccount,
    PayLine,
    PayPeriod,
    PaySlip,
)
from factory.production.models import Inspection, Report, Task
from factory.reference.services import minimum_wage_on
from factory.types import utcnow

# A part-time worker's pay is settled at least every 15 days (Labour Contract Law art. 72); the second
# half of a 31-day month has 16 days, which is how half-monthly settlement is read in practice.
MAX_PERIOD_DAYS = 16
MAX_ADJUSTMENT_FEN = 10_000_000  # ¥100,000: far above any one adjustment; a typing mistake otherwise
KINDS = ("bonus", "deduction", "correction", "minimum_wage_top_up")


class PayrollError(ServiceError):
    """A refused payroll operation."""


def kind_label(kind: str) -> str:
    return {
        "bonus": _("Bonus"),
        "deduction": _("Deduction"),
        "correction": _("Correction"),
        "minimum_wage_top_up": _("Minimum-wage top-up"),
    }.get(kind, kind)


# ------------------------------------------------------------------ periods


def station_periods(station_id: int) -> list[PayPeriod]:
    return list(
        db.session.scalars(
            select(PayPeriod).where(PayPeriod.station_id == station_id).order_by(PayPeriod.start.desc())
        )
    )


def _lock_station(station_id: int) -> None:
    """Serialise period changes of one station (PostgreSQL row lock; SQLite writers are serial anyway)."""
    db.session.execute(select(Station.id).where(Station.id == station_id).with_for_update())


def suggested_period(station_id: int, today: date | None = None) -> domain.Period:
    """The half-month after the station's latest period, or the one holding today when there is none."""
    latest = db.session.scalar(select(func.max(PayPeriod.end)).where(PayPeriod.station_id == station_id))
    if latest is None:
        return domain.half_month_of(today or local_today())
    return domain.half_month_of(latest + timedelta(days=1))


def create_period(station_id: int, start: date | None, end: date | None, actor: User | None) -> PayPeriod:
    """Open a pay period for the station; refuse an end before the start, overlaps and long spans."""
    errors: dict[str, list[str]] = {}
    if start is None:
        errors["start"] = [_("Enter the first day as YYYY-MM-DD.")]
    if end is None:
        errors["end"] = [_("Enter the last day as YYYY-MM-DD.")]
    if errors or start is None or end is None:
        raise PayrollError("invalid", _("Some of what you entered is not valid."), errors)
    _lock_station(station_id)
    if end < start:
        raise PayrollError(
            "end_before_start",
            _("The period ends (%(end)s) before it starts (%(start)s).", start=start, end=end),
            {"end": [_("The last day must be on or after the first day.")]},
        )
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PayrollError(
            "too_long",
            _(
                "A pay period can be at most %(days)s days: part-time pay is settled at least every "
                "15 days (Labour Contract Law art. 72).",
                days=MAX_PERIOD_DAYS,
            ),
            {"end": [_("Choose a last day at most %(days)s days after the first.", days=MAX_PERIOD_DAYS)]},
        )
    existing = db.session.execute(
        select(PayPeriod.start, PayPeriod.end).where(PayPeriod.station_id == station_id)
    ).all()
    overlaps = [
        (s, e) for s, e in existing if domain.validate_period(start, end, [(s, e)])
    ]  # the domain names each overlap
    if overlaps:
        spans = "; ".join(f"{s.isoformat()} – {e.isoformat()}" for s, e in sorted(overlaps))
        raise PayrollError(
            "overlap",
            _("The period overlaps the existing period %(spans)s.", spans=spans),
            {"start": [_("Choose days not covered by another period.")]},
            status=409,
        )
    period = PayPeriod(
        station_id=station_id, start=start, end=end, status="open", created_by_id=actor_id(actor)
    )
    db.session.add(period)
    db.session.flush()
    record(actor, "pay_period.create", period, after={"start": start, "end": end})
    return period


def actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def open_period_on(station_id: int, day: date) -> PayPeriod | None:
    return db.session.scalar(
        select(PayPeriod).where(
            PayPeriod.station_id == station_id, PayPeriod.start <= day, PayPeriod.end >= day
        )
    )


def current_open_period(station_id: int, today: date | None = None, actor: User | None = None) -> PayPeriod:
    """The open period where new adjustments go: the earliest open one, else the half-month of today."""
    period = db.session.scalar(
        select(PayPeriod)
        .where(PayPeriod.station_id == station_id, PayPeriod.status == "open")
        .order_by(PayPeriod.start)
        .limit(1)
    )
    if period is not None:
        return period
    today = today or local_today()
    span = domain.half_month_of(today)
    holder = open_period_on(station_id, today)
    if holder is not None:  # today's half-month is closed already: the next one
        span = domain.half_month_of(holder.end + timedelta(days=1))
    return create_period(station_id, span.start, span.end, actor)


# ------------------------------------------------------------------ rates


def rates_for_orders(order_ids: Iterable[int]) -> dict[int, list[domain.RatePeriod]]:
    """Each order's rate periods: its own rate from the start, then the recorded changes."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    out: dict[int, list[domain.RatePeriod]] = {}
    for order_id, rate in db.session.execute(
        select(Order.id, Order.piece_rate_units).where(Order.id.in_(ids))
    ):
        out[order_id] = [domain.RatePeriod(RATE_ORIGIN, rate)]
    changes: dict[int, list[domain.RatePeriod]] = defaultdict(list)
    for order_id, day, rate in db.session.execute(
        select(OrderRate.order_id, OrderRate.effective_from, OrderRate.rate_units)
        .where(OrderRate.order_id.in_(ids))
        .order_by(OrderRate.order_id, OrderRate.effective_from)
    ):
        changes[order_id].append(domain.RatePeriod(day, rate))
    for order_id, rows in changes.items():
        out[order_id] = rows  # the first row is the order's own rate, from the start
    return out


def order_rates(order_id: int) -> list[OrderRate]:
    return list(
        db.session.scalars(
            select(OrderRate).where(OrderRate.order_id == order_id).order_by(OrderRate.effective_from)
        )
    )


def change_rate(
    order: Order, effective_from: date | None, rate_units: int | None, reason: str, actor: User | None
) -> OrderRate:
    """Record a new piece rate in force from a day on; closed periods keep the rate they were paid at."""
    errors: dict[str, list[str]] = {}
    if effective_from is None:
        errors["effective_from"] = [_("Enter the first day of the new rate as YYYY-MM-DD.")]
    if rate_units is None or rate_units <= 0:
        errors["rate"] = [_("Enter a rate above zero, for example 0.45.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the rate changes.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(limit)s characters.", limit=REASON_MAX)]
    if errors or effective_from is None or rate_units is None:
        raise PayrollError("invalid", _("Some of what you entered is not valid."), errors)
    paid_until = db.session.scalar(
        select(func.max(PayPeriod.end))
        .join(PaySlip, PaySlip.period_id == PayPeriod.id)
        .join(PayLine, PayLine.slip_id == PaySlip.id)
        .where(PayLine.order_id == order.id)
    )
    if paid_until is not None and effective_from <= paid_until:
        raise PayrollError(
            "paid_already",
            _(
                "Pieces of this order are paid up to %(day)s in closed periods; a new rate can start "
                "on %(next)s at the earliest.",
                day=paid_until.isoformat(),
                next=(paid_until + timedelta(days=1)).isoformat(),
            ),
            {"effective_from": [_("Choose a later day.")]},
            status=409,
        )
    rows = order_rates(order.id)
    if not rows:
        db.session.add(
            OrderRate(
                order_id=order.id,
                effective_from=RATE_ORIGIN,
                rate_units=order.piece_rate_units,
                reason=_("The order's own rate"),
                created_by_id=actor_id(actor),
            )
        )
    same_day = next((r for r in rows if r.effective_from == effective_from), None)
    before = {"rate_units": same_day.rate_units} if same_day else None
    if same_day is not None:
        same_day.rate_units, same_day.reason = rate_units, reason
        row = same_day
    else:
        row = OrderRate(
            order_id=order.id,
            effective_from=effective_from,
            rate_units=rate_units,
            reason=reason,
            created_by_id=actor_id(actor),
        )
        db.session.add(row)
    db.session.flush()
    record(
        actor,
        "order_rate.set",
        row,
        before=before,
        after={
            "order_id": order.id,
            "effective_from": effective_from,
            "rate_units": rate_units,
            "reason": reason,
        },
        enterprise_id=order.enterprise_id,
    )
    return row


# ------------------------------------------------------------------ inputs (bulk)


def _rate_bounds() -> Any:
    """Each recorded rate with the day the next one starts (a window over the small rate table)."""
    nxt = func.lead(OrderRate.effective_from).over(
        partition_by=OrderRate.order_id, order_by=OrderRate.effective_from
    )
    return select(OrderRate.order_id, OrderRate.effective_from, nxt.label("until")).subquery("rate_bounds")


def rate_changes_within(station_id: int, start: date, end: date) -> list[tuple[int, date]]:
    """(order, day) of the rate changes of the station's orders that take effect inside the span."""
    # The few changes in the span first, then whether the station works on the order (not the other way
    # round: the station's tasks are many).
    station_works_on = (
        select(Task.id).where(Task.order_id == OrderRate.order_id, Task.station_id == station_id).exists()
    )
    return [
        (order_id, day)
        for order_id, day in db.session.execute(
            select(OrderRate.order_id, OrderRate.effective_from)
            .where(
                station_works_on,
                OrderRate.effective_from > start,
                OrderRate.effective_from <= end,
            )
            .order_by(OrderRate.effective_from.desc(), OrderRate.order_id)
        )
    ]


def inspection_totals(
    station_id: int, start: date, end: date, worker_ids: Sequence[int] | None = None
) -> list[domain.Inspection]:
    """Accepted pieces, and pieces rejected for good, per (worker, order, rate period) of the station's
    inspections in the span (see `_inspection_sums`)."""
    return _inspection_sums(station_id, start, end, worker_ids)[0]


def _inspection_sums(
    station_id: int, start: date, end: date, worker_ids: Sequence[int] | None = None
) -> tuple[list[domain.Inspection], list[tuple[int, int, date, int]]]:
    """Accepted pieces and pieces rejected for good per (worker, order, rate period) of the station's
    inspections in the span; and the pieces rejected for rework (`rework_rejections`).

    Most orders keep one rate through a period: their pieces are summed per (worker, order) in one query
    that walks the task index in that order (no sort, no join on the rates). An order whose rate changes
    inside the span is summed once per stretch of days with one rate, each stretch a query of the same
    shape over its days. Each row carries the first day of its stretch: no rate takes effect later in the
    stretch, so the pay rules find the same rate for that day as for every inspection the row sums.

    PostgreSQL sums by hashing after a (parallel) scan of the inspections rather than in index order, so
    there one scan does it all, with a filtered sum per stretch (`_totals_by_stretch`).

    Pieces rejected for rework go back to the worker and are inspected again: those that pass then are
    paid then, those rejected for good then are counted then, so they are no slip's rejected pieces. The
    sums add up every inspection's rejected pieces, reading only the covering index (task, day, accepted,
    rejected): asking each row whether it is a rework would read the table a million times. The few rework
    rejections come from their own partial index instead, summed per row of the sums, and are taken off
    the row that counted them.
    """
    change_days: dict[int, list[date]] = defaultdict(list)
    for order_id, day in rate_changes_within(station_id, start, end):
        change_days[order_id].append(day)
    conn = db.session.connection()
    make = domain.Inspection
    by_stretch = bool(change_days) and conn.dialect.name == "postgresql"
    if by_stretch:  # every changed order is cut at every change day
        cuts = sorted({start, *(day for days in change_days.values() for day in days)})
        firsts = {order_id: cuts for order_id in change_days}
    else:
        firsts = {order_id: sorted({start, *days}) for order_id, days in change_days.items()}
    rework = rework_rejections(station_id, start, end, worker_ids, by_day=firsts)
    less: dict[tuple[int, int, date], int] = defaultdict(int)  # (worker, order, first day of the row)
    for worker, order, day, pieces in rework:
        days = firsts.get(order)
        less[(worker, order, days[bisect_right(days, day) - 1] if days else day)] += pieces
    if by_stretch:
        rows = _totals_by_stretch(station_id, start, end, change_days, worker_ids, less)
        return rows, rework
    stretches: dict[tuple[date, date], list[int]] = defaultdict(list)  # [first, last] -> orders
    for order_id, days in change_days.items():
        bounds = [start, *sorted(days), end + timedelta(days=1)]
        for first, after in zip(bounds, bounds[1:], strict=False):
            stretches[(first, after - timedelta(days=1))].append(order_id)

    def totals(first: date, last: date, *orders: Any) -> Any:
        stmt = (
            select(
                Task.worker_id,
                Task.order_id,
                func.sum(Inspection.accepted),
                func.sum(Inspection.rejected),
            )
            .select_from(Task)
            .join(Inspection, Inspection.task_id == Task.id)
            .where(
                Task.station_id == station_id,
                Inspection.inspected_on >= first,
                Inspection.inspected_on <= last,
                *orders,
            )
            .group_by(Task.worker_id, Task.order_id)
        )
        if worker_ids is not None:
            stmt = stmt.where(Task.worker_id.in_(worker_ids))
        return stmt

    unchanged = [Task.order_id.not_in(sorted(change_days))] if change_days else []
    statements = [(start, totals(start, end, *unchanged))]
    statements += [
        (first, totals(first, last, Task.order_id.in_(sorted(orders))))
        for (first, last), orders in sorted(stretches.items())
    ]
    # Core rows straight off the connection, fetched at once: tens of thousands of them on a big station.
    taken = less.pop if less else _nothing
    rows = [
        make(worker, order, first, accepted or 0, (rejected or 0) - taken((worker, order, first), 0))
        for first, stmt in statements
        for worker, order, accepted, rejected in conn.execute(stmt).all()
    ]
    _all_taken(less)
    return rows, rework


def _nothing(_key: Any, default: int) -> int:
    return default


def _all_taken(less: Mapping[tuple[int, int, date], int]) -> None:
    """Every rework rejection was counted by one of the sums' rows (the same inspections, the same keys)."""
    if less:
        raise RuntimeError(f"Rework rejections outside the inspection sums: {dict(less)}")


def rework_rejections(
    station_id: int,
    start: date,
    end: date,
    worker_ids: Sequence[int] | None = None,
    *,
    by_day: Collection[int] = (),
) -> list[tuple[int, int, date, int]]:
    """(worker, order, day, pieces) rejected for rework in the station's inspections of the span.

    The pieces of the orders in `by_day` are summed per day; the others' over the whole span, as on the
    span's first day (`start`). Each of the station's tasks looks its rework inspections of the span up
    in their partial index (task, day, rejected), as the sums look up all its inspections in theirs: the
    rework ones are few, and the index holds every column the query reads.
    """
    first: Any = literal(start)
    groups: list[Any] = [Task.worker_id, Task.order_id]
    if by_day:
        first = case((Task.order_id.in_(sorted(by_day)), Inspection.inspected_on), else_=first).label("first")
        groups.append(first)
    stmt = (
        select(Task.worker_id, Task.order_id, first, func.sum(Inspection.rejected))
        .select_from(Task)
        .join(Inspection, Inspection.task_id == Task.id)
        .where(
            Task.station_id == station_id,
            Inspection.rework,  # renders as the partial index's condition (ix_production_inspection_rework)
            Inspection.inspected_on >= start,
            Inspection.inspected_on <= end,
        )
        .group_by(*groups)
    )
    if worker_ids is not None:
        stmt = stmt.where(Task.worker_id.in_(worker_ids))
    return [(w, o, d, int(n)) for w, o, d, n in db.session.connection().execute(stmt).all() if n]


def _totals_by_stretch(
    station_id: int,
    start: date,
    end: date,
    change_days: Mapping[int, Sequence[date]],
    worker_ids: Sequence[int] | None,
    less: dict[tuple[int, int, date], int],
) -> list[domain.Inspection]:
    """One scan: pieces per (worker, order), with a filtered sum for each stretch of days between rate changes.

    The stretches are cut at every change day of every order, so no order's rate changes inside one; the
    rows of an order whose rate does not change are added up here. Grouping by (worker, order) only keeps
    PostgreSQL's estimate of the groups right, so it hashes them after a parallel scan. `less` holds the
    rework rejections to take off each row's rejected pieces.
    """
    firsts = sorted({start, *(day for days in change_days.values() for day in days)})
    afters = [*firsts[1:], end + timedelta(days=1)]
    columns: list[Any] = []
    for first, after in zip(firsts, afters, strict=True):
        within = and_(Inspection.inspected_on >= first, Inspection.inspected_on < after)
        columns += [
            func.count().filter(within),
            func.sum(Inspection.accepted).filter(within),
            func.sum(Inspection.rejected).filter(within),
        ]
    stmt = (
        select(Task.worker_id, Task.order_id, *columns)
        .select_from(Task)
        .join(Inspection, Inspection.task_id == Task.id)
        .where(
            Task.station_id == station_id, Inspection.inspected_on >= start, Inspection.inspected_on <= end
        )
        .group_by(Task.worker_id, Task.order_id)
    )
    if worker_ids is not None:
        stmt = stmt.where(Task.worker_id.in_(worker_ids))
    make = domain.Inspection
    taken = less.pop if less else _nothing
    out = []
    for worker, order, *sums in db.session.connection().execute(stmt).all():
        if order not in change_days:
            accepted = sum(n for n in sums[1::3] if n)  # a stretch without inspections sums to NULL
            rejected = sum(n for n in sums[2::3] if n) - taken((worker, order, start), 0)
            out.append(make(worker, order, start, accepted, rejected))
            continue
        for k, first in enumerate(firsts):
            if sums[3 * k]:
                rejected = sums[3 * k + 2] - taken((worker, order, first), 0)
                out.append(make(worker, order, first, sums[3 * k + 1], rejected))
    _all_taken(less)
    return out


def reported_time(
    station_id: int, start: date, end: date, worker_ids: Sequence[int] | None = None
) -> dict[int, list[tuple[int, int, int, int]]]:
    """For tasks inspected in the period whose worker reported minutes: (order, accepted, minutes, pieces).

    `minutes` and `pieces` are the task's reports that carry a time; the accepted pieces are counted at
    that pace. One query: the reports are summed per task in a subquery, and each of those few tasks
    sums its inspections in the period through the inspection index.
    """
    timed_tasks = (
        select(
            Report.task_id.label("task_id"),
            func.sum(Report.minutes).label("minutes"),
            func.sum(Report.pieces).label("pieces"),
        )
        .join(Task, Task.id == Report.task_id)
        .where(Task.station_id == station_id, Report.minutes.is_not(None))
        .group_by(Report.task_id)
    )
    if worker_ids is not None:
        timed_tasks = timed_tasks.where(Task.worker_id.in_(worker_ids))
    timed = timed_tasks.subquery("timed")
    accepted = (
        select(func.sum(Inspection.accepted))
        .where(
            Inspection.task_id == timed.c.task_id,
            Inspection.inspected_on >= start,
            Inspection.inspected_on <= end,
        )
        .scalar_subquery()
    )
    stmt = (
        select(Task.worker_id, Task.order_id, accepted, timed.c.minutes, timed.c.pieces)
        .select_from(timed)
        .join(Task, Task.id == timed.c.task_id)
    )
    out: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for worker, order, accepted_pieces, minutes, pieces in db.session.connection().execute(stmt).all():
        if pieces and accepted_pieces:
            out[worker].append((order, int(accepted_pieces), int(minutes), int(pieces)))
    return out


def reported_hours(
    timed: Mapping[int, list[tuple[int, int, int, int]]],
    lines_by_worker: Mapping[int, Sequence[tuple[int, int]]],
    standard_minutes: Mapping[int, Fraction],
) -> dict[int, Fraction]:
    """Hours of the accepted pieces: at the reported pace where given, at the standard minutes otherwise."""
    out: dict[int, Fraction] = {}
    for worker, tasks in timed.items():
        standard = sum(
            (pieces * standard_minutes[order] for order, pieces in lines_by_worker.get(worker, ())),
            Fraction(0),
        )
        for order, accepted, minutes, pieces in tasks:
            standard -= accepted * standard_minutes[order]
            standard += Fraction(accepted * minutes, pieces)
        out[worker] = max(Fraction(0), standard) / 60
    return out


def prior_paid(
    order_ids: Iterable[int], worker_ids: Sequence[int] | None = None
) -> dict[tuple[int, int, int], int]:
    """Pieces already paid per (worker, order, rate) on closed slips: one GROUP BY query."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    stmt = (
        select(PayLine.worker_id, PayLine.order_id, PayLine.rate_units, func.sum(PayLine.accepted_pieces))
        .where(PayLine.order_id.in_(ids))
        .group_by(PayLine.worker_id, PayLine.order_id, PayLine.rate_units)
    )
    if worker_ids is not None:
        stmt = stmt.where(PayLine.worker_id.in_(worker_ids))
    return {(w, o, r): int(n) for w, o, r, n in db.session.execute(stmt) if n}


def _domain_adjustment(row: Adjustment) -> domain.Adjustment:
    kind: Any = row.kind
    return domain.Adjustment(
        kind,
        row.amount_fen,
        row.reason,
        row.made_by_id or "system",
        row.id,
        for_earlier_slip=row.corrects_slip_id is not None,
    )


def open_adjustments(period_id: int, worker_ids: Sequence[int] | None = None) -> list[Adjustment]:
    stmt = select(Adjustment).where(Adjustment.period_id == period_id).order_by(Adjustment.id)
    if worker_ids is not None:
        stmt = stmt.where(Adjustment.worker_id.in_(worker_ids))
    return list(db.session.scalars(stmt))


def hourly_minimum(station: Station, day: date) -> int | None:
    wage = minimum_wage_on(station.district.tier, day)
    return wage.hourly_fen if wage is not None else None


@dataclass
class Computation:
    """Every worker's slip for a period as the pay rules compute it, with what went into it."""

    period: PayPeriod
    slips: dict[int, domain.Slip]
    adjustments: dict[int, list[Adjustment]]
    hourly_minimum_fen: int | None
    products: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    # Pieces each worker had rejected for rework in the period: not on the slip's rejected count (they
    # are inspected again), kept beside it for the first-pass quality figures.
    rework: dict[int, int] = field(default_factory=dict)

    @property
    def total_fen(self) -> int:
        return sum(s.total_fen for s in self.slips.values())

    @property
    def shortfalls(self) -> list[domain.Slip]:
        return [
            s
            for s in self.slips.values()
            if s.minimum_wage_check is not None
            and s.minimum_wage_check.shortfall_fen > 0
            and not any(a.tops_up_this_period for a in s.adjustments)
        ]


@contextmanager
def _bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while a whole station's pay is computed and written.

    The close makes some hundred thousand small tuples and lists, none of them in a reference cycle;
    each of them counts towards the collector's next pass, and its passes over the application's whole
    heap took longer than the pay rules themselves. Reference counting still frees everything as usual.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def compute(
    period: PayPeriod, worker_ids: Sequence[int] | None = None, *, top_up_by: User | None = None
) -> Computation:
    """Compute the period's slips (all workers, or `worker_ids`) with the pay rules; writes nothing."""
    with _bulk_work():
        return _compute(period, worker_ids, top_up_by)


def _compute(period: PayPeriod, worker_ids: Sequence[int] | None, top_up_by: User | None) -> Computation:
    rows, rework_rows = _inspection_sums(period.station_id, period.start, period.end, worker_ids)
    rework: dict[int, int] = defaultdict(int)
    for worker, _order, _day, pieces in rework_rows:
        rework[worker] += pieces
    adjustments = open_adjustments(period.id, worker_ids)
    order_ids = {r.order_id for r in rows}
    rates = rates_for_orders(order_ids)
    orders = {
        oid: (product, minutes)
        for oid, product, minutes in db.session.execute(
            select(Order.id, Order.product, Order.standard_minutes).where(Order.id.in_(sorted(order_ids)))
        )
    }
    standard = {oid: Fraction(minutes) for oid, (_product, minutes) in orders.items()}
    by_worker_adj: dict[int, list[Adjustment]] = defaultdict(list)
    for adj in adjustments:
        by_worker_adj[adj.worker_id].append(adj)
    minimum = hourly_minimum(period.station, period.end)
    wage_input = (
        domain.MinimumWageInput(minimum, standard_minutes_by_order=standard) if minimum is not None else None
    )
    hours: dict[int, Fraction] = {}
    if wage_input is not None:
        timed = reported_time(period.station_id, period.start, period.end, worker_ids)
        if timed:
            pieces: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for r in rows:
                pieces[r.worker_id].append((r.order_id, r.accepted))
            hours = reported_hours(timed, pieces, standard)
    try:
        slips = domain.compute_period(
            rows,
            rates,
            prior_paid(order_ids, worker_ids),
            {w: [_domain_adjustment(a) for a in adjs] for w, adjs in by_worker_adj.items()},
            wage_input,
            reported_hours_by_worker=hours,
            top_up_made_by=top_up_by.id if top_up_by is not None else None,
            top_up_reason=_top_up_reason_template(),
        )
    except domain.PayPeriodError as exc:
        raise PayrollError(
            "cannot_compute",
            _(
                "Pay could not be computed for every worker: %(problems)s",
                problems=_worker_problems(exc.errors),
            ),
            status=409,
            details={"workers": {str(k): v for k, v in exc.errors.items()}},
        ) from exc
    except domain.PayError as exc:
        raise PayrollError("cannot_compute", str(exc), status=409) from exc
    names = _names(period, slips, worker_ids)
    return Computation(
        period=period,
        slips=slips,
        adjustments=dict(by_worker_adj),
        hourly_minimum_fen=minimum,
        products={oid: product for oid, (product, _m) in orders.items()},
        names=names,
        rework=dict(rework),
    )


def _names(period: PayPeriod, slips: Mapping[int, Any], worker_ids: Sequence[int] | None) -> dict[int, str]:
    """The names of the workers with a slip: the station's workers with tasks or adjustments in the period."""
    if not slips:
        return {}
    if worker_ids is not None:
        who: Any = User.id.in_(sorted(slips))
    else:  # thousands of ids: select them in the database rather than sending them
        who = or_(
            User.id.in_(select(Task.worker_id).where(Task.station_id == period.station_id)),
            User.id.in_(select(Adjustment.worker_id).where(Adjustment.period_id == period.id)),
        )
    return {
        worker: name
        for worker, name in db.session.connection().execute(select(User.id, User.name).where(who)).all()
        if worker in slips
    }


def _worker_problems(errors: Mapping[int, str]) -> str:
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(sorted(errors)))).all())
    return "; ".join(f"{names.get(w, w)}: {message}" for w, message in sorted(errors.items()))


# ------------------------------------------------------------------ uninspected lots


@dataclass(frozen=True)
class WaitingLot:
    task_id: int
    order_id: int
    product: str
    lot_index: int
    worker_id: int
    worker_name: str
    reported: int
    inspected: int

    @property
    def waiting(self) -> int:
        return self.reported - self.inspected


def uninspected_lots(
    station_id: int, worker_id: int | None = None, reported_by: date | None = None
) -> list[WaitingLot]:
    """Tasks of the station with reported pieces waiting for inspection.

    A task taken away (withdrawn, or the rest of its lot given to someone else) stays in: the pieces its
    worker made are still inspected and paid to her, as the day board counts them.

    Read from the task's running totals: reported minus accepted, scrapped and in rework (pieces sent back
    for rework are with the worker, not waiting; they are inspected again when they come back), the same
    count as the task page and the day board. With `reported_by` (a period's last day), only pieces reported
    by that day count, the oldest inspected first: pieces reported after a period ended were never in it.
    """
    done = Task.accepted + Task.scrapped + Task.rework
    reported: Any = Task.reported
    if reported_by is not None:
        reported = func.coalesce(
            select(func.sum(Report.pieces))
            .where(Report.task_id == Task.id, Report.reported_on <= reported_by)
            .correlate(Task)
            .scalar_subquery(),
            0,
        )
    stmt = (
        select(Task.id, Task.order_id, Order.product, Lot.index, Task.worker_id, User.name, reported, done)
        .join(Order, Order.id == Task.order_id)
        .join(Lot, Lot.id == Task.lot_id)
        .join(User, User.id == Task.worker_id)
        .where(Task.station_id == station_id, reported > done)
        .order_by(Task.order_id, Lot.index)
    )
    if worker_id is not None:
        stmt = stmt.where(Task.worker_id == worker_id)
    return [WaitingLot(*row) for row in db.session.execute(stmt)]


# ------------------------------------------------------------------ closing


@dataclass
class CloseResult:
    period: PayPeriod
    slips: int
    total_fen: int
    top_ups_made_at_close: int  # minimum-wage top-ups the close itself added (with top_up=True)
    top_ups_total: int  # minimum-wage top-ups the closed slips carry: made before closing and at closing
    top_ups_fen: int  # what all those top-ups come to
    left_uninspected: list[WaitingLot]


# Called with each period as it closes, in the closing transaction (the employment figures store the months
# a close settles: factory/reports/jobs.py).
AFTER_CLOSE: list[Callable[[PayPeriod, User | None], None]] = []


def after_close(
    listener: Callable[[PayPeriod, User | None], None],
) -> Callable[[PayPeriod, User | None], None]:
    AFTER_CLOSE.append(listener)
    return listener


def close_period(
    period_id: int,
    actor: User | None,
    *,
    top_up: bool = False,
    leave_uninspected: bool = False,
    today: date | None = None,
) -> CloseResult:
    """Compute every worker's slip for the period and freeze it; a closed period never changes."""
    period = db.session.get(PayPeriod, period_id)
    if period is None:
        raise PayrollError("not_found", _("There is no such pay period."), status=404)
    if period.status != "open":
        raise PayrollError(
            "closed", _("This period is closed already; closing twice changes nothing."), status=409
        )
    today = today or local_today()
    if today <= period.end:
        raise PayrollError(
            "not_ended",
            _(
                "The period runs until %(end)s; close it from %(next)s on, when no more pieces can be "
                "inspected in it.",
                end=period.end.isoformat(),
                next=(period.end + timedelta(days=1)).isoformat(),
            ),
            status=409,
        )
    waiting = uninspected_lots(period.station_id, reported_by=period.end)
    if waiting and not leave_uninspected:
        raise PayrollError(
            "uninspected_lots",
            _(
                "%(count)s lots have reported pieces that are not inspected yet. Inspect them first, or "
                "close and leave them for the next period.",
                count=len(waiting),
            ),
            status=409,
            details={"lots": [_waiting_json(w) for w in waiting]},
        )
    # The conditional update is the guard against two closes at once: only one of them changes the row.
    closed_at = utcnow()
    changed = db.session.execute(
        update(PayPeriod)
        .where(PayPeriod.id == period.id, PayPeriod.status == "open")
        .values(status="closed", closed_at=closed_at, closed_by_id=actor_id(actor))
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise PayrollError(
            "closed", _("This period is closed already; closing twice changes nothing."), status=409
        )
    db.session.refresh(period)
    with _bulk_work():
        result = compute(period, top_up_by=actor if top_up else None)
        made_at_close = _freeze(result, actor)
    top_ups = [
        a.amount_fen
        for slip in result.slips.values()
        for a in slip.adjustments
        if a.kind == "minimum_wage_top_up"
    ]
    period.workers_paid = len(result.slips)
    period.total_fen = result.total_fen
    period.hourly_minimum_fen = result.hourly_minimum_fen
    db.session.flush()
    record(
        actor,
        "pay_period.close",
        period,
        before={"status": "open"},
        after={
            "status": "closed",
            "slips": len(result.slips),
            "total_fen": result.total_fen,
            "top_ups_made_at_close": made_at_close,
            "top_ups_total": len(top_ups),
            "top_ups_fen": sum(top_ups),
            "left_uninspected": len(waiting),
        },
    )
    for listener in AFTER_CLOSE:
        listener(period, actor)
    return CloseResult(
        period,
        len(result.slips),
        result.total_fen,
        top_ups_made_at_close=made_at_close,
        top_ups_total=len(top_ups),
        top_ups_fen=sum(top_ups),
        left_uninspected=waiting,
    )


SLIP_COLUMNS = (
    "period_id",
    "worker_id",
    "station_id",
    "worker_name",
    "accepted_pieces",
    "rejected_pieces",
    "rework_pieces",
    "lines_fen",
    "adjustments_fen",
    "total_fen",
    "created_at",
    "hourly_minimum_fen",
    "hours_numerator",
    "hours_denominator",
    "hours_source",
    "required_fen",
    "shortfall_fen",
    "earnings_per_hour_fen",
)
LINE_COLUMNS = (
    "slip_id",
    "worker_id",
    "order_id",
    "product",
    "rate_units",
    "accepted_pieces",
    "rejected_pieces",
    "prior_pieces",
    "amount_fen",
)


def _freeze(result: Computation, actor: User | None) -> int:
    """Insert the slips, their lines and the new top-ups in bulk; tie the open adjustments to the slips.

    Returns how many top-ups the close added (the rules add no other adjustment).
    """
    period = result.period
    if not result.slips:
        return 0
    now = utcnow()
    names, rework = result.names, result.rework
    period_id, station_id = period.id, period.station_id
    slip_rows = []
    for worker_id, slip in result.slips.items():
        accepted = rejected = lines_fen = 0
        for line in slip.lines:
            accepted += line.accepted_pieces
            rejected += line.rejected_pieces
            lines_fen += line.amount_fen
        total = slip.total_fen
        check = slip.minimum_wage_check
        if check is None:
            figures: tuple[Any, ...] = (None, 0, 1, None, None, 0, None)
        else:
            figures = (
                check.hourly_minimum_fen,
                check.hours_numerator,
                check.hours_denominator,
                check.hours_source,
                check.required_fen,
                check.shortfall_fen,
                check.earnings_per_hour_fen,
            )
        slip_rows.append(
            (
                period_id,
                worker_id,
                station_id,
                names.get(worker_id, ""),
                accepted,
                rejected,
                rework.get(worker_id, 0),
                lines_fen,
                total - lines_fen,
                total,
                now,
                *figures,
            )
        )
    _bulk_insert(PaySlip.__table__, SLIP_COLUMNS, slip_rows)
    conn = db.session.connection()
    slip_ids: dict[int, int] = dict(
        conn.execute(select(PaySlip.worker_id, PaySlip.id).where(PaySlip.period_id == period_id)).all()
    )
    products = result.products
    line_rows = [
        (
            slip_ids[worker_id],
            worker_id,
            line.order_id,
            products.get(line.order_id, ""),
            line.rate_units,
            line.accepted_pieces,
            line.rejected_pieces,
            line.prior_pieces,
            line.amount_fen,
        )
        for worker_id, slip in result.slips.items()
        for line in slip.lines
    ]
    _bulk_insert(PayLine.__table__, LINE_COLUMNS, line_rows)
    # Top-ups the rules added at closing become adjustment rows of their own (their reason is already
    # worded in the user's language: `compute` passes the wording to the rules).
    known = {a.id for adjs in result.adjustments.values() for a in adjs}
    made_by = actor_id(actor)
    new_rows = [
        (
            period_id,
            worker_id,
            adj.kind,
            adj.amount_fen,
            adj.reason[:REASON_MAX],
            made_by,
            now,
            slip_ids[worker_id],
        )
        for worker_id, slip in result.slips.items()
        if slip.adjustments
        for adj in slip.adjustments
        if adj.corrects not in known
    ]
    _bulk_insert(
        Adjustment.__table__,
        ("period_id", "worker_id", "kind", "amount_fen", "reason", "made_by_id", "made_at", "slip_id"),
        new_rows,
    )
    if known:
        db.session.execute(
            update(Adjustment)
            .where(Adjustment.period_id == period_id, Adjustment.slip_id.is_(None))
            .values(
                slip_id=select(PaySlip.id)
                .where(PaySlip.period_id == period_id, PaySlip.worker_id == Adjustment.worker_id)
                .scalar_subquery()
            )
            .execution_options(synchronize_session=False)
        )
    return len(new_rows)


def _bulk_insert(table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many rows of one shape, given as plain tuples: COPY on PostgreSQL, one executemany elsewhere.

    psycopg sends an executemany as one INSERT per row, which made writing 20,000 slips the slowest part of
    a close; COPY writes them in one stream. On SQLite one prepared INSERT runs for every row. Each value
    is stored as the column's type stores it (timestamps as naive UTC, as `UTCDateTime` does).
    """
    if not rows:
        return
    conn = db.session.connection()
    dialect = conn.dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    converting = [(k, proc) for k, proc in enumerate(processors) if proc is not None]
    if converting:
        cache: dict[
            tuple[int, Any], Any
        ] = {}  # the same value (e.g. the close's timestamp) is converted once

        def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
            values = list(row)
            for k, proc in converting:
                value = values[k]
                if value is None:
                    continue
                key = (k, value)
                out = cache.get(key)
                if out is None:
                    out = cache[key] = proc(value)
                values[k] = out
            return tuple(values)

        rows = [convert(row) for row in rows]
    raw = conn.connection.driver_connection
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608  (names from the table)
        raw.cursor().executemany(sql, rows)
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _waiting_json(w: WaitingLot) -> dict[str, Any]:
    return {
        "task_id": w.task_id,
        "order_id": w.order_id,
        "product": w.product,
        "lot": w.lot_index,
        "worker_id": w.worker_id,
        "worker_name": w.worker_name,
        "reported": w.reported,
        "inspected": w.inspected,
    }


# ------------------------------------------------------------------ adjustments


def _require_open(period: PayPeriod) -> None:
    if period.status != "open":
        raise PayrollError(
            "closed",
            _("This period is closed and never changes; make the correction in an open period."),
            status=409,
        )


def _station_worker(worker_id: int, station_id: int) -> User:
    worker = db.session.get(User, worker_id)
    if worker is None or worker.role != Role.WORKER:
        raise PayrollError("invalid", _("Choose a worker."), {"worker_id": [_("Choose a worker.")]})
    has_pay = db.session.scalar(
        select(PaySlip.id).where(PaySlip.worker_id == worker_id, PaySlip.station_id == station_id).limit(1)
    )
    if worker.station_id != station_id and has_pay is None:
        raise PayrollError(
            "invalid",
            _("This worker is not one of the station's workers."),
            {"worker_id": [_("Choose one of the station's workers.")]},
        )
    return worker


def add_adjustment(
    period_id: int,
    worker_id: int,
    kind: str,
    amount_fen: int | None,
    reason: str,
    actor: User | None,
    *,
    corrects_slip_id: int | None = None,
    corrects_line_id: int | None = None,
) -> Adjustment:
    """Add a bonus, deduction, correction or top-up to a worker in an open period (checked against the slip).

    `amount_fen` is positive for every kind but a correction, whose sign says which way it goes; a
    deduction is stored negative.
    """
    period = db.session.get(PayPeriod, period_id)
    if period is None:
        raise PayrollError("not_found", _("There is no such pay period."), status=404)
    _require_open(period)
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = [_("Choose a bonus, a deduction, a correction or a minimum-wage top-up.")]
    if amount_fen is None or amount_fen == 0:
        errors["amount"] = [_("Enter an amount other than zero, for example 12.50.")]
    elif abs(amount_fen) > MAX_ADJUSTMENT_FEN:
        errors["amount"] = [_("At most %(limit)s.", limit=format_fen(MAX_ADJUSTMENT_FEN))]
    elif kind != "correction" and amount_fen < 0:
        errors["amount"] = [_("Enter the amount without a sign; a deduction is taken off the pay.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Every adjustment needs a reason the worker can read.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(limit)s characters.", limit=REASON_MAX)]
    if errors or amount_fen is None:
        raise PayrollError("invalid", _("Some of what you entered is not valid."), errors)
    worker = _station_worker(worker_id, period.station_id)
    signed = -amount_fen if kind == "deduction" else amount_fen
    if corrects_line_id is not None:
        line = db.session.get(PayLine, corrects_line_id)
        if line is None or line.worker_id != worker.id or line.slip.station_id != period.station_id:
            raise PayrollError(
                "invalid",
                _("The line to correct is not this worker's."),
                {"corrects": [_("Choose one of the worker's slip lines.")]},
            )
        corrects_slip_id = line.slip_id
    if corrects_slip_id is not None:
        slip = db.session.get(PaySlip, corrects_slip_id)
        if slip is None or slip.worker_id != worker.id or slip.station_id != period.station_id:
            raise PayrollError(
                "invalid",
                _("The slip to correct is not this worker's."),
                {"corrects": [_("Choose one of the worker's slips.")]},
            )
    row = Adjustment(
        period_id=period.id,
        worker_id=worker.id,
        kind=kind,
        amount_fen=signed,
        reason=reason,
        made_by_id=actor_id(actor),
        corrects_slip_id=corrects_slip_id,
        corrects_line_id=corrects_line_id,
    )
    nested = db.session.begin_nested()  # a refused adjustment leaves nothing behind
    db.session.add(row)
    db.session.flush()
    try:
        _check_slip(period, worker.id)
    except PayrollError:
        nested.rollback()
        raise
    nested.commit()
    record(
        actor,
        "pay_adjustment.create",
        row,
        after={
            "worker_id": worker.id,
            "period_id": period.id,
            "kind": kind,
            "amount_fen": signed,
            "reason": reason,
            "corrects_slip_id": corrects_slip_id,
            "corrects_line_id": corrects_line_id,
        },
        station_id=period.station_id,
    )
    return row


def _check_slip(period: PayPeriod, worker_id: int) -> None:
    """Refuse an adjustment that makes the worker's slip impossible (deductions above the pay, negative)."""
    lines_fen = 0
    slip = compute_quiet(period, worker_id)
    if slip is not None:
        lines_fen = slip.lines_fen
    rows = open_adjustments(period.id, [worker_id])
    deductions = -sum(a.amount_fen for a in rows if a.kind == "deduction")
    gross = lines_fen + sum(a.amount_fen for a in rows if a.kind != "deduction")
    if deductions > gross:
        raise PayrollError(
            "deduction_too_large",
            _(
                "Deductions of %(deductions)s would be more than the slip's pay of %(gross)s; take the "
                "rest off in a later period.",
                deductions=format_fen(deductions),
                gross=format_fen(gross),
            ),
            {
                "amount": [
                    _(
                        "At most %(limit)s.",
                        limit=format_fen(max(0, gross - deductions + _last_deduction(rows))),
                    )
                ]
            },
        )
    total = lines_fen + sum(a.amount_fen for a in rows)
    if total < 0:
        raise PayrollError(
            "negative_slip",
            _(
                "The slip would come to %(total)s; a slip cannot be negative, so carry the rest to a "
                "later period.",
                total=format_fen(total),
            ),
            {"amount": [_("Enter a smaller amount.")]},
        )


def _last_deduction(rows: Sequence[Adjustment]) -> int:
    last = rows[-1] if rows else None
    return -last.amount_fen if last is not None and last.kind == "deduction" else 0


def compute_quiet(period: PayPeriod, worker_id: int) -> domain.Slip | None:
    """The worker's slip as it stands, lines only (no adjustments); None when they have no pieces."""
    rows = inspection_totals(period.station_id, period.start, period.end, [worker_id])
    if not rows:
        return None
    order_ids = {r.order_id for r in rows}
    prior = {(o, r): n for (_w, o, r), n in prior_paid(order_ids, [worker_id]).items()}
    try:
        return domain.compute_slip(worker_id, rows, rates_for_orders(order_ids), prior)
    except domain.PayError as exc:
        raise PayrollError("cannot_compute", str(exc), status=409) from exc


def remove_adjustment(adjustment: Adjustment, actor: User | None) -> None:
    """Take back an adjustment made in error, while its period is open."""
    _require_open(adjustment.period)
    before = {
        "worker_id": adjustment.worker_id,
        "kind": adjustment.kind,
        "amount_fen": adjustment.amount_fen,
        "reason": adjustment.reason,
    }
    period, worker_id = adjustment.period, adjustment.worker_id
    nested = db.session.begin_nested()
    db.session.delete(adjustment)
    db.session.flush()
    try:  # taking back a bonus may leave the deductions above the pay
        _check_slip(period, worker_id)
    except PayrollError:
        nested.rollback()
        raise
    nested.commit()
    record(actor, "pay_adjustment.delete", period, before=before, station_id=period.station_id)


def top_up_shortfalls(
    period_id: int, actor: User | None, worker_ids: Sequence[int] | None = None
) -> list[Adjustment]:
    """Add a minimum-wage top-up for every worker of the open period whose piece pay falls short."""
    period = db.session.get(PayPeriod, period_id)
    if period is None:
        raise PayrollError("not_found", _("There is no such pay period."), status=404)
    _require_open(period)
    result = compute(period, worker_ids)
    made = []
    for slip in result.shortfalls:
        check = slip.minimum_wage_check
        if check is None:  # shortfalls always have a check
            continue
        adjustment = domain.top_up_adjustment(check, actor_id(actor) or "system")
        row = Adjustment(
            period_id=period.id,
            worker_id=slip.worker_id,
            kind="minimum_wage_top_up",
            amount_fen=adjustment.amount_fen,
            reason=top_up_reason(check),
            made_by_id=actor_id(actor),
        )
        db.session.add(row)
        made.append(row)
    db.session.flush()
    for row in made:
        record(
            actor,
            "pay_adjustment.create",
            row,
            after={
                "worker_id": row.worker_id,
                "kind": row.kind,
                "amount_fen": row.amount_fen,
                "reason": row.reason,
            },
            station_id=period.station_id,
        )
    return made


def top_up_reason(check: domain.MinimumWageCheck) -> str:
    return _top_up_reason_template()(check)


def _top_up_reason_template() -> Any:
    """The top-up reason in the current language as a function of the check (translated once)."""
    template = _(  # no values here: Babel returns the translation with its %(name)s places
        "Minimum-wage top-up: %(hours)s h at %(minimum)s an hour comes to %(required)s; piece pay was "
        "%(earned)s."
    )

    def reason(check: domain.MinimumWageCheck) -> str:
        return template % {
            "hours": check.hours_text,
            "minimum": format_fen(check.hourly_minimum_fen),
            "required": format_fen(check.required_fen),
            "earned": format_fen(check.earnings_fen),
        }

    return reason


def top_up_closed_slip(slip: PaySlip, actor: User | None, today: date | None = None) -> Adjustment:
    """Top up a closed slip's remaining shortfall in the station's open period, pointing at the slip."""
    left = shortfall_left(slip)
    if left <= 0:
        raise PayrollError("no_shortfall", _("This slip already reaches the minimum wage."), status=409)
    period = current_open_period(slip.station_id, today, actor)
    reason = _(
        "Minimum-wage top-up for %(start)s – %(end)s (slip %(number)s): %(hours)s h at %(minimum)s an hour.",
        start=slip.period.start.isoformat(),
        end=slip.period.end.isoformat(),
        number=slip.number,
        hours=_hours_text(slip.hours),
        minimum=format_fen(slip.hourly_minimum_fen or 0),
    )
    return add_adjustment(
        period.id, slip.worker_id, "minimum_wage_top_up", left, reason, actor, corrects_slip_id=slip.id
    )


def _hours_text(hours: Fraction) -> str:
    from factory.money import round_half_up

    hundredths = round_half_up(hours.numerator * 100, hours.denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def corrections_of(slip_ids: Sequence[int]) -> dict[int, list[Adjustment]]:
    """Adjustments made later that correct these slips (or their lines)."""
    if not slip_ids:
        return {}
    out: dict[int, list[Adjustment]] = defaultdict(list)
    for row in db.session.scalars(
        select(Adjustment).where(Adjustment.corrects_slip_id.in_(slip_ids)).order_by(Adjustment.id)
    ):
        out[row.corrects_slip_id or 0].append(row)
    return out


def shortfall_left(slip: PaySlip) -> int:
    later = sum(
        a.amount_fen for a in corrections_of([slip.id]).get(slip.id, []) if a.kind == "minimum_wage_top_up"
    )
    return max(0, slip.shortfall_left_fen - later)


# ------------------------------------------------------------------ slips


def period_slips(period_id: int) -> list[PaySlip]:
    """The period's slips by name, with their adjustments (the pages and the summary read their top-ups)."""
    return list(
        db.session.scalars(
            select(PaySlip)
            .where(PaySlip.period_id == period_id)
            .order_by(PaySlip.worker_name, PaySlip.id)
            .options(selectinload(PaySlip.adjustments))
        )
    )


def worker_slips(worker_id: int, limit: int | None = None) -> list[PaySlip]:
    stmt = (
        select(PaySlip)
        .join(PayPeriod, PayPeriod.id == PaySlip.period_id)
        .where(PaySlip.worker_id == worker_id)
        .order_by(PayPeriod.start.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


# ------------------------------------------------------------------ payees


def mask_account(number: str) -> str:
    """Show the first four and the last four digits: 6222************1234."""
    if len(number) <= 8:
        return "*" * max(0, len(number) - 4) + number[-4:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def normalise_account(text: str) -> str:
    return "".join(ch for ch in (text or "") if not ch.isspace() and ch != "-")


def set_payee_account(
    worker: User, bank_name: str, account_number: str, actor: User | None, holder_name: str | None = None
) -> PayeeAccount:
    """Record where the worker's pay goes; the number is stored encrypted and shown masked."""
    from factory.workers.protect import encrypt

    errors: dict[str, list[str]] = {}
    bank_name = (bank_name or "").strip()
    number = normalise_account(account_number)
    holder = (holder_name or worker.name).strip()
    if not bank_name or len(bank_name) > 100:
        errors["bank_name"] = [_("Enter the bank and branch, for example 中国农业银行青岛市北支行.")]
    if not number.isdigit() or not 12 <= len(number) <= 30:
        errors["account_number"] = [_("A bank card or account number has 12 to 30 digits.")]
    if not holder or len(holder) > 50:
        errors["holder_name"] = [_("Enter the account holder's name.")]
    if errors:
        raise PayrollError("invalid", _("Some of what you entered is not valid."), errors)
    row = db.session.get(PayeeAccount, worker.id)
    before = {"bank_name": row.bank_name, "account": row.account_masked} if row else None
    if row is None:
        row = PayeeAccount(worker_id=worker.id)
        db.session.add(row)
    row.bank_name, row.holder_name = bank_name, holder
    row.account_cipher, row.account_masked = encrypt(number), mask_account(number)
    row.updated_by_id = actor_id(actor)
    db.session.flush()
    record(
        actor,
        "payee_account.set",
        worker,
        before=before,
        after={"bank_name": bank_name, "account": row.account_masked},
        station_id=worker.station_id,
    )
    return row


def payee_accounts(worker_ids: Iterable[int]) -> dict[int, PayeeAccount]:
    ids = sorted(set(worker_ids))
    if not ids:
        return {}
    return {
        p.worker_id: p
        for p in db.session.scalars(select(PayeeAccount).where(PayeeAccount.worker_id.in_(ids)))
    }


# ------------------------------------------------------------------ the worker's earnings


@dataclass
class Earnings:
    period: PayPeriod | None
    start: date
    end: date
    slip: domain.Slip | None
    products: dict[int, str]
    adjustments: list[Adjustment]
    waiting: list[tuple[str, int, int]]  # product, pieces waiting, estimated fen at today's rate
    past: list[PaySlip]
    months: list[tuple[str, int]]  # "2024-05", fen
    # Earlier periods the organiser has not closed yet: accepted pieces so far, paid once closed.
    unsettled: list[tuple[PayPeriod, domain.Slip]] = field(default_factory=list)

    @property
    def waiting_fen(self) -> int:
        return sum(fen for _p, _n, fen in self.waiting)


def worker_earnings(worker: User, today: date | None = None) -> Earnings:
    """This period so far (accepted, and waiting for inspection), past slips, and pay by month."""
    from factory.money import round_half_up

    today = today or local_today()
    station_id = worker.station_id or 0
    period = open_period_on(station_id, today)
    if period is not None and period.status != "open":
        period = None
    span = domain.Period(period.start, period.end) if period else domain.half_month_of(today)
    rows = inspection_totals(station_id, span.start, span.end, [worker.id])
    order_ids = {r.order_id for r in rows}
    slip = None
    adjustments = open_adjustments(period.id, [worker.id]) if period else []
    if rows or adjustments:
        prior = {(o, r): n for (_w, o, r), n in prior_paid(order_ids, [worker.id]).items()}
        try:
            slip = domain.compute_slip(
                worker.id,
                rows,
                rates_for_orders(order_ids),
                prior,
                [_domain_adjustment(a) for a in adjustments],
            )
        except domain.PayError:
            slip = domain.compute_slip(worker.id, rows, rates_for_orders(order_ids), prior)
    waiting_lots = uninspected_lots(station_id, worker.id)
    rates = rates_for_orders({w.order_id for w in waiting_lots})
    waiting: dict[str, list[int]] = {}
    for lot in waiting_lots:
        rate = domain.rate_in_force(lot.order_id, rates[lot.order_id], today)
        entry = waiting.setdefault(lot.product, [0, 0])
        entry[0] += lot.waiting
        entry[1] += lot.waiting * rate
    unsettled: list[tuple[PayPeriod, domain.Slip]] = []
    for earlier in db.session.scalars(
        select(PayPeriod)
        .where(PayPeriod.station_id == station_id, PayPeriod.status == "open", PayPeriod.end < span.start)
        .order_by(PayPeriod.start)
    ):
        earlier_slip = compute_quiet(earlier, worker.id)
        if earlier_slip is not None:
            unsettled.append((earlier, earlier_slip))
    order_ids |= {line.order_id for _period, earlier_slip in unsettled for line in earlier_slip.lines}
    products = (
        dict(db.session.execute(select(Order.id, Order.product).where(Order.id.in_(sorted(order_ids)))).all())
        if order_ids
        else {}
    )
    past = worker_slips(worker.id, limit=12)
    by_month: dict[str, int] = defaultdict(int)
    for s in past:
        by_month[s.period.end.strftime("%Y-%m")] += s.total_fen
    months = sorted(by_month.items())[-6:]
    return Earnings(
        period=period,
        start=span.start,
        end=span.end,
        slip=slip,
        products=products,
        adjustments=adjustments,
        waiting=[(p, n, round_half_up(units, 100)) for p, (n, units) in sorted(waiting.items())],
        past=past,
        months=months,
        unsettled=unsettled,
    )
