"""Fixtures for payroll: a station with an organiser and workers, orders it took on, and pieces inspected.

Pieces go through production's own services (publish, report, inspect), so the close reads what the
floor really writes.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from factory.extensions import db
from factory.orders import services as orders
from factory.orders.services import OrderInput, local_today
from factory.payroll import services
from factory.production import services as production
from factory.production.models import Task
from factory.production.services import PublishedAssignment

# A past half-month, so that it can be closed.
START = date(2024, 6, 1)
END = date(2024, 6, 15)


@pytest.fixture
def station(make_station: Any) -> Any:
    return make_station(district="市北区")  # tier 1: ¥22.00 an hour


@pytest.fixture
def organiser(make_user: Any, station: Any) -> Any:
    return make_user("organiser", station=station)


@pytest.fixture
def worker(make_user: Any, station: Any) -> Any:
    return make_user("worker", station=station, name="王秀英")


@pytest.fixture
def other_worker(make_user: Any, station: Any) -> Any:
    return make_user("worker", station=station, name="李桂兰")


@pytest.fixture
def make_order(make_user: Any, station: Any) -> Any:
    """An order taken on in full by `station` (lots of 1,000 pieces), at `rate` rate units a piece."""

    def make(
        rate: int = 4000, minutes: str = "1", *, lots: int = 4, product: str = "遥控器组装", at: Any = None
    ) -> Any:
        coordinator = make_user("coordinator")
        data = OrderInput(
            product=product,
            skill_code="remote_assembly",
            quantity=lots * 1000,
            lot_size=1000,
            piece_rate_units=rate,
            standard_minutes=Decimal(minutes),
            due_date=local_today() + timedelta(days=30),
        )
        order = orders.create_order(coordinator.enterprise_id, data, coordinator)
        orders.post_order(order, coordinator, reason="试做，按最低工资补足")
        taker = make_user("organiser", station=at or station)
        orders.accept_order(order, (at or station).id, lots * 1000, taker)
        return order

    return make


@pytest.fixture
def order(make_order: Any) -> Any:
    return make_order()


_run = {"n": 100}


@pytest.fixture
def give(organiser: Any) -> Any:
    """Publish the order's next free lot to a worker and return the task."""

    def publish(order: Any, worker: Any, station: Any = None) -> Task:
        taken = {
            t.lot_id
            for t in db.session.scalars(
                db.select(Task).where(Task.order_id == order.id, Task.status != "cancelled")
            )
        }
        lot = next(lot for lot in order.lots if lot.id not in taken)
        station_id = (station or worker.station).id
        # A station's plan covers all its lots: publish the live tasks again beside the new one.
        live = db.session.scalars(
            db.select(Task).where(
                Task.station_id == station_id, Task.status.not_in(("cancelled", "declined"))
            )
        ).all()
        plan = [
            PublishedAssignment(t.lot_id, t.worker_id, t.station_id, [(d.day, d.pieces) for d in t.days])
            for t in live
        ]
        plan.append(
            PublishedAssignment(lot.id, worker.id, station_id, [(local_today(), Decimal(lot.pieces))])
        )
        _run["n"] += 1
        production.publish_plan(station_id, _run["n"], plan, organiser)
        return db.session.scalar(db.select(Task).where(Task.lot_id == lot.id, Task.status != "cancelled"))

    return publish


@pytest.fixture
def work(organiser: Any) -> Any:
    """Report pieces on a task (optionally with the minutes taken) and inspect them on `day` (with `rework`,
    the rejected pieces go back to the worker)."""

    def make(
        task: Task,
        day: date,
        accepted: int,
        rejected: int = 0,
        *,
        minutes: int | None = None,
        inspect: bool = True,
        rework: bool = False,
        by: Any = None,
    ) -> None:
        worker = db.session.get(type(organiser), task.worker_id)
        report, _created = production.record_report(
            task.id, worker, accepted + rejected, uuid.uuid4().hex, uuid.uuid4().hex, minutes=minutes
        )
        report.reported_on = day  # reported the day the pieces were made
        if inspect:
            production.record_inspection(
                task.id, by or organiser, accepted, rejected, "毛边" if rejected else "", day, rework
            )

    return make


@pytest.fixture
def period(station: Any, organiser: Any) -> Any:
    return services.create_period(station.id, START, END, organiser)
