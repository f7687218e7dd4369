"""Every figure of the hand-built month (tests/reports/conftest.py), worked out by hand below."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from factory.extensions import db
from factory.reports import services
from factory.reports.domain import Span, month_span
from factory.reports.services import Scope
from factory.workers.models import WorkerProfile

MAY = month_span(2026, 5)

# Earnings, by hand (fen):
#   W1: 20 x 35.5 = 710 (rate until 15 May) + 8 x 40 = 320 (from 16 May)          = 1030
#   W2: 15 x 35.5 = 532.5 -> 533 (half up, one line) + 10 x 20 = 200                 =  733
#   W3: 39 x 40                                                                       = 1560
#   W4: slip of the closed period 1-15 May 1200 + 20 x 100 = 2000 (open days)         = 3200
# Minutes: W1 28 x 6 = 168; W2 15 at the reported pace 45/15 = 45, + 10 x 3 = 30 -> 75;
#          W3 39 x 6 = 234; W4 2 h on the slip = 120, + 20 x 10 = 200 -> 320.
# Per hour: W1 1030*60/168 = 367.857; W2 733*60/75 = 586.4; W3 400; W4 600.


def test_the_city_month(month: dict[str, Any]) -> None:
    f = services.city(Scope(MAY))
    assert f.earners == 4
    assert f.hard_to_employ == 3
    assert f.hard_by_category == {"disabled": 2, "older_unemployed": 1}
    assert f.first_time == 3  # W1 earned in April
    assert f.total_fen == 1030 + 733 + 1560 + 3200
    assert f.median_fen == (1030 + 1560) // 2  # 1295, the mean of the two middle earners
    assert f.median_per_hour_fen == 493  # (400 + 586.4) / 2 = 493.2
    assert f.minutes == 168 + 75 + 234 + 320
    assert f.hours_text == "13.28"
    assert f.accepted == 28 + 25 + 39 + 32
    assert f.rejected == 2 + 1 + 3 + 4
    assert f.quality == Fraction(124, 134)
    assert f.orders_served == 3
    assert f.enterprises_served == 2
    # O1 is due 20 May and only 90 of 100 pieces came by then; O2 came in full on its due day.
    assert (f.orders_due, f.orders_on_time) == (2, 1)
    assert f.offered_without_work == 1  # W5; W6 offers no hours, W7 had a task day


def test_one_district(month: dict[str, Any]) -> None:
    a = month["stations"][0]
    f = services.city(Scope(MAY, district_id=a.district_id))
    assert (f.earners, f.hard_to_employ, f.first_time) == (3, 2, 2)
    assert f.total_fen == 1030 + 733 + 1560
    assert f.median_fen == 1030
    assert f.median_per_hour_fen == 400
    assert (f.accepted, f.rejected) == (92, 3)
    assert (f.orders_served, f.enterprises_served) == (2, 1)
    # The district's part of O1 (A's 60 and B's 40) was 10 pieces short on its due day.
    assert (f.orders_due, f.orders_on_time) == (1, 0)
    assert f.offered_without_work == 1


def test_station_comparison(month: dict[str, Any]) -> None:
    a, b, c = month["stations"]
    rows = {r.station_id: r for r in services.stations(Scope(MAY), sort="name", descending=False)}
    fa, fb, fc = rows[a.id].figures, rows[b.id].figures, rows[c.id].figures
    assert (fa.earners, fa.total_fen, fa.median_fen) == (2, 1763, 882)  # (733 + 1030) / 2 = 881.5
    assert fa.median_per_hour_fen == 477  # (367.857 + 586.4) / 2 = 477.13
    assert (fa.orders_due, fa.orders_on_time, fa.offered_without_work) == (1, 1, 1)
    assert (fb.earners, fb.total_fen, fb.median_per_hour_fen) == (1, 1560, 400)
    assert (fb.orders_due, fb.orders_on_time, fb.offered_without_work) == (1, 0, 0)
    assert (fc.earners, fc.total_fen, fc.first_time, fc.hard_to_employ) == (1, 3200, 1, 1)
    assert fc.quality == Fraction(32, 39)
    assert (fc.orders_due, fc.orders_on_time) == (1, 1)


def test_station_table_sorts_by_any_column(month: dict[str, Any]) -> None:
    a, b, c = month["stations"]
    scope = Scope(MAY)
    by_total = [r.station_id for r in services.stations(scope, "total", True) if r.figures.earners]
    assert by_total == [c.id, a.id, b.id]
    by_quality = [r.station_id for r in services.stations(scope, "quality", False) if r.figures.earners]
    assert by_quality == [c.id, a.id, b.id]  # 32/39 = 82.1 %, 53/55 = 96.4 %, 39/40 = 97.5 %


def test_a_closed_period_is_read_from_its_frozen_slip(month: dict[str, Any]) -> None:
    c = month["stations"][2]
    month["slip"].lines_fen = 1234  # what was paid, not a recount
    db.session.flush()
    assert services.city(Scope(MAY, station_id=c.id)).total_fen == 1234 + 2000


def test_a_pay_period_span(month: dict[str, Any]) -> None:
    f = services.city(Scope(Span(date(2026, 5, 16), date(2026, 5, 31))))
    # W1 8 x 40, W2 O3 200, W3 1560, W4 2000 (W4's slip belongs to the first half).
    assert f.total_fen == 320 + 200 + 1560 + 2000
    assert f.first_time == 1  # W3; W1, W2 and W4 had earned in the first half


def test_trend_of_twelve_months(month: dict[str, Any]) -> None:
    trend = services.trend(Scope(MAY))
    assert len(trend) == 12
    assert trend[-1][0] == MAY
    april, may = trend[-2][1], trend[-1][1]
    assert (april.earners, april.total_fen, april.first_time) == (1, 100, 1)
    assert (may.earners, may.total_fen, may.first_time, may.median_fen) == (4, 6523, 3, 1295)
    assert all(f.earners == 0 for _, f in trend[:-2])


def test_the_dashboard_reads_the_month_from_its_trend(month: dict[str, Any]) -> None:
    a = month["stations"][0]
    for scope in (Scope(MAY), Scope(MAY, district_id=a.district_id), Scope(MAY, station_id=a.id)):
        figures, trend = services.city_and_trend(scope)
        assert figures == services.city(scope)
        assert trend == services.trend(scope)
    # A pay-period span is not a month of the trend: its figures are its own.
    half = Scope(Span(date(2026, 5, 16), date(2026, 5, 31)))
    assert services.city_and_trend(half)[0] == services.city(half)


def test_enterprise_view(month: dict[str, Any]) -> None:
    a, b, _ = month["stations"]
    e1 = month["enterprises"][0]
    view = services.enterprise_view(e1, MAY)
    assert (view.figures.orders_due, view.figures.orders_on_time) == (1, 0)
    assert (view.figures.accepted, view.figures.rejected) == (92, 3)
    assert view.delivered_by_month[-1] == (MAY, 100)
    rows = {r.station_id: r for r in view.stations}
    assert set(rows) == {a.id, b.id}
    assert (rows[a.id].accepted, rows[a.id].delivered, rows[a.id].orders) == (53, 60, 2)
    assert (rows[b.id].accepted, rows[b.id].rejected, rows[b.id].delivered) == (39, 1, 40)
    assert (rows[b.id].received, rows[b.id].unconfirmed, rows[b.id].missing) == (0, 40, 0)
    # The enterprise confirms station b's first delivery (30) with 2 missing, the second (10) in full.
    from factory.orders.models import Delivery
    from factory.types import utcnow

    first, second = db.session.scalars(
        select(Delivery).where(Delivery.station_id == b.id).order_by(Delivery.delivered_on)
    ).all()
    first.received_at, first.received_pieces = utcnow(), 28
    second.received_at = utcnow()
    db.session.flush()
    row = {r.station_id: r for r in services.enterprise_view(e1, MAY).stations}[b.id]
    assert (row.delivered, row.received, row.unconfirmed, row.missing) == (40, 38, 0, 2)


def test_an_empty_month_has_no_figures(month: dict[str, Any]) -> None:
    f = services.city(Scope(month_span(2025, 1)))
    assert (f.earners, f.total_fen, f.median_fen, f.median_per_hour_fen, f.quality) == (
        0,
        0,
        None,
        None,
        None,
    )


def test_offering_hours_counts_local_days_for_registration(month: dict[str, Any]) -> None:
    """Registered at 07:30 on 1 June in the stations' time zone: still 31 May in UTC, not in May here."""
    w5 = month["workers"][4]
    w5.created_at = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    db.session.flush()
    assert services.city(Scope(MAY)).offered_without_work == 0
    w5.created_at = datetime(2026, 5, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 May here
    db.session.flush()
    assert services.city(Scope(MAY)).offered_without_work == 1


def test_offering_hours_counts_local_days_for_leaving(month: dict[str, Any]) -> None:
    """Left at 01:00 on 1 May in the stations' time zone (30 April in UTC): still offered hours in May."""
    profile = db.session.get(WorkerProfile, month["workers"][4].id)
    assert profile is not None
    profile.left_at = datetime(2026, 4, 30, 17, 0, tzinfo=UTC)
    db.session.flush()
    assert services.city(Scope(MAY)).offered_without_work == 1
    profile.left_at = datetime(2026, 4, 30, 15, 0, tzinfo=UTC)  # 23:00 on 30 April here
    db.session.flush()
    assert services.city(Scope(MAY)).offered_without_work == 0
