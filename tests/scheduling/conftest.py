"""Small instances for the allocation engine tests, built from tiny.json's shape."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

TINY = Path("/work/shared/instances/examples/tiny.json")
TINY_DATA: dict[str, Any] = {
    "format": "microfactory-instance/1",
    "horizon": {"start": "2026-12-01", "days": 3},
    "stations": [{"id": "S1", "name": "辽源路街道微工厂", "district": "市北区"}],
    "workers": [
        {
            "id": "W1",
            "station": "S1",
            "speed": {"remote_assembly": 10},
            "hours": [2, 2, 2],
            "reach": {},
            "priority": False,
        },
        {
            "id": "W2",
            "station": "S1",
            "speed": {"remote_assembly": 5, "knitting": 1},
            "hours": [4, 0, 4],
            "reach": {},
            "priority": True,
        },
    ],
    "orders": [
        {
            "id": "O1",
            "skill": "remote_assembly",
            "quantity": 60,
            "lot_size": 20,
            "due_day": 1,
            "piece_rate_fen": 30,
            "weight": 1,
            "stations": ["S1"],
        },
        {
            "id": "O2",
            "skill": "knitting",
            "quantity": 4,
            "lot_size": 2,
            "due_day": 2,
            "piece_rate_fen": 2000,
            "weight": 2,
            "stations": ["S1"],
        },
    ],
}


@pytest.fixture
def tiny() -> dict[str, Any]:
    """tiny.json from the shared examples (a copy kept here if the shared file is absent)."""
    if TINY.exists():
        return json.loads(TINY.read_text(encoding="utf-8"))
    return copy.deepcopy(TINY_DATA)


def worker(
    wid: str, speed: dict[str, float], hours: list[float], station: str = "S1", **kw: Any
) -> dict[str, Any]:
    return {
        "id": wid,
        "station": station,
        "speed": speed,
        "hours": hours,
        "reach": kw.pop("reach", {}),
        "priority": kw.pop("priority", False),
        **kw,
    }


def order(oid: str, skill: str, quantity: int, lot_size: int, due_day: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": oid,
        "skill": skill,
        "quantity": quantity,
        "lot_size": lot_size,
        "due_day": due_day,
        "piece_rate_fen": kw.pop("piece_rate_fen", 10),
        "weight": kw.pop("weight", 1),
        "stations": kw.pop("stations", ["S1"]),
        **kw,
    }


def instance(
    workers: list[dict[str, Any]], orders: list[dict[str, Any]], days: int = 3, stations: int = 1, **kw: Any
) -> dict[str, Any]:
    return {
        "format": "microfactory-instance/1",
        "horizon": {"start": "2026-12-01", "days": days},
        "stations": [
            {"id": f"S{i + 1}", "name": f"站{i + 1}", "district": "市北区"} for i in range(stations)
        ],
        "workers": workers,
        "orders": orders,
        **kw,
    }


class Build:
    """Builders for small instances, handed to tests by the ``build`` fixture."""

    worker = staticmethod(worker)
    order = staticmethod(order)
    instance = staticmethod(instance)


@pytest.fixture
def build() -> type[Build]:
    return Build
