"""Fairness: reach everyone, then even out earnings per offered hour, on instances worked out by hand."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from factory.scheduling import check_plan, greedy_plan, parse_instance, solve
from factory.scheduling.engine import make_plan
from factory.scheduling.fairness import polish
from factory.scheduling.problem import build_problem
from factory.scheduling.solver import spec_for

from .test_city import small_city


def run(data: dict[str, Any], limit: float = 5.0) -> dict[str, Any]:
    inst = parse_instance(data)
    plan = solve(inst, time_limit=limit)
    result = check_plan(inst, plan)
    assert result.valid, result.errors
    return plan


def per_worker(plan: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter((a["worker"], a["order"]) for a in plan["assignments"])


def polished(
    data: dict[str, Any], start: dict[tuple[str, str], tuple[int, bool]], **kw: Any
) -> tuple[dict[str, Any], Any]:
    """Run the local search alone from ``start`` ((worker, order) -> (full lots, remainder lot))."""
    inst = parse_instance(data)
    prob = build_problem(inst)
    spec = spec_for(prob, sorted(prob.by_worker), list(range(len(prob.pairs))))
    full, rem = [], []
    for p in prob.pairs:
        f, r = start.get((inst.workers[p.w].id, inst.orders[p.o].id), (0, False))
        full.append(f)
        rem.append(r)
    full, rem, info = polish(spec, full, rem, time.perf_counter() + 10, **kw)
    plan = make_plan(prob, {i: (f, r) for i, (f, r) in enumerate(zip(full, rem, strict=True)) if f or r})
    result = check_plan(inst, plan)
    assert result.valid, result.errors
    return plan, info


def test_equal_hours_and_even_lots_give_equal_pay(build: Any) -> None:
    # Two workers, 4 hours each; four one-hour lots. Both must get two.
    workers = [build.worker(w, {"a": 10}, [4]) for w in ("W1", "W2")]
    plan = run(build.instance(workers, [build.order("O1", "a", 40, 10, 0)], days=1))
    assert per_worker(plan) == {("W1", "O1"): 2, ("W2", "O1"): 2}
    assert plan["stats"]["earnings_per_hour_gini"] == 0.0
    assert plan["stats"]["eligible_without_work"] == 0


def test_earnings_follow_offered_hours(build: Any) -> None:
    # W1 offers 6 hours, W2 3 hours, W3 3 hours; twelve one-hour lots: 6, 3, 3 pays everyone the same per hour.
    workers = [
        build.worker("W1", {"a": 10}, [3, 3]),
        build.worker("W2", {"a": 10}, [3, 0]),
        build.worker("W3", {"a": 10}, [0, 3]),
    ]
    plan = run(build.instance(workers, [build.order("O1", "a", 120, 10, 1)], days=2))
    assert per_worker(plan) == {("W1", "O1"): 6, ("W2", "O1"): 3, ("W3", "O1"): 3}
    assert plan["stats"]["earnings_per_hour_gini"] == 0.0


def test_well_paid_lots_are_shared(build: Any) -> None:
    # Each worker has two hours; two well-paid and two poorly paid one-hour lots: one of each per worker.
    workers = [build.worker(w, {"a": 10, "b": 10}, [2]) for w in ("W1", "W2")]
    orders = [
        build.order("HI", "a", 20, 10, 0, piece_rate_fen=50),
        build.order("LO", "b", 20, 10, 0, piece_rate_fen=5),
    ]
    plan = run(build.instance(workers, orders, days=1))
    assert per_worker(plan) == {("W1", "HI"): 1, ("W1", "LO"): 1, ("W2", "HI"): 1, ("W2", "LO"): 1}


def test_swap_when_hours_are_full(build: Any) -> None:
    # From W1 = both well-paid lots, W2 = both poor ones, no single move fits (hours are full): a swap does.
    workers = [build.worker(w, {"a": 10, "b": 10}, [2]) for w in ("W1", "W2")]
    orders = [
        build.order("HI", "a", 20, 10, 0, piece_rate_fen=50),
        build.order("LO", "b", 20, 10, 0, piece_rate_fen=5),
    ]
    plan, info = polished(
        build.instance(workers, orders, days=1), {("W1", "HI"): (2, False), ("W2", "LO"): (2, False)}
    )
    assert per_worker(plan) == {("W1", "HI"): 1, ("W1", "LO"): 1, ("W2", "HI"): 1, ("W2", "LO"): 1}
    assert info.swaps == 1 and info.moves == 0 and info.complete
    assert info.spread_after < info.spread_before


def test_priority_resident_reached_first(build: Any) -> None:
    # Two lots, three identical residents, one of them hard to employ: the priority resident gets one.
    for prio in ("W1", "W2", "W3"):
        workers = [build.worker(w, {"a": 10}, [2], priority=(w == prio)) for w in ("W1", "W2", "W3")]
        plan = run(build.instance(workers, [build.order("O1", "a", 20, 10, 0)], days=1))
        assert prio in {w for w, _ in per_worker(plan)}
        assert plan["stats"]["priority_with_work"] == 1
        assert plan["stats"]["eligible_without_work"] == 1


def test_lots_go_to_those_without_work_before_evening_out(build: Any) -> None:
    # Three lots of very different pay; three workers. Everyone gets one, however uneven that pays.
    workers = [build.worker(w, {"a": 10, "b": 10}, [3]) for w in ("W1", "W2", "W3")]
    orders = [
        build.order("HI", "a", 20, 10, 0, piece_rate_fen=90),
        build.order("LO", "b", 10, 10, 0, piece_rate_fen=5),
    ]
    plan = run(build.instance(workers, orders, days=1))
    assert plan["stats"]["eligible_without_work"] == 0
    assert plan["stats"]["assigned_lots"] == 3


def test_local_search_keeps_pins_last_lots_and_on_time(build: Any) -> None:
    # W1 holds three pinned lots; the local search may move the fourth, never a pin, and W2 keeps its lot.
    workers = [build.worker("W1", {"a": 10}, [4]), build.worker("W2", {"a": 10}, [4])]
    data = build.instance(workers, [build.order("O1", "a", 50, 10, 0)], days=1)
    data["pinned"] = [{"order": "O1", "lot": k, "worker": "W1"} for k in range(3)]
    plan, info = polished(data, {("W1", "O1"): (4, False), ("W2", "O1"): (1, False)})
    assert per_worker(plan) == {("W1", "O1"): 3, ("W2", "O1"): 2}
    assert plan["stats"]["on_time_pieces"] == 50


def test_local_search_places_lots_nobody_holds(build: Any) -> None:
    workers = [build.worker("W1", {"a": 10}, [2]), build.worker("W2", {"a": 10}, [2])]
    plan, info = polished(
        build.instance(workers, [build.order("O1", "a", 30, 10, 0)], days=1), {("W1", "O1"): (1, False)}
    )
    assert plan["stats"]["assigned_lots"] == 3
    assert info.placed == 2
    assert per_worker(plan) == {("W1", "O1"): 2, ("W2", "O1"): 1} or per_worker(plan) == {
        ("W1", "O1"): 1,
        ("W2", "O1"): 2,
    }


def test_local_search_does_not_add_trips_when_travel_ranks_first(build: Any) -> None:
    # W2 fetches from a station 20 minutes away; with travel ranked before fairness it takes nothing more.
    workers = [
        build.worker("W1", {"a": 10}, [4]),
        build.worker("W2", {"a": 10}, [4], station="S2", reach={"S1": 20}),
    ]
    data = build.instance(workers, [build.order("O1", "a", 40, 10, 0)], days=1, stations=2)
    start = {("W1", "O1"): (3, False), ("W2", "O1"): (1, False)}
    plan, _ = polished(data, start, keep_travel=True)
    assert plan["stats"]["travel_minutes"] == 20
    plan, _ = polished(data, start)
    assert per_worker(plan) == {("W1", "O1"): 2, ("W2", "O1"): 2}


def test_local_search_is_deterministic() -> None:
    data = small_city()
    inst = parse_instance(data)
    start = {}
    for a in greedy_plan(inst)["assignments"]:
        key = (a["worker"], a["order"])
        f, r = start.get(key, (0, False))
        if a["pieces"] == inst.orders[inst.order_index[a["order"]]].lot_size:
            start[key] = (f + 1, r)
        else:
            start[key] = (f, True)
    first, info = polished(data, start)
    second, _ = polished(data, start)
    assert first["assignments"] == second["assignments"]
    assert info.complete and info.spread_after < info.spread_before


def test_fairer_than_greedy_at_no_lower_on_time_value() -> None:
    data = small_city()
    plan = run(data)
    greedy = greedy_plan(parse_instance(data))["stats"]
    s = plan["stats"]
    assert s["weighted_on_time"] >= greedy["weighted_on_time"]
    assert s["eligible_without_work"] <= greedy["eligible_without_work"]
    assert s["earnings_per_hour_gini"] < greedy["earnings_per_hour_gini"]
