"""Fixtures for the worker tests: an organiser with a station, and valid resident ID numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

import pytest

from factory.workers.domain import id_check_digit


def id_number(seq: int, birth: str = "19800101") -> str:
    """A valid 18-character resident ID number (Qingdao Shibei area code)."""
    first17 = f"370203{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


@pytest.fixture
def organiser(make_user: Any, make_station: Any) -> Any:
    return make_user("organiser", station=make_station())


@pytest.fixture
def register(organiser: Any) -> Any:
    """Register a worker at the organiser's station; returns (profile, code)."""
    from factory.workers import services

    counter = {"n": 0}

    def make(**fields: Any) -> Any:
        counter["n"] += 1
        fields.setdefault("name", f"工人{counter['n']}")
        fields.setdefault("mobile", f"1591234{counter['n']:04d}")
        return services.register_worker(organiser, organiser.station, services.WorkerInput(**fields))

    return make


# 23:30 on Monday 9 March 2026 in UTC is 07:30 on Tuesday 10 March at the stations (Asia/Shanghai).
PINNED_UTC = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
PINNED_LOCAL_DAY = date(2026, 3, 10)


@pytest.fixture
def shanghai_morning(monkeypatch: pytest.MonkeyPatch) -> date:
    """Stop the clock behind `local_today()` at a moment when the UTC date is still yesterday.

    Returns the stations' date at that moment.
    """
    import factory.orders.services as orders

    class Pinned(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Pinned:
            return cls.fromtimestamp(PINNED_UTC.timestamp(), tz)

    monkeypatch.setattr(orders, "datetime", Pinned)
    assert orders.local_today() == PINNED_LOCAL_DAY != PINNED_UTC.date()
    return PINNED_LOCAL_DAY
