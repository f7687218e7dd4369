"""Fixtures for production: a station with an organiser and workers, an order whose lots it took on."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from factory.orders import services as orders
from factory.orders.models import Lot
from factory.orders.services import Material, OrderInput, local_today
from factory.production import services
from factory.production.services import PublishedAssignment


def body_hash(pieces: int, minutes: int | None = None) -> str:
    return hashlib.sha256(json.dumps({"pieces": pieces, "minutes": minutes}).encode()).hexdigest()


@pytest.fixture
def station(make_station: Any) -> Any:
    return make_station(district="市北区")


@pytest.fixture
def organiser(make_user: Any, station: Any) -> Any:
    return make_user("organiser", station=station)


@pytest.fixture
def worker(make_user: Any, station: Any) -> Any:
    return make_user("worker", station=station)


@pytest.fixture
def other_worker(make_user: Any, station: Any) -> Any:
    return make_user("worker", station=station)


@pytest.fixture
def make_lots(make_user: Any) -> Any:
    """An order of `lots` lots of `lot_size` pieces (with a material list), all taken on by `station`."""

    def make(station: Any, *, lots: int = 3, lot_size: int = 100, product: str = "遥控器组装") -> list[Lot]:
        coordinator = make_user("coordinator")
        data = OrderInput(
            product=product,
            skill_code="remote_assembly",
            quantity=lots * lot_size,
            lot_size=lot_size,
            piece_rate_units=4000,
            standard_minutes=Decimal("1"),
            due_date=local_today() + timedelta(days=20),
            materials=[
                Material("外壳", Decimal("1"), "个"),
                Material("按键胶垫", Decimal("2"), "片"),
            ],
        )
        order = orders.create_order(coordinator.enterprise_id, data, coordinator)
        orders.post_order(order, coordinator)
        organiser = make_user("organiser", station=station)
        orders.accept_order(order, station.id, lots * lot_size, organiser)
        return list(order.lots)

    return make


@pytest.fixture
def lots(make_lots: Any, station: Any) -> list[Lot]:
    return make_lots(station)


@pytest.fixture
def task(lots: list[Lot], worker: Any, organiser: Any, station: Any) -> Any:
    """Lot 1 published to `worker`, 50 pieces a day over two days."""
    today = local_today()
    services.publish_plan(
        station.id,
        1,
        [
            PublishedAssignment(
                lots[0].id,
                worker.id,
                station.id,
                [(today, Decimal(50)), (today + timedelta(days=1), Decimal(50))],
            )
        ],
        organiser,
    )
    return services.worker_tasks(worker.id, today, today)[0]


def report(task: Any, worker: Any, pieces: int, key: str | None = None) -> Any:
    return services.record_report(task.id, worker, pieces, key or uuid.uuid4().hex, body_hash(pieces))
