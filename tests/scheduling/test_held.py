"""Held lots: given out before the run, not placed by the new plan, so they stay with their worker, and the
plan must still fit them into that worker's hours."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from factory.scheduling import InstanceError, check_plan, greedy_plan, parse_instance, solve


def _held_instance(
    build: Any, told: list[dict[str, Any]], hours: list[float] | None = None
) -> dict[str, Any]:
    """W1 makes 10 pieces an hour and offers 2 hours a day. She holds lot 0 of OH (20 pieces, due day 0),
    told for `told`; O2 (20 pieces, due day 0, worth five times as much) needs her day 0 too."""
    data = build.instance(
        [build.worker("W1", {"a": 10}, hours or [2, 2, 2])],
        [build.order("OH", "a", 20, 20, 0), build.order("O2", "a", 20, 20, 0, weight=5)],
    )
    data["held"] = [{"order": "OH", "lot": 0, "worker": "W1", "pieces": 20, "days": told}]
    return data


def _hours_per_day(data: dict[str, Any], plan: dict[str, Any]) -> dict[tuple[str, int], float]:
    speed = {w["id"]: w["speed"] for w in data["workers"]}
    skill = {o["id"]: o["skill"] for o in data["orders"]}
    used: dict[tuple[str, int], float] = defaultdict(float)
    for a in plan["assignments"] + plan.get("kept", []):
        for d in a["days"]:
            used[a["worker"], d["day"]] += d["pieces"] / speed[a["worker"]][skill[a["order"]]]
    return used


def _solve(data: dict[str, Any]) -> dict[str, Any]:
    plan = solve(parse_instance(data), time_limit=5)
    result = check_plan(parse_instance(data), plan)
    assert result.valid, result.errors
    return plan


def test_a_held_lot_the_plan_does_not_place_moves_off_the_day_the_plan_fills(build: Any) -> None:
    data = _held_instance(build, [{"day": 0, "pieces": 20}])
    plan = _solve(data)
    assert [(a["order"], a["worker"], a["days"]) for a in plan["assignments"]] == [
        ("O2", "W1", [{"day": 0, "pieces": 20}])
    ]
    assert [u["order"] for u in plan["unassigned"]] == ["OH"]
    # W1 keeps OH, but no longer on day 0, which O2 fills: on her next free hours
    assert plan["kept"] == [
        {
            "order": "OH",
            "lot": 0,
            "worker": "W1",
            "pieces": 20,
            "days": [{"day": 1, "pieces": 20}],
            "unscheduled": 0,
        }
    ]
    assert all(h <= 2 + 1e-6 for h in _hours_per_day(data, plan).values())
    assert plan["stats"]["kept_lots"] == 1


def test_a_kept_lot_keeps_the_days_the_worker_was_told_where_they_still_fit(build: Any) -> None:
    plan = _solve(_held_instance(build, [{"day": 2, "pieces": 20}]))
    assert plan["kept"][0]["days"] == [{"day": 2, "pieces": 20}]  # day 1 is free too, but she was told day 2
    plan = _solve(_held_instance(build, [{"day": 0, "pieces": 10}, {"day": 2, "pieces": 10}]))
    assert plan["kept"][0]["days"] == [{"day": 1, "pieces": 10}, {"day": 2, "pieces": 10}]


def test_pieces_with_no_free_hour_left_are_unscheduled_not_overbooked(build: Any) -> None:
    plan = _solve(_held_instance(build, [{"day": 0, "pieces": 20}], hours=[2, 0.5, 0]))
    assert plan["kept"][0]["days"] == [{"day": 1, "pieces": 5}]
    assert plan["kept"][0]["unscheduled"] == 15


def test_a_held_lot_another_worker_can_take_in_time_is_placed_not_kept(build: Any) -> None:
    data = _held_instance(build, [{"day": 0, "pieces": 20}])
    data["workers"].append(build.worker("W2", {"a": 10}, [2, 0, 0]))
    plan = _solve(data)
    assert sorted(a["order"] for a in plan["assignments"]) == ["O2", "OH"]
    assert plan["kept"] == []


def test_the_greedy_baseline_keeps_held_lots_too(build: Any) -> None:
    data = _held_instance(build, [{"day": 0, "pieces": 20}])
    data["orders"][0]["quantity"] = data["orders"][0]["lot_size"] = 30  # 3 hours: too long for day 0
    data["held"][0]["pieces"] = 30
    plan = greedy_plan(data)
    assert check_plan(parse_instance(data), plan).valid
    assert plan["kept"] == [
        {
            "order": "OH",
            "lot": 0,
            "worker": "W1",
            "pieces": 30,
            "days": [{"day": 1, "pieces": 20}, {"day": 2, "pieces": 10}],
            "unscheduled": 0,
        }
    ]


def test_check_refuses_a_kept_lot_that_overbooks_its_worker(build: Any) -> None:
    data = _held_instance(build, [{"day": 0, "pieces": 20}])
    plan = _solve(data)
    plan["kept"][0]["days"] = [{"day": 0, "pieces": 20}]  # the old day, which O2 now fills
    errors = check_plan(parse_instance(data), plan).errors
    assert errors == ["worker W1 day 0: 4.000000 hours planned, 2 offered"]


def test_check_refuses_a_plan_that_forgets_a_held_lot(build: Any) -> None:
    data = _held_instance(build, [{"day": 0, "pieces": 20}])
    plan = _solve(data)
    del plan["kept"]
    assert check_plan(parse_instance(data), plan).errors == [
        "held[0]: OH lot 0 is neither assigned nor kept with W1"
    ]
    plan = _solve(data)
    plan["kept"][0]["days"] = [{"day": 1, "pieces": 10}]
    assert check_plan(parse_instance(data), plan).errors == [
        "kept[0]: days and unscheduled add up to 10, the worker holds 20"
    ]


@pytest.mark.parametrize(
    ("held", "message"),
    [
        ({"order": "OH", "lot": 0, "worker": "W9"}, "held[0].worker: unknown worker 'W9'"),
        ({"order": "OH", "lot": 1, "worker": "W1"}, "held[0].lot: order OH has lots 0..0, got 1"),
        (
            {"order": "OH", "lot": 0, "worker": "W1", "pieces": 21},
            "held[0].pieces: must be at most 20, got 21",
        ),
        (
            {"order": "OH", "lot": 0, "worker": "W1", "days": [{"day": 3, "pieces": 1}]},
            "held[0].days[0].day: must be at most 2, got 3",
        ),
    ],
)
def test_a_bad_held_lot_names_the_key(build: Any, held: dict[str, Any], message: str) -> None:
    data = _held_instance(build, [])
    data["held"] = [held]
    with pytest.raises(InstanceError) as exc:
        parse_instance(data)
    assert str(exc.value) == message


def test_a_lot_held_twice_is_refused(build: Any) -> None:
    data = _held_instance(build, [])
    data["held"].append({"order": "OH", "lot": 0, "worker": "W1"})
    with pytest.raises(InstanceError, match=r"^held\[1\]: OH lot 0 is already held by held\[0\]"):
        parse_instance(data)


def test_held_lots_round_trip_through_the_instance_json(build: Any) -> None:
    data = _held_instance(build, [{"day": 1, "pieces": 20}])
    again = parse_instance(parse_instance(data).to_dict())
    assert again.held == parse_instance(data).held


def test_a_held_lot_that_stays_with_its_worker_keeps_the_days_she_was_told(build: Any) -> None:
    data = build.instance([build.worker("W1", {"a": 10}, [2, 2, 2])], [build.order("OH", "a", 20, 20, 2)])
    data["held"] = [{"order": "OH", "lot": 0, "worker": "W1", "days": [{"day": 2, "pieces": 20}]}]
    plan = _solve(data)
    assert plan["assignments"][0]["days"] == [{"day": 2, "pieces": 20}]  # not moved up to day 0
    del data["held"]
    assert _solve(data)["assignments"][0]["days"] == [{"day": 0, "pieces": 20}]


def test_told_days_give_way_when_keeping_them_would_make_another_lot_late(build: Any) -> None:
    data = build.instance(
        [build.worker("W1", {"a": 10}, [2, 2, 2])],
        [build.order("OH", "a", 20, 20, 2), build.order("O2", "a", 20, 20, 0)],
    )
    data["held"] = [{"order": "OH", "lot": 0, "worker": "W1", "days": [{"day": 0, "pieces": 20}]}]
    plan = _solve(data)
    days = {a["order"]: a["days"] for a in plan["assignments"]}
    assert days == {"O2": [{"day": 0, "pieces": 20}], "OH": [{"day": 1, "pieces": 20}]}


def test_a_held_lot_keeps_its_worker_when_she_gets_a_lot_of_that_order(build: Any) -> None:
    """W1 can make one of the two lots, W2 both; W1 holds lot 1: she gets lot 1, not lot 0."""
    data = build.instance(
        [build.worker("W1", {"a": 10}, [2, 0, 0]), build.worker("W2", {"a": 10}, [2, 2, 2])],
        [build.order("O1", "a", 40, 20, 2)],
    )
    data["held"] = [{"order": "O1", "lot": 1, "worker": "W1", "days": [{"day": 0, "pieces": 20}]}]
    plan = _solve(data)
    got = {a["lot"]: a["worker"] for a in plan["assignments"]}
    assert got[1] == "W1"
    assert got[0] == "W2"
