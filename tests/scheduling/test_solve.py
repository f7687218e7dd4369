"""Hard rules and objective layers on small instances whose answers are known by hand."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from factory.scheduling import check_plan, parse_instance, solve

LIMIT = 5.0


def run(data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    plan = solve(parse_instance(data), time_limit=kw.pop("time_limit", LIMIT), **kw)
    result = check_plan(parse_instance(data), plan)
    assert result.valid, result.errors
    return plan


def lots_of(plan: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(a["order"], a["lot"]): a["worker"] for a in plan["assignments"]}


def reasons(plan: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(u["order"], u["lot"]): u["code"] for u in plan["unassigned"]}


def test_tiny_as_worked_out_by_hand(tiny: dict[str, Any]) -> None:
    plan = run(tiny)
    s = plan["stats"]
    assert s["weighted_on_time"] == 68
    assert s["on_time_pieces"] == 64
    assert s["upper_bound"] == 68
    assert s["status"] == "OPTIMAL"
    got = lots_of(plan)
    # W1 makes 20 a day on days 0-1 (two lots of O1); W2 makes the third lot on day 0 and knits O2 on day 2.
    assert sorted(w for (o, _), w in got.items() if o == "O1") == ["W1", "W1", "W2"]
    assert got["O2", 0] == got["O2", 1] == "W2"
    assert plan["unassigned"] == []
    for a in plan["assignments"]:
        if a["order"] == "O2":
            assert a["days"] == [{"day": 2, "pieces": 2}]
        elif a["worker"] == "W2":
            assert a["days"] == [{"day": 0, "pieces": 20}]


def test_required_stats_are_present(tiny: dict[str, Any]) -> None:
    s = run(tiny)["stats"]
    for key in [
        "on_time_pieces",
        "weighted_on_time",
        "upper_bound",
        "travel_minutes",
        "workers_with_work",
        "solve_seconds",
        "status",
        "eligible_workers",
        "eligible_without_work",
        "priority_eligible",
        "priority_with_work",
        "earnings_per_hour_gini",
    ]:
        assert key in s


def test_skill_is_required(build: Any) -> None:
    data = build.instance([build.worker("W1", {"a": 10}, [8])], [build.order("O1", "b", 10, 10, 0)], days=1)
    plan = run(data)
    assert plan["assignments"] == []
    [u] = plan["unassigned"]
    assert u["code"] == "no_skill"
    assert u["params"] == {"skill": "b"}
    assert "skill b" in u["reason"]


def test_hours_per_day_and_due_day(build: Any) -> None:
    # 15 pieces at 10 an hour with 1 hour a day: fits by day 1 (10 + 5), not by day 0.
    w = build.worker("W1", {"a": 10}, [1, 1])
    plan = run(build.instance([w], [build.order("O1", "a", 15, 15, 1)], days=2))
    [a] = plan["assignments"]
    assert a["days"] == [{"day": 0, "pieces": 10}, {"day": 1, "pieces": 5}]
    plan = run(build.instance([w], [build.order("O1", "a", 15, 15, 0)], days=2))
    assert plan["assignments"] == []
    assert plan["unassigned"][0]["code"] == "no_time_before_due"
    assert plan["unassigned"][0]["params"] == {"skill": "a", "due_day": 0, "pieces": 15}


def test_lots_are_never_split(build: Any) -> None:
    # Together W1 and W2 could make the 30-piece lot by day 0, but neither can alone.
    workers = [build.worker("W1", {"a": 10}, [2]), build.worker("W2", {"a": 10}, [2])]
    plan = run(build.instance(workers, [build.order("O1", "a", 30, 30, 0)], days=1))
    assert plan["assignments"] == []
    assert reasons(plan) == {("O1", 0): "no_time_before_due"}
    # Cut into lots of 15, each worker takes one... no: 15 pieces need 1.5 h, each can take exactly one.
    plan = run(build.instance(workers, [build.order("O1", "a", 30, 15, 0)], days=1))
    assert sorted(lots_of(plan).values()) == ["W1", "W2"]


def test_hours_shared_by_lots_with_different_due_days(build: Any) -> None:
    # 3 hours over 3 days; lots of 10 pieces take 1 hour. O1 (due 0) takes day 0, so only two of O2's
    # three lots (due 2) fit: the third is "not chosen".
    w = build.worker("W1", {"a": 10}, [1, 1, 1])
    plan = run(build.instance([w], [build.order("O1", "a", 10, 10, 0), build.order("O2", "a", 30, 10, 2)]))
    assert plan["stats"]["on_time_pieces"] == 30
    assert len(plan["unassigned"]) == 1
    assert plan["unassigned"][0]["code"] == "not_chosen"


def test_material_only_from_a_reachable_station(build: Any) -> None:
    o = build.order("O1", "a", 10, 10, 0, stations=["S2", "S3"])
    plan = run(build.instance([build.worker("W1", {"a": 10}, [2])], [o], days=1, stations=3))
    assert reasons(plan) == {("O1", 0): "no_reachable_station"}
    assert plan["unassigned"][0]["params"] == {"skill": "a", "stations": ["S2", "S3"]}
    w = build.worker("W1", {"a": 10}, [2], reach={"S2": 30, "S3": 12})
    plan = run(build.instance([w], [o], days=1, stations=3))
    [a] = plan["assignments"]
    assert a["station"] == "S3"  # the nearer of the two stations holding the material
    assert plan["stats"]["travel_minutes"] == 12


def test_pins_are_kept(tiny: dict[str, Any]) -> None:
    # Unpinned, W2 makes one lot of O1 on day 0. Pin O1 lot 0 to W2 and the plan must honour it.
    tiny["pinned"] = [{"order": "O1", "lot": 0, "worker": "W2"}]
    plan = run(tiny)
    assert lots_of(plan)["O1", 0] == "W2"
    assert plan["stats"]["weighted_on_time"] == 68


def test_pin_that_costs_on_time_is_still_kept(build: Any) -> None:
    # W1 could make both lots of O1 (weight 3); pinning O2 to W1 leaves room for only one lot of O1.
    w = build.worker("W1", {"a": 10}, [2])
    orders = [build.order("O1", "a", 20, 10, 0, weight=3), build.order("O2", "a", 10, 10, 0)]
    data = build.instance([w], orders, days=1)
    assert run(data)["stats"]["weighted_on_time"] == 60
    data["pinned"] = [{"order": "O2", "lot": 0, "worker": "W1"}]
    plan = run(data)
    assert lots_of(plan)["O2", 0] == "W1"
    assert plan["stats"]["weighted_on_time"] == 40


def test_weight_decides_which_order_is_on_time(build: Any) -> None:
    # One hour: either O1 (10 pieces, weight 1) or O2 (8 pieces, weight 2).
    w = build.worker("W1", {"a": 10}, [1])
    plan = run(
        build.instance(
            [w], [build.order("O1", "a", 10, 10, 0), build.order("O2", "a", 8, 8, 0, weight=2)], days=1
        )
    )
    assert [a["order"] for a in plan["assignments"]] == ["O2"]
    assert plan["stats"]["weighted_on_time"] == 16
    assert reasons(plan) == {("O1", 0): "not_chosen"}


def test_upper_bound_is_proven_and_tight(build: Any) -> None:
    # 1.5 hours fit one lot of 10 (1 h) but not two: the LP bound says 15, the integer optimum is 10.
    w = build.worker("W1", {"a": 10}, [1.5])
    plan = run(
        build.instance([w], [build.order("O1", "a", 10, 10, 0), build.order("O2", "a", 10, 10, 0)], days=1)
    )
    s = plan["stats"]
    assert s["weighted_on_time"] == 10
    assert s["lp_bound"] == pytest.approx(15, abs=1e-3)
    assert s["upper_bound"] == 10  # tightened by the exact model's proof
    assert s["status"] == "OPTIMAL"


def test_fairness_reaches_priority_resident_first(build: Any) -> None:
    # One lot, two identical residents: the hard-to-employ one gets it.
    for prio in ("W1", "W2"):
        workers = [build.worker(w, {"a": 10}, [2], priority=(w == prio)) for w in ("W1", "W2")]
        plan = run(build.instance(workers, [build.order("O1", "a", 10, 10, 0)], days=1))
        assert lots_of(plan) == {("O1", 0): prio}
        assert plan["stats"]["priority_with_work"] == 1


def test_fairness_leaves_nobody_without_work(build: Any) -> None:
    # W1 is fast enough for both lots; W2 can take one. On time either way: fairness gives each one.
    workers = [build.worker("W1", {"a": 20}, [1]), build.worker("W2", {"a": 10}, [1])]
    plan = run(build.instance(workers, [build.order("O1", "a", 20, 10, 0)], days=1))
    assert sorted(lots_of(plan).values()) == ["W1", "W2"]
    assert plan["stats"]["eligible_without_work"] == 0


def test_fairness_evens_earnings_per_offered_hour(build: Any) -> None:
    # Four one-hour lots; W1 offers 10 hours, W2 2 hours. Per hour: (3,1) -> 0.3 and 0.5 of a lot's pay,
    # (2,2) -> 0.2 and 1.0: the even split per hour is (3, 1).
    workers = [build.worker("W1", {"a": 10}, [10]), build.worker("W2", {"a": 10}, [2])]
    plan = run(build.instance(workers, [build.order("O1", "a", 40, 10, 0)], days=1))
    per = sorted(lots_of(plan).values())
    assert per.count("W1") == 3
    assert per.count("W2") == 1


def test_fairness_left_out_of_the_objective(build: Any) -> None:
    # Without the fairness layer, travel alone decides: the nearer worker takes both lots.
    workers = [
        build.worker("W1", {"a": 20}, [1], station="S2", reach={"S1": 5}),
        build.worker("W2", {"a": 20}, [1], station="S2", reach={"S1": 20}),
    ]
    data = build.instance(
        workers, [build.order("O1", "a", 20, 10, 0)], days=1, stations=2, objective=["on_time", "travel"]
    )
    plan = run(data)
    assert sorted(lots_of(plan).values()) == ["W1", "W1"]
    data["objective"] = ["on_time", "fairness", "travel"]
    assert sorted(lots_of(run(data)).values()) == ["W1", "W2"]


def test_travel_breaks_ties(build: Any) -> None:
    for near in ("W1", "W2"):
        workers = [
            build.worker(w, {"a": 10}, [1], station="S2", reach={"S1": 5 if w == near else 25})
            for w in ("W1", "W2")
        ]
        plan = run(build.instance(workers, [build.order("O1", "a", 10, 10, 0)], days=1, stations=2))
        assert lots_of(plan) == {("O1", 0): near}
        assert plan["stats"]["travel_minutes"] == 5


def test_daily_pieces_earliest_due_first(build: Any) -> None:
    # One hour a day at 10 an hour: O2 (due day 1) goes first on day 0; O1 (due day 2) takes days 1 and 2.
    w = build.worker("W1", {"a": 10}, [1, 1, 1])
    plan = run(build.instance([w], [build.order("O1", "a", 15, 15, 2), build.order("O2", "a", 10, 10, 1)]))
    days = {a["order"]: a["days"] for a in plan["assignments"]}
    assert days["O2"] == [{"day": 0, "pieces": 10}]
    assert days["O1"] == [{"day": 1, "pieces": 10}, {"day": 2, "pieces": 5}]


def test_a_worker_with_weekday_hours_gets_no_pieces_at_the_weekend(build: Any) -> None:
    # Two weeks from a Monday, 3 hours on weekdays only, at 7 pieces an hour: every planned day is a weekday.
    week = [3, 3, 3, 3, 3, 0, 0]
    w = build.worker("W1", {"a": 7}, week * 2)
    orders = [build.order("O1", "a", 200, 50, 13), build.order("O2", "a", 45, 45, 6)]
    plan = run(build.instance([w], orders, days=14))
    planned = [d for a in plan["assignments"] for d in a["days"]]
    assert planned and all(week[d["day"] % 7] > 0 for d in planned)


def test_rounding_dust_of_a_lot_goes_on_its_last_working_day_not_on_a_day_without_hours() -> None:
    # The lot needs a ten-millionth of an hour more than the five weekdays offer (within the checker's
    # tolerance); the speck left over belongs to Friday, not to Sunday, the due day, when she offers nothing.
    from factory.scheduling.schedule import daily_pieces

    hours = [2.15, 2.15, 2.15, 2.15, 2.15, 0, 0]
    speed = 15 / (sum(hours) + 1e-7)
    data = {
        "format": "microfactory-instance/1",
        "horizon": {"start": "2026-11-23", "days": 7},
        "stations": [{"id": "S1", "name": "站"}],
        "workers": [{"id": "W1", "station": "S1", "speed": {"a": speed}, "hours": hours}],
        "orders": [
            {
                "id": "O1",
                "skill": "a",
                "quantity": 15,
                "lot_size": 15,
                "due_day": 6,
                "piece_rate_fen": 10,
                "stations": ["S1"],
            }
        ],
    }
    inst = parse_instance(data)
    days = daily_pieces(inst, 0, [(0, 0)])[0, 0]
    assert [d["day"] for d in days] == [0, 1, 2, 3, 4]
    assert sum(d["pieces"] for d in days) == 15


def test_fractional_pieces_over_several_evenings(build: Any) -> None:
    # A sweater at 0.4 an hour with 1 hour an evening takes 2.5 evenings.
    w = build.worker("W1", {"k": 0.4}, [1, 1, 1])
    plan = run(build.instance([w], [build.order("O1", "k", 1, 1, 2)]))
    [a] = plan["assignments"]
    assert [d["day"] for d in a["days"]] == [0, 1, 2]
    assert [d["pieces"] for d in a["days"]] == pytest.approx([0.4, 0.4, 0.2])


def test_previous_plan_is_kept(build: Any) -> None:
    # Two identical residents, one lot: whoever had it in the previous plan keeps it.
    workers = [build.worker(w, {"a": 10}, [1]) for w in ("W1", "W2", "W3")]
    data = build.instance(workers, [build.order("O1", "a", 20, 10, 0)], days=1)
    for keep in (("W1", "W2"), ("W2", "W3"), ("W3", "W1")):
        prev = {"assignments": [{"order": "O1", "lot": k, "worker": keep[k]} for k in range(2)]}
        plan = run(data, previous_plan=prev)
        assert lots_of(plan) == {("O1", 0): keep[0], ("O1", 1): keep[1]}
        assert plan["stats"]["previous_moved"] == 0


def test_rerun_after_a_worker_drops_out(build: Any) -> None:
    workers = [build.worker(f"W{i}", {"a": 10}, [2, 2]) for i in range(1, 6)]
    data = build.instance(workers, [build.order("O1", "a", 160, 10, 1)], days=2)
    first = run(data)
    assert first["stats"]["on_time_pieces"] == 160
    data["workers"] = [w for w in data["workers"] if w["id"] != "W3"]
    again = run(data, previous_plan=first)
    before = lots_of(first)
    after = lots_of(again)
    others = {k: w for k, w in before.items() if w != "W3"}
    assert all(after.get(k) == w for k, w in others.items())
    assert (
        again["stats"]["on_time_pieces"] == 160
    )  # four workers x 4 hours x 10 an hour: everything still fits
    assert again["stats"]["previous_moved"] == sum(1 for w in before.values() if w == "W3")


def test_progress_reports_zero_to_hundred(tiny: dict[str, Any]) -> None:
    seen: list[tuple[int, str]] = []
    run(tiny, progress=lambda pct, msg: seen.append((pct, msg)))
    pcts = [p for p, _ in seen]
    assert pcts[0] == 0
    assert pcts[-1] == 100
    assert pcts == sorted(pcts)


def test_cancel_returns_a_valid_plan(tiny: dict[str, Any]) -> None:
    ev = threading.Event()
    ev.set()
    plan = run(tiny, cancel=ev)
    assert plan["stats"]["status"] == "CANCELLED"
    assert len(plan["assignments"]) + len(plan["unassigned"]) == 5


def test_cancel_callable_mid_run(build: Any) -> None:
    workers = [build.worker(f"W{i}", {"a": 7 + i % 5}, [3, 2, 4]) for i in range(40)]
    orders = [build.order(f"O{j}", "a", 300, 13 + j, j % 3) for j in range(8)]
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    plan = run(build.instance(workers, orders), cancel=cancel, time_limit=30)
    assert plan["stats"]["status"] == "CANCELLED"
