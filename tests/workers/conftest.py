"""Fixtures for the worker tests: an organiser with a station, and valid resident ID numbers."""

from __future__ import annotations

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
