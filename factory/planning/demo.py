"""Demo planning: the demo station has taken on a second order, so that planning its coming two weeks has
work for its residents (the production and pay demo steps have given most of its first order's lots out).

Nothing is planned or published here: the organiser starts the run in a few clicks. Idempotent: a station
that already holds lots of the order is left alone.
"""

from __future__ import annotations

from sqlalchemy import select

from factory.accounts.models import Role, Station, User
from factory.extensions import db
from factory.orders import services as orders
from factory.orders.models import Lot, Order

TAKE = ("HY-DEMO-002", 1000)  # 10 lots of 100 button boards, due in four weeks


def seed_planning(station_name: str) -> None:
    reference, pieces = TAKE
    station = db.session.scalar(select(Station).where(Station.name == station_name))
    order = db.session.scalar(select(Order).where(Order.reference == reference))
    if station is None or order is None:
        return
    if db.session.scalar(
        select(Lot.id).where(Lot.order_id == order.id, Lot.station_id == station.id).limit(1)
    ):
        return
    organiser = db.session.scalar(
        select(User).where(User.station_id == station.id, User.role == Role.ORGANISER).order_by(User.id)
    )
    orders.accept_order(order, station.id, pieces, organiser)
    db.session.flush()
