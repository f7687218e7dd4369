"""Fixtures for production: a station with an organiser and workers, an order whose lots it took on."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

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


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block (savepoints left out)."""
    from sqlalchemy import event

    from factory.extensions import db

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@dataclass
class World:
    """A database of its own (real connections, real commits) with a task ready for reports."""

    app: Any
    url: str
    task_id: int
    worker_id: int
    worker_token: str
    organiser_tokens: list[str]


@pytest.fixture
def own_world(tmp_path: Path, own_queue: None) -> Iterator[World]:
    """A fresh database (a temp SQLite file, or a new PostgreSQL database on the PostgreSQL pass) and an app."""
    from factory.accounts import services as accounts
    from factory.accounts.models import Station
    from factory.extensions import db
    from factory.reference.models import District
    from tests.conftest import committing_app

    with committing_app(tmp_path, "production") as app:
        with app.app_context():
            district = db.session.scalar(select(District).where(District.name == "市北区"))
            station = Station(name="并发测试站", district=district)
            db.session.add(station)
            db.session.flush()
            organisers = [
                accounts.create_user(
                    "organiser",
                    f"1360000000{i}",
                    f"站长{i}",
                    station=station,
                    password="correct-horse-42",
                )[0]
                for i in range(2)
            ]
            worker = accounts.create_user(
                "worker", "13600000009", "工人", station=station, password="correct-horse-42"
            )[0]
            from factory.accounts.models import Enterprise

            enterprise = Enterprise(name="并发测试企业")
            db.session.add(enterprise)
            db.session.flush()
            coordinator = accounts.create_user(
                "coordinator", "13600000008", "专员", enterprise=enterprise, password="correct-horse-42"
            )[0]
            data = OrderInput(
                product="遥控器组装",
                skill_code="remote_assembly",
                quantity=10_000,
                lot_size=10_000,
                piece_rate_units=4000,
                standard_minutes=Decimal("1"),
                due_date=local_today() + timedelta(days=20),
            )
            order = orders.create_order(enterprise.id, data, coordinator)
            orders.post_order(order, coordinator)
            orders.accept_order(order, station.id, 10_000, organisers[0])
            task = services.create_task(order.lots[0].id, worker.id, organisers[0])
            world = World(
                app,
                app.config["SQLALCHEMY_DATABASE_URI"],
                task.id,
                worker.id,
                accounts.create_token(worker, "t")[1],
                [accounts.create_token(o, "t")[1] for o in organisers],
            )
            db.session.commit()
        yield world
