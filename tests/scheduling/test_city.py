"""City-scale decomposition (LP shares, per-station models in processes) and the greedy baseline."""

from __future__ import annotations

import random
from typing import Any

import pytest

from factory.scheduling import check_plan, greedy_plan, parse_instance, solve
from factory.scheduling import engine as engine_mod
from factory.scheduling.decompose import station_quotas
from factory.scheduling.problem import build_problem
from factory.scheduling.solver import lp_bound


def small_city(seed: int = 7) -> dict[str, Any]:
    """Four stations, 48 workers, 8 orders, some workers reaching a neighbouring station."""
    rng = random.Random(seed)
    stations = [{"id": f"S{i}", "name": f"站{i}", "district": "市北区"} for i in range(1, 5)]
    workers = []
    for i in range(48):
        home = f"S{i % 4 + 1}"
        reach = {f"S{(i + 1) % 4 + 1}": 15} if i % 5 == 0 else {}
        skills = rng.sample(["a", "b", "c"], rng.choice([1, 2]))
        workers.append(
            {
                "id": f"W{i + 1}",
                "station": home,
                "speed": {s: rng.choice([8, 10, 12]) for s in skills},
                "hours": [rng.choice([0, 2, 3, 4]) for _ in range(5)],
                "reach": reach,
                "priority": i % 7 == 0,
            }
        )
    orders = [
        {
            "id": f"O{k + 1}",
            "skill": "abc"[k % 3],
            "quantity": rng.choice([200, 230, 300]),
            "lot_size": 20,
            "due_day": rng.choice([2, 3, 4]),
            "piece_rate_fen": rng.choice([30, 40]),
            "weight": rng.choice([1, 2]),
            "stations": [f"S{k % 4 + 1}"] + ([f"S{(k + 1) % 4 + 1}"] if k % 3 == 0 else []),
        }
        for k in range(8)
    ]
    return {
        "format": "microfactory-instance/1",
        "horizon": {"start": "2026-12-01", "days": 5},
        "stations": stations,
        "workers": workers,
        "orders": orders,
        "pinned": [{"order": "O1", "lot": 3, "worker": "W1"}],
    }


def test_station_quotas_never_exceed_the_order() -> None:
    prob = build_problem(parse_instance(small_city()))
    full, rem = station_quotas(prob, lp_bound(prob, prefer_spread=True))
    for oi, o in enumerate(prob.inst.orders):
        assert sum(q.get(oi, 0) for q in full.values()) <= o.n_full
        assert sum(q.get(oi, 0) for q in rem.values()) <= (1 if o.rem else 0)


def test_decomposed_solve_gives_a_valid_plan_within_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    data = small_city()
    whole = solve(parse_instance(data), time_limit=5)
    monkeypatch.setattr(engine_mod, "CITY_WORKERS", 10)
    seen: list[int] = []
    plan = solve(parse_instance(data), time_limit=20, progress=lambda p, m: seen.append(p))
    s = plan["stats"]
    assert s["decomposed"] is True
    assert whole["stats"]["decomposed"] is False
    result = check_plan(parse_instance(data), plan)
    assert result.valid, result.errors
    assert {(a["order"], a["lot"]): a["worker"] for a in plan["assignments"]}["O1", 3] == "W1"
    assert s["weighted_on_time"] <= s["upper_bound"] + 1e-9
    # The LP bound is the same whichever way the plan is made; the decomposition stays close to the whole model.
    assert s["lp_bound"] == pytest.approx(whole["stats"]["lp_bound"])
    assert s["weighted_on_time"] >= 0.9 * whole["stats"]["weighted_on_time"]
    assert seen[-1] == 100


def test_greedy_gives_each_lot_to_the_worker_with_most_free_hours(build: Any) -> None:
    workers = [build.worker("W1", {"a": 10}, [3, 0]), build.worker("W2", {"a": 10}, [2, 3])]
    plan = greedy_plan(parse_instance(build.instance(workers, [build.order("O1", "a", 10, 10, 1)], days=2)))
    assert [a["worker"] for a in plan["assignments"]] == ["W2"]
    # Due on day 0, W1 has more free hours by then.
    plan = greedy_plan(parse_instance(build.instance(workers, [build.order("O1", "a", 10, 10, 0)], days=2)))
    assert [a["worker"] for a in plan["assignments"]] == ["W1"]


def test_greedy_plan_is_valid_on_tiny(tiny: dict[str, Any]) -> None:
    inst = parse_instance(tiny)
    plan = greedy_plan(inst)
    assert check_plan(inst, plan).valid
