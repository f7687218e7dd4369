"""Properties of pay at the service level: the same inspections, closed through the database in different ways,
pay the same. (The pure rules have their own property tests; these add the SQL grouping by rate period,
the pieces already paid read back from closed slips, and the bulk writes.)"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from factory.extensions import db
from factory.payroll import domain, services
from factory.payroll.models import PaySlip
from factory.production.models import Inspection, Task

DAY0 = date(2024, 6, 1)
# (day, worker, accepted, rejected, whether the rejected pieces go back for rework)
inspections = st.lists(
    st.tuples(st.integers(0, 14), st.integers(0, 1), st.integers(0, 40), st.integers(0, 3), st.booleans()),
    min_size=1,
    max_size=12,
)


def _paid(station_id: int, worker_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per worker (by position): total paid, pieces rejected for good, pieces rejected for rework."""
    rows = db.session.execute(
        select(
            PaySlip.worker_id,
            func.sum(PaySlip.total_fen),
            func.sum(PaySlip.rejected_pieces),
            func.sum(PaySlip.rework_pieces),
        )
        .where(PaySlip.station_id == station_id)
        .group_by(PaySlip.worker_id)
    ).all()
    by_id = {w: (fen, rejected, rework) for w, fen, rejected, rework in rows}
    return {n: by_id.get(w, (0, 0, 0)) for n, w in enumerate(worker_ids)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(work_list=inspections, split=st.integers(1, 14), rate_change=st.booleans())
def test_splitting_a_period_and_reordering_inspections_never_changes_what_is_paid(
    make_station: Any,
    make_user: Any,
    make_order: Any,
    work: Any,
    give: Any,
    work_list: list[tuple[int, int, int, int, bool]],
    split: int,
    rate_change: bool,
) -> None:
    nested = db.session.begin_nested()
    try:
        totals = []
        for way in ("one period", "two periods, inspections reversed"):
            station = make_station()
            organiser = make_user("organiser", station=station)
            workers = [make_user("worker", station=station) for _ in range(2)]
            order = make_order(rate=3550, at=station)
            if rate_change:
                services.change_rate(order, DAY0 + timedelta(days=7), 4125, "调价", organiser)
            tasks = [give(order, w, station) for w in workers]
            items = work_list if way == "one period" else list(reversed(work_list))
            for day, who, accepted, rejected, rework in items:
                if accepted + rejected:
                    work(
                        tasks[who],
                        DAY0 + timedelta(days=day),
                        accepted,
                        rejected,
                        rework=rework,
                        by=organiser,
                    )
            after = date(2024, 7, 1)  # pieces back for rework are left waiting: they are inspected later
            if way == "one period":
                p = services.create_period(station.id, DAY0, DAY0 + timedelta(days=14), organiser)
                services.close_period(p.id, organiser, today=after, leave_uninspected=True)
            else:
                first = services.create_period(station.id, DAY0, DAY0 + timedelta(days=split - 1), organiser)
                second = services.create_period(
                    station.id, DAY0 + timedelta(days=split), DAY0 + timedelta(days=14), organiser
                )
                services.close_period(first.id, organiser, today=after, leave_uninspected=True)
                services.close_period(second.id, organiser, today=after, leave_uninspected=True)
            totals.append(_paid(station.id, [w.id for w in workers]))
        assert totals[0] == totals[1]
        # Exactly the pieces' worth, rounded once per (worker, rate): nothing gained or lost at the boundary.
        # The slips count as rejected the pieces rejected for good, and keep the rework rejections apart.
        for who in (0, 1):
            by_rate: dict[int, int] = {}
            for day, w, accepted, _r, _rework in work_list:
                if w == who:
                    rate = 4125 if rate_change and day >= 7 else 3550
                    by_rate[rate] = by_rate.get(rate, 0) + accepted
            exact = sum((pieces * rate * 2 + 100) // 200 for rate, pieces in by_rate.items())
            for_good = sum(r for _d, w, _a, r, rework in work_list if w == who and not rework)
            sent_back = sum(r for _d, w, _a, r, rework in work_list if w == who and rework)
            assert totals[1][who] == (exact, for_good, sent_back)
    finally:
        nested.rollback()


rate_changes = st.lists(st.tuples(st.integers(-3, 17), st.integers(1000, 9000)), max_size=3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    work_list=st.lists(
        st.tuples(
            st.integers(0, 14),
            st.integers(0, 1),
            st.integers(0, 1),
            st.integers(0, 40),
            st.integers(0, 3),
            st.booleans(),
        ),
        min_size=1,
        max_size=14,
    ),
    changes=st.tuples(rate_changes, rate_changes),
)
def test_the_close_s_sums_price_like_the_rules_applied_to_every_inspection(
    make_station: Any,
    make_user: Any,
    make_order: Any,
    work: Any,
    give: Any,
    work_list: list[tuple[int, int, int, int, int, bool]],
    changes: tuple[list[tuple[int, int]], list[tuple[int, int]]],
) -> None:
    """The database sums the inspections per worker, order and stretch of days with one rate (one way on
    SQLite, another on PostgreSQL) and takes off the pieces rejected for rework; the slips from those sums
    are the slips from every single inspection, counting as rejected only the pieces rejected for good."""
    nested = db.session.begin_nested()
    try:
        station = make_station()
        organiser = make_user("organiser", station=station)
        workers = [make_user("worker", station=station) for _ in range(2)]
        orders = [make_order(rate=3550, at=station), make_order(rate=4000, minutes="1.5", at=station)]
        for order, order_changes in zip(orders, changes, strict=True):
            for offset, rate in sorted(dict(order_changes).items()):
                services.change_rate(order, DAY0 + timedelta(days=offset), rate, "调价", organiser)
        tasks = {(w, o): give(orders[o], workers[w], station) for w in (0, 1) for o in (0, 1)}
        for day, who, which, accepted, rejected, rework in work_list:
            if accepted + rejected:
                work(
                    tasks[(who, which)],
                    DAY0 + timedelta(days=day),
                    accepted,
                    rejected,
                    rework=rework,
                    by=organiser,
                )
        end = DAY0 + timedelta(days=14)
        every = [
            domain.Inspection(worker, order, day, accepted, 0 if rework else rejected)
            for worker, order, day, accepted, rejected, rework in db.session.execute(
                select(
                    Task.worker_id,
                    Task.order_id,
                    Inspection.inspected_on,
                    Inspection.accepted,
                    Inspection.rejected,
                    Inspection.rework,
                )
                .join(Task, Task.id == Inspection.task_id)
                .where(Task.station_id == station.id, Inspection.inspected_on.between(DAY0, end))
            )
        ]
        rates = services.rates_for_orders(o.id for o in orders)
        expected = domain.compute_period(every, rates)
        assert domain.compute_period(services.inspection_totals(station.id, DAY0, end), rates) == expected
        one = workers[0].id
        mine = services.inspection_totals(station.id, DAY0, end, [one])
        assert domain.compute_period(mine, rates) == {w: s for w, s in expected.items() if w == one}
    finally:
        nested.rollback()
