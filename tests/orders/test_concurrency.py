"""Two organisers deliver the same passed pieces at the same moment, on real connections.

The test has a database of its own (a temp SQLite file, or a fresh PostgreSQL database on that pass), so each
request really commits and the two really race: the pieces that passed inspection are delivered once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from factory.extensions import db


@dataclass
class Race:
    app: Flask
    order_id: int
    tokens: list[str]


@pytest.fixture
def race(tmp_path: Path) -> Iterator[Race]:
    from factory.accounts import services as accounts
    from factory.accounts.models import Enterprise, Station
    from factory.orders import services as orders
    from factory.production.models import Inspection, Task
    from factory.reference.models import District
    from tests.conftest import committing_app

    with committing_app(tmp_path, "deliveries") as app:
        with app.app_context(), app.test_request_context():
            district = db.session.scalar(select(District).where(District.name == "市北区"))
            station = Station(name="并发送货站", district=district)
            enterprise = Enterprise(name="并发送货企业")
            db.session.add_all([station, enterprise])
            db.session.flush()
            organisers = [
                accounts.create_user("organiser", f"1371000000{i}", f"站长{i}", station=station)[0]
                for i in range(2)
            ]
            worker = accounts.create_user("worker", "13710000010", "工人", station=station)[0]
            coordinator = accounts.create_user("coordinator", "13710000020", "专员", enterprise=enterprise)[0]
            data = orders.OrderInput(
                product="遥控器组装",
                skill_code="remote_assembly",
                quantity=100,
                lot_size=100,
                piece_rate_units=4000,
                standard_minutes=Decimal("1"),
                due_date=orders.local_today() + timedelta(days=10),
            )
            order = orders.create_order(enterprise.id, data, coordinator)
            orders.post_order(order, coordinator)
            orders.accept_order(order, station.id, 100, organisers[0])
            db.session.flush()
            [lot] = order.lots
            task = Task(
                lot_id=lot.id,
                order_id=order.id,
                worker_id=worker.id,
                station_id=station.id,
                pieces=100,
                status="done",
                reported=100,
                accepted=100,
            )
            db.session.add(task)
            db.session.flush()
            db.session.add(
                Inspection(task_id=task.id, accepted=100, rejected=0, inspected_on=orders.local_today())
            )
            race = Race(app, order.id, [accounts.create_token(o, "t")[1] for o in organisers])
            db.session.commit()
        yield race


def test_two_organisers_cannot_deliver_the_same_passed_pieces_twice(race: Race) -> None:
    from factory.orders.models import Delivery

    barrier = threading.Barrier(2)

    def deliver(i: int) -> int:
        client = race.app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/orders/{race.order_id}/deliveries",
            json={"pieces": 100},
            headers={"Authorization": f"Bearer {race.tokens[i]}", "Idempotency-Key": f"deliver-{i}"},
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(deliver, range(2)))
    assert statuses == [201, 409], statuses
    with race.app.app_context():
        delivered = db.session.scalar(
            select(func.sum(Delivery.pieces)).where(Delivery.order_id == race.order_id)
        )
    assert delivered == 100


@dataclass
class Reorder:
    app: Flask
    order_id: int
    mobile: str


@pytest.fixture
def reorder_race(tmp_path: Path) -> Iterator[Reorder]:
    """An order of 100 received 90: 10 pieces missing, for one coordinator with a password."""
    from factory.accounts import services as accounts
    from factory.accounts.models import Enterprise, Station
    from factory.orders import deliveries as dl
    from factory.orders import services as orders
    from factory.production.models import Inspection, Task
    from factory.reference.models import District
    from tests.conftest import PASSWORD, committing_app

    with committing_app(tmp_path, "reorder") as app:
        with app.app_context(), app.test_request_context():
            district = db.session.scalar(select(District).where(District.name == "市北区"))
            station = Station(name="补单站", district=district)
            enterprise = Enterprise(name="补单企业")
            db.session.add_all([station, enterprise])
            db.session.flush()
            organiser = accounts.create_user("organiser", "13720000001", "站长", station=station)[0]
            worker = accounts.create_user("worker", "13720000002", "工人", station=station)[0]
            coordinator = accounts.create_user(
                "coordinator", "13720000003", "专员", enterprise=enterprise, password=PASSWORD
            )[0]
            data = orders.OrderInput(
                product="遥控器组装",
                skill_code="remote_assembly",
                quantity=100,
                lot_size=100,
                piece_rate_units=4000,
                standard_minutes=Decimal("1"),
                due_date=orders.local_today() + timedelta(days=10),
            )
            order = orders.create_order(enterprise.id, data, coordinator)
            orders.post_order(order, coordinator)
            orders.accept_order(order, station.id, 100, organiser)
            db.session.flush()
            [lot] = order.lots
            task = Task(
                lot_id=lot.id,
                order_id=order.id,
                worker_id=worker.id,
                station_id=station.id,
                pieces=100,
                status="done",
                reported=100,
                accepted=100,
            )
            db.session.add(task)
            db.session.flush()
            db.session.add(
                Inspection(task_id=task.id, accepted=100, rejected=0, inspected_on=orders.local_today())
            )
            db.session.flush()
            delivery = dl.record_delivery(order, station.id, organiser, pieces=100)
            dl.confirm_receipt(delivery, coordinator, received=90, note="10 件丢失")
            race = Reorder(app, order.id, coordinator.mobile)
            db.session.commit()
        yield race


def test_two_tabs_cannot_order_the_same_missing_pieces_twice(reorder_race: Reorder) -> None:
    from factory.orders.models import Order
    from factory.orders.services import local_today
    from tests.conftest import Client

    race = reorder_race
    race.app.test_client_class = Client
    path = f"/orders/new?again={race.order_id}&part=missing"
    due = (local_today() + timedelta(days=20)).isoformat()
    forms = []
    clients = []
    for _tab in range(2):  # both tabs open the form first (a login writes: one at a time)
        client = race.app.test_client()
        assert client.login(race.mobile).status_code == 302  # type: ignore[attr-defined]
        forms.append(
            {
                "csrf_token": client.csrf_token(path),  # type: ignore[attr-defined]
                "product": "遥控器组装",
                "skill": "remote_assembly",
                "quantity": "10",
                "lot_size": "10",
                "piece_rate": "0.40",
                "standard_minutes": "1",
                "service_fee": "0",
                "due_date": due,
                "offer": "all",
                "action": "draft",
            }
        )
        clients.append(client)
    barrier = threading.Barrier(2, timeout=60)  # a thread that fails first must not hang the other

    def submit(i: int) -> int:
        barrier.wait()
        return clients[i].post(path, data=forms[i]).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(submit, range(2)))
    assert statuses == [302, 409], statuses
    with race.app.app_context():
        follow_ups = db.session.scalar(
            select(func.count(Order.id)).where(Order.follows_order_id == race.order_id)
        )
    assert follow_ups == 1
