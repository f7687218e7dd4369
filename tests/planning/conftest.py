"""Fixtures for planning: a station with an organiser, workers with skills and hours, accepted orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from factory.accounts.models import Station, User
from factory.extensions import db
from factory.orders import services as orders
from factory.orders.models import Order
from factory.orders.services import OrderInput, local_today
from factory.workers import services as workers
from factory.workers.models import WorkerReach


@pytest.fixture(autouse=True)
def _short_solves(request: pytest.FixtureRequest) -> Any:
    """Solve for at most 5 seconds (tests with an app and database of their own set it themselves)."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    saved = app.config.get("PLANNING_TIME_LIMIT")
    app.config["PLANNING_TIME_LIMIT"] = 5
    yield
    if saved is None:
        app.config.pop("PLANNING_TIME_LIMIT", None)
    else:
        app.config["PLANNING_TIME_LIMIT"] = saved


def tomorrow() -> date:
    return local_today() + timedelta(days=1)


@dataclass
class World:
    station: Station
    organiser: User
    coordinator: User
    workers: list[User] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)

    def worker(self, make_user: Any, name: str, skills: dict[str, int], hours: int = 3, **kw: Any) -> User:
        user = make_user("worker", station=self.station, name=name)
        profile = workers.ensure_profile(user)
        for code, speed in skills.items():
            workers.set_skill(self.organiser, profile, code, speed)
        workers.set_weekly_hours(self.organiser, profile, [hours] * 5 + [0, 0])
        if kw.get("priority"):
            profile.priority = True
        for station_id, minutes in kw.get("reach", {}).items():
            db.session.add(WorkerReach(worker_id=user.id, station_id=station_id, minutes=minutes))
        db.session.flush()
        self.workers.append(user)
        return user

    def order(
        self,
        *,
        skill: str = "remote_assembly",
        lots: int = 3,
        lot_size: int = 100,
        due: int = 10,
        product: str = "遥控器组装",
        take: int | None = None,
        station: Station | None = None,
        rate: int = 4000,
    ) -> Order:
        data = OrderInput(
            product=product,
            skill_code=skill,
            quantity=lots * lot_size,
            lot_size=lot_size,
            piece_rate_units=rate,
            standard_minutes=Decimal("1"),
            due_date=local_today() + timedelta(days=due),
        )
        order = orders.create_order(self.coordinator.enterprise_id, data, self.coordinator)
        orders.post_order(order, self.coordinator, reason="测试")
        st = station or self.station
        organiser = (
            self.organiser
            if st.id == self.station.id
            else User.query.filter_by(station_id=st.id, role="organiser").first()
        )
        orders.accept_order(order, st.id, take or lots * lot_size, organiser)
        self.orders.append(order)
        return order


@pytest.fixture
def world(make_user: Any, make_station: Any) -> World:
    """Two workers who assemble remote controls (30 and 20 an hour, 3 hours on weekdays), one knitter,
    and an order of 3 lots of 100 due in 10 days."""
    station = make_station()
    w = World(station, make_user("organiser", station=station), make_user("coordinator"))
    w.worker(make_user, "王阿姨", {"remote_assembly": 30})
    w.worker(make_user, "李大姐", {"remote_assembly": 20}, priority=True)
    w.worker(make_user, "赵师傅", {"knitting": 2})
    w.order()
    return w
