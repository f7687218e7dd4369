"""The plan checker catches each broken rule and computes the figures."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from factory.scheduling import check_plan, parse_instance
from factory.scheduling.check import gini


def good_plan() -> dict[str, Any]:
    """The hand-made optimum of tiny.json."""

    def a(order: str, lot: int, worker: str, pieces: int, days: list[tuple[int, float]]) -> dict[str, Any]:
        return {
            "order": order,
            "lot": lot,
            "worker": worker,
            "station": "S1",
            "pieces": pieces,
            "days": [{"day": d, "pieces": p} for d, p in days],
        }

    return {
        "format": "microfactory-plan/1",
        "assignments": [
            a("O1", 0, "W1", 20, [(0, 20)]),
            a("O1", 1, "W1", 20, [(1, 20)]),
            a("O1", 2, "W2", 20, [(0, 20)]),
            a("O2", 0, "W2", 2, [(2, 2)]),
            a("O2", 1, "W2", 2, [(2, 2)]),
        ],
        "unassigned": [],
    }


def test_hand_made_plan_is_valid_with_its_figures(tiny: dict[str, Any]) -> None:
    r = check_plan(parse_instance(tiny), good_plan())
    assert r.valid, r.errors
    f = r.figures
    assert (f["on_time_pieces"], f["weighted_on_time"], f["workers_with_work"]) == (64, 68, 2)
    # W1 earns 40*30 = 1200 fen over 6 h = 200/h; W2 20*30 + 4*2000 = 8600 fen over 8 h = 1075/h.
    assert f["earnings_fen"] == 9800
    assert f["earnings_per_hour_gini"] == pytest.approx(gini([200, 1075]))
    assert f["eligible_workers"] == 2
    assert f["priority_with_work"] == 1


def _mutate(plan: dict[str, Any], k: int, **changes: Any) -> dict[str, Any]:
    plan = copy.deepcopy(plan)
    plan["assignments"][k].update(changes)
    return plan


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            lambda p: _mutate(p, 3, worker="W1", days=[{"day": 2, "pieces": 2}]),
            "worker W1 has no skill knitting",
        ),
        (lambda p: _mutate(p, 2, days=[{"day": 2, "pieces": 20}]), "is due on day 1 but planned later"),
        (
            lambda p: _mutate(p, 1, days=[{"day": 0, "pieces": 20}]),
            "worker W1 day 0: 4.000000 hours planned, 2 offered",
        ),
        (lambda p: _mutate(p, 1, days=[{"day": 1, "pieces": 19}]), "pieces add up to 19, the lot holds 20"),
        (lambda p: _mutate(p, 1, pieces=10), "O1 lot 1 holds 20 pieces"),
        (lambda p: _mutate(p, 1, lot=0), "O1 lot 0 assigned twice"),
        (lambda p: _mutate(p, 1, station="S9"), "'S9' does not hold material of O1"),
        (lambda p: {**p, "assignments": p["assignments"][:4]}, "order O2 lot 1: neither assigned nor listed"),
    ],
)
def test_broken_rules_are_reported(tiny: dict[str, Any], change: Any, error: str) -> None:
    r = check_plan(parse_instance(tiny), change(good_plan()))
    assert not r.valid
    assert any(error in e for e in r.errors), r.errors


def test_unreachable_station_is_reported(build: Any) -> None:
    data = build.instance(
        [build.worker("W1", {"a": 10}, [2])],
        [build.order("O1", "a", 10, 10, 0, stations=["S2"])],
        days=1,
        stations=2,
    )
    plan = {
        "assignments": [
            {
                "order": "O1",
                "lot": 0,
                "worker": "W1",
                "station": "S2",
                "pieces": 10,
                "days": [{"day": 0, "pieces": 10}],
            }
        ]
    }
    r = check_plan(parse_instance(data), plan)
    assert "assignments[0].station: worker W1 cannot reach S2" in r.errors


def test_unassigned_lot_needs_a_reason(tiny: dict[str, Any]) -> None:
    plan = good_plan()
    plan["assignments"] = plan["assignments"][:4]
    plan["unassigned"] = [{"order": "O2", "lot": 1, "reason": "kept for tomorrow"}]
    assert check_plan(parse_instance(tiny), plan).valid


def test_broken_pin_is_reported(tiny: dict[str, Any]) -> None:
    tiny["pinned"] = [{"order": "O1", "lot": 2, "worker": "W1"}]
    r = check_plan(parse_instance(tiny), good_plan())
    assert r.errors == ["pinned[0]: O1 lot 2 must go to W1, plan has 'W2'"]


def test_gini() -> None:
    assert gini([1, 1, 1]) == 0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert gini([]) == 0
