"""A small month built by hand (May 2026), whose every figure is worked out in tests/reports/test_services.py.

Stations A and B lie in 市北区, C in 李沧区. Orders (rates in fen per piece):
  O1 (enterprise E1): 35.5 fen until 15 May, 40 fen from 16 May; 6 standard minutes; 100 pieces due 20 May;
      A took 60, B took 40. A delivered 60 on 18 May; B delivered 30 on 19 May and 10 on 22 May (late).
  O2 (E2): 100 fen, 10 minutes, 40 pieces due 25 May, all at C, delivered 25 May.
  O3 (E1): 20 fen, 3 minutes, 50 pieces due 10 June, at A.
Workers:
  W1 (A, hard to employ: disabled): O1 20 accepted + 2 rejected on 10 May, 8 on 18 May; 5 of O3 in April.
  W2 (A): O1 15 on 12 May with 45 reported minutes for 15 pieces; O3 10 on 20 May.
  W3 (B, hard: older unemployed): O1 39 accepted + 1 rejected on 19 May.
  W4 (C, hard: disabled): O2 12 on 8 May (C's pay period 1-15 May is closed: slip 1200 fen, 2 hours),
      20 accepted + 3 rejected on 20 May.
  W5 (A): offers hours, no task.   W6 (B): offers no hours.   W7 (C): a task day on 21 May, 4 rejected.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from factory.extensions import db


@pytest.fixture
def month(make_station: Any, make_enterprise: Any, make_user: Any) -> dict[str, Any]:
    from factory.orders.models import Acceptance, Delivery, Lot, Order
    from factory.payroll.models import OrderRate, PayPeriod, PaySlip
    from factory.production.models import Inspection, Report, Task, TaskDay
    from factory.reference.models import Skill
    from factory.workers.models import WeeklyHours, WorkerProfile

    a = make_station("站点A", "市北区")
    b = make_station("站点B", "市北区")
    c = make_station("站点C", "李沧区")
    e1, e2 = make_enterprise("企业一"), make_enterprise("企业二")
    skill = db.session.scalar(db.select(Skill).limit(1))

    def order(enterprise: Any, rate: int, minutes: str, quantity: int, due: date) -> Any:
        o = Order(
            enterprise_id=enterprise.id,
            product="产品",
            skill_id=skill.id,
            quantity=quantity,
            lot_size=quantity,
            piece_rate_units=rate,
            standard_minutes=Decimal(minutes),
            due_date=due,
            status="in_production",
        )
        db.session.add(o)
        db.session.flush()
        return o

    o1 = order(e1, 3550, "6", 100, date(2026, 5, 20))
    o2 = order(e2, 10000, "10", 40, date(2026, 5, 25))
    o3 = order(e1, 2000, "3", 50, date(2026, 6, 10))
    db.session.add_all(
        [
            OrderRate(order_id=o1.id, effective_from=date(2000, 1, 1), rate_units=3550),
            OrderRate(order_id=o1.id, effective_from=date(2026, 5, 16), rate_units=4000),
            Acceptance(order_id=o1.id, station_id=a.id, quantity=60),
            Acceptance(order_id=o1.id, station_id=b.id, quantity=40),
            Acceptance(order_id=o2.id, station_id=c.id, quantity=40),
            Acceptance(order_id=o3.id, station_id=a.id, quantity=50),
            Delivery(order_id=o1.id, station_id=a.id, delivered_on=date(2026, 5, 18), pieces=60),
            Delivery(order_id=o1.id, station_id=b.id, delivered_on=date(2026, 5, 19), pieces=30),
            Delivery(order_id=o1.id, station_id=b.id, delivered_on=date(2026, 5, 22), pieces=10),
            Delivery(order_id=o2.id, station_id=c.id, delivered_on=date(2026, 5, 25), pieces=40),
        ]
    )

    def worker(station: Any, hard: str | None = None, weekly: int = 400) -> Any:
        user = make_user("worker", station=station)
        user.created_at = datetime(2026, 4, 1, tzinfo=UTC)  # registered before the month
        db.session.add(
            WorkerProfile(user_id=user.id, hard_to_employ=hard is not None, hardship_category=hard)
        )
        db.session.add(WeeklyHours(worker_id=user.id, d0=weekly, d2=weekly))
        db.session.flush()
        return user

    w1, w2 = worker(a, "disabled"), worker(a)
    w3 = worker(b, "older_unemployed")
    w4 = worker(c, "disabled")
    w5, w6, w7 = worker(a), worker(b, weekly=0), worker(c)

    lots = 0

    def task(who: Any, o: Any, station: Any, pieces: int) -> Any:
        nonlocal lots
        lots += 1
        lot = Lot(order_id=o.id, index=lots, pieces=pieces, station_id=station.id)
        db.session.add(lot)
        db.session.flush()
        t = Task(
            lot_id=lot.id,
            order_id=o.id,
            worker_id=who.id,
            station_id=station.id,
            pieces=pieces,
            reported=pieces,
            status="inspected",
        )
        db.session.add(t)
        db.session.flush()
        return t

    def inspect(t: Any, on: date, accepted: int, rejected: int = 0) -> None:
        db.session.add(Inspection(task_id=t.id, accepted=accepted, rejected=rejected, inspected_on=on))

    t = task(w1, o3, a, 5)
    inspect(t, date(2026, 4, 20), 5)
    t = task(w1, o1, a, 30)
    inspect(t, date(2026, 5, 10), 20, 2)
    inspect(t, date(2026, 5, 18), 8)
    t = task(w2, o1, a, 15)
    inspect(t, date(2026, 5, 12), 15)
    db.session.add(
        Report(
            task_id=t.id,
            worker_id=w2.id,
            pieces=15,
            minutes=45,
            idempotency_key="k1",
            body_hash="h",
            reported_on=date(2026, 5, 11),
        )
    )
    t = task(w2, o3, a, 10)
    inspect(t, date(2026, 5, 20), 10)
    t = task(w3, o1, b, 40)
    inspect(t, date(2026, 5, 19), 39, 1)
    t = task(w4, o2, c, 35)
    inspect(t, date(2026, 5, 8), 12)
    inspect(t, date(2026, 5, 20), 20, 3)
    t = task(w7, o2, c, 5)
    db.session.add(TaskDay(task_id=t.id, day=date(2026, 5, 21), pieces=Decimal(5)))
    inspect(t, date(2026, 5, 22), 0, 4)

    period = PayPeriod(station_id=c.id, start=date(2026, 5, 1), end=date(2026, 5, 15), status="closed")
    db.session.add(period)
    db.session.flush()
    slip = PaySlip(
        period_id=period.id,
        worker_id=w4.id,
        station_id=c.id,
        worker_name=w4.name,
        accepted_pieces=12,
        rejected_pieces=0,
        lines_fen=1200,
        total_fen=1200,
        hours_numerator=2,
        hours_denominator=1,
    )
    db.session.add(slip)
    db.session.flush()
    return {
        "stations": (a, b, c),
        "enterprises": (e1, e2),
        "orders": (o1, o2, o3),
        "workers": (w1, w2, w3, w4, w5, w6, w7),
        "slip": slip,
    }
