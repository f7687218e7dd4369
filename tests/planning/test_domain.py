"""Planning without the database: whole pieces for showing, and why a worker has no work."""

from __future__ import annotations

from datetime import date
from typing import Any

from factory.planning import domain
from factory.scheduling import check_plan, parse_instance


def test_whole_days_round_by_largest_remainder_and_add_up_to_the_lot() -> None:
    assert domain.whole_days([(0, 160.8), (1, 39.2)], 200) == [(0, 161), (1, 39)]
    assert domain.whole_days([(0, 33.33), (1, 33.33), (2, 33.34)], 100) == [(0, 33), (1, 33), (2, 34)]
    assert domain.whole_days([(0, 100 / 3), (1, 100 / 3), (2, 100 / 3)], 100) == [(0, 34), (1, 33), (2, 33)]
    assert domain.whole_days([(3, 0.4), (4, 99.6)], 100) == [(4, 100)]  # a speck of a day is left out
    assert domain.whole_days([(2, 50), (2, 50)], 100) == [(2, 100)]
    for days in ([(0, 12.5), (1, 12.5), (2, 75)], [(0, 0.2), (1, 0.3), (2, 0.5)]):
        total = round(sum(p for _, p in days))
        assert sum(n for _, n in domain.whole_days(days, total)) == total


def _instance() -> dict[str, Any]:
    hours = [3, 3, 3, 3, 3, 0, 0]
    return {
        "format": "microfactory-instance/1",
        "horizon": {"start": "2026-11-23", "days": 7},
        "stations": [{"id": "S1", "name": "站"}],
        "workers": [
            {"id": "W1", "station": "S1", "speed": {"remote_assembly": 30}, "hours": hours},
            {"id": "W2", "station": "S1", "speed": {"remote_assembly": 30}, "hours": hours},
            {"id": "W3", "station": "S1", "speed": {"remote_assembly": 30}, "hours": [0] * 7},
            {"id": "W4", "station": "S1", "speed": {"knitting": 2}, "hours": hours},
            {"id": "W5", "station": "S1", "speed": {"remote_assembly": 1}, "hours": hours},
        ],
        "orders": [
            {
                "id": "O1",
                "skill": "remote_assembly",
                "quantity": 90,
                "lot_size": 90,
                "due_day": 4,
                "piece_rate_fen": 40,
                "stations": ["S1"],
            },
        ],
    }


def _plan() -> dict[str, Any]:
    days = [{"day": 0, "pieces": 45.5}, {"day": 1, "pieces": 44.5}]
    return {
        "format": "microfactory-plan/1",
        "assignments": [
            {"order": "O1", "lot": 0, "worker": "W1", "station": "S1", "pieces": 90, "days": days}
        ],
        "unassigned": [],
    }


def test_each_worker_without_work_has_one_reason_and_only_could_work_counts() -> None:
    instance, plan = _instance(), _plan()
    assert domain.idle_reasons(instance) == {
        1: domain.COULD_WORK,
        2: domain.COULD_WORK,
        3: domain.NO_HOURS,
        4: domain.NO_SKILL,
        5: domain.TOO_FEW_HOURS,  # 90 pieces at 1 an hour: 90 hours, 15 offered
    }
    r = domain.review(instance, plan, {"O1": [11]}, {1: 4000}, {1: date(2026, 11, 27)})
    assert [w for w, line in r.workers.items() if line.idle] == [2]
    figures = check_plan(parse_instance(instance), plan).figures
    assert r.idle_count == figures["eligible_without_work"] == 1


def test_the_review_shows_whole_pieces_per_day() -> None:
    r = domain.review(_instance(), _plan(), {"O1": [11]}, {1: 4000}, {1: date(2026, 11, 27)})
    line = r.workers[1]
    assert line.pieces_by_day[:2] == [45.5, 44.5]
    assert line.whole_by_day[:2] == [46, 44] and sum(line.whole_by_day) == 90


def _build_with_held(held: list[domain.HeldIn], workers: tuple[int, ...] = (7,)) -> dict[str, Any]:
    start = date(2026, 12, 1)
    order = domain.OrderIn(
        1, "遥控器组装", "remote_assembly", 100, date(2026, 12, 20), 4000, [domain.LotIn(11, 1, 100, 3)]
    )
    people = [domain.WorkerIn(w, 3, "工人", {"remote_assembly": 30}, [3] * 7) for w in workers]
    instance, _lots, _dropped = domain.build_instance(
        start=start,
        days=7,
        stations=[domain.StationIn(3, "站")],
        workers=people,
        orders=[order],
        held=held,
    )
    return instance


def test_a_lot_given_out_goes_into_the_run_with_its_worker_and_the_days_in_the_horizon() -> None:
    d = date
    days = [(d(2026, 11, 30), 20.0), (d(2026, 12, 1), 30.0), (d(2026, 12, 3), 33.33), (d(2026, 12, 8), 16.67)]
    instance = _build_with_held([domain.HeldIn(11, 7, 100, days)])
    # the day before the horizon has passed (its pieces are planned again); the day after it stays as it is
    assert instance["held"] == [
        {
            "order": "O1",
            "lot": 0,
            "worker": "W7",
            "pieces": 83.33,
            "days": [{"day": 0, "pieces": 30}, {"day": 2, "pieces": 33.33}],
        }
    ]
    assert parse_instance(instance).held[0].pieces == 83.33


def test_a_lot_held_by_someone_outside_the_run_is_left_as_it_is() -> None:
    instance = _build_with_held([domain.HeldIn(11, 8, 100, [(date(2026, 12, 2), 100.0)])])
    assert "held" not in instance
