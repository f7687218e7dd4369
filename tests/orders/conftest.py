"""Fixtures for the order tests: an enterprise with a coordinator, stations with organisers, orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from factory.extensions import db
from factory.orders import services
from factory.orders.services import LotCount, OrderInput, ProductionCount


def future(days: int = 30) -> date:
    return services.local_today() + timedelta(days=days)


def order_input(**overrides: Any) -> OrderInput:
    """A valid order: 250 remote controls in lots of 100 at ¥0.40 a piece, 1 minute each (¥24 an hour)."""
    values: dict[str, Any] = {
        "product": "遥控器组装",
        "skill_code": "remote_assembly",
        "quantity": 250,
        "lot_size": 100,
        "piece_rate_units": 4000,
        "standard_minutes": Decimal("1"),
        "due_date": future(),
        "service_fee_fen": 5,
        "quality_standard": "按键回弹正常",
    }
    values.update(overrides)
    return OrderInput(**values)


@pytest.fixture
def coordinator(make_user: Any) -> Any:
    return make_user("coordinator")


@pytest.fixture
def station(make_station: Any) -> Any:
    return make_station(district="市北区")  # tier 1


@pytest.fixture
def organiser(make_user: Any, station: Any) -> Any:
    return make_user("organiser", station=station)


@pytest.fixture
def make_order(coordinator: Any) -> Any:
    def make(*, post: bool = True, by: Any = None, reason: str | None = None, **overrides: Any) -> Any:
        user = by or coordinator
        order = services.create_order(user.enterprise_id, order_input(**overrides), user)
        if post:
            services.post_order(order, user, reason=reason)
        return order

    return make


@pytest.fixture
def production(app: Any) -> Iterator[list[ProductionCount | LotCount]]:
    """Counts as the production feature reports them: append ProductionCount (per order, station and day)
    and LotCount (passed per lot) rows to the list; `passed_in_lots` appends both."""
    counts: list[ProductionCount | LotCount] = []

    def source(order_ids: Any) -> list[ProductionCount]:
        return [c for c in counts if isinstance(c, ProductionCount) and c.order_id in order_ids]

    def lots(order_ids: Any) -> list[LotCount]:
        return [c for c in counts if isinstance(c, LotCount) and c.order_id in order_ids]

    services.register_progress_source(source)
    services.register_lot_source(lots)
    try:
        yield counts
    finally:
        services.PROGRESS_SOURCES.remove(source)
        services.LOT_SOURCES.remove(lots)


def passed_in_lots(
    production: list[Any], order: Any, station_id: int, by_lot: dict[int, int], days_ago: int = 0
) -> None:
    """Pieces reported and passed in the order's lots ({lot index: pieces}), on one day."""
    day = services.local_today() - timedelta(days=days_ago)
    total = sum(by_lot.values())
    production.append(
        ProductionCount(order.id, station_id, day, assigned=total, reported=total, accepted=total)
    )
    lots = {lot.index: lot for lot in order.lots}
    production.extend(LotCount(order.id, lots[i].id, n) for i, n in by_lot.items())


def audit_actions(obj_type: str, obj_id: int) -> list[str]:
    from factory.audit.models import AuditEntry

    return list(
        db.session.scalars(
            db.select(AuditEntry.action)
            .where(AuditEntry.object_type == obj_type, AuditEntry.object_id == obj_id)
            .order_by(AuditEntry.id)
        )
    )
