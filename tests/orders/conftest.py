"""Fixtures for the order tests: an enterprise with a coordinator, stations with organisers, orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from factory.extensions import db
from factory.orders import services
from factory.orders.services import OrderInput, ProductionCount


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
def production(app: Any) -> Iterator[list[ProductionCount]]:
    """Counts as the production feature will report them: append ProductionCount rows to the list."""
    counts: list[ProductionCount] = []

    def source(order_ids: Any) -> list[ProductionCount]:
        return [c for c in counts if c.order_id in order_ids]

    services.register_progress_source(source)
    try:
        yield counts
    finally:
        services.PROGRESS_SOURCES.remove(source)


def audit_actions(obj_type: str, obj_id: int) -> list[str]:
    from factory.audit.models import AuditEntry

    return list(
        db.session.scalars(
            db.select(AuditEntry.action)
            .where(AuditEntry.object_type == obj_type, AuditEntry.object_id == obj_id)
            .order_by(AuditEntry.id)
        )
    )
