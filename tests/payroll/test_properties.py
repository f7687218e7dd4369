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
from factory.payroll import services
from factory.payroll.models import PaySlip

DAY0 = date(2024, 6, 1)
inspections = st.lists(
    st.tuples(st.integers(0, 14), st.integers(0, 1), st.integers(0, 40), st.integers(0, 3)),
    min_size=1,
    max_size=12,
)


def _paid(station_id: int, worker_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(PaySlip.worker_id, func.sum(PaySlip.total_fen))
        .where(PaySlip.station_id == station_id)
        .group_by(PaySlip.worker_id)
    ).all()
    by_id = dict(rows)
    return {n: by_id.get(w, 0) for n, w in enumerate(worker_ids)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(work_list=inspections, split=st.integers(1, 14), rate_change=st.booleans())
def test_splitting_a_period_and_reordering_inspections_never_changes_what_is_paid(
    make_station: Any,
    make_user: Any,
    make_order: Any,
    work: Any,
    give: Any,
    work_list: list[tuple[int, int, int, int]],
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
            for day, who, accepted, rejected in items:
                if accepted + rejected:
                    work(tasks[who], DAY0 + timedelta(days=day), accepted, rejected, by=organiser)
            after = date(2024, 7, 1)
            if way == "one period":
                p = services.create_period(station.id, DAY0, DAY0 + timedelta(days=14), organiser)
                services.close_period(p.id, organiser, today=after)
            else:
                first = services.create_period(station.id, DAY0, DAY0 + timedelta(days=split - 1), organiser)
                second = services.create_period(
                    station.id, DAY0 + timedelta(days=split), DAY0 + timedelta(days=14), organiser
                )
                services.close_period(first.id, organiser, today=after)
                services.close_period(second.id, organiser, today=after)
            totals.append(_paid(station.id, [w.id for w in workers]))
        assert totals[0] == totals[1]
        # Exactly the pieces' worth, rounded once per (worker, rate): nothing gained or lost at the boundary.
        for who in (0, 1):
            by_rate: dict[int, int] = {}
            for day, w, accepted, _r in work_list:
                if w == who:
                    rate = 4125 if rate_change and day >= 7 else 3550
                    by_rate[rate] = by_rate.get(rate, 0) + accepted
            exact = sum((pieces * rate * 2 + 100) // 200 for rate, pieces in by_rate.items())
            assert totals[1][who] == exact
    finally:
        nested.rollback()
