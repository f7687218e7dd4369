"""Stored monthly figures: the trend reads past months from the store, and a stored month is never an
answer the records no longer give (tests/reports/conftest.py holds the hand-built month)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from factory.extensions import db
from factory.payroll.models import PayPeriod, PaySlip
from factory.production.models import Inspection, Task
from factory.reports import domain, services
from factory.reports.domain import last_months, month_span
from factory.reports.models import MonthFigures
from factory.reports.services import Scope
from factory.workers.models import WorkerProfile

JUNE = month_span(2026, 6)
APRIL, MAY = domain.month_index(date(2026, 4, 1)), domain.month_index(date(2026, 5, 1))


@pytest.fixture
def settled(month: dict[str, Any]) -> dict[str, Any]:
    """The hand-built month with April and May paid in closed periods at every station."""
    a, b, c = month["stations"]
    w1, w2, w3, _w4, *_ = month["workers"]
    for station, start, end, slips in (
        (a, date(2026, 4, 1), date(2026, 5, 31), [(w1, 1130, 33, 2), (w2, 733, 25, 0)]),
        (b, date(2026, 4, 1), date(2026, 5, 31), [(w3, 1560, 39, 1)]),
        (c, date(2026, 4, 1), date(2026, 4, 30), []),
        (c, date(2026, 5, 16), date(2026, 5, 31), [(month["workers"][3], 2000, 20, 3)]),
    ):
        period = PayPeriod(station_id=station.id, start=start, end=end, status="closed")
        db.session.add(period)
        db.session.flush()
        for worker, fen, accepted, rejected in slips:
            db.session.add(
                PaySlip(
                    period_id=period.id,
                    worker_id=worker.id,
                    station_id=station.id,
                    worker_name=worker.name,
                    accepted_pieces=accepted,
                    rejected_pieces=rejected,
                    lines_fen=fen,
                    total_fen=fen,
                    hours_numerator=3,
                    hours_denominator=1,
                )
            )
    # The pieces were inspected in spring, long before anyone looks at the figures.
    for inspection in db.session.scalars(db.select(Inspection)):
        inspection.created_at = datetime.combine(inspection.inspected_on, time(18), UTC)
    db.session.execute(db.update(WorkerProfile).values(updated_at=datetime(2026, 4, 1, tzinfo=UTC)))
    db.session.flush()
    return month


def fresh(scope: Scope) -> list[tuple[Any, Any]]:
    """The trend computed from the records alone, without the store."""
    months = last_months(scope.span.end)
    figures = services.compute(scope, by="month", months=months)
    return [(m, figures.get(domain.month_index(m.start)) or services.Figures()) for m in months]


def stored(scope_key: str = "city") -> dict[int, MonthFigures]:
    db.session.flush()
    return {
        row.month: row
        for row in db.session.scalars(db.select(MonthFigures).where(MonthFigures.scope == scope_key))
    }


def tamper(month_index: int, scope_key: str = "city") -> None:
    """Overwrite a stored month with figures the records never gave."""
    row = stored(scope_key)[month_index]
    data = json.loads(row.figures)
    data["earners"], data["total_fen"] = 999, 999_999
    row.figures = json.dumps(data)
    db.session.flush()


def test_past_settled_months_are_stored_and_read_back(settled: dict[str, Any]) -> None:
    scope = Scope(JUNE)
    first = services.trend(scope)
    assert first == fresh(scope)
    rows = stored()
    assert set(rows) == {domain.month_index(m.start) for m in last_months(JUNE.end)}
    may = dict((domain.month_index(m.start), f) for m, f in first)[MAY]
    assert (may.earners, may.total_fen) == (4, 1130 + 733 + 1560 + 1200 + 2000)  # the slips ending in May
    tamper(MAY)  # the next answer comes from the store: it shows the tampered row
    assert dict((domain.month_index(m.start), f) for m, f in services.trend(scope))[MAY].earners == 999


def test_a_month_with_open_work_is_not_stored(month: dict[str, Any]) -> None:
    services.trend(Scope(JUNE))
    rows = stored()
    assert APRIL not in rows and MAY not in rows  # pieces outside closed pay periods
    assert domain.month_index(date(2026, 3, 1)) in rows  # nothing happened in March: nothing can move it


def test_the_month_not_yet_over_is_not_stored(settled: dict[str, Any]) -> None:
    today = services.local_today()
    current = month_span(today.year, today.month)
    services.trend(Scope(current))
    assert domain.month_index(current.start) not in stored()


def test_a_backdated_inspection_makes_the_month_stale(settled: dict[str, Any]) -> None:
    scope = Scope(JUNE)
    services.trend(scope)
    tamper(MAY)
    april = stored()[APRIL].figures
    task = db.session.scalar(db.select(Task).where(Task.worker_id == settled["workers"][2].id))
    db.session.add(Inspection(task_id=task.id, accepted=1, rejected=0, inspected_on=date(2026, 5, 30)))
    db.session.flush()
    trend = services.trend(scope)
    assert trend == fresh(scope)
    assert {domain.month_index(m.start): f for m, f in trend}[MAY].earners == 4
    assert stored()[MAY].figures != april and "999" not in stored()[MAY].figures  # stored afresh
    assert stored()[APRIL].figures == april  # dated after April: April's stored figures still hold


def test_an_earlier_inspection_changes_who_earned_first(settled: dict[str, Any]) -> None:
    scope = Scope(JUNE)
    services.trend(scope)
    tamper(MAY)
    w3 = settled["workers"][2]
    task = db.session.scalar(db.select(Task).where(Task.worker_id == w3.id))
    db.session.add(Inspection(task_id=task.id, accepted=2, rejected=0, inspected_on=date(2025, 9, 3)))
    db.session.flush()
    trend = services.trend(scope)
    assert trend == fresh(scope)
    assert {domain.month_index(m.start): f for m, f in trend}[MAY].first_time == 2  # W3 had earned before


def test_closing_a_period_makes_its_month_stale(month: dict[str, Any]) -> None:
    scope = Scope(JUNE)
    services.trend(scope)
    march = domain.month_index(date(2026, 3, 1))
    tamper(march)
    a = month["stations"][0]
    db.session.add(PayPeriod(station_id=a.id, start=date(2026, 3, 1), end=date(2026, 3, 15), status="closed"))
    db.session.flush()
    assert services.trend(scope) == fresh(scope)


def test_a_new_hardship_category_makes_the_months_they_were_paid_in_stale(settled: dict[str, Any]) -> None:
    scope = Scope(JUNE)
    services.trend(scope)
    tamper(MAY)
    profile = db.session.get(WorkerProfile, settled["workers"][2].id)
    profile.hardship_category = "disabled"
    db.session.flush()
    trend = services.trend(scope)
    assert trend == fresh(scope)
    assert {domain.month_index(m.start): f for m, f in trend}[MAY].hard_by_category == {"disabled": 3}


def test_a_newly_registered_resident_leaves_past_months_alone(
    settled: dict[str, Any], make_user: Any
) -> None:
    scope = Scope(JUNE)
    services.trend(scope)
    tamper(MAY)
    newcomer = make_user("worker", station=settled["stations"][0])
    db.session.add(WorkerProfile(user_id=newcomer.id, hard_to_employ=True, hardship_category="disabled"))
    db.session.flush()
    assert {domain.month_index(m.start): f for m, f in services.trend(scope)}[MAY].earners == 999


def test_a_station_moving_district_makes_the_district_stale(settled: dict[str, Any]) -> None:
    a, _b, c = settled["stations"]
    scope = Scope(JUNE, district_id=c.district_id)
    services.trend(scope)
    key = f"d{c.district_id}"
    tamper(MAY, key)
    a.district_id = c.district_id
    db.session.flush()
    assert services.trend(scope) == fresh(scope)


def test_each_scope_has_its_own_months(settled: dict[str, Any]) -> None:
    a = settled["stations"][0]
    for scope in (Scope(JUNE), Scope(JUNE, district_id=a.district_id), Scope(JUNE, station_id=a.id)):
        assert services.trend(scope) == fresh(scope)
        assert services.trend(scope) == fresh(scope)  # the second answer is read from the store
    assert {"city", f"d{a.district_id}", f"s{a.id}"} <= set(
        db.session.scalars(db.select(MonthFigures.scope).distinct())
    )


def test_rows_checked_long_ago_are_brought_forward(settled: dict[str, Any]) -> None:
    from factory.reports.stored import RECHECK
    from factory.types import utcnow

    scope = Scope(JUNE)
    services.trend(scope)
    tamper(MAY)
    long_ago = utcnow() - 3 * RECHECK
    for row in stored().values():
        row.computed_at = long_ago
    db.session.flush()
    trend = services.trend(scope)
    assert {domain.month_index(m.start): f for m, f in trend}[MAY].earners == 999  # still valid: kept
    assert all(row.computed_at > long_ago for row in stored().values())


def test_closing_a_period_stores_the_months_in_the_background(
    settled: dict[str, Any], make_user: Any
) -> None:
    from factory.jobs.models import Job
    from factory.payroll import services as payroll

    a = settled["stations"][0]
    organiser = make_user("organiser", station=a)
    period = PayPeriod(station_id=a.id, start=date(2026, 6, 1), end=date(2026, 6, 15), status="open")
    db.session.add(period)
    db.session.flush()
    assert not stored()
    payroll.close_period(period.id, organiser, leave_uninspected=True)
    db.session.commit()  # the job runs once the close is committed
    job = db.session.scalar(db.select(Job).where(Job.kind == "reports_store_months"))
    db.session.refresh(job)
    assert job.status == "done", job.message
    for key in ("city", f"d{a.district_id}", f"s{a.id}"):
        assert MAY in stored(key), key  # settled months are there before anyone looks
    may = {domain.month_index(m.start): f for m, f in fresh(Scope(JUNE))}[MAY]
    assert domain.work_from_json(json.loads(stored()[MAY].figures)).total_fen == may.total_fen


def test_the_command_stores_the_city_and_each_district_ahead_of_time(
    settled: dict[str, Any], app: Any
) -> None:
    a, _b, c = settled["stations"]
    result = app.test_cli_runner().invoke(args=["reports", "store"])
    assert result.exit_code == 0, result.output
    assert "stored: 3 scopes" in result.output  # the city and its two districts
    for key in ("city", f"d{a.district_id}", f"d{c.district_id}"):
        assert MAY in stored(key), key
